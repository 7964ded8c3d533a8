/**
 * A masked WGSL env for tests (Gate-v0): each step shows a phase p ∈ {0 … 4}; action p is illegal
 * (masked; taking it anyway costs −1 and ends the episode), action (p + 1) mod 5 pays +1, any other
 * 0; the next phase is drawn uniformly. Episodes last `length` steps. Per-episode metrics: `score`
 * (the sum of rewards: the episode's return, so its mean must equal the trainer's returnMean100)
 * and `illegal` (1 when an illegal action ended it). With `blocked_phase` = k ∈ {0 … 4}, phase k
 * masks every action: the all-masked row training must refuse.
 */
import type { CustomEnvOptions } from '../../src/envs/index';

export const GATE_ACTIONS = 5;

export const GATE_WGSL = `// Gate-v0 (test env): a masked action per phase.
const OBS_SIZE: u32 = 2u;
const STATE_SIZE: u32 = 4u;
const ACTION_SIZE: u32 = 1u;
const MASK_SIZE: u32 = 5u;
const METRIC_COUNT: u32 = 2u;

struct EnvParams {
  length: f32,
  blocked_phase: f32,
}

struct State {
  phase: f32,
  score: f32,
  steps: f32,
  illegal: f32,
}

alias EnvAction = u32;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

fn gate_phase(rng: ptr<function, EnvRng>) -> f32 {
  return min(floor(env_uniform(rng) * 5.0), 4.0);
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  return State(gate_phase(rng), 0.0, 0.0, 0.0);
}

fn env_mask(state: State, params: EnvParams) -> array<u32, MASK_SIZE> {
  var mask: array<u32, MASK_SIZE>;
  let blocked = state.phase == params.blocked_phase;
  for (var a = 0u; a < MASK_SIZE; a += 1u) {
    mask[a] = select(1u, 0u, blocked || a == u32(state.phase));
  }
  return mask;
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  let phase = u32(state.phase);
  let illegal = action == phase;
  let reward = select(select(0.0, 1.0, action == (phase + 1u) % 5u), -1.0, illegal);
  let steps = state.steps + 1.0;
  let next = State(gate_phase(rng), state.score + reward, steps, select(0.0, 1.0, illegal));
  return EnvStep(next, reward, illegal || steps >= params.length);
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  return array<f32, OBS_SIZE>(state.phase / 4.0, state.steps / params.length);
}

fn env_metrics(state: State, params: EnvParams) -> array<f32, METRIC_COUNT> {
  return array<f32, METRIC_COUNT>(state.score, state.illegal);
}
`;

/** Gate-v0's options for customEnv (blocked_phase −1: no phase is blocked). */
export const GATE: CustomEnvOptions = {
  id: 'Gate-v0',
  wgsl: GATE_WGSL,
  observationSize: 2,
  actionSpace: { kind: 'discrete', n: GATE_ACTIONS },
  stateNames: ['phase', 'score', 'steps', 'illegal'],
  params: { length: 16, blocked_phase: -1 },
  maxEpisodeSteps: 1000,
  actionMasks: true,
  episodeMetrics: ['score', 'illegal'],
};

/** The mask the CPU expects for one state row [phase, score, steps, illegal]. */
export function gateMask(state: ArrayLike<number>, blockedPhase = -1): number[] {
  return Array.from({ length: GATE_ACTIONS }, (_, a) => (state[0] === blockedPhase || a === state[0] ? 0 : 1));
}
