// CartPole-v1 in a grid cell, after Gymnasium's renderer: the track, the cart at x, the pole hinged
// on the cart at angle θ from upright (positive leans right), and the ±x_threshold limits.
// State: x, x_dot, theta, theta_dot.

override x_threshold: f32 = 2.4;
// Half the pole's length (the env's `length`).
override pole_half_length: f32 = 0.5;

const ENV_SHAPES: u32 = 6u;

// Gymnasium's cart is 50 × 30 px at 125 px per metre; its pole 10 px wide.
const CART_HALF_WIDTH: f32 = 0.2;
const CART_HEIGHT: f32 = 0.24;
const AXLE_HEIGHT: f32 = 0.18;
const POLE_HALF_WIDTH: f32 = 0.05;

fn env_shape(env: u32, i: u32) -> Shape {
  let x = state(env, 0u);
  let theta = state(env, 2u);
  let axle = vec2f(x, AXLE_HEIGHT);
  let track_end = x_threshold + CART_HALF_WIDTH;
  switch (i) {
    case 0u: { return segment(vec2f(-track_end, 0.0), vec2f(track_end, 0.0), 0.01, rgb(120.0, 126.0, 140.0)); }
    case 1u: { return segment(vec2f(-x_threshold, -0.12), vec2f(-x_threshold, 0.12), 0.015, rgb(200.0, 70.0, 70.0)); }
    case 2u: { return segment(vec2f(x_threshold, -0.12), vec2f(x_threshold, 0.12), 0.015, rgb(200.0, 70.0, 70.0)); }
    case 3u: { return rect(vec2f(x - CART_HALF_WIDTH, 0.0), vec2f(x + CART_HALF_WIDTH, CART_HEIGHT), rgb(210.0, 216.0, 228.0)); }
    case 4u: {
      let tip = axle + 2.0 * pole_half_length * vec2f(sin(theta), cos(theta));
      return segment(axle, tip, POLE_HALF_WIDTH, rgb(226.0, 160.0, 90.0));
    }
    default: { return disc(axle, 0.045, rgb(129.0, 132.0, 203.0)); }
  }
}
