// Include-only env body: Snake-v0, the classic game on a small board (not a Gymnasium env).
// Its JavaScript twin is test/support/snake-host.ts; the TS descriptor is src/envs/builtin/snake.ts.
//
// Rules
//   Board: board_width × board_height cells (6 × 6; each clamped to [4, 8]), x left to right, y top
//     to bottom; cell index y·board_width + x.
//   Actions (discrete, 4, absolute directions): 0 up (y − 1), 1 right (x + 1), 2 down (y + 1),
//     3 left (x − 1). The head moves one cell in the action's direction every step.
//   Body: each cell holds the steps its body segment has left (0 = empty): the head's cell holds
//     the length, the tail's 1. A step without an apple decrements every occupied cell (the tail
//     leaves) and writes the length into the new head cell; eating leaves the body as it is and
//     the length grows by one, so the tail stays.
//   Death: moving off the board or into a body cell other than the tail (which leaves this step)
//     terminates with −death_penalty (1); the state is left as it was. Reversing onto the neck is
//     such a move. env_mask (MASK_SIZE 4) forbids every move that dies, so a masked policy only
//     ever dies trapped: when every move dies, all but the reverse stay legal (a row is never
//     all-masked). A run without masks has to learn not to take them.
//   Apple: moving onto it gives +apple_reward (1), grows the snake, and places a new apple on a
//     uniformly random free cell; an apple that fills the board wins (terminated, won = 1, no new
//     apple: apple = −1).
//   Shaping: + shaping_coef·(d − d') (1/32, a dyadic number so that returns sum exactly in f32),
//     d and d' the Manhattan distances from the head to the apple before and after the move; none
//     on a death.
//   Truncation at 200 steps is the wrapper's.
//   Reset: length 3, lying straight behind the head, heading in a uniformly random direction, the
//     head uniformly random among the cells where the body fits behind it and one free cell lies
//     ahead; the apple on a uniformly random free cell.
//
// Randomness: env_reset draws 4 uniforms (heading, head along the heading, head across it, apple);
// env_step draws 1 every step (the new apple's cell, used only when an apple is eaten), so the
// JavaScript twin replays the draws. A uniform u picks the k-th of n choices as
// k = (u·2^24 · n) >> 24: u·2^24 is the draw's exact 24-bit integer, so the pick is exact integer
// arithmetic (no f32 rounding can reach n) and the same in JavaScript.
//
// State (STATE_SIZE 71): head_x, head_y, heading, length, apple (cell index, −1 when the board is
// full), apples (eaten this episode), won, then cells[64] (the body lifetimes; cells beyond the
// board stay 0). Observation (OBS_SIZE 11), every entry in [−1, 1]:
//   [(apple_x − head_x)/(width − 1), (apple_y − head_y)/(height − 1) (both 0 without an apple),
//    danger up, right, down, left (1 where that move dies, else 0), heading one-hot (4),
//    2·length/cells − 1].
// Metrics (METRIC_COUNT 2, of the state an episode ended in): apples, won.

const OBS_SIZE: u32 = 11u;
const STATE_SIZE: u32 = 71u;
const ACTION_SIZE: u32 = 1u;
const MASK_SIZE: u32 = 4u;
const METRIC_COUNT: u32 = 2u;

// The cells array holds boards up to 8 × 8.
const SNAKE_MAX_CELLS: u32 = 64u;
const SNAKE_MIN_SIDE: u32 = 4u;
const SNAKE_MAX_SIDE: u32 = 8u;
const SNAKE_START_LENGTH: u32 = 3u;

struct EnvParams {
  board_width: u32,
  board_height: u32,
  apple_reward: f32,
  death_penalty: f32,
  shaping_coef: f32,
}

struct State {
  head_x: f32,
  head_y: f32,
  heading: f32,
  length: f32,
  apple: f32,
  apples: f32,
  won: f32,
  cells: array<f32, 64>,
}

alias EnvAction = u32;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

fn snake_width(params: EnvParams) -> i32 {
  return i32(clamp(params.board_width, SNAKE_MIN_SIDE, SNAKE_MAX_SIDE));
}

fn snake_height(params: EnvParams) -> i32 {
  return i32(clamp(params.board_height, SNAKE_MIN_SIDE, SNAKE_MAX_SIDE));
}

// The cell offset of direction 0 up, 1 right, 2 down, 3 left (y grows downwards).
fn snake_direction(direction: u32) -> vec2i {
  switch (direction) {
    case 0u: { return vec2i(0, -1); }
    case 1u: { return vec2i(1, 0); }
    case 2u: { return vec2i(0, 1); }
    default: { return vec2i(-1, 0); }
  }
}

// The k-th of n choices from one uniform (exact integer arithmetic; see the header).
fn snake_pick(u: f32, n: u32) -> u32 {
  return (u32(u * 16777216.0) * n) >> 24u;
}

// Whether moving the head to `cell` kills: off the board, or onto a body cell other than the tail.
fn snake_deadly(state: State, cell: vec2i, width: i32, height: i32) -> bool {
  if (cell.x < 0 || cell.y < 0 || cell.x >= width || cell.y >= height) {
    return true;
  }
  return state.cells[cell.y * width + cell.x] > 1.0;
}

