/**
 * Host environments: game logic written in JavaScript, N instances stepped on the CPU, behind the
 * same buffers a GPU VectorEnv exposes, so the policy, rollout and training kernels cannot tell the
 * difference.
 *
 * This is the one documented exception to "nothing leaves the GPU" (docs/ARCHITECTURE.md): each step reads
 * the actions back (one batched copy of all N) and uploads the results (one writeBuffer per buffer,
 * all N at once). A game that declares `stepsRanges` may instead be stepped a range of instances at
 * a time (`step(from, to)`: one copy and one writeBuffer per buffer of those rows), which is how the
 * rollout pipelines it in halves (src/rollout/host-halves.ts). Semantics are the GPU wrapper's (shaders/envs/env_wrapper.wgsl): terminated and
 * truncated kept apart (both may be 1, as in Gymnasium's TimeLimit), truncation when an episode
 * reaches maxEpisodeSteps, the pre-reset observation of every env in finalObservations, auto-reset,
 * and the ended episode's return and length (0 where none ended).
 *
 * A game steps all its instances in one call over arrays the engine owns (a BatchedHostEnv,
 * ./batched-host-env.ts), or one instance per call (a HostEnv, ./per-instance-host-env.ts, adapted
 * by batchHostEnv). Example, a batched coin flip that ends after a head:
 * ```ts
 * const coin: BatchedHostEnv = {
 *   name: 'coin', observationSize: 1, actionSpace: { kind: 'discrete', n: 2 }, maxEpisodeSteps: 10,
 *   resetBatch(batch, instances) {
 *     for (const i of instances) batch.observations[i] = 0;
 *   },
 *   stepsRanges: true,
 *   stepBatch(batch, from, to) {
 *     for (let i = from; i < to; i += 1) {
 *       const head = batch.random(i) < 0.5;
 *       batch.observations[i] = head ? 1 : 0;
 *       batch.rewards[i] = head === (batch.actions[i] === 1) ? 1 : 0;
 *       batch.terminated[i] = head ? 1 : 0;
 *     }
 *   },
 * };
 * const envs = await createHostVectorEnv(device, coin, { numEnvs: 64, seed: 1 });
 * envs.reset();
 * // each step: encode policy kernels that write envs.buffers.actions, submit, then
 * await envs.step();
 * ```
 */
import { createBuffer, destroyBuffer, STORAGE_USAGE } from '../gpu/buffers';
import { ReadbackRing, readBufferOnce, type ReadbackTicket } from '../gpu/readback';
import { checkHostEnvShape, isBatchedHostEnv, validateBatchedHostEnv, type BatchedHostEnv, type HostEnvBatch } from './batched-host-env';
import { checkFiniteRow, checkFlag, checkHostActions, checkMaskRow, type HostEnvCall } from './host-batch-checks';
import { HostEnvRandoms } from './host-env-random';
import { ENV_RESET_PHASE } from './kernels';
import { batchHostEnv, isHostEnv, validateHostEnv, type HostEnv } from './per-instance-host-env';
import { checkSeats, isSeatedHostEnv, type SeatedHostEnv, type SeatOrder } from './seated-host-env';
import type { ShaderPart } from '../gpu/shaders';
import { actionBranches, actionWords } from './action-branches';
import { checkHybridActionArrays, packHybridActions } from './hybrid-actions';
import { maskWidth, type EnvDescriptor, type HybridActions, type VectorEnvSnapshot } from './types';

export type { HostEnv, HostEnvStepResult, HostRandom, HybridAction } from './per-instance-host-env';
export { batchHostEnv, isHostEnv, validateHostEnv } from './per-instance-host-env';
export type { BatchedHostEnv, HostEnvBatch } from './batched-host-env';
export { isBatchedHostEnv } from './batched-host-env';

export interface HostVectorEnvOptions {
  /** Number of game instances (a positive integer); for a game with seats, rows (seats × matches). */
  numEnvs: number;
  /** Seed of the `random` streams handed to reset and step (a u32). */
  seed: number;
  /** Overrides hostEnv.maxEpisodeSteps for this run. */
  maxEpisodeSteps?: number;
  /** A game with seats: the seats' row blocks in this order (default seat order; a permutation of the seats). */
  seatOrder?: SeatOrder;
}

