/**
 * A masked hybrid WGSL env for tests (Aim-v0): aim at a coloured target and pick the weapon of its
 * colour. Each step shows a target at x ∈ [-1, 1] (uniform) with a colour c ∈ {0, 1, 2} (uniform);
 * the observation is [x, c == 0, c == 1, c == 2]. An action is one continuous aim a ∈ [-1, 1]
 * (D = 1; the wrapper clips it to the box) and two branches, nvec [3, 2]: a weapon w and a charge
 * h. The reward is (1 + h)·(hit_reward·[w == c] − |a − x|): charging doubles the stake either way.
 * Then a fresh target (x, c) is drawn (x first, then c). No step terminates; episodes are truncated
 * after 20 steps.
 *
 * The weapon (c + 1) mod 3 is masked (the other two, c's among them, are allowed); both charges
 * always are, so a mask row is [w0, w1, w2, 1, 1] (Σ nvec = 5 words). One metric per episode: hits,
 * the steps with w == c (a counter in the state, read on the state the episode ended in).
 *
 * Returns over 20 steps: aiming exactly with the right weapon, charged, earns 2 a step, 40 in all;
 * a uniformly random policy (aim uniform in [-1, 1], E|a − x| = 2/3; charge a coin flip,
 * E[1 + h] = 1.5) earns 20 · 1.5 · (1/2 − 2/3) = −5 choosing among the legal weapons (c is one of
 * the two) and 20 · 1.5 · (1/3 − 2/3) = −10 ignoring the mask.
 */
import type { CustomEnvOptions } from '../../src/envs/index';

/** Branch sizes: weapon (one per colour) × charge (no, yes). */
export const AIM_NVEC = [3, 2] as const;

/** Words of a mask row: the weapon branch's 3, then the charge branch's 2. */
export const AIM_MASK_WIDTH = 5;

export const AIM_WGSL = `// Aim-v0 (test env): a continuous aim, a weapon and a charge; the weapon after the target's colour masked.
const OBS_SIZE: u32 = 4u;
const STATE_SIZE: u32 = 3u;
const ACTION_SIZE: u32 = 1u;
const ACTION_BRANCHES: u32 = 2u;
const MASK_SIZE: u32 = 5u;
const METRIC_COUNT: u32 = 1u;

struct EnvParams {
  hit_reward: f32,
}

struct State {
  position: f32,
  colour: f32,
  hits: f32,
}

struct EnvAction {
  continuous: array<f32, ACTION_SIZE>,
  discrete: array<u32, ACTION_BRANCHES>,
}

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

// A fresh target: its position x, then its colour min(floor(u · 3), 2). (The field is 'position': 'target' is reserved in WGSL.)
fn aim_target(rng: ptr<function, EnvRng>, hits: f32) -> State {
  let position = env_uniform_range(rng, -1.0, 1.0);
  let colour = min(floor(env_uniform(rng) * 3.0), 2.0);
  return State(position, colour, hits);
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  return aim_target(rng, 0.0);
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  let hit = select(0.0, 1.0, f32(action.discrete[0]) == state.colour);
  let charge = 1.0 + f32(action.discrete[1]);
  let reward = charge * (params.hit_reward * hit - abs(action.continuous[0] - state.position));
  return EnvStep(aim_target(rng, state.hits + hit), reward, false);
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  return array<f32, OBS_SIZE>(
    state.position,
    select(0.0, 1.0, state.colour == 0.0),
    select(0.0, 1.0, state.colour == 1.0),
    select(0.0, 1.0, state.colour == 2.0),
  );
}

fn env_mask(state: State, params: EnvParams) -> array<u32, MASK_SIZE> {
  let masked = (u32(state.colour) + 1u) % 3u;
  return array<u32, MASK_SIZE>(select(1u, 0u, masked == 0u), select(1u, 0u, masked == 1u), select(1u, 0u, masked == 2u), 1u, 1u);
}

fn env_metrics(state: State, params: EnvParams) -> array<f32, METRIC_COUNT> {
  return array<f32, METRIC_COUNT>(state.hits);
}
`;

/** Aim-v0's options for customEnv. */
export const AIM: CustomEnvOptions = {
  id: 'Aim-v0',
  wgsl: AIM_WGSL,
  observationSize: 4,
  actionSpace: { kind: 'hybrid', continuous: { kind: 'box', size: 1, low: [-1], high: [1] }, nvec: AIM_NVEC },
  stateNames: ['position', 'colour', 'hits'],
  params: { hit_reward: 1 },
  maxEpisodeSteps: 20,
  actionMasks: true,
  episodeMetrics: ['hits'],
};

/** The mask row of a target of colour `colour`: weapon (colour + 1) mod 3 masked, both charges allowed. */
export function aimMask(colour: number): number[] {
  const masked = (colour + 1) % 3;
  return [0, 1, 2].map((w) => (w === masked ? 0 : 1)).concat([1, 1]);
}
