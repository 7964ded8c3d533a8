// Snake-v0 in a grid cell: the board, one square per body cell (the head brightest, the body
// darker towards the tail), and the apple. Board row 0 is the top (the env's y grows downwards);
// the world box is the board in cell units, y up. State: head_x, head_y, heading, length, apple,
// apples, won, then the 64 cells' remaining lifetimes (src/envs/builtin/snake.ts).

override board_width: u32 = 6u;
override board_height: u32 = 6u;

// The cells the state holds (shaders/envs/snake.wgsl SNAKE_MAX_CELLS).
const MAX_CELLS: u32 = 64u;
// The board, MAX_CELLS body squares, the apple.
const ENV_SHAPES: u32 = 66u;

const CELL_INSET: f32 = 0.06;
const APPLE_RADIUS: f32 = 0.34;
// State floats before the cells.
const FIRST_CELL: u32 = 7u;

// The world position of cell (x, row)'s lower-left corner.
fn cell_corner(x: u32, row: u32) -> vec2f {
  return vec2f(f32(x), f32(board_height - 1u - row));
}

fn env_shape(env: u32, i: u32) -> Shape {
  if (i == 0u) {
    return rect(vec2f(0.0), vec2f(f32(board_width), f32(board_height)), rgb(36.0, 42.0, 56.0));
  }
  if (i == ENV_SHAPES - 1u) {
    let apple = state(env, 4u);
    if (apple < 0.0) {
      return hidden();
    }
    let cell = u32(apple);
    return disc(cell_corner(cell % board_width, cell / board_width) + vec2f(0.5), APPLE_RADIUS, rgb(255.0, 59.0, 48.0));
  }
  let cell = i - 1u;
  let lifetime = state(env, FIRST_CELL + cell);
  if (cell >= min(board_width * board_height, MAX_CELLS) || lifetime < 0.5) {
    return hidden();
  }
  let corner = cell_corner(cell % board_width, cell / board_width);
  // 1 at the head, towards 0.4 at the tail.
  let shade = 0.4 + 0.6 * lifetime / max(state(env, 3u), 1.0);
  return rect(corner + vec2f(CELL_INSET), corner + vec2f(1.0 - CELL_INSET), shade * rgb(76.0, 217.0, 100.0));
}