/** A host-side copy of the adapter's buffers: a VectorEnv snapshot without internal states. */
export type HostVectorEnvSnapshot = Omit<VectorEnvSnapshot, 'states' | 'nextStates'>;

/** The buffers of a host vector env: the VectorEnv buffers that make sense without a WGSL state. */
export type HostEnvBufferName = keyof HostVectorEnvSnapshot | 'actions';

/** The buffers every host vector env has, and masks / episodeMetrics where the env has them. */
export type HostEnvBuffers = Readonly<Record<Exclude<HostEnvBufferName, 'masks' | 'episodeMetrics'>, GPUBuffer>> & {
  readonly masks?: GPUBuffer;
  readonly episodeMetrics?: GPUBuffer;
};

/** Cumulative host-side costs of step() (performance.now(), milliseconds), for benchmarks. */
export interface HostEnvTimings {
  /** step() calls (a range of instances counts as one). */
  steps: number;
  /** Instances stepped, summed over the step() calls: numEnvs per step of every instance. */
  instanceSteps: number;
  /** In the game: stepBatch and the auto-resets' resetBatch. */
  jsStepMs: number;
  /** Checking the actions and everything the game wrote, and the engine's episode bookkeeping. */
  validateMs: number;
  /** The writeBuffer calls. */
  uploadMs: number;
  /** Waiting for the actions' readback (the GPU's work before it included). */
  readbackWaitMs: number;
}

/**
 * N instances of a host env behind GPU buffers. `buffers` has the VectorEnv names: observations
 * [N][OBS] f32, actions (u32 [N] discrete / u32 [N][K] multi-discrete / f32 [N][size] box /
 * [N][D + K] words hybrid, D f32 then K u32), rewards [N] f32, terminated and
 * truncated [N] u32, finalObservations [N][OBS], episodeReturns [N] f32, episodeLengths,
 * stepCounts, episodeIndices [N] u32; masks u32 [N][maskWidth] when the env is masked and
 * episodeMetrics f32 [N][M] when it has metrics. There is no encodeStep/encodeReset: a host step
 * cannot run inside a command buffer, so it is `await step()` between submits.
 */
export interface HostVectorEnv {
  /** The env as given (per-instance, batched, or with seats). */
  readonly hostEnv: HostEnv | BatchedHostEnv | SeatedHostEnv;
  /** The batched form that is driven (hostEnv itself, batchHostEnv(hostEnv), or a seated game's rows). */
  readonly batchedEnv: BatchedHostEnv;
  readonly numEnvs: number;
  readonly observationSize: number;
  readonly maxEpisodeSteps: number;
  readonly buffers: HostEnvBuffers;
  /**
   * CPU copies of what the last reset() or step() uploaded (live arrays, overwritten by the next
   * call): a game can render from them without a readback.
   */
  readonly latest: Readonly<HostVectorEnvSnapshot>;
  /** Cumulative costs of step(), for a per-step breakdown. */
  readonly timings: Readonly<HostEnvTimings>;
  /** Whether step() may take a range of instances: the game declares stepsRanges (batchHostEnv's adapter does). */
  readonly stepsRanges: boolean;
  /**
   * Resets every instance (a new episode each, step count 0) and uploads the observations; an env
   * whose resetBatch answers asynchronously (AsyncBatchedHostEnv) finishes by settled().
   */
  reset(): void;
  /** Resolves once the last reset() has uploaded its observations. */
  settled(): Promise<void>;
  /**
   * Records the copy of instances [from, to)'s rows of `buffers.actions` (default all) to the CPU in
   * the caller's encoder, right after the kernels that write them; submit it before awaiting
   * step(from, to). Optional: step() records and submits its own copy when none is pending.
   * Copies may be recorded several steps ahead (a rollout encodes its whole iteration first): a
   * range starting at instance 0 has one staging buffer, any other range a second, and step()
   * calls of a range collect its copies in order, so each copy must be submitted after the
   * step() that collected the one before it in the same staging buffer.
   */
  encodeActionReadback(encoder: GPUCommandEncoder, from?: number, to?: number): void;
  /**
   * Reads the actions of instances [from, to) back (default all; a proper range needs
   * `stepsRanges`), steps them on the CPU, auto-resets those whose episode ended, and uploads their
   * rows.
   */
  step(from?: number, to?: number): Promise<void>;
  /**
   * Tests and scripted play: writes all N actions into `buffers.actions`: a Uint32Array of N
   * (discrete) or N·K (multi-discrete, instance-major), a Float32Array of N·size (box), or for a
   * hybrid env { continuous: Float32Array of N·D, discrete: Uint32Array of N·K } (HybridActions,
   * interleaved into rows of D + K words). Types and lengths are checked here, values at step().
   */
  writeActions(actions: Uint32Array | Float32Array | HybridActions): void;
  /** Reads every buffer back (readBufferOnce: tests and tools only). */
  read(): Promise<HostVectorEnvSnapshot>;
  /** Frees the GPU buffers, then calls the game's releaseBatch (BatchedHostEnv) with this run's batch. */
  destroy(): void;
}

