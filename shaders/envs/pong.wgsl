// Include-only env body: Pong-v0, the learner's paddle against a scripted tracking paddle, on an
// integer grid. Its JavaScript twin is test/support/pong-host.ts; the TS descriptor is
// src/games/pong.ts.
//
// Rules
//   Court: x in [0, 128] (the learner's paddle at x = 0, the opponent's at x = 128), y in [0, 96].
//     Every position and velocity is an integer, so the GPU and the twin agree exactly.
//   Actions (discrete, 3): 0 moves the learner's paddle down (y − paddle_speed), 1 stays, 2 up
//     (y + paddle_speed); paddle centres stay within [paddle_half, 96 − paddle_half].
//   Opponent: moves its centre toward the ball's y by at most opponent_speed per step (slower than
//     the learner's paddle by default, so a steep ball beats it).
//   Step: both paddles move, then the ball by (vx, vy), reflecting off y = 0 and y = 96. A ball at
//     or past a paddle's line is returned when |ball y − paddle centre| ≤ paddle_half + 1: mirrored
//     back across the line, vx negated, and vy += trunc((ball y − centre) / 2), clamped to ±4 (the
//     paddle's edge steepens the ball); the learner's return earns return_reward (0.1: a shaping
//     term that makes the first lesson, meeting the ball, come sooner). Otherwise the point is
//     over: +1 when the opponent missed, −1 when the learner did, and the ball is served again.
//   Serve: from the centre (64, 48), vx = ±2 (each side with probability ½), vy uniform in −2 … 2.
//   A game is points_per_game points (5): terminated after the last; truncated at 2 000 steps.
//   Policy seat (src/envs/opponent-pool.ts): with probability opponent_policy (set by an opponent
//     pool, 0 otherwise) a game's right paddle is a policy's instead of the tracker: it moves as the
//     learner's does (0 down, 1 stay, 2 up, paddle_speed a step), both paddles at once. The seat
//     chooses after each step (and after the reset) from the court seen from its side
//     (env_opponent_obs: x mirrored, its paddle in the learner's slot) and its choice waits in the
//     state (opponent_move) for the next step, which moves both paddles together: the two players
//     decide on the same position. The game's result for the pool is its score (env_match_result).
//
// Randomness: env_reset draws 2 uniforms (the serve), and a third (who plays the right paddle) when
// opponent_policy > 0; env_step draws 2 every step (the next serve, used only when a point ends),
// so the JavaScript twin replays the draws. A uniform u picks the k-th
// of n choices as k = (u·2^24 · n) >> 24, exact integer arithmetic (as in snake.wgsl).
//
// State (STATE_SIZE 11): ball_x, ball_y, ball_vx, ball_vy, paddle_y, opponent_y, points_won,
// points_lost, returns (the learner's returns of the ball this game), opponent (0 the tracker, 1 the
// policy seat), opponent_move (the seat's next move: −1, 0 or 1). Observation (OBS_SIZE 6, each
// in [−1, 1]): 2·ball_x/128 − 1, 2·ball_y/96 − 1, ball_vx/2, ball_vy/4, 2·paddle_y/96 − 1,
// 2·opponent_y/96 − 1. Metrics (METRIC_COUNT 3): points_won, points_lost, returns.

const OBS_SIZE: u32 = 6u;
const STATE_SIZE: u32 = 11u;
const ACTION_SIZE: u32 = 1u;
const METRIC_COUNT: u32 = 3u;

const PONG_WIDTH: i32 = 128;
const PONG_HEIGHT: i32 = 96;
const PONG_MAX_VY: i32 = 4;

struct EnvParams {
  paddle_speed: u32,
  opponent_speed: u32,
  paddle_half: u32,
  points_per_game: u32,
  return_reward: f32,
  opponent_policy: f32,
}

struct State {
  ball_x: f32,
  ball_y: f32,
  ball_vx: f32,
  ball_vy: f32,
  paddle_y: f32,
  opponent_y: f32,
  points_won: f32,
  points_lost: f32,
  returns: f32,
  opponent: f32,
  opponent_move: f32,
}

alias EnvAction = u32;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

// The k-th of n choices from one uniform (exact integer arithmetic; see the header).
fn pong_pick(u: f32, n: u32) -> u32 {
  return (u32(u * 16777216.0) * n) >> 24u;
}

// The ball back at the centre, moving to a side drawn by u_side at a slope drawn by u_slope.
fn pong_serve(state: State, u_side: f32, u_slope: f32) -> State {
  var s = state;
  s.ball_x = f32(PONG_WIDTH / 2);
  s.ball_y = f32(PONG_HEIGHT / 2);
  s.ball_vx = select(2.0, -2.0, pong_pick(u_side, 2u) == 0u);
  s.ball_vy = f32(i32(pong_pick(u_slope, 5u)) - 2);
  return s;
}

// A paddle centre moved by `delta`, kept on the court.
fn pong_paddle(centre: i32, delta: i32, half: i32) -> i32 {
  return clamp(centre + delta, half, PONG_HEIGHT - half);
}

