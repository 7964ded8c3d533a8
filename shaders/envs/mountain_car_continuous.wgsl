// Include-only env body: MountainCarContinuous-v0, as
// gymnasium/envs/classic_control/continuous_mountain_car.py. Its float64 twin is
// test/reference/envs/mountain-car-continuous.ts; the TS descriptor is
// src/envs/builtin/mountain-car-continuous.ts.
//
// MountainCar with a continuous throttle a ∈ [min_action, max_action] = [−1, 1] (one float; the
// wrapper has already clipped it to the action space, and the env clips again as Gymnasium does).
//   force = clip(a, min_action, max_action)
//   v' = clip(v + force·power − gravity·cos(3p), ±max_speed)   (Gymnasium: 0.0025·cos(3p))
//   p' = clip(p + v', [min_position, max_position]); v' = 0 if p' = min_position and v' < 0.
//   Terminated when p' ≥ goal_position (0.45) and v' ≥ goal_velocity.
//   Reward −0.1·a² every step, +100 on the terminating step (a as passed in, as Gymnasium).
//   Truncation at 999 steps is the wrapper's.
//   Reset: p ~ U(reset_low, reset_high) = U(−0.6, −0.4), v = 0 (one draw).
//   Observation [p, v].
// Gymnasium stores the state as float32 after each step; here it is float32 throughout.
// cos comes from env_sincos (shaders/envs/env_math.wgsl), not the loosely bounded built-in.

const OBS_SIZE: u32 = 2u;
const STATE_SIZE: u32 = 2u;
const ACTION_SIZE: u32 = 1u;

struct EnvParams {
  min_action: f32,
  max_action: f32,
  min_position: f32,
  max_position: f32,
  max_speed: f32,
  goal_position: f32,
  goal_velocity: f32,
  power: f32,
  gravity: f32,
  goal_reward: f32,
  action_cost: f32,
  reset_low: f32,
  reset_high: f32,
}

struct State {
  position: f32,
  velocity: f32,
}

alias EnvAction = array<f32, ACTION_SIZE>;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  return State(env_uniform_range(rng, params.reset_low, params.reset_high), 0.0);
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  let throttle = action[0];
  let force = clamp(throttle, params.min_action, params.max_action);
  var velocity = state.velocity + force * params.power - params.gravity * env_sincos(3.0 * state.position).y;
  velocity = clamp(velocity, -params.max_speed, params.max_speed);
  var position = clamp(state.position + velocity, params.min_position, params.max_position);
  if (position == params.min_position && velocity < 0.0) {
    velocity = 0.0;
  }
  var out: EnvStep;
  out.state = State(position, velocity);
  out.terminated = position >= params.goal_position && velocity >= params.goal_velocity;
  out.reward = select(0.0, params.goal_reward, out.terminated) - throttle * throttle * params.action_cost;
  return out;
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  return array<f32, OBS_SIZE>(state.position, state.velocity);
}