const positiveInteger = (value: number) => Number.isInteger(value) && value > 0;

/** A game with seats (checked) as rows in `order` (default seat order): ./seat-rows.ts, loaded now. */
async function seatRowsOf(game: SeatedHostEnv, name: string, order?: SeatOrder): Promise<BatchedHostEnv> {
  checkSeats(game, name);
  checkHostEnvShape(game, name);
  const { seatedBatchedEnv, checkSeatFunctions } = await import('./seat-rows');
  checkSeatFunctions(game, name);
  return seatedBatchedEnv(game, order);
}

/** The batched form of `env` (checked), or a TypeError naming what was given. */
function batchedFormOf(env: HostEnv | BatchedHostEnv, name: string): BatchedHostEnv {
  if (isBatchedHostEnv(env)) {
    validateBatchedHostEnv(env, name);
    return env;
  }
  if (isHostEnv(env)) return batchHostEnv(env);
  throw new TypeError(`${name}: a host env needs reset(env, random) and step(env, action, random), or resetBatch(batch, instances) and stepBatch(batch, from, to)`);
}

/**
 * Creates N instances of `hostEnv` (per-instance or batched; for a game with seats, N rows: its
 * seats × matches) behind GPU buffers (allocated here, once). Call reset() before the first step().
 */
export async function createHostVectorEnv(device: GPUDevice, hostEnv: HostEnv | BatchedHostEnv, options: HostVectorEnvOptions): Promise<HostVectorEnv>;
export async function createHostVectorEnv(device: GPUDevice, hostEnv: SeatedHostEnv, options: HostVectorEnvOptions): Promise<HostVectorEnv>;
export async function createHostVectorEnv(device: GPUDevice, hostEnv: HostEnv | BatchedHostEnv | SeatedHostEnv, options: HostVectorEnvOptions): Promise<HostVectorEnv>;
export async function createHostVectorEnv(
  device: GPUDevice,
  hostEnv: HostEnv | BatchedHostEnv | SeatedHostEnv,
  options: HostVectorEnvOptions,
): Promise<HostVectorEnv> {
  const name = `host env '${hostEnv?.name ?? 'host env'}'`;
  const batched = isSeatedHostEnv(hostEnv) ? await seatRowsOf(hostEnv, name, options.seatOrder) : batchedFormOf(hostEnv, name);
  const { numEnvs, seed } = options;
  if (!positiveInteger(numEnvs)) throw new RangeError(`${name}: numEnvs must be a positive integer (got ${numEnvs})`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`${name}: seed must be an integer in [0, 4294967295] (got ${seed})`);
  }
  const maxEpisodeSteps = options.maxEpisodeSteps ?? batched.maxEpisodeSteps;
  if (!positiveInteger(maxEpisodeSteps)) throw new RangeError(`${name}: maxEpisodeSteps must be a positive integer (got ${maxEpisodeSteps})`);
  return new HostVectorEnvImpl(device, hostEnv, batched, name, numEnvs, seed, maxEpisodeSteps);
}

/** The timings of the host vector env that owns each batch. */
const timingsByBatch = new WeakMap<HostEnvBatch, Readonly<HostEnvTimings>>();
/** The random streams behind each batch's random(), and their seed. */
const streamsByBatch = new WeakMap<HostEnvBatch, { readonly seed: number; readonly randoms: HostEnvRandoms }>();

/**
 * The seed and streams behind `batch.random` (undefined for any other object): an env that steps
 * its instances elsewhere (a worker's stand-in for an env on the page) keys a copy of the streams
 * the same way, so the game draws what it would draw here.
 */
