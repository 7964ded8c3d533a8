// Include-only env body: ConnectFour-v0, the learner against a scripted opponent that plays inside
// the step, or against a policy (the policy seat: a pool member of self-play). Its JavaScript twin is test/support/connect-four-host.ts; the TS descriptor is
// src/envs/builtin/connect-four.ts.
//
// Rules
//   Board: 7 columns × 6 rows, cell index row·7 + column, row 0 at the bottom. A disc dropped in a
//     column lands on its lowest empty row; four of one player's discs in a row (horizontal,
//     vertical or either diagonal) win; a full board with no four is a draw.
//   Seats: the learner plays first or second (learner_seat: 0 = uniformly at random each episode,
//     1 = always first, 2 = always second); when second, the opponent's first disc is dropped at reset.
//   Actions (discrete, 7): the column the learner drops in. env_mask (MASK_SIZE 7) allows the
//     columns that are not full. A full column (possible only without masks) loses at once
//     (−1, terminated, the illegal metric 1).
//   Step: the learner's disc; a four wins (+1, terminated), a full board draws (0, terminated);
//     otherwise the opponent replies in the same step, and its four loses (−1, terminated), its
//     full board draws (0, terminated). An episode ends within 21 of the learner's moves.
//   Opponent: each episode (drawn at reset) it is the policy seat with probability
//     opponent_policy, else the lookahead player with probability opponent_lookahead, else the
//     random one. Random: a uniformly random non-full column. Lookahead: a column that wins now if
//     there is one, else one that blocks the learner's immediate win, else random; among several,
//     uniformly at random. The policy seat does not move inside env_reset or env_step: the
//     wrapper's opponent kernels (env_opponent_opening.wgsl, env_opponent_reply.wgsl) play its
//     opening and its replies through env_opponent_step, seeing the board from its side
//     (env_opponent_obs: its discs first); opponent_policy > 0 needs an opponent pool, which the
//     vector env refuses to run without (src/envs/opponent-pool.ts).
//
// Randomness: env_reset draws 3 uniforms (the seat, the opponent's kind, the opponent's first
// move: drawn whether or not it moves); env_step draws 1 every step (the opponent's reply, drawn
// whether or not it replies), so the JavaScript twin replays the draws. A uniform u picks the k-th
// of n choices as k = (u·2^24 · n) >> 24 (exact integer arithmetic, the same in JavaScript).
//
// State (STATE_SIZE 46): seat (0 learner first, 1 second), opponent (0 random, 1 lookahead,
// 2 the policy seat), moves (discs on the board), outcome (0 playing, 1 win, 2 draw, 3 loss,
// 4 illegal move), then cells[42] (0 empty, 1 the learner's disc, 2 the opponent's).
// Observation (OBS_SIZE 84): two planes of the 42 cells, the learner's discs then the opponent's
// (1 where the disc is, else 0). Metrics (METRIC_COUNT 4, of the final state): win, draw, loss
// (illegal moves included), illegal.

const OBS_SIZE: u32 = 84u;
const STATE_SIZE: u32 = 46u;
const ACTION_SIZE: u32 = 1u;
const MASK_SIZE: u32 = 7u;
const METRIC_COUNT: u32 = 4u;

const C4_COLUMNS: i32 = 7;
const C4_ROWS: i32 = 6;
const C4_CELLS: f32 = 42.0;
const C4_LEARNER: f32 = 1.0;
const C4_OPPONENT: f32 = 2.0;
// The kinds of opponent (State.opponent).
const C4_LOOKAHEAD: f32 = 1.0;
const C4_POLICY: f32 = 2.0;

struct EnvParams {
  opponent_lookahead: f32,
  learner_seat: u32,
  opponent_policy: f32,
}

struct State {
  seat: f32,
  opponent: f32,
  moves: f32,
  outcome: f32,
  cells: array<f32, 42>,
}

alias EnvAction = u32;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

// The k-th of n choices from one uniform (exact integer arithmetic; see the header).
fn c4_pick(u: f32, n: u32) -> u32 {
  return (u32(u * 16777216.0) * n) >> 24u;
}

