// Catch-v0 in a grid cell, as drawCatch (src/envs/builtin/catch.ts) draws it: the fruit, the bomb,
// the paddle whose top edge is the row y = 0, and one marker per life left in the top-left corner.
// State: paddle_x, fruit_x, fruit_y, fruit_vx, bomb_x, bomb_y, lives.

override paddle_half_width: f32 = 0.15;

// Markers drawn at most (start_lives is 3).
const MAX_LIFE_MARKERS: u32 = 5u;
// The floor, fruit, bomb, paddle, then MAX_LIFE_MARKERS markers.
const ENV_SHAPES: u32 = 9u;

const OBJECT_RADIUS: f32 = 0.06;
const PADDLE_HEIGHT: f32 = 0.04;
const MARKER_SIZE: f32 = 0.05;

fn env_shape(env: u32, i: u32) -> Shape {
  switch (i) {
    // The floor the objects land on.
    case 0u: { return segment(vec2f(-1.0, 0.0), vec2f(1.0, 0.0), 0.005, rgb(50.0, 56.0, 70.0)); }
    case 1u: { return disc(vec2f(state(env, 1u), state(env, 2u)), OBJECT_RADIUS, rgb(76.0, 217.0, 100.0)); }
    case 2u: { return disc(vec2f(state(env, 4u), state(env, 5u)), OBJECT_RADIUS, rgb(255.0, 59.0, 48.0)); }
    case 3u: {
      let paddle_x = state(env, 0u);
      return rect(vec2f(paddle_x - paddle_half_width, -PADDLE_HEIGHT), vec2f(paddle_x + paddle_half_width, 0.0), rgb(232.0, 232.0, 232.0));
    }
    default: {
      let life = i - 4u;
      if (f32(life) + 0.5 > state(env, 6u)) {
        return hidden();
      }
      let low = vec2f(-1.0 + MARKER_SIZE * (1.0 + 2.0 * f32(life)), 1.0);
      return rect(low, low + vec2f(MARKER_SIZE), rgb(255.0, 204.0, 0.0));
    }
  }
}