export function hostEnvStreams(batch: HostEnvBatch): { readonly seed: number; readonly randoms: HostEnvRandoms } | undefined {
  return streamsByBatch.get(batch);
}

/**
 * A BatchedHostEnv whose calls may be asynchronous: the worker's stand-in for an env that steps on
 * the page (src/worker/page-env.ts) answers once the page has stepped. The engine awaits them.
 */
export interface AsyncBatchedHostEnv extends Omit<BatchedHostEnv, 'resetBatch' | 'stepBatch'> {
  resetBatch(batch: HostEnvBatch, instances: Uint32Array): void | Promise<void>;
  stepBatch(batch: HostEnvBatch, from: number, to: number): void | Promise<void>;
}

/**
 * The cumulative step() timings of the host vector env that handed `batch` to its game (undefined
 * for any other object). For benchmarks whose env a trainer creates: a wrapper of the game sees the
 * batch in its first resetBatch call.
 */
export function hostEnvTimings(batch: HostEnvBatch): Readonly<HostEnvTimings> | undefined {
  return timingsByBatch.get(batch);
}

/** The engine's HostEnvBatch: arrays shared with `latest`, draws from the instances' streams. */
class EngineBatch implements HostEnvBatch {
  readonly random: (env: number) => number;

  constructor(
    readonly numEnvs: number,
    readonly actions: Uint32Array | Float32Array,
    readonly discreteActions: Uint32Array,
    readonly observations: Float32Array,
    readonly rewards: Float32Array,
    readonly terminated: Uint32Array,
    readonly truncated: Uint32Array,
    readonly masks: Uint32Array,
    readonly episodeMetrics: Float32Array,
    randoms: HostEnvRandoms,
    name: string,
  ) {
    // An own arrow, so that `const { random } = batch` works too.
    this.random = (env) => {
      if (!(env >= 0 && env < numEnvs && env === Math.floor(env))) {
        throw new RangeError(`${name}: random(${env}) names no instance (valid: integers 0 … ${numEnvs - 1})`);
      }
      return randoms.next(env);
    };
  }
}

class HostVectorEnvImpl implements HostVectorEnv {
  readonly observationSize: number;
  readonly buffers: HostEnvBuffers;
  readonly latest: HostVectorEnvSnapshot;
  readonly timings: HostEnvTimings = { steps: 0, instanceSteps: 0, jsStepMs: 0, validateMs: 0, uploadMs: 0, readbackWaitMs: 0 };
  readonly stepsRanges: boolean;
  private readonly batch: EngineBatch;
  private readonly actionSize: number;
  private readonly actionBytes: Uint8Array;
  private readonly maskWidth: number;
  /** The mask row's branch sizes ([n], or nvec multi-discrete), for checkMaskRow. */
  private readonly maskBranches: readonly number[];
  private readonly metricCount: number;
  private readonly runningReturns: Float64Array;
  private readonly randoms: HostEnvRandoms;
  /** 0 … N − 1, for the first reset. */
  private readonly everyInstance: Uint32Array;
  /** The instances whose episode ended at this step, in its first `count` entries. */
  private readonly ended: Uint32Array;
  /** ended.subarray(0, count), made once per count. */
  private readonly endedViews: Uint32Array[] = [];
  /** Each buffer with the array uploaded into it and the words of one instance's row. */
  private readonly uploads: [GPUBuffer, Float32Array | Uint32Array, number][];
  /** Two staging slots of all N actions: 0 for ranges from instance 0, 1 for the others. */
  private readonly ring: ReadbackRing;
  /** Per slot: copies recorded and not collected yet, all of one range. */
  private readonly pending = [0, 0];
  private readonly pendingRange: [number, number][] = [
    [0, 0],
    [0, 0],
  ];
  private readonly tickets: (ReadbackTicket | null)[] = [null, null];
  private ready = false;
  /** A reset() whose env answers asynchronously, until it has. */
  private resetting: Promise<void> | null = null;
  private destroyed = false;

