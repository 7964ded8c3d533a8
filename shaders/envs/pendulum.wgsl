// Include-only env body: Pendulum-v1, as gymnasium/envs/classic_control/pendulum.py. Its float64
// twin is test/reference/envs/pendulum.ts; the TS descriptor is src/envs/builtin/pendulum.ts.
//
// A pendulum on a motorised pivot; θ = 0 is upright, θ is not wrapped (it is an unbounded angle).
// The action is a torque u (one float; the wrapper has already clipped it to [−2, 2], and the env
// clips again to ±max_torque as Gymnasium does).
//   cost = angle_normalize(θ)² + 0.1·θ̇² + 0.001·u²   (on the state before the step)
//   θ̇' = clip(θ̇ + (3g/(2l)·sin θ + 3/(m·l²)·u)·dt, ±max_speed);  θ' = θ + θ̇'·dt   (semi-implicit Euler)
//   Reward −cost. Never terminates; truncation at 200 steps is the wrapper's.
//   Reset: θ ~ U(−reset_theta, reset_theta) = U(−π, π), θ̇ ~ U(−reset_theta_dot, reset_theta_dot)
//     = U(−1, 1), drawn in that order.
//   Observation [cos θ, sin θ, θ̇].
// angle_normalize(x) = ((x + π) mod 2π) − π with Python's floored mod, so the result is in [−π, π).
//
// Precision: sin and cos come from env_sincos (shaders/envs/env_math.wgsl, about 1e-7), not the
// built-ins, whose WGSL error bound (2^-11 on [−π, π] only) is too loose (SwiftShader's err by 1e-4);
// θ drifts far from [−π, π] over an episode (up to 8·0.05 = 0.4 rad a step).

const OBS_SIZE: u32 = 3u;
const STATE_SIZE: u32 = 2u;
const ACTION_SIZE: u32 = 1u;

const PENDULUM_PI: f32 = 3.141592653589793;
const PENDULUM_TWO_PI: f32 = 6.283185307179586;

struct EnvParams {
  max_speed: f32,
  max_torque: f32,
  dt: f32,
  g: f32,
  m: f32,
  l: f32,
  reset_theta: f32,
  reset_theta_dot: f32,
}

struct State {
  theta: f32,
  theta_dot: f32,
}

alias EnvAction = array<f32, ACTION_SIZE>;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

// ((x + π) mod 2π) − π with a floored mod (WGSL's % truncates, so it is written out).
fn pendulum_angle_normalize(x: f32) -> f32 {
  let shifted = x + PENDULUM_PI;
  return shifted - PENDULUM_TWO_PI * floor(shifted / PENDULUM_TWO_PI) - PENDULUM_PI;
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  let theta = env_uniform_range(rng, -params.reset_theta, params.reset_theta);
  let theta_dot = env_uniform_range(rng, -params.reset_theta_dot, params.reset_theta_dot);
  return State(theta, theta_dot);
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  let u = clamp(action[0], -params.max_torque, params.max_torque);
  let angle = pendulum_angle_normalize(state.theta);
  let cost = angle * angle + 0.1 * state.theta_dot * state.theta_dot + 0.001 * u * u;

  let g = params.g;
  let m = params.m;
  let l = params.l;
  let dt = params.dt;
  var theta_dot = state.theta_dot + (3.0 * g / (2.0 * l) * env_sincos(state.theta).x + 3.0 / (m * l * l) * u) * dt;
  theta_dot = clamp(theta_dot, -params.max_speed, params.max_speed);
  let theta = state.theta + theta_dot * dt;

  var out: EnvStep;
  out.state = State(theta, theta_dot);
  out.reward = -cost;
  out.terminated = false;
  return out;
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  let trig = env_sincos(state.theta);
  return array<f32, OBS_SIZE>(trig.y, trig.x, state.theta_dot);
}
