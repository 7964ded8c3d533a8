/**
 * The per-instance form of a host env: a game that steps one instance per call and returns fresh
 * objects, the simplest to write. batchHostEnv adapts it to the batched form
 * (./batched-host-env.ts), which is what the engine drives: one loop over the instances calling
 * step(), the results checked and copied into the engine's arrays. The adapter steps any range of
 * instances (stepsRanges), so the engine may pipeline it in halves: instance i's step() and reset()
 * calls keep their order, but calls for different instances may interleave differently from an
 * unpipelined run (the first half's resets come before the second half's steps).
 */
import { checkHostEnvShape, type BatchedHostEnv, type HostEnvBatch } from './batched-host-env';
import { maskWidth, type ActionSpace } from './types';

/** The next uniform in (0, 1) of one env's stream (Philox; reproducible from the seed). */
export type HostRandom = () => number;

/**
 * One instance's action of a hybrid space, as HostEnv.step gets it: two views into the engine's
 * action row (no copy), valid during the call only. The object is the same for every step of an
 * instance (nothing is allocated per step), so copy what you keep.
 */
export interface HybridAction {
  /** The D continuous dims, finite and clipped to the box. */
  readonly continuous: Float32Array;
  /** The K branch indices, branch b's < nvec[b]. */
  readonly discrete: Uint32Array;
}

/** What one instance's step returns. */
export interface HostEnvStepResult {
  /** observationSize finite numbers (stored as f32: values beyond f32's range are rejected too). */
  observation: ArrayLike<number>;
  /** The step's reward: a finite number (stored as f32). */
  reward: number;
  /** The instance reached a terminal state (no bootstrapping from it). */
  terminated: boolean;
  /**
   * The game cut the episode short itself (a level change, its own time limit): the episode ends
   * but its value is bootstrapped, as at the step limit. Default false.
   */
  truncated?: boolean;
}

/**
 * A game written in JavaScript, as the adapter drives it. Instances are addressed by index
 * 0 … numEnvs − 1; the game keeps their state (an array of game objects, typically).
 */
export interface HostEnv {
  /** Shown in errors (default 'host env'). */
  name?: string;
  /** Floats per observation. */
  observationSize: number;
  /**
   * Discrete actions arrive as integers 0 … n − 1; multi-discrete ones as a Uint32Array of the K
   * branches' actions (branch b's < nvec[b]); box actions as a Float32Array clipped to the bounds;
   * hybrid ones as a {@link HybridAction} of both.
   */
  actionSpace: ActionSpace;
  /** Episodes are truncated when they reach this many steps (Gymnasium's TimeLimit). */
  maxEpisodeSteps: number;
  /** Starts a fresh episode of instance `env`; returns its first observation. */
  reset(env: number, random: HostRandom): ArrayLike<number>;
  /**
   * One step of instance `env`. A box or multi-discrete action is a view into the adapter's memory,
   * a hybrid one an object of two such views; valid during the call only (copy it to keep it).
   */
  step(env: number, action: number | Float32Array | Uint32Array | HybridAction, random: HostRandom): HostEnvStepResult;
  /**
   * Writes the action mask of instance `env`'s current state into `mask` (n words of a discrete
   * env, Σ nvec of a multi-discrete or hybrid one with the branches side by side, branch 0 first: 1 = legal,
   * 0 = masked; at least one legal in each branch). Called after each reset and after each step
   * that does not end the episode. Giving it makes the env masked (the policy samples legal actions only).
   */
  actionMask?(env: number, mask: Uint32Array): void;
  /** Names of the values metrics() writes when an episode ends (given together with metrics). */
  episodeMetrics?: readonly string[];
  /**
   * Writes the metrics of the episode instance `env` just ended (one finite number per name of
   * episodeMetrics) into `out`; called after the step that ends it, before the reset.
   */
  metrics?(env: number, out: Float32Array): void;
}

/** Throws naming the field unless `env` is a usable HostEnv (sizes, action space, functions). */
export function validateHostEnv(env: HostEnv, name: string): void {
  checkHostEnvShape(env, name);
  if (typeof env.reset !== 'function' || typeof env.step !== 'function') {
    throw new TypeError(`${name}: reset(env, random) and step(env, action, random) must be functions`);
  }
  if (env.actionMask !== undefined && typeof env.actionMask !== 'function') {
    throw new TypeError(`${name}: actionMask must be a function (env, mask) => void (got ${typeof env.actionMask})`);
  }
  if (env.actionMask !== undefined && env.actionSpace.kind === 'box') {
    throw new RangeError(`${name}: actionMask needs a discrete, multi-discrete or hybrid action space (a box has no actions to mask)`);
  }
  if ((env.episodeMetrics === undefined) !== (env.metrics === undefined) || (env.metrics !== undefined && typeof env.metrics !== 'function')) {
    throw new TypeError(`${name}: episodeMetrics (the names) and metrics(env, out) (a function) are given together or not at all`);
  }
}

/** Whether `env` looks like a HostEnv (reset and step functions) rather than an id or a WGSL descriptor. */
export function isHostEnv(env: unknown): env is HostEnv {
  return typeof env === 'object' && env !== null && typeof (env as HostEnv).step === 'function' && typeof (env as HostEnv).reset === 'function';
}

