/**
 * A masked multi-discrete WGSL env for tests (Cursor-v0), a "move × fire" goal game: a cursor on a
 * line of `width` cells and a goal cell. Each step takes two branches, move ∈ {left, stay, right}
 * and fire ∈ {hold, fire}: firing on the goal pays +1 and moves the goal to a fresh random cell,
 * firing elsewhere costs `shot_cost`; the move is applied after the shot. The move branch is masked
 * at the ends of the line (left at cell 0, right at cell width − 1; taking a masked move anyway
 * leaves the cursor where it is); the fire branch is never masked. Episodes last `length` steps.
 * Observation: [cursor / (width − 1), (goal − cursor) / (width − 1)].
 *
 * A uniformly random policy (fire half the time, on goal one cell in `width`) earns about
 * length · ½ · (1/7 − 6/7 · 0.25) ≈ −0.7 per episode at the defaults; walking to the goal and
 * firing once there earns about one hit per 3.3 steps, ≈ +5.5 per episode of 20 steps.
 */
import type { CustomEnvOptions } from '../../src/envs/index';

/** Branch sizes: move (left, stay, right) × fire (hold, fire). */
export const CURSOR_NVEC = [3, 2] as const;

export const CURSOR_WGSL = `// Cursor-v0 (test env): move × fire, the move branch masked at the line's ends.
const OBS_SIZE: u32 = 2u;
const STATE_SIZE: u32 = 3u;
const ACTION_SIZE: u32 = 2u;
const MASK_SIZE: u32 = 5u;

struct EnvParams {
  width: f32,
  length: f32,
  shot_cost: f32,
}

struct State {
  cursor: f32,
  goal: f32,
  steps: f32,
}

alias EnvAction = array<u32, ACTION_SIZE>;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

fn cursor_cell(rng: ptr<function, EnvRng>, params: EnvParams) -> f32 {
  return min(floor(env_uniform(rng) * params.width), params.width - 1.0);
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  let cursor = cursor_cell(rng, params);
  return State(cursor, cursor_cell(rng, params), 0.0);
}

fn env_mask(state: State, params: EnvParams) -> array<u32, MASK_SIZE> {
  let left = select(1u, 0u, state.cursor <= 0.0);
  let right = select(1u, 0u, state.cursor >= params.width - 1.0);
  return array<u32, MASK_SIZE>(left, 1u, right, 1u, 1u);
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  var reward = 0.0;
  var goal = state.goal;
  if (action[1] == 1u) {
    if (state.cursor == state.goal) {
      reward = 1.0;
      goal = cursor_cell(rng, params);
    } else {
      reward = -params.shot_cost;
    }
  }
  let cursor = clamp(state.cursor + f32(action[0]) - 1.0, 0.0, params.width - 1.0);
  let steps = state.steps + 1.0;
  return EnvStep(State(cursor, goal, steps), reward, steps >= params.length);
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  let scale = 1.0 / (params.width - 1.0);
  return array<f32, OBS_SIZE>(state.cursor * scale, (state.goal - state.cursor) * scale);
}
`;

/** Cursor-v0's options for customEnv. */
export const CURSOR: CustomEnvOptions = {
  id: 'Cursor-v0',
  wgsl: CURSOR_WGSL,
  observationSize: 2,
  actionSpace: { kind: 'multiDiscrete', nvec: CURSOR_NVEC },
  stateNames: ['cursor', 'goal', 'steps'],
  params: { width: 7, length: 20, shot_cost: 0.25 },
  maxEpisodeSteps: 1000,
  actionMasks: true,
};

/** The mask the CPU expects for one state row [cursor, goal, steps]. */
export function cursorMask(state: ArrayLike<number>, width = 7): number[] {
  return [state[0] === 0 ? 0 : 1, 1, state[0] === width - 1 ? 0 : 1, 1, 1];
}
