/**
 * A custom WGSL env for tests: a 1-D random walk (discrete, random steps, random resets), the
 * user's side of the env contract written out in full.
 */
import type { CustomEnvOptions } from '../../src/envs/index';

/** A walker on a line: action 0/1/2 moves it by −step/0/+step, plus noise U(−noise, noise); it falls off past ±edge. */
export const RANDOM_WALK_WGSL = `// A 1-D random walk (test env).
const OBS_SIZE: u32 = 1u;
const STATE_SIZE: u32 = 1u;
const ACTION_SIZE: u32 = 1u;

struct EnvParams {
  step_size: f32,
  noise: f32,
  edge: f32,
}

struct State {
  position: f32,
}

alias EnvAction = u32;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  return State(env_uniform_range(rng, -0.5, 0.5));
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  let drift = (f32(action) - 1.0) * params.step_size;
  let noise = env_uniform_range(rng, -params.noise, params.noise);
  let position = state.position + drift + noise;
  return EnvStep(State(position), -abs(position), abs(position) > params.edge);
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  return array<f32, OBS_SIZE>(state.position);
}
`;

/** Its options for customEnv / registerCustomEnv. */
export const RANDOM_WALK: CustomEnvOptions = {
  id: 'RandomWalk-v0',
  wgsl: RANDOM_WALK_WGSL,
  observationSize: 1,
  actionSpace: { kind: 'discrete', n: 3 },
  stateNames: ['position'],
  params: { step_size: 0.25, noise: 0.1, edge: 1.5 },
  maxEpisodeSteps: 12,
};
