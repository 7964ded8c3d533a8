/**
 * A game's JavaScript env stepped N instances at a time over typed arrays the engine owns: the
 * batched form of a host env (EnvPool's and Gymnasium's vector envs step a batch per call for the
 * same reason: one call per step, not one per instance, and no object per instance and step).
 * The engine allocates the arrays once and hands the same {@link HostEnvBatch} to every call of a
 * run; the game reads the actions from it and writes its outputs into it. src/envs/host-env.ts
 * drives it behind GPU buffers.
 *
 * Stepping in ranges. A game that declares `stepsRanges` steps instances [from, to) per stepBatch
 * call, which lets the rollout overlap the game's JavaScript with the GPU: it steps the first half
 * of the instances while the GPU samples the second half's actions, and the second half while the
 * GPU samples the first half's next actions (the double-buffered sampling of EnvPool, Weng et al.
 * 2022, and Sample Factory, Petrenko et al. 2020; src/rollout/host-halves.ts). The arrays stay
 * full-size and indexed by instance either way, so a game's own per-instance state needs no change;
 * only its loop bounds do. A game written for `stepBatch(batch)` alone steps every instance on
 * each call, so it must not declare the flag, and is then always stepped whole.
 */
import { multiDiscreteProblem } from './action-branches';
import { hybridSpaceProblem, MAX_ACTION_SIZE } from './contract';
import type { ActionSpace } from './types';

/**
 * The engine's arrays for one run of a {@link BatchedHostEnv}: the same objects for the whole run
 * (a game may keep references to them). Row `i` of each belongs to instance `i`.
 */
export interface HostEnvBatch {
  /** Number of instances N. */
  readonly numEnvs: number;
  /**
   * In: the actions of this step: u32 [N] for a discrete env (each < n), u32 [N][K] for a
   * multi-discrete one (instance i's branch b at i·K + b, each < nvec[b]), f32 [N][size] for a box
   * (finite, already clipped to the bounds). A hybrid env (D floats and K branches) gets a
   * Float32Array [N][D + K] whose rows are the GPU's action rows: instance i's continuous dim d at
   * i·(D + K) + d (finite, clipped to the box); the row's last K words are its branch indices,
   * which only make sense read through {@link HostEnvBatch.discreteActions}.
   */
  readonly actions: Uint32Array | Float32Array;
  /**
   * In: the u32 view of the same memory as `actions`, for the discrete part of an action. A
   * hybrid env reads instance i's branch b at i·(D + K) + D + b (each < nvec[b]); for a discrete
   * or multi-discrete env this is `actions` itself; for a box it is empty. No copy is made: the
   * two views alias one buffer, whose row stride is D + K in both.
   */
  readonly discreteActions: Uint32Array;
  /** Out: [N][observationSize], each instance's observation after the step (or reset). */
  readonly observations: Float32Array;
  /** Out: [N], the reward of the step. */
  readonly rewards: Float32Array;
  /** Out: [N], 1 where the step reached a terminal state, else 0. */
  readonly terminated: Uint32Array;
  /**
   * In and out: [N], 0 or 1. On entry to stepBatch it holds 1 where this step reaches the step
   * limit (maxEpisodeSteps); the game sets 1 where it truncates the episode itself (a level
   * change, its own time limit). The engine ORs the step limit in again afterwards, so a game that
   * overwrites every row loses nothing.
   */
  readonly truncated: Uint32Array;
  /**
   * Out: [N][maskWidth], 1 where an action is legal in the instance's current state, 0 where it is
   * masked, written for every instance by stepBatch and for the restarted ones by resetBatch; length
   * 0 unless the env has actionMasks. maskWidth is n for a discrete env and Σ nvec for a
   * multi-discrete or hybrid one (the branches' masks side by side, branch 0 first; a hybrid env's
   * continuous part has no mask). A row (each branch's slice of it) must allow at least one action.
   */
  readonly masks: Uint32Array;
  /**
   * Out: [N][episodeMetrics.length], the metrics of each instance whose episode ends at this step
   * (terminated or truncated, the step limit included), written by stepBatch. The engine keeps the
   * rows of the instances whose episode ended and zeroes the others, so a game may also write every
   * row. Length 0 without metrics.
   */
  readonly episodeMetrics: Float32Array;
  /**
   * The next uniform in (0, 1) of instance `env`'s random stream for the step (or reset) being
   * taken: Philox keyed as the GPU envs' (shaders/envs/env_rng.wgsl), so a port of a WGSL env that
   * draws in the same order replays it. It allocates nothing.
   */
  random(env: number): number;
}

