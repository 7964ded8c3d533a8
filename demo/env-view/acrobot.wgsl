// Acrobot-v1 in a grid cell, after Gymnasium's renderer: two links hanging from the pivot (θ1 from
// straight down, θ2 relative to the first link), their joints, and the goal line one link length
// above the pivot that the free end must cross.
// State: theta1, theta2, theta1_dot, theta2_dot.

override link_length_1: f32 = 1.0;
// Gymnasium's LINK_LENGTH_2 (not an env parameter: it only draws the second link).
override link_length_2: f32 = 1.0;

const ENV_SHAPES: u32 = 5u;

const LINK_HALF_WIDTH: f32 = 0.1;

fn env_shape(env: u32, i: u32) -> Shape {
  let theta1 = state(env, 0u);
  let theta2 = state(env, 1u);
  let pivot = vec2f(0.0, 0.0);
  let elbow = pivot + link_length_1 * vec2f(sin(theta1), -cos(theta1));
  let tip = elbow + link_length_2 * vec2f(sin(theta1 + theta2), -cos(theta1 + theta2));
  let reach = link_length_1 + link_length_2 + 0.2;
  switch (i) {
    case 0u: { return segment(vec2f(-reach, 1.0), vec2f(reach, 1.0), 0.015, rgb(110.0, 200.0, 110.0)); }
    case 1u: { return segment(pivot, elbow, LINK_HALF_WIDTH, rgb(0.0, 204.0, 204.0)); }
    case 2u: { return segment(elbow, tip, LINK_HALF_WIDTH, rgb(0.0, 204.0, 204.0)); }
    case 3u: { return disc(pivot, LINK_HALF_WIDTH, rgb(204.0, 204.0, 0.0)); }
    default: { return disc(elbow, LINK_HALF_WIDTH, rgb(204.0, 204.0, 0.0)); }
  }
}
