// Include-only env body: Catch-v0, a small arcade game of our own (not a Gymnasium env).
// Its float64 twin is test/reference/envs/catch.ts; the TS descriptor is src/envs/builtin/catch.ts.
//
// Rules
//   Arena: x ∈ [−1, 1] (left to right), y ∈ [0, 1] (the paddle's row is y = 0, the top is y = 1).
//   Paddle: a bar of half-width paddle_half_width (0.15) at y = 0, centre x_p. Actions (discrete, 3):
//     0 = left, 1 = stay, 2 = right; x_p' = clamp(x_p + (a − 1)·paddle_speed, −1 + hw, 1 − hw),
//     paddle_speed 0.08 per step.
//   Fruit: a point at (x_f, y_f) falling fruit_speed (0.035) per step and drifting sideways by its
//     own v_f per step (|v_f| ≤ fruit_max_drift, 0.015), reflected off the side walls:
//     x > 1 → x = 2 − x, x < −1 → x = −2 − x, and v_f changes sign.
//   Bomb: a point at (x_b, y_b) falling bomb_speed (0.03) per step, straight down.
//   Landing: an object whose new y is ≤ 0 has reached the paddle's row this step. It is caught when
//     |x − x_p'| ≤ hw (the paddle after this step's move, the fruit after its drift). A caught fruit
//     gives +catch_reward (1); a missed fruit gives −miss_penalty (1) and costs a life; a caught
//     bomb gives −bomb_penalty (1) and costs a life; a missed bomb gives 0. A landed object respawns
//     at the top (y = 1): fruit x ~ U(−1, 1), v_f ~ U(−fruit_max_drift, fruit_max_drift); bomb
//     x ~ U(−1, 1).
//   Shaping: + shaping_coef·(|x_f − x_p| − |x_f' − x_p'|) (0.1), how much closer the paddle came to
//     the fruit this step (x_f' the fruit's x after its drift, before any respawn).
//   Termination: when lives (start_lives, 3) reach 0. Truncation at 500 steps is the wrapper's.
//   Reset: x_p = 0; fruit at y = 1, x ~ U(−1, 1), v_f ~ U(−fruit_max_drift, fruit_max_drift); bomb
//     x ~ U(−1, 1), y ~ U(0.5, 1) (so that fruit and bomb do not arrive in step); lives = start_lives.
//   Speeds are chosen so that 1/speed is not an integer: an object starting at y = 1 lands with
//     y' well below 0 (−0.015 fruit, −0.02 bomb), never within f32 rounding of the threshold.
//
// Randomness: env_reset draws 4 uniforms (fruit x, fruit v, bomb x, bomb y, in that order);
// env_step draws 3 every step (fruit x, fruit v, bomb x), used only where something respawns, so the
// number of draws per step is fixed and the CPU reference can replay them.
//
// State (STATE_SIZE 7, the tracer's order): paddle_x, fruit_x, fruit_y, fruit_vx, bomb_x, bomb_y,
// lives. Observation (OBS_SIZE 7), every entry in [−1, 1]:
//   [x_p, x_f, 2·y_f − 1, v_f / fruit_max_drift (0 when that is 0), x_b, 2·y_b − 1,
//    2·lives / start_lives − 1].

const OBS_SIZE: u32 = 7u;
const STATE_SIZE: u32 = 7u;
const ACTION_SIZE: u32 = 1u;

// The bomb's reset height is drawn from U(CATCH_BOMB_RESET_MIN_Y, 1).
const CATCH_BOMB_RESET_MIN_Y: f32 = 0.5;

struct EnvParams {
  paddle_half_width: f32,
  paddle_speed: f32,
  fruit_speed: f32,
  fruit_max_drift: f32,
  bomb_speed: f32,
  catch_reward: f32,
  miss_penalty: f32,
  bomb_penalty: f32,
  shaping_coef: f32,
  start_lives: f32,
}

struct State {
  paddle_x: f32,
  fruit_x: f32,
  fruit_y: f32,
  fruit_vx: f32,
  bomb_x: f32,
  bomb_y: f32,
  lives: f32,
}

alias EnvAction = u32;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  var s: State;
  s.paddle_x = 0.0;
  s.fruit_x = env_uniform_range(rng, -1.0, 1.0);
  s.fruit_vx = env_uniform_range(rng, -params.fruit_max_drift, params.fruit_max_drift);
  s.fruit_y = 1.0;
  s.bomb_x = env_uniform_range(rng, -1.0, 1.0);
  s.bomb_y = env_uniform_range(rng, CATCH_BOMB_RESET_MIN_Y, 1.0);
  s.lives = params.start_lives;
  return s;
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  let hw = params.paddle_half_width;
  // Action 0/1/2 → direction −1/0/+1; clamped so an out-of-range action cannot move further.
  let direction = clamp(f32(action) - 1.0, -1.0, 1.0);
  let paddle_x = clamp(state.paddle_x + direction * params.paddle_speed, -1.0 + hw, 1.0 - hw);

  // Fruit drift with reflection off the walls.
  var fruit_x = state.fruit_x + state.fruit_vx;
  var fruit_vx = state.fruit_vx;
  if (fruit_x > 1.0) {
    fruit_x = 2.0 - fruit_x;
    fruit_vx = -fruit_vx;
  } else if (fruit_x < -1.0) {
    fruit_x = -2.0 - fruit_x;
    fruit_vx = -fruit_vx;
  }
  var fruit_y = state.fruit_y - params.fruit_speed;
  var bomb_x = state.bomb_x;
  var bomb_y = state.bomb_y - params.bomb_speed;

  var reward = params.shaping_coef * (abs(state.fruit_x - state.paddle_x) - abs(fruit_x - paddle_x));
  var lives = state.lives;

  // Three draws every step, in a fixed order, whether or not anything respawns.
  let spawn_fruit_x = env_uniform_range(rng, -1.0, 1.0);
  let spawn_fruit_vx = env_uniform_range(rng, -params.fruit_max_drift, params.fruit_max_drift);
  let spawn_bomb_x = env_uniform_range(rng, -1.0, 1.0);

  if (fruit_y <= 0.0) {
    if (abs(fruit_x - paddle_x) <= hw) {
      reward += params.catch_reward;
    } else {
      reward -= params.miss_penalty;
      lives -= 1.0;
    }
    fruit_x = spawn_fruit_x;
    fruit_vx = spawn_fruit_vx;
    fruit_y = 1.0;
  }
  if (bomb_y <= 0.0) {
    if (abs(bomb_x - paddle_x) <= hw) {
      reward -= params.bomb_penalty;
      lives -= 1.0;
    }
    bomb_x = spawn_bomb_x;
    bomb_y = 1.0;
  }

  var out: EnvStep;
  out.state = State(paddle_x, fruit_x, fruit_y, fruit_vx, bomb_x, bomb_y, lives);
  out.reward = reward;
  // Lives are whole numbers held in f32 (exact); < 0.5 reads "none left" whatever start_lives is.
  out.terminated = lives < 0.5;
  return out;
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  let drift_scale = select(0.0, 1.0 / params.fruit_max_drift, params.fruit_max_drift > 0.0);
  let lives_scale = select(0.0, 2.0 / params.start_lives, params.start_lives > 0.0);
  return array<f32, OBS_SIZE>(
    state.paddle_x,
    state.fruit_x,
    2.0 * state.fruit_y - 1.0,
    state.fruit_vx * drift_scale,
    state.bomb_x,
    2.0 * state.bomb_y - 1.0,
    state.lives * lives_scale - 1.0,
  );
}
