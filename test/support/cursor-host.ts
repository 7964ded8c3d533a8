/**
 * Cursor-v0 (test/support/cursor-env.ts, a masked multi-discrete WGSL env: move × fire) as a
 * JavaScript game, in both host-env forms: batched (typed arrays, stepsRanges) and per instance.
 * Both draw from `random` in the WGSL body's order (reset: cursor, then goal; a step: a new goal
 * after a hit, nothing otherwise) and compute in float32 where the WGSL does (the cell draw
 * floor(u · width), the observation's scale), so createHostVectorEnv over either replays the WGSL
 * env from the same seed. Used by test/gpu/host-multi-discrete.test.ts.
 */
import type { BatchedHostEnv, HostEnvBatch } from '../../src/envs/batched-host-env';
import type { HostEnv } from '../../src/envs/per-instance-host-env';
import { CURSOR, CURSOR_NVEC } from './cursor-env';

const f32 = Math.fround;
const PARAMS = CURSOR.params as { width: number; length: number; shot_cost: number };
const WIDTH = PARAMS.width;
const SCALE = f32(1 / (WIDTH - 1));
const K = CURSOR_NVEC.length;
/** Σ nvec: the move branch's 3 words, then the fire branch's 2. */
const MASK = CURSOR_NVEC[0] + CURSOR_NVEC[1];

/** cursor_cell of the WGSL: min(floor(u · width), width − 1), the product in float32. */
const cell = (random: () => number) => Math.min(Math.floor(f32(random() * WIDTH)), WIDTH - 1);

/** One instance's state, as the WGSL's State (cursor, goal, steps). */
interface CursorState {
  cursor: number;
  goal: number;
  steps: number;
}

function resetState(state: CursorState, random: () => number): void {
  state.cursor = cell(random);
  state.goal = cell(random);
  state.steps = 0;
}

/** env_step of the WGSL: the shot first (a hit draws the next goal), then the move; returns the reward. */
function stepState(state: CursorState, move: number, fire: number, random: () => number): number {
  let reward = 0;
  if (fire === 1) {
    if (state.cursor === state.goal) {
      reward = 1;
      state.goal = cell(random);
    } else {
      reward = -PARAMS.shot_cost;
    }
  }
  state.cursor = Math.min(Math.max(state.cursor + move - 1, 0), WIDTH - 1);
  state.steps += 1;
  return reward;
}

function writeObservation(state: CursorState, out: Float32Array | number[], at: number): void {
  out[at] = f32(state.cursor * SCALE);
  out[at + 1] = f32((state.goal - state.cursor) * SCALE);
}

/** env_mask of the WGSL: left and right masked at the line's ends, stay and the fire branch never. */
function writeMask(state: CursorState, out: Uint32Array, at: number): void {
  out[at] = state.cursor <= 0 ? 0 : 1;
  out[at + 1] = 1;
  out[at + 2] = state.cursor >= WIDTH - 1 ? 0 : 1;
  out[at + 3] = 1;
  out[at + 4] = 1;
}

const shape = {
  observationSize: CURSOR.observationSize,
  actionSpace: { kind: 'multiDiscrete', nvec: [...CURSOR_NVEC] },
  maxEpisodeSteps: CURSOR.maxEpisodeSteps,
} as const;

/**
 * Cursor-v0 batched: instance i's actions at batch.actions[i·K + b]. `stepsRanges: false` declares
 * it a game that must be stepped whole (an unpipelined rollout).
 */
export function cursorHost(options: { name?: string; stepsRanges?: boolean } = {}): BatchedHostEnv {
  let states: CursorState[] = [];
  const statesFor = (batch: HostEnvBatch) =>
    states.length === batch.numEnvs ? states : (states = Array.from({ length: batch.numEnvs }, () => ({ cursor: 0, goal: 0, steps: 0 })));
  // Made once per instance, so that stepping allocates nothing.
  let draws: (() => number)[] = [];
  const drawsFor = (batch: HostEnvBatch) => (draws.length === batch.numEnvs ? draws : (draws = states.map((_, i) => () => batch.random(i))));
  return {
    name: options.name ?? 'cursor-js',
    ...shape,
    actionMasks: true,
    stepsRanges: options.stepsRanges ?? true,
    resetBatch(batch, instances) {
      const all = statesFor(batch);
      const random = drawsFor(batch);
      for (const i of instances) {
        resetState(all[i]!, random[i]!);
        writeObservation(all[i]!, batch.observations, 2 * i);
        writeMask(all[i]!, batch.masks, MASK * i);
      }
    },
    stepBatch(batch, from, to) {
      const actions = batch.actions as Uint32Array;
      for (let i = from; i < to; i += 1) {
        const state = states[i]!;
        batch.rewards[i] = stepState(state, actions[K * i]!, actions[K * i + 1]!, draws[i]!);
        batch.terminated[i] = state.steps >= PARAMS.length ? 1 : 0;
        writeObservation(state, batch.observations, 2 * i);
        writeMask(state, batch.masks, MASK * i);
      }
    },
  };
}

/** Cursor-v0 per instance: step() gets a Uint32Array view of the instance's [move, fire]. */
export function cursorHostPerInstance(name = 'cursor-js'): HostEnv {
  const states: CursorState[] = [];
  const observe = (state: CursorState) => {
    const out = [0, 0];
    writeObservation(state, out, 0);
    return out;
  };
  return {
    name,
    ...shape,
    reset(env, random) {
      const state = (states[env] ??= { cursor: 0, goal: 0, steps: 0 });
      resetState(state, random);
      return observe(state);
    },
    step(env, action, random) {
      if (!(action instanceof Uint32Array) || action.length !== K) throw new TypeError(`cursor-js: env ${env} got action ${String(action)} (expected a Uint32Array of ${K})`);
      const state = states[env]!;
      const reward = stepState(state, action[0]!, action[1]!, random);
      return { observation: observe(state), reward, terminated: state.steps >= PARAMS.length };
    },
    actionMask(env, mask) {
      writeMask(states[env]!, mask, 0);
    },
  };
}

/**
 * Random legal actions [N][K] under `masks` ([N][Σ nvec]): a move drawn uniformly from the legal
 * ones (or, one time in `anyMoveOneIn`, any move, masked or not: the env must still step it), fire
 * a coin flip.
 */
export function randomCursorActions(masks: Uint32Array, random: () => number, anyMoveOneIn = 0): Uint32Array {
  const n = masks.length / MASK;
  const actions = new Uint32Array(n * K);
  for (let i = 0; i < n; i += 1) {
    const legal = [0, 1, 2].filter((m) => masks[MASK * i + m] === 1);
    const any = anyMoveOneIn > 0 && random() * anyMoveOneIn < 1;
    actions[K * i] = any ? Math.floor(random() * 3) : legal[Math.floor(random() * legal.length)]!;
    actions[K * i + 1] = random() < 0.5 ? 0 : 1;
  }
  return actions;
}