// The index of the k-th empty cell (row-major) of a width × height board.
fn snake_free_cell(state: State, k: u32, cell_count: i32) -> i32 {
  var seen = 0u;
  for (var i = 0; i < cell_count; i += 1) {
    if (state.cells[i] == 0.0) {
      if (seen == k) {
        return i;
      }
      seen += 1u;
    }
  }
  return -1;
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  let width = snake_width(params);
  let height = snake_height(params);
  let heading = snake_pick(env_uniform(rng), 4u);
  let forward = snake_direction(heading);
  // Along the heading: room for the two body cells behind and one free cell ahead.
  let along_side = select(height, width, forward.x != 0);
  let across_side = select(width, height, forward.x != 0);
  let along_step = forward.x + forward.y;
  let along = i32(snake_pick(env_uniform(rng), u32(along_side - 3))) + select(1, 2, along_step > 0);
  let across = i32(snake_pick(env_uniform(rng), u32(across_side)));
  let head = select(vec2i(across, along), vec2i(along, across), forward.x != 0);

  var s: State;
  s.head_x = f32(head.x);
  s.head_y = f32(head.y);
  s.heading = f32(heading);
  s.length = f32(SNAKE_START_LENGTH);
  for (var i = 0u; i < SNAKE_START_LENGTH; i += 1u) {
    let cell = head - forward * i32(i);
    s.cells[cell.y * width + cell.x] = f32(SNAKE_START_LENGTH - i);
  }
  let cell_count = width * height;
  let free = u32(cell_count) - SNAKE_START_LENGTH;
  s.apple = f32(snake_free_cell(s, snake_pick(env_uniform(rng), free), cell_count));
  return s;
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  let width = snake_width(params);
  let height = snake_height(params);
  let cell_count = width * height;
  // One draw every step, in a fixed order, whether or not an apple is eaten.
  let spawn = env_uniform(rng);
  let direction = min(action, 3u);
  let head = vec2i(i32(state.head_x), i32(state.head_y));
  let next_head = head + snake_direction(direction);

  var out: EnvStep;
  out.state = state;
  if (snake_deadly(state, next_head, width, height)) {
    out.reward = -params.death_penalty;
    out.terminated = true;
    return out;
  }
  let apple = i32(state.apple);
  let apple_at = vec2i(apple % width, apple / width);
  let next_index = next_head.y * width + next_head.x;
  let eats = next_index == apple;
  var s = state;
  if (eats) {
    s.length += 1.0;
    s.apples += 1.0;
  } else {
    for (var i = 0; i < cell_count; i += 1) {
      s.cells[i] = max(s.cells[i] - 1.0, 0.0);
    }
  }
  s.cells[next_index] = s.length;
  s.head_x = f32(next_head.x);
  s.head_y = f32(next_head.y);
  s.heading = f32(direction);

  let before = abs(apple_at - head);
  let after = abs(apple_at - next_head);
  out.reward = params.shaping_coef * f32(before.x + before.y - after.x - after.y);
  out.terminated = false;
  if (eats) {
    out.reward += params.apple_reward;
    let free = u32(cell_count) - u32(s.length);
    if (free == 0u) {
      s.apple = -1.0;
      s.won = 1.0;
      out.terminated = true;
    } else {
      s.apple = f32(snake_free_cell(s, snake_pick(spawn, free), cell_count));
    }
  }
  out.state = s;
  return out;
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  let width = snake_width(params);
  let height = snake_height(params);
  let head = vec2i(i32(state.head_x), i32(state.head_y));
  let apple = i32(state.apple);
  var to_apple = vec2f(0.0);
  if (apple >= 0) {
    to_apple = vec2f(vec2i(apple % width, apple / width) - head) / vec2f(f32(width - 1), f32(height - 1));
  }
  var obs: array<f32, OBS_SIZE>;
  obs[0] = to_apple.x;
  obs[1] = to_apple.y;
  for (var d = 0u; d < 4u; d += 1u) {
    obs[2u + d] = select(0.0, 1.0, snake_deadly(state, head + snake_direction(d), width, height));
    obs[6u + d] = select(0.0, 1.0, u32(state.heading) == d);
  }
  obs[10] = 2.0 * state.length / f32(width * height) - 1.0;
  return obs;
}

// 1 for every direction that does not die this step; when each of them dies, 1 for every direction
// but the reverse of the heading (onto the neck).
fn env_mask(state: State, params: EnvParams) -> array<u32, MASK_SIZE> {
  let width = snake_width(params);
  let height = snake_height(params);
  let head = vec2i(i32(state.head_x), i32(state.head_y));
  var mask: array<u32, MASK_SIZE>;
  var legal = 0u;
  for (var d = 0u; d < 4u; d += 1u) {
    mask[d] = select(1u, 0u, snake_deadly(state, head + snake_direction(d), width, height));
    legal += mask[d];
  }
  if (legal == 0u) {
    mask = array<u32, MASK_SIZE>(1u, 1u, 1u, 1u);
    mask[(u32(state.heading) + 2u) % 4u] = 0u;
  }
  return mask;
}

fn env_metrics(state: State, params: EnvParams) -> array<f32, METRIC_COUNT> {
  return array<f32, METRIC_COUNT>(state.apples, state.won);
}