// The row a disc dropped in `column` lands on; C4_ROWS when the column is full.
fn c4_height(state: State, column: i32) -> i32 {
  for (var row = 0; row < C4_ROWS; row += 1) {
    if (state.cells[row * C4_COLUMNS + column] == 0.0) {
      return row;
    }
  }
  return C4_ROWS;
}

// Discs of `player` in a line from (row, column), one step of `direction` at a time, not counting the cell itself.
fn c4_run(state: State, row: i32, column: i32, direction: vec2i, player: f32) -> i32 {
  var count = 0;
  var r = row + direction.y;
  var c = column + direction.x;
  while (r >= 0 && r < C4_ROWS && c >= 0 && c < C4_COLUMNS && state.cells[r * C4_COLUMNS + c] == player) {
    count += 1;
    r += direction.y;
    c += direction.x;
  }
  return count;
}

// Whether a disc of `player` at (row, column) makes four (the cell itself may be empty or hold it).
fn c4_wins_at(state: State, row: i32, column: i32, player: f32) -> bool {
  let directions = array<vec2i, 4>(vec2i(1, 0), vec2i(0, 1), vec2i(1, 1), vec2i(1, -1));
  for (var d = 0; d < 4; d += 1) {
    let line = 1 + c4_run(state, row, column, directions[d], player) + c4_run(state, row, column, -directions[d], player);
    if (line >= 4) {
      return true;
    }
  }
  return false;
}

// Bit c set for every column that is not full.
fn c4_legal(state: State) -> u32 {
  var legal = 0u;
  for (var c = 0; c < C4_COLUMNS; c += 1) {
    if (c4_height(state, c) < C4_ROWS) {
      legal |= 1u << u32(c);
    }
  }
  return legal;
}

// Bit c set for every legal column where a disc of `player` would make four.
fn c4_winning(state: State, legal: u32, player: f32) -> u32 {
  var columns = 0u;
  for (var c = 0; c < C4_COLUMNS; c += 1) {
    if ((legal & (1u << u32(c))) != 0u && c4_wins_at(state, c4_height(state, c), c, player)) {
      columns |= 1u << u32(c);
    }
  }
  return columns;
}

// The column of the k-th set bit of `columns`.
fn c4_nth(columns: u32, k: u32) -> i32 {
  var seen = 0u;
  for (var c = 0; c < C4_COLUMNS; c += 1) {
    if ((columns & (1u << u32(c))) != 0u) {
      if (seen == k) {
        return c;
      }
      seen += 1u;
    }
  }
  return -1;
}

// The opponent's column (the board is not full): random, or lookahead's win / block / random.
fn c4_opponent_column(state: State, u: f32) -> i32 {
  let legal = c4_legal(state);
  var choices = legal;
  if (state.opponent == C4_LOOKAHEAD) {
    let wins = c4_winning(state, legal, C4_OPPONENT);
    let blocks = c4_winning(state, legal, C4_LEARNER);
    choices = select(select(legal, blocks, blocks != 0u), wins, wins != 0u);
  }
  return c4_nth(choices, c4_pick(u, countOneBits(choices)));
}