/** Per-instance views of one batch's arrays and draws, made once per batch (a run). */
interface InstanceViews {
  readonly batch: HostEnvBatch;
  readonly randoms: HostRandom[];
  /** Box and multi-discrete actions: row i of batch.actions; hybrid: views of row i's two parts (empty for a discrete env). */
  readonly actions: (Float32Array | Uint32Array | HybridAction)[];
  /** Row i of batch.masks, when the env is masked. */
  readonly masks: Uint32Array[] | null;
  /** Row i of batch.episodeMetrics, when the env has metrics. */
  readonly metrics: Float32Array[] | null;
}

function makeViews(batch: HostEnvBatch, env: HostEnv): InstanceViews {
  const rows = <T extends Float32Array | Uint32Array>(array: T, width: number): T[] =>
    Array.from({ length: batch.numEnvs }, (_, i) => array.subarray(i * width, (i + 1) * width) as T);
  const space = env.actionSpace;
  return {
    batch,
    randoms: Array.from({ length: batch.numEnvs }, (_, i) => () => batch.random(i)),
    actions:
      space.kind === 'box'
        ? rows(batch.actions as Float32Array, space.size)
        : space.kind === 'multiDiscrete'
          ? rows(batch.actions as Uint32Array, space.nvec.length)
          : space.kind === 'hybrid'
            ? hybridViews(batch, space.continuous.size, space.nvec.length)
            : [],
    masks: env.actionMask ? rows(batch.masks, maskWidth(space)) : null,
    metrics: env.metrics ? rows(batch.episodeMetrics, env.episodeMetrics!.length) : null,
  };
}

/** Each instance's HybridAction: its row's first D words as floats, its last K as branch indices. */
function hybridViews(batch: HostEnvBatch, dims: number, branches: number): HybridAction[] {
  const width = dims + branches;
  return Array.from({ length: batch.numEnvs }, (_, i) => ({
    continuous: (batch.actions as Float32Array).subarray(i * width, i * width + dims),
    discrete: batch.discreteActions.subarray(i * width + dims, (i + 1) * width),
  }));
}

/**
 * The batched form of a per-instance HostEnv: resetBatch and stepBatch call reset() and step() for
 * each instance, check what they return (an observation of the right length, finite numbers that
 * fit f32), and copy it into the engine's arrays.
 */
export function batchHostEnv(env: HostEnv): BatchedHostEnv {
  const name = `host env '${env.name ?? 'host env'}'`;
  validateHostEnv(env, name);
  let views: InstanceViews | null = null;
  const viewsOf = (batch: HostEnvBatch) => (views?.batch === batch ? views : (views = makeViews(batch, env)));
  const store = (instance: number, observation: ArrayLike<number>, target: Float32Array, what: string) =>
    storeObservation(name, env.observationSize, instance, observation, target, what);
  return {
    ...(env.name !== undefined ? { name: env.name } : {}),
    observationSize: env.observationSize,
    actionSpace: env.actionSpace,
    maxEpisodeSteps: env.maxEpisodeSteps,
    ...(env.actionMask ? { actionMasks: true } : {}),
    ...(env.episodeMetrics ? { episodeMetrics: env.episodeMetrics } : {}),
    // Each instance is its own step() call: any range of them can be stepped.
    stepsRanges: true,
    resetBatch(batch, instances) {
      const { randoms, masks } = viewsOf(batch);
      for (let k = 0; k < instances.length; k += 1) {
        const i = instances[k]!;
        store(i, env.reset(i, randoms[i]!), batch.observations, 'reset()');
        if (masks) env.actionMask!(i, masks[i]!);
      }
    },
    stepBatch(batch, from = 0, to = batch.numEnvs) {
      const { randoms, actions, masks, metrics } = viewsOf(batch);
      const discrete = env.actionSpace.kind === 'discrete' ? (batch.actions as Uint32Array) : null;
      for (let i = from; i < to; i += 1) {
        const result = env.step(i, discrete ? discrete[i]! : actions[i]!, randoms[i]!);
        const reward = result?.reward;
        if (typeof reward !== 'number' || !Number.isFinite(reward) || !Number.isFinite(Math.fround(reward))) {
          throw new RangeError(`${name}: env ${i} returned reward ${reward} from step() (rewards must be finite numbers within float32's range)`);
        }
        store(i, result.observation, batch.observations, 'step()');
        batch.rewards[i] = reward;
        batch.terminated[i] = result.terminated === true ? 1 : 0;
        // On entry truncated holds the step limit's flags: the game's own truncation adds to them.
        if (result.truncated === true) batch.truncated[i] = 1;
        const ended = batch.terminated[i] === 1 || batch.truncated[i] === 1;
        if (masks && !ended) env.actionMask!(i, masks[i]!);
        if (metrics && ended) env.metrics!(i, metrics[i]!);
      }
    },
  };
}

/** Copies one observation into row `instance` of `target`, rejecting a wrong length and non-finite values. */
function storeObservation(name: string, size: number, instance: number, observation: ArrayLike<number>, target: Float32Array, what: string): void {
  if (!observation || observation.length !== size) {
    throw new RangeError(`${name}: env ${instance} returned an observation of length ${observation?.length} from ${what} (expected ${size})`);
  }
  const row = instance * size;
  for (let i = 0; i < size; i += 1) {
    const value = observation[i]!;
    target[row + i] = value;
    if (!Number.isFinite(target[row + i]!)) {
      const why = Number.isFinite(value) ? `${value}, which overflows float32` : `${value}`;
      throw new RangeError(`${name}: env ${instance} returned a non-finite observation from ${what}: observation[${i}] is ${why} (observations must be finite numbers)`);
    }
  }
}
