// Pendulum-v1 in a grid cell, after Gymnasium's renderer: a rod from the pivot at angle θ, θ = 0
// upright and positive counter-clockwise (θ is unbounded; sin and cos wrap it).
// State: theta, theta_dot.

const ENV_SHAPES: u32 = 4u;

const ROD_HALF_WIDTH: f32 = 0.1;

fn env_shape(env: u32, i: u32) -> Shape {
  let theta = state(env, 0u);
  let tip = vec2f(-sin(theta), cos(theta));
  let rod = rgb(204.0, 77.0, 77.0);
  switch (i) {
    // The upright target, faintly.
    case 0u: { return segment(vec2f(0.0, 0.0), vec2f(0.0, 1.15), 0.01, rgb(60.0, 66.0, 80.0)); }
    case 1u: { return segment(vec2f(0.0, 0.0), tip, ROD_HALF_WIDTH, rod); }
    case 2u: { return disc(tip, ROD_HALF_WIDTH, rod); }
    default: { return disc(vec2f(0.0, 0.0), 0.05, rgb(230.0, 230.0, 230.0)); }
  }
}