/**
 * A game written in JavaScript that steps all its instances in one call. The game keeps the
 * instances' state (typed arrays, typically); the engine keeps time limits, episode statistics,
 * auto-reset and the GPU buffers.
 */
export interface BatchedHostEnv {
  /** Shown in errors (default 'host env'). */
  name?: string;
  /** Floats per observation. */
  observationSize: number;
  /**
   * Discrete actions 0 … n − 1, multi-discrete ones (K branches, branch b's in 0 … nvec[b] − 1), a
   * box of floats clipped to its bounds before stepBatch, or hybrid (a box and K branches together).
   */
  actionSpace: ActionSpace;
  /** Episodes are truncated when they reach this many steps (Gymnasium's TimeLimit). */
  maxEpisodeSteps: number;
  /** The env writes action masks (batch.masks; discrete, multi-discrete or hybrid actions: not a box). Default false. */
  actionMasks?: boolean;
  /** Names of the values written to batch.episodeMetrics when an episode ends. Default none. */
  episodeMetrics?: readonly string[];
  /**
   * stepBatch honours its `from` and `to` (steps those instances only, each independently of the
   * others), so the engine may step the instances in two halves and overlap each half's JavaScript
   * with the GPU's work on the other. Default false: stepBatch is always called for every instance.
   */
  stepsRanges?: boolean;
  /**
   * Starts fresh episodes of the listed instances (all of them at the first reset; those whose
   * episode ended after a step): writes their observation rows, and their mask rows when masked.
   * Draw with batch.random(instance).
   */
  resetBatch(batch: HostEnvBatch, instances: Uint32Array): void;
  /**
   * One step of instances `from` … `to` − 1 (every instance, 0 … numEnvs − 1, unless the env
   * declares `stepsRanges`): reads their rows of batch.actions; writes their rows of observations,
   * rewards, terminated, truncated, masks, and the episodeMetrics rows of those whose episode ends.
   * Rows outside the range must be left alone.
   */
  stepBatch(batch: HostEnvBatch, from: number, to: number): void;
  /**
   * Called once, when the engine is done with `batch` (the vector env that handed it over was
   * destroyed): frees what the game holds for that run outside JavaScript's garbage collector, such
   * as a physics engine's WebAssembly memory (webgpu-rl/mujoco's envs keep an MjData per instance).
   * Optional. An env may serve several runs, each with its own batch, so it frees that run's state
   * only; the env itself stays usable.
   */
  releaseBatch?(batch: HostEnvBatch): void;
}

/** Whether `env` is a BatchedHostEnv: an object with resetBatch and stepBatch functions. */
export function isBatchedHostEnv(env: unknown): env is BatchedHostEnv {
  return (
    typeof env === 'object' &&
    env !== null &&
    typeof (env as BatchedHostEnv).resetBatch === 'function' &&
    typeof (env as BatchedHostEnv).stepBatch === 'function'
  );
}

const positiveInteger = (value: number) => Number.isInteger(value) && value > 0;

/** What both forms of host env declare: sizes, spaces, step limit, masks and metric names. */
export type HostEnvShape = Pick<BatchedHostEnv, 'observationSize' | 'actionSpace' | 'maxEpisodeSteps' | 'actionMasks' | 'episodeMetrics'>;