  constructor(
    private readonly device: GPUDevice,
    readonly hostEnv: HostEnv | BatchedHostEnv | SeatedHostEnv,
    readonly batchedEnv: BatchedHostEnv,
    private readonly name: string,
    readonly numEnvs: number,
    seed: number,
    readonly maxEpisodeSteps: number,
  ) {
    const n = numEnvs;
    const obs = (this.observationSize = batchedEnv.observationSize);
    const space = batchedEnv.actionSpace;
    this.actionSize = actionWords(space);
    this.maskWidth = batchedEnv.actionMasks ? maskWidth(space) : 0;
    this.maskBranches = actionBranches(space);
    this.metricCount = batchedEnv.episodeMetrics?.length ?? 0;
    this.latest = {
      observations: new Float32Array(n * obs),
      rewards: new Float32Array(n),
      terminated: new Uint32Array(n),
      truncated: new Uint32Array(n),
      finalObservations: new Float32Array(n * obs),
      episodeReturns: new Float32Array(n),
      episodeLengths: new Uint32Array(n),
      stepCounts: new Uint32Array(n),
      // The first reset() starts episode 0, as on the GPU.
      episodeIndices: new Uint32Array(n).fill(0xffffffff),
      ...(this.maskWidth > 0 ? { masks: new Uint32Array(n * this.maskWidth) } : {}),
      ...(this.metricCount > 0 ? { episodeMetrics: new Float32Array(n * this.metricCount) } : {}),
    };
    const actionBuffer = new ArrayBuffer(4 * n * this.actionSize);
    this.actionBytes = new Uint8Array(actionBuffer);
    this.runningReturns = new Float64Array(n);
    this.randoms = new HostEnvRandoms(seed, n);
    this.everyInstance = Uint32Array.from({ length: n }, (_, i) => i);
    this.ended = new Uint32Array(n);
    const l = this.latest;
    // One action memory, two views: a hybrid row's floats and its branch indices share it.
    const actionWordsView = new Uint32Array(actionBuffer);
    this.batch = new EngineBatch(
      n,
      space.kind === 'box' || space.kind === 'hybrid' ? new Float32Array(actionBuffer) : actionWordsView,
      space.kind === 'box' ? new Uint32Array(0) : actionWordsView,
      l.observations,
      l.rewards,
      l.terminated,
      l.truncated,
      l.masks ?? new Uint32Array(0),
      l.episodeMetrics ?? new Float32Array(0),
      this.randoms,
      name,
    );
    timingsByBatch.set(this.batch, this.timings);
    streamsByBatch.set(this.batch, { seed, randoms: this.randoms });
    const made = this.createBuffers(actionBuffer.byteLength);
    this.buffers = made;
    this.uploads = Object.entries(this.latest).map(([key, array]) => [made[key as HostEnvBufferName]!, array, array.length / n]);
    this.stepsRanges = batchedEnv.stepsRanges === true;
    try {
      this.ring = new ReadbackRing(device, { label: `host-env.${batchedEnv.name ?? 'env'}.actions-readback`, byteLength: actionBuffer.byteLength, slots: 2 });
    } catch (error) {
      for (const buffer of Object.values(made)) destroyBuffer(device, buffer);
      throw error;
    }
  }

  private createBuffers(actionBytes: number): HostEnvBuffers {
    const label = `host-env.${this.batchedEnv.name ?? 'env'}`;
    const made: Partial<Record<HostEnvBufferName, GPUBuffer>> = {};
    try {
      for (const [key, array] of Object.entries(this.latest)) {
        made[key as HostEnvBufferName] = createBuffer(this.device, { label: `${label}.${key}`, size: array.byteLength, usage: STORAGE_USAGE() });
      }
      made.actions = createBuffer(this.device, { label: `${label}.actions`, size: actionBytes, usage: STORAGE_USAGE() });
    } catch (error) {
      for (const buffer of Object.values(made)) destroyBuffer(this.device, buffer);
      throw error;
    }
    return made as HostEnvBuffers;
  }

  reset(): void {
    this.assertAlive();
    this.ready = false;
    // Copies recorded for an iteration that stopped part-way are never collected.
    this.pending.fill(0);
    for (let env = 0; env < this.numEnvs; env += 1) this.startEpisode(env);
    const reset = (this.batchedEnv as AsyncBatchedHostEnv).resetBatch(this.batch, this.everyInstance);
    // An env stepping elsewhere answers later: settled() waits for it, as the next iteration does.
    if (reset) this.resetting = reset.then(() => this.finishReset()).finally(() => (this.resetting = null));
    else this.finishReset();
  }

  /** Resolves once the last reset() has written its observations (at once for a game's own env). */
  settled(): Promise<void> {
    return this.resetting ?? Promise.resolve();
  }

