// Include-only env body: CartPole-v1 (gymnasium/envs/classic_control/cartpole.py; Barto, Sutton
// and Anderson 1983, with the Florian 2007 equations Gymnasium uses). A pole hinged on a cart that
// moves along a track; the agent pushes the cart left or right with a fixed force.
//
// Action: 0 pushes left (force −force_mag), 1 pushes right (+force_mag).
// Dynamics, explicit Euler with step tau (Gymnasium's default kinematics_integrator "euler"):
//   temp   = (force + polemass_length·θ̇²·sin θ) / total_mass
//   θacc   = (g·sin θ − cos θ·temp) / (length·(4/3 − masspole·cos²θ / total_mass))
//   xacc   = temp − polemass_length·θacc·cos θ / total_mass
//   x += τ·ẋ;  ẋ += τ·xacc;  θ += τ·θ̇;  θ̇ += τ·θacc      (each update uses the old values)
// Terminated when |x| > x_threshold (2.4) or |θ| > theta_threshold_radians (12°), tested on the new
// state. Reward +1 on every step, the terminating one included. Reset: each state variable
// U(−0.05, 0.05). Observation = state [x, ẋ, θ, θ̇]. Truncated at 500 steps (by the wrapper).

const OBS_SIZE: u32 = 4u;
const STATE_SIZE: u32 = 4u;
const ACTION_SIZE: u32 = 1u;

// Gymnasium's constants; total_mass and polemass_length are derived from these, as Gymnasium does.
struct EnvParams {
  gravity: f32,
  masscart: f32,
  masspole: f32,
  // Half the pole's length.
  length: f32,
  force_mag: f32,
  // Seconds between state updates.
  tau: f32,
  x_threshold: f32,
  theta_threshold_radians: f32,
}

struct State {
  x: f32,
  x_dot: f32,
  theta: f32,
  theta_dot: f32,
}

alias EnvAction = u32;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  // Drawn in state order, as np_random.uniform(low=-0.05, high=0.05, size=(4,)) fills its array.
  let x = env_uniform_range(rng, -0.05, 0.05);
  let x_dot = env_uniform_range(rng, -0.05, 0.05);
  let theta = env_uniform_range(rng, -0.05, 0.05);
  let theta_dot = env_uniform_range(rng, -0.05, 0.05);
  return State(x, x_dot, theta, theta_dot);
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  let total_mass = params.masspole + params.masscart;
  let polemass_length = params.masspole * params.length;
  let force = select(-params.force_mag, params.force_mag, action == 1u);
  // env_sincos, not the built-ins: see envs/env_math.wgsl (WGSL allows 2^-11 absolute error).
  let sin_cos = env_sincos(state.theta);
  let sin_theta = sin_cos.x;
  let cos_theta = sin_cos.y;
  let temp = (force + polemass_length * state.theta_dot * state.theta_dot * sin_theta) / total_mass;
  let theta_acc = (params.gravity * sin_theta - cos_theta * temp) /
    (params.length * (4.0 / 3.0 - params.masspole * cos_theta * cos_theta / total_mass));
  let x_acc = temp - polemass_length * theta_acc * cos_theta / total_mass;
  let next = State(
    state.x + params.tau * state.x_dot,
    state.x_dot + params.tau * x_acc,
    state.theta + params.tau * state.theta_dot,
    state.theta_dot + params.tau * theta_acc,
  );
  let terminated = next.x < -params.x_threshold || next.x > params.x_threshold ||
    next.theta < -params.theta_threshold_radians || next.theta > params.theta_threshold_radians;
  return EnvStep(next, 1.0, terminated);
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  return array<f32, OBS_SIZE>(state.x, state.x_dot, state.theta, state.theta_dot);
}