/** Throws naming the field unless `env`'s shape is usable (`name` prefixes the message). */
export function checkHostEnvShape(env: HostEnvShape, name: string): void {
  if (!positiveInteger(env.observationSize)) {
    throw new RangeError(`${name}: observationSize must be a positive integer (got ${env.observationSize})`);
  }
  checkActionSpace(env.actionSpace, name);
  if (!positiveInteger(env.maxEpisodeSteps)) {
    throw new RangeError(`${name}: maxEpisodeSteps must be a positive integer (got ${env.maxEpisodeSteps})`);
  }
  if (env.actionMasks !== undefined && typeof env.actionMasks !== 'boolean') {
    throw new TypeError(`${name}: actionMasks must be true or false (got ${String(env.actionMasks)})`);
  }
  if (env.actionMasks && env.actionSpace.kind === 'box') {
    throw new RangeError(`${name}: actionMasks needs a discrete, multi-discrete or hybrid action space (a box has no actions to mask)`);
  }
  const metrics = env.episodeMetrics;
  if (metrics === undefined) return;
  if (!Array.isArray(metrics) || metrics.some((m) => typeof m !== 'string' || m === '')) {
    throw new TypeError(`${name}: episodeMetrics must be an array of non-empty names (got ${JSON.stringify(metrics)})`);
  }
  const repeated = metrics.find((m, i) => metrics.indexOf(m) !== i);
  if (repeated !== undefined) throw new RangeError(`${name}: episodeMetrics names '${repeated}' twice`);
}

/** Throws naming the field unless `env` is a usable BatchedHostEnv (shape and functions). */
export function validateBatchedHostEnv(env: BatchedHostEnv, name: string): void {
  checkHostEnvShape(env, name);
  if (typeof env.resetBatch !== 'function' || typeof env.stepBatch !== 'function') {
    throw new TypeError(`${name}: resetBatch(batch, instances) and stepBatch(batch, from, to) must be functions`);
  }
  if (env.stepsRanges !== undefined && typeof env.stepsRanges !== 'boolean') {
    throw new TypeError(`${name}: stepsRanges must be true or false (got ${String(env.stepsRanges)})`);
  }
  if (env.releaseBatch !== undefined && typeof env.releaseBatch !== 'function') {
    throw new TypeError(`${name}: releaseBatch must be a function of the batch, or left out (got ${typeof env.releaseBatch})`);
  }
}

function checkActionSpace(space: ActionSpace, name: string): void {
  if (space?.kind === 'discrete') {
    if (!positiveInteger(space.n)) throw new RangeError(`${name}: actionSpace.n must be a positive integer (got ${space.n})`);
    return;
  }
  if (space?.kind === 'multiDiscrete') {
    const problem = multiDiscreteProblem(space.nvec);
    if (problem) throw new RangeError(`${name}: ${problem}`);
    return;
  }
  if (space?.kind === 'hybrid') {
    const problem = hybridSpaceProblem(space);
    if (problem) throw new RangeError(`${name}: ${problem}`);
    return;
  }
  if (space?.kind !== 'box') {
    throw new TypeError(
      `${name}: actionSpace must be { kind: 'discrete', n }, { kind: 'multiDiscrete', nvec }, { kind: 'box', size, low, high } ` +
        `or { kind: 'hybrid', continuous, nvec } (got ${JSON.stringify(space)})`,
    );
  }
  if (!positiveInteger(space.size) || space.size > MAX_ACTION_SIZE) {
    throw new RangeError(`${name}: actionSpace.size must be an integer in [1, ${MAX_ACTION_SIZE}] (MAX_ACTION_SIZE) (got ${space.size})`);
  }
  if (space.low.length !== space.size || space.high.length !== space.size) {
    throw new RangeError(`${name}: actionSpace.low and .high need ${space.size} bounds each (got ${space.low.length} and ${space.high.length})`);
  }
  space.low.forEach((low, i) => {
    if (!(low <= space.high[i]!)) throw new RangeError(`${name}: actionSpace bounds of dimension ${i} are empty or not numbers (low ${low}, high ${space.high[i]})`);
  });
}
