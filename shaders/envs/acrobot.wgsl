// Include-only env body: Acrobot-v1, as gymnasium/envs/classic_control/acrobot.py (book dynamics).
// Its float64 twin is test/reference/envs/acrobot.ts; the TS descriptor is src/envs/builtin/acrobot.ts.
//
// Two links hang from a fixed pivot; the joint between them is actuated with a torque in
// {−1, 0, +1} (actions 0, 1, 2). θ1 is the first link's angle from straight down, θ2 the second
// link's angle relative to the first.
//   Step: one classic RK4 step over [0, dt] of the "book" dynamics (Sutton & Barto), the torque held
//     constant; then θ1, θ2 wrapped to [−π, π], θ̇1 clipped to ±max_vel_1, θ̇2 to ±max_vel_2 (that
//     order, as Gymnasium).
//   Terminated when the free end is above the bar: −cos θ1 − cos(θ1 + θ2) > 1 (on the new state).
//   Reward −1 per step, 0 on the terminating step. Truncation at 500 steps is the wrapper's.
//   Reset: θ1, θ2, θ̇1, θ̇2 ~ U(reset_low, reset_high) = U(−0.1, 0.1), drawn in that order.
//   Observation [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2].
// Gymnasium's LINK_LENGTH_2 only draws the second link, so it is not a parameter here.
//
// Precision: sin and cos come from env_sincos (shaders/envs/env_math.wgsl, about 1e-7), not the
// built-ins, whose WGSL error bound (2^-11 on [−π, π] only) is too loose for RK4 (SwiftShader's
// err by 1e-4).
// Gymnasium's cos(θ − π/2) terms are written as sin θ, the same value without an extra rounding of
// the shifted argument.

const OBS_SIZE: u32 = 6u;
const STATE_SIZE: u32 = 4u;
const ACTION_SIZE: u32 = 1u;

const ACROBOT_PI: f32 = 3.141592653589793;
const ACROBOT_TWO_PI: f32 = 6.283185307179586;

struct EnvParams {
  dt: f32,
  link_length_1: f32,
  link_mass_1: f32,
  link_mass_2: f32,
  link_com_pos_1: f32,
  link_com_pos_2: f32,
  link_moi: f32,
  gravity: f32,
  max_vel_1: f32,
  max_vel_2: f32,
  reset_low: f32,
  reset_high: f32,
}

struct State {
  theta1: f32,
  theta2: f32,
  theta1_dot: f32,
  theta2_dot: f32,
}

alias EnvAction = u32;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

// Gymnasium's wrap(x, −π, π): subtract or add 2π until x is in [−π, π]. The loop is written as one
// multiple of 2π; the final clamp keeps the result inside even when that product rounds.
fn acrobot_wrap(x: f32) -> f32 {
  var wrapped = x;
  if (wrapped > ACROBOT_PI) {
    wrapped -= ACROBOT_TWO_PI * ceil((wrapped - ACROBOT_PI) / ACROBOT_TWO_PI);
  } else if (wrapped < -ACROBOT_PI) {
    wrapped += ACROBOT_TWO_PI * ceil((-ACROBOT_PI - wrapped) / ACROBOT_TWO_PI);
  }
  return clamp(wrapped, -ACROBOT_PI, ACROBOT_PI);
}