  /** The first observations checked, the episode statistics zeroed, everything uploaded. */
  private finishReset(): void {
    const { latest } = this;
    for (let env = 0; env < this.numEnvs; env += 1) this.checkFreshRow(env, 'resetBatch');
    latest.rewards.fill(0);
    latest.terminated.fill(0);
    latest.truncated.fill(0);
    latest.finalObservations.set(latest.observations);
    latest.episodeReturns.fill(0);
    latest.episodeLengths.fill(0);
    latest.episodeMetrics?.fill(0);
    this.ready = true;
    this.upload(0, this.numEnvs);
  }

  encodeActionReadback(encoder: GPUCommandEncoder, from = 0, to = this.numEnvs): void {
    this.assertAlive();
    this.checkRange('encodeActionReadback', from, to);
    const slot = this.pendingSlot('encodeActionReadback', from, to);
    const bytesPerEnv = 4 * this.actionSize;
    this.tickets[slot] = this.ring.recordAt(encoder, slot, this.buffers.actions, from * bytesPerEnv, (to - from) * bytesPerEnv);
    this.pendingRange[slot]![0] = from;
    this.pendingRange[slot]![1] = to;
    this.pending[slot]! += 1;
  }

  async step(from = 0, to = this.numEnvs): Promise<void> {
    this.assertAlive();
    this.checkRange('step', from, to);
    if (this.resetting) await this.resetting;
    if (!this.ready) throw new Error(`${this.name}: call reset() before step() (and again after a step threw)`);
    const slot = this.pendingSlot('step', from, to);
    if (this.pending[slot] === 0) {
      const encoder = this.device.createCommandEncoder({ label: `${this.name}.actions-readback` });
      this.encodeActionReadback(encoder, from, to);
      this.device.queue.submit([encoder.finish()]);
    }
    this.pending[slot]! -= 1;
    const t = this.timings;
    const t0 = performance.now();
    await this.ring.collectInto(this.tickets[slot]!, this.actionBytes, from * 4 * this.actionSize);
    const t1 = performance.now();
    // Until this step finishes cleanly the instances may be half-stepped: a throw needs reset().
    this.ready = false;
    checkHostActions(this.name, this.batchedEnv.actionSpace, this.batch, from, to);
    this.beginStep(from, to);
    const t2 = performance.now();
    const env = this.batchedEnv as AsyncBatchedHostEnv;
    const stepped = env.stepBatch(this.batch, from, to);
    if (stepped) await stepped;
    const t3 = performance.now();
    const count = this.finishStep(from, to);
    const t4 = performance.now();
    if (count > 0) {
      const reset = env.resetBatch(this.batch, this.endedViews[count] ?? (this.endedViews[count] = this.ended.subarray(0, count)));
      if (reset) await reset;
    }
    const t5 = performance.now();
    this.checkResets(count, from, to);
    this.ready = true;
    const t6 = performance.now();
    this.upload(from, to);
    const t7 = performance.now();
    t.steps += 1;
    t.instanceSteps += to - from;
    t.readbackWaitMs += t1 - t0;
    t.jsStepMs += t3 - t2 + (t5 - t4);
    t.validateMs += t2 - t1 + (t4 - t3) + (t6 - t5);
    t.uploadMs += t7 - t6;
  }

  writeActions(actions: Uint32Array | Float32Array | HybridActions): void {
    this.assertAlive();
    const space = this.batchedEnv.actionSpace;
    if (space.kind === 'hybrid') {
      checkHybridActionArrays(`${this.name}: writeActions`, space, this.numEnvs, actions);
      this.device.queue.writeBuffer(this.buffers.actions, 0, packHybridActions(space, this.numEnvs, actions));
      return;
    }
    if (!(actions instanceof Uint32Array || actions instanceof Float32Array)) {
      const got = typeof actions === 'object' && actions !== null ? `an object of fields ${Object.keys(actions).join(', ')}` : String(actions);
      throw new RangeError(`${this.name}: writeActions needs a typed array of ${this.numEnvs * this.actionSize} actions (got ${got})`);
    }
    const expected = this.numEnvs * this.actionSize;
    const wanted = this.batchedEnv.actionSpace.kind === 'box' ? 'Float32Array' : 'Uint32Array';
    if (actions.length !== expected || actions.constructor.name !== wanted) {
      throw new RangeError(`${this.name}: writeActions needs a ${wanted} of ${expected} actions (got a ${actions.constructor.name} of ${actions.length})`);
    }
    this.device.queue.writeBuffer(this.buffers.actions, 0, actions.buffer, actions.byteOffset, actions.byteLength);
  }

