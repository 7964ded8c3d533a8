/**
 * A custom WGSL env with a wide box action, for tests of box actions up to MAX_ACTION_SIZE: Reach-D,
 * a contextual bandit. The observation s ∈ [−1, 1]³ is drawn afresh at every reset and step; the
 * reward of action a is −(1/D)·Σ_d (a_d − target_d(s))², with a state-dependent target
 *   target_d(s) = scale·(−1)^⌊d/3⌋·s[d mod 3],
 * so an optimal policy's mean is a linear function of s and its reward approaches 0 as σ shrinks.
 * The state also keeps the action the env received (after the wrapper's clip), so that a test reads
 * the clipping back. Each dimension has its own bounds, all wider than [−scale, scale].
 */
import type { CustomEnvOptions } from '../../src/envs/index';

/** Observation floats of Reach. */
export const REACH_OBS = 3;

/** Bounds of dimension d: distinct per dimension, all containing [−1, 0.75]. */
export const reachLow = (d: number) => -1 - d / 64;
export const reachHigh = (d: number) => 0.75 + d / 32;

/** target_d(s) of Reach in float64 (the WGSL computes it in f32). */
export function reachTarget(s: ArrayLike<number>, d: number, scale: number): number {
  return scale * (Math.floor(d / 3) % 2 === 1 ? -1 : 1) * s[d % REACH_OBS]!;
}

/** The WGSL body of Reach with `dims` action dimensions. */
export function reachWgsl(dims: number): string {
  return `// Reach: a wide-box contextual bandit (test env).
const OBS_SIZE: u32 = ${REACH_OBS}u;
const STATE_SIZE: u32 = ${REACH_OBS + dims}u;
const ACTION_SIZE: u32 = ${dims}u;

struct EnvParams {
  target_scale: f32,
}

struct State {
  context: array<f32, ${REACH_OBS}>,
  received: array<f32, ${dims}>,
}

alias EnvAction = array<f32, ACTION_SIZE>;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

fn reach_context(rng: ptr<function, EnvRng>) -> array<f32, OBS_SIZE> {
  var context: array<f32, OBS_SIZE>;
  for (var i = 0u; i < OBS_SIZE; i += 1u) {
    context[i] = env_uniform_range(rng, -1.0, 1.0);
  }
  return context;
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  var state: State;
  state.context = reach_context(rng);
  return state;
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  var context = state.context;
  var received = action;
  var next: State;
  var loss = 0.0;
  for (var d = 0u; d < ACTION_SIZE; d += 1u) {
    let sign = select(1.0, -1.0, (d / 3u) % 2u == 1u);
    let gap = received[d] - params.target_scale * sign * context[d % OBS_SIZE];
    loss += gap * gap;
    next.received[d] = received[d];
  }
  next.context = reach_context(rng);
  return EnvStep(next, -loss / f32(ACTION_SIZE), false);
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  return state.context;
}
`;
}

/** Reach-`dims` as customEnv options (episodes of `maxEpisodeSteps` steps, truncated only). */
export function reachEnv(dims: number, maxEpisodeSteps = 8): CustomEnvOptions {
  const range = Array.from({ length: dims }, (_, d) => d);
  return {
    id: `Reach${dims}-v0`,
    wgsl: reachWgsl(dims),
    observationSize: REACH_OBS,
    actionSpace: { kind: 'box', size: dims, low: range.map(reachLow), high: range.map(reachHigh) },
    stateNames: [...Array.from({ length: REACH_OBS }, (_, i) => `context${i}`), ...range.map((d) => `received${d}`)],
    params: { target_scale: 0.5 },
    maxEpisodeSteps,
  };
}