// AcrobotEnv._dsdt with book_or_nips = "book": the time derivative of (θ1, θ2, θ̇1, θ̇2) under a
// constant torque (the augmented state's fifth entry, whose derivative is 0).
//   d1 = m1·lc1² + m2·(l1² + lc2² + 2·l1·lc2·cos θ2) + I1 + I2
//   d2 = m2·(lc2² + l1·lc2·cos θ2) + I2
//   φ2 = m2·lc2·g·cos(θ1 + θ2 − π/2)
//   φ1 = −m2·l1·lc2·θ̇2²·sin θ2 − 2·m2·l1·lc2·θ̇2·θ̇1·sin θ2 + (m1·lc1 + m2·l1)·g·cos(θ1 − π/2) + φ2
//   θ̈2 = (a + d2/d1·φ1 − m2·l1·lc2·θ̇1²·sin θ2 − φ2) / (m2·lc2² + I2 − d2²/d1)
//   θ̈1 = −(d2·θ̈2 + φ1) / d1
fn acrobot_dsdt(s: vec4f, torque: f32, params: EnvParams) -> vec4f {
  let m1 = params.link_mass_1;
  let m2 = params.link_mass_2;
  let l1 = params.link_length_1;
  let lc1 = params.link_com_pos_1;
  let lc2 = params.link_com_pos_2;
  let moi = params.link_moi;
  let g = params.gravity;
  let theta1 = s.x;
  let theta2 = s.y;
  let dtheta1 = s.z;
  let dtheta2 = s.w;
  let sincos_theta2 = env_sincos(theta2);
  let sin_theta2 = sincos_theta2.x;
  let cos_theta2 = sincos_theta2.y;
  let d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2.0 * l1 * lc2 * cos_theta2) + moi + moi;
  let d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos_theta2) + moi;
  // cos(θ1 + θ2 − π/2) = sin(θ1 + θ2), cos(θ1 − π/2) = sin θ1.
  let phi2 = m2 * lc2 * g * env_sincos(theta1 + theta2).x;
  let phi1 = -m2 * l1 * lc2 * dtheta2 * dtheta2 * sin_theta2
    - 2.0 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin_theta2
    + (m1 * lc1 + m2 * l1) * g * env_sincos(theta1).x
    + phi2;
  let ddtheta2 = (torque + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1 * dtheta1 * sin_theta2 - phi2)
    / (m2 * lc2 * lc2 + moi - d2 * d2 / d1);
  let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return vec4f(dtheta1, dtheta2, ddtheta1, ddtheta2);
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  let theta1 = env_uniform_range(rng, params.reset_low, params.reset_high);
  let theta2 = env_uniform_range(rng, params.reset_low, params.reset_high);
  let theta1_dot = env_uniform_range(rng, params.reset_low, params.reset_high);
  let theta2_dot = env_uniform_range(rng, params.reset_low, params.reset_high);
  return State(theta1, theta2, theta1_dot, theta2_dot);
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  // AVAIL_TORQUE[a] = [−1, 0, +1][a]; the wrapper rejects a ≥ 3.
  let torque = f32(action) - 1.0;

  // rk4(_dsdt, s, [0, dt]): one step, k1..k4 at 0, dt/2, dt/2, dt.
  let dt = params.dt;
  let s0 = vec4f(state.theta1, state.theta2, state.theta1_dot, state.theta2_dot);
  let k1 = acrobot_dsdt(s0, torque, params);
  let k2 = acrobot_dsdt(s0 + 0.5 * dt * k1, torque, params);
  let k3 = acrobot_dsdt(s0 + 0.5 * dt * k2, torque, params);
  let k4 = acrobot_dsdt(s0 + dt * k3, torque, params);
  let s1 = s0 + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);

  var next: State;
  next.theta1 = acrobot_wrap(s1.x);
  next.theta2 = acrobot_wrap(s1.y);
  next.theta1_dot = clamp(s1.z, -params.max_vel_1, params.max_vel_1);
  next.theta2_dot = clamp(s1.w, -params.max_vel_2, params.max_vel_2);

  // _terminal(): the tip's height above the pivot, in link lengths of 1, exceeds 1.
  let height = -env_sincos(next.theta1).y - env_sincos(next.theta2 + next.theta1).y;
  var out: EnvStep;
  out.state = next;
  out.terminated = height > 1.0;
  out.reward = select(-1.0, 0.0, out.terminated);
  return out;
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  let theta1 = env_sincos(state.theta1);
  let theta2 = env_sincos(state.theta2);
  return array<f32, OBS_SIZE>(
    theta1.y,
    theta1.x,
    theta2.y,
    theta2.x,
    state.theta1_dot,
    state.theta2_dot,
  );
}