  async read(): Promise<HostVectorEnvSnapshot> {
    this.assertAlive();
    const snapshot: Record<string, Float32Array | Uint32Array> = {};
    for (const [key, array] of Object.entries(this.latest) as [keyof HostVectorEnvSnapshot, Float32Array | Uint32Array][]) {
      const bytes = await readBufferOnce(this.device, this.buffers[key]!);
      snapshot[key] = array instanceof Float32Array ? new Float32Array(bytes) : new Uint32Array(bytes);
    }
    return snapshot as unknown as HostVectorEnvSnapshot;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const buffer of Object.values(this.buffers)) destroyBuffer(this.device, buffer);
    this.ring.destroy();
    // The game frees what it holds for this run (BatchedHostEnv.releaseBatch).
    this.batchedEnv.releaseBatch?.(this.batch);
  }

  /** A fresh episode's bookkeeping for instance `env`, its stream keyed for the reset. */
  private startEpisode(env: number): void {
    const { latest } = this;
    const episode = (latest.episodeIndices[env]! + 1) >>> 0;
    latest.episodeIndices[env] = episode;
    latest.stepCounts[env] = 0;
    this.runningReturns[env] = 0;
    this.randoms.start(env, ENV_RESET_PHASE, episode);
  }

  /** Throws unless [from, to) is a range of instances this env may step (a proper one needs stepsRanges). */
  private checkRange(call: string, from: number, to: number): void {
    const n = this.numEnvs;
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to <= from || to > n) {
      throw new RangeError(`${this.name}: ${call}(from, to) needs integers with 0 ≤ from < to ≤ ${n} (got ${from}, ${to})`);
    }
    if (to - from < n && !this.stepsRanges) {
      throw new RangeError(
        `${this.name}: ${call}(${from}, ${to}) takes a range of instances, but the env does not declare stepsRanges ` +
          '(its stepBatch steps every instance; valid: the whole range 0 … numEnvs)',
      );
    }
  }

  /** The staging slot of range [from, to), checked against the copies pending there. */
  private pendingSlot(call: string, from: number, to: number): number {
    const slot = from === 0 ? 0 : 1;
    const [a, b] = this.pendingRange[slot]!;
    if (this.pending[slot]! > 0 && (a !== from || b !== to)) {
      throw new Error(`${this.name}: ${call}(${from}, ${to}) while action copies of instances [${a}, ${b}) are pending in the same staging buffer: step(${a}, ${b}) first`);
    }
    return slot;
  }

  /** Keys each stream for its step and puts the step limit's flags in truncated, for the game to see. */
  private beginStep(from: number, to: number): void {
    const { stepCounts, episodeIndices, truncated } = this.latest;
    for (let env = from; env < to; env += 1) {
      const phase = stepCounts[env]!;
      this.randoms.start(env, phase, episodeIndices[env]!);
      truncated[env] = phase + 1 >= this.maxEpisodeSteps ? 1 : 0;
    }
  }

  /**
   * Checks what stepBatch wrote, ORs the step limit into truncated, keeps the final observations,
   * records the ended episodes' returns, lengths and metrics, and starts their next episode's
   * bookkeeping. Returns how many ended (listed in `ended`).
   */
  private finishStep(from: number, to: number): number {
    const { latest, name, observationSize: obs, metricCount } = this;
    const { observations, rewards, terminated, truncated, episodeReturns, episodeLengths, stepCounts } = latest;
    let count = 0;
    for (let env = from; env < to; env += 1) {
      checkFiniteRow(name, rewards, 1, env, 'rewards', 'stepBatch');
      checkFlag(name, terminated, env, 'terminated', 'stepBatch');
      checkFlag(name, truncated, env, 'truncated', 'stepBatch');
      checkFiniteRow(name, observations, obs, env, 'observations', 'stepBatch');
      const length = stepCounts[env]! + 1;
      // Gymnasium's TimeLimit: truncated once the episode reaches the limit, whatever the game wrote.
      if (length >= this.maxEpisodeSteps) truncated[env] = 1;
      this.runningReturns[env]! += rewards[env]!;
      if (terminated[env] === 1 || truncated[env] === 1) {
        episodeReturns[env] = this.runningReturns[env]!;
        episodeLengths[env] = length;
        if (metricCount > 0) checkFiniteRow(name, latest.episodeMetrics!, metricCount, env, 'episodeMetrics', 'stepBatch');
        this.ended[count++] = env;
      } else {
        episodeReturns[env] = 0;
        episodeLengths[env] = 0;
        stepCounts[env] = length;
        if (metricCount > 0) latest.episodeMetrics!.fill(0, env * metricCount, (env + 1) * metricCount);
      }
    }
    latest.finalObservations.set(observations.subarray(from * obs, to * obs), from * obs);
    for (let k = 0; k < count; k += 1) this.startEpisode(this.ended[k]!);
    return count;
  }

  /** Checks the rows resetBatch wrote (the restarted instances) and every mask row. */
  private checkResets(count: number, from: number, to: number): void {
    for (let k = 0; k < count; k += 1) this.checkFreshRow(this.ended[k]!, 'resetBatch');
    if (this.maskWidth === 0) return;
    const { masks, episodeLengths } = this.latest;
    for (let env = from; env < to; env += 1) {
      // An ended instance's mask row is its fresh episode's, which resetBatch wrote.
      if (episodeLengths[env] === 0) checkMaskRow(this.name, masks!, this.maskBranches, env, 'stepBatch');
    }
  }

  /** Checks the observation (and mask) row of an instance that `call` just started. */
  private checkFreshRow(env: number, call: HostEnvCall): void {
    checkFiniteRow(this.name, this.latest.observations, this.observationSize, env, 'observations', call);
    if (this.maskWidth > 0) checkMaskRow(this.name, this.latest.masks!, this.maskBranches, env, call);
  }

  /** One writeBuffer per buffer, of instances [from, to)'s rows. */
  private upload(from: number, to: number): void {
    const queue = this.device.queue;
    for (const [buffer, array, width] of this.uploads) {
      const at = 4 * width * from;
      queue.writeBuffer(buffer, at, array.buffer, array.byteOffset + at, 4 * width * (to - from));
    }
  }

  private assertAlive(): void {
    if (this.destroyed) throw new Error(`${this.name} was destroyed`);
  }
}