// Drops a disc of `player` in `column` (not full); whether it made four.
fn c4_drop(state: ptr<function, State>, column: i32, player: f32) -> bool {
  let row = c4_height(*state, column);
  (*state).cells[row * C4_COLUMNS + column] = player;
  (*state).moves += 1.0;
  return c4_wins_at(*state, row, column, player);
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  let seat_draw = env_uniform(rng);
  let kind_draw = env_uniform(rng);
  let move_draw = env_uniform(rng);
  var s: State;
  s.seat = select(f32(c4_pick(seat_draw, 2u)), f32(params.learner_seat - 1u), params.learner_seat == 1u || params.learner_seat == 2u);
  // With opponent_policy 0 the lookahead player is chosen by the same comparison as without the seat.
  let lookahead = kind_draw < params.opponent_policy + (1.0 - params.opponent_policy) * params.opponent_lookahead;
  s.opponent = select(select(0.0, C4_LOOKAHEAD, lookahead), C4_POLICY, kind_draw < params.opponent_policy);
  if (s.seat == 1.0 && s.opponent != C4_POLICY) {
    // An empty board: lookahead has nothing to win or block, so both kinds open at random.
    _ = c4_drop(&s, c4_opponent_column(s, move_draw), C4_OPPONENT);
  }
  return s;
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  let reply_draw = env_uniform(rng);
  let column = i32(min(action, 6u));
  var out: EnvStep;
  var s = state;
  out.reward = 0.0;
  out.terminated = true;
  if (c4_height(s, column) == C4_ROWS) {
    s.outcome = 4.0;
    out.reward = -1.0;
  } else if (c4_drop(&s, column, C4_LEARNER)) {
    s.outcome = 1.0;
    out.reward = 1.0;
  } else if (s.moves == C4_CELLS) {
    s.outcome = 2.0;
  } else if (s.opponent == C4_POLICY) {
    // The policy seat replies in the wrapper's next kernel (env_opponent_reply.wgsl).
    out.terminated = false;
  } else {
    // The scripted opponent's disc, by the same rules as the seat's.
    return env_opponent_step(s, u32(c4_opponent_column(s, reply_draw)), params);
  }
  out.state = s;
  return out;
}

// The board as `own`'s side sees it: its discs' plane, then the other player's.
fn c4_view(state: State, own: f32, other: f32) -> array<f32, OBS_SIZE> {
  var obs: array<f32, OBS_SIZE>;
  for (var i = 0; i < 42; i += 1) {
    obs[i] = select(0.0, 1.0, state.cells[i] == own);
    obs[42 + i] = select(0.0, 1.0, state.cells[i] == other);
  }
  return obs;
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  return c4_view(state, C4_LEARNER, C4_OPPONENT);
}

fn env_mask(state: State, params: EnvParams) -> array<u32, MASK_SIZE> {
  let legal = c4_legal(state);
  var mask: array<u32, MASK_SIZE>;
  for (var c = 0u; c < MASK_SIZE; c += 1u) {
    mask[c] = (legal >> c) & 1u;
  }
  return mask;
}

fn env_metrics(state: State, params: EnvParams) -> array<f32, METRIC_COUNT> {
  let outcome = state.outcome;
  return array<f32, METRIC_COUNT>(
    select(0.0, 1.0, outcome == 1.0),
    select(0.0, 1.0, outcome == 2.0),
    select(0.0, 1.0, outcome >= 3.0),
    select(0.0, 1.0, outcome == 4.0),
  );
}

// The policy seat (env_opponent_common.wgsl). Its turn: an unfinished game against the policy with
// the learner's discs one ahead of its own (the learner first) or level (the learner second).
fn env_policy_seat(state: State, params: EnvParams) -> bool {
  return state.opponent == C4_POLICY;
}

fn env_opponent_turn(state: State, params: EnvParams) -> bool {
  let learner_moved_last = (u32(state.moves) % 2u) == select(1u, 0u, state.seat == 1.0);
  return state.opponent == C4_POLICY && state.outcome == 0.0 && learner_moved_last;
}

// The board from the policy seat's side: its discs first, as the learner sees its own.
fn env_opponent_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  return c4_view(state, C4_OPPONENT, C4_LEARNER);
}

fn env_opponent_mask(state: State, params: EnvParams) -> array<u32, MASK_SIZE> {
  return env_mask(state, params);
}

// The seat's disc in `action` (masked to a column that is not full): its four loses the learner's
// game (−1), a full board draws.
fn env_opponent_step(state: State, action: EnvAction, params: EnvParams) -> EnvStep {
  var out: EnvStep;
  var s = state;
  out.reward = 0.0;
  out.terminated = true;
  if (c4_drop(&s, i32(min(action, 6u)), C4_OPPONENT)) {
    s.outcome = 3.0;
    out.reward = -1.0;
  } else if (s.moves == C4_CELLS) {
    s.outcome = 2.0;
  } else {
    out.terminated = false;
  }
  out.state = s;
  return out;
}
