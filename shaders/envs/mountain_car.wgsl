// Include-only env body: MountainCar-v0, as gymnasium/envs/classic_control/mountain_car.py.
// Its float64 twin is test/reference/envs/mountain-car.ts; the TS descriptor is
// src/envs/builtin/mountain-car.ts.
//
// A car in a valley of height sin(3p), too weak to drive straight up the right hill.
// Actions (discrete, 3): 0 accelerate left, 1 coast, 2 accelerate right.
//   v' = clip(v + (a − 1)·force − cos(3p)·gravity, ±max_speed)
//   p' = clip(p + v', [min_position, max_position]); v' = 0 if p' = min_position and v' < 0
//     (an inelastic collision with the left wall).
//   Terminated when p' ≥ goal_position and v' ≥ goal_velocity. Reward −1 every step.
//   Truncation at 200 steps is the wrapper's.
//   Reset: p ~ U(reset_low, reset_high) = U(−0.6, −0.4), v = 0 (one draw).
//   Observation [p, v].
//
// Precision: cos comes from env_sincos (shaders/envs/env_math.wgsl, about 1e-7), not the
// built-in, whose WGSL error bound (2^-11, on [−π, π] only, while 3p reaches −3.6) is loose.
// min_position is compared for equality after the clip, which returns that very f32.

const OBS_SIZE: u32 = 2u;
const STATE_SIZE: u32 = 2u;
const ACTION_SIZE: u32 = 1u;

struct EnvParams {
  min_position: f32,
  max_position: f32,
  max_speed: f32,
  goal_position: f32,
  goal_velocity: f32,
  force: f32,
  gravity: f32,
  reset_low: f32,
  reset_high: f32,
}

struct State {
  position: f32,
  velocity: f32,
}

alias EnvAction = u32;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  return State(env_uniform_range(rng, params.reset_low, params.reset_high), 0.0);
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  // (action − 1) ∈ {−1, 0, +1}; the wrapper rejects a ≥ 3.
  var velocity = state.velocity + (f32(action) - 1.0) * params.force
    + env_sincos(3.0 * state.position).y * (-params.gravity);
  velocity = clamp(velocity, -params.max_speed, params.max_speed);
  var position = clamp(state.position + velocity, params.min_position, params.max_position);
  if (position == params.min_position && velocity < 0.0) {
    velocity = 0.0;
  }
  var out: EnvStep;
  out.state = State(position, velocity);
  out.terminated = position >= params.goal_position && velocity >= params.goal_velocity;
  out.reward = -1.0;
  return out;
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  return array<f32, OBS_SIZE>(state.position, state.velocity);
}