/** An EnvDescriptor whose env is a game's JavaScript, not WGSL. */
export interface HostEnvDescriptor extends EnvDescriptor {
  /** The game's env as given (per-instance, batched, or with seats). */
  readonly host: HostEnv | BatchedHostEnv | SeatedHostEnv;
}

/** Whether `descriptor` is a host env's (it carries the game's env). */
export function isHostEnvDescriptor(descriptor: EnvDescriptor): descriptor is HostEnvDescriptor {
  return (descriptor as Partial<HostEnvDescriptor>).host !== undefined;
}

const NO_BODY: ShaderPart = { name: 'host env', code: '' };

/**
 * The descriptor of a game's JavaScript env (per-instance, batched or seated): its spaces, step
 * limit, masks and metric names; no WGSL, no state names.
 */
export function hostEnvDescriptor(env: HostEnv | BatchedHostEnv | SeatedHostEnv): HostEnvDescriptor {
  const id = env.name ?? 'host env';
  const name = `host env '${id}'`;
  if (isSeatedHostEnv(env)) {
    // Its shape here; its functions with its rows (createHostVectorEnv).
    checkSeats(env, name);
    checkHostEnvShape(env, name);
  } else if (isBatchedHostEnv(env)) validateBatchedHostEnv(env, name);
  else validateHostEnv(env, name);
  const size = env.observationSize;
  const masked = isBatchedHostEnv(env) || isSeatedHostEnv(env) ? env.actionMasks === true : typeof env.actionMask === 'function';
  return {
    id,
    aliases: [],
    body: NO_BODY,
    observationSpace: { kind: 'box', size, low: new Array<number>(size).fill(-Infinity), high: new Array<number>(size).fill(Infinity) },
    actionSpace: env.actionSpace,
    stateNames: [],
    params: {},
    maxEpisodeSteps: env.maxEpisodeSteps,
    ...(masked ? { actionMasks: true } : {}),
    ...(env.episodeMetrics ? { episodeMetrics: env.episodeMetrics } : {}),
    host: env,
  };
}