// The ball's new vy after a return off a paddle centred at `centre`.
fn pong_english(vy: i32, ball_y: i32, centre: i32) -> i32 {
  return clamp(vy + (ball_y - centre) / 2, -PONG_MAX_VY, PONG_MAX_VY);
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  let u_side = env_uniform(rng);
  let u_slope = env_uniform(rng);
  var s: State;
  s.paddle_y = f32(PONG_HEIGHT / 2);
  s.opponent_y = f32(PONG_HEIGHT / 2);
  if (params.opponent_policy > 0.0) {
    s.opponent = select(0.0, 1.0, env_uniform(rng) < params.opponent_policy);
  }
  return pong_serve(s, u_side, u_slope);
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  let u_side = env_uniform(rng);
  let u_slope = env_uniform(rng);
  let half = i32(params.paddle_half);
  let speed = i32(params.paddle_speed);
  let opponent_speed = i32(params.opponent_speed);
  var s = state;
  let direction = i32(min(action, 2u)) - 1;
  let paddle = pong_paddle(i32(s.paddle_y), direction * speed, half);
  var ball_x = i32(s.ball_x);
  var ball_y = i32(s.ball_y);
  let tracking = clamp(ball_y - i32(s.opponent_y), -opponent_speed, opponent_speed);
  let opponent = pong_paddle(i32(s.opponent_y), select(tracking, i32(s.opponent_move) * speed, s.opponent == 1.0), half);
  var vx = i32(s.ball_vx);
  var vy = i32(s.ball_vy);
  ball_x += vx;
  ball_y += vy;
  if (ball_y < 0) {
    ball_y = -ball_y;
    vy = -vy;
  } else if (ball_y > PONG_HEIGHT) {
    ball_y = 2 * PONG_HEIGHT - ball_y;
    vy = -vy;
  }
  var out: EnvStep;
  out.reward = 0.0;
  var point = false;
  if (ball_x <= 0) {
    if (abs(ball_y - paddle) <= half + 1) {
      ball_x = -ball_x;
      vx = -vx;
      vy = pong_english(vy, ball_y, paddle);
      s.returns += 1.0;
      out.reward = params.return_reward;
    } else {
      out.reward = -1.0;
      s.points_lost += 1.0;
      point = true;
    }
  } else if (ball_x >= PONG_WIDTH) {
    if (abs(ball_y - opponent) <= half + 1) {
      ball_x = 2 * PONG_WIDTH - ball_x;
      vx = -vx;
      vy = pong_english(vy, ball_y, opponent);
    } else {
      out.reward = 1.0;
      s.points_won += 1.0;
      point = true;
    }
  }
  s.paddle_y = f32(paddle);
  s.opponent_y = f32(opponent);
  s.ball_x = f32(ball_x);
  s.ball_y = f32(ball_y);
  s.ball_vx = f32(vx);
  s.ball_vy = f32(vy);
  if (point) {
    s = pong_serve(s, u_side, u_slope);
  }
  out.terminated = s.points_won + s.points_lost >= f32(params.points_per_game);
  out.state = s;
  return out;
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  return array<f32, OBS_SIZE>(
    2.0 * state.ball_x / f32(PONG_WIDTH) - 1.0,
    2.0 * state.ball_y / f32(PONG_HEIGHT) - 1.0,
    state.ball_vx / 2.0,
    state.ball_vy / f32(PONG_MAX_VY),
    2.0 * state.paddle_y / f32(PONG_HEIGHT) - 1.0,
    2.0 * state.opponent_y / f32(PONG_HEIGHT) - 1.0,
  );
}

fn env_metrics(state: State, params: EnvParams) -> array<f32, METRIC_COUNT> {
  return array<f32, METRIC_COUNT>(state.points_won, state.points_lost, state.returns);
}

// The policy seat (the right paddle when state.opponent is 1).
fn env_policy_seat(state: State, params: EnvParams) -> bool {
  return state.opponent == 1.0;
}

// A real-time game: the seat chooses its next move after every step.
fn env_opponent_turn(state: State, params: EnvParams) -> bool {
  return true;
}

// The court from the right paddle: x mirrored, the seat's paddle where the learner's is.
fn env_opponent_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  var mirrored = state;
  mirrored.ball_x = f32(PONG_WIDTH) - state.ball_x;
  mirrored.ball_vx = -state.ball_vx;
  mirrored.paddle_y = state.opponent_y;
  mirrored.opponent_y = state.paddle_y;
  return env_obs(mirrored, params);
}

// The seat's choice, kept for the next step (which moves both paddles).
fn env_opponent_step(state: State, action: EnvAction, params: EnvParams) -> EnvStep {
  var out: EnvStep;
  out.state = state;
  out.state.opponent_move = f32(i32(min(action, 2u)) - 1);
  out.reward = 0.0;
  out.terminated = false;
  return out;
}

// The learner's result in a finished game: the sign of its score (the last point may not decide it).
fn env_match_result(state: State, params: EnvParams) -> f32 {
  return state.points_won - state.points_lost;
}
