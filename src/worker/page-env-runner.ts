/**
 * The page's side of an env that steps on the page while its agent trains in a worker
 * (src/worker/page-env.ts is the worker's side): the game's HostEnv or BatchedHostEnv, stepped over
 * arrays of the page's own with the batches the worker sends, its draws from random streams keyed
 * as the worker's (src/envs/host-env-random.ts), so the game sees what it would see in the worker.
 * The engine's checks run in the worker on the rows sent back.
 */
import { isBatchedHostEnv, validateBatchedHostEnv, type BatchedHostEnv, type HostEnvBatch } from '../envs/batched-host-env';
import { HostEnvRandoms } from '../envs/host-env-random';
import { isSeatedHostEnv } from '../envs/seated-host-env';
import { batchHostEnv, validateHostEnv, type HostEnv } from '../envs/per-instance-host-env';
import { actionWords } from '../envs/action-branches';
import { maskWidth } from '../envs/types';
import { wireError, type PageEnvCall, type PageEnvRows, type PageEnvSpec } from './protocol';

/** A game's env for the page: validated, batched, with the spec the worker's stand-in takes. */
export function pageEnvSpec(env: HostEnv | BatchedHostEnv): { env: BatchedHostEnv; spec: PageEnvSpec } {
  const name = `host env '${env.name ?? 'host env'}'`;
  if (isSeatedHostEnv(env)) {
    throw new RangeError(`${name}: a game with seats does not step on the page for a worker yet; give the worker the game as { module, export }, or train it with Agent on this thread`);
  }
  const batched = isBatchedHostEnv(env) ? (validateBatchedHostEnv(env, name), env) : (validateHostEnv(env, name), batchHostEnv(env));
  return {
    env: batched,
    spec: {
      name: env.name ?? 'host env',
      observationSize: batched.observationSize,
      actionSpace: batched.actionSpace,
      maxEpisodeSteps: batched.maxEpisodeSteps,
      actionMasks: batched.actionMasks === true,
      episodeMetrics: batched.episodeMetrics ?? [],
    },
  };
}

/** The page's arrays for one run (the worker's batch has the same shapes). */
class PageBatch implements HostEnvBatch {
  readonly actions: Uint32Array | Float32Array;
  readonly discreteActions: Uint32Array;
  readonly words: Uint32Array;
  readonly observations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint32Array;
  readonly truncated: Uint32Array;
  readonly masks: Uint32Array;
  readonly episodeMetrics: Float32Array;
  readonly randoms: HostEnvRandoms;
  readonly random: (env: number) => number;

  constructor(
    readonly numEnvs: number,
    readonly seed: number,
    spec: PageEnvSpec,
  ) {
    const n = numEnvs;
    const space = spec.actionSpace;
    const memory = new ArrayBuffer(4 * n * actionWords(space));
    this.words = new Uint32Array(memory);
    this.actions = space.kind === 'box' || space.kind === 'hybrid' ? new Float32Array(memory) : this.words;
    this.discreteActions = space.kind === 'box' ? new Uint32Array(0) : this.words;
    this.observations = new Float32Array(n * spec.observationSize);
    this.rewards = new Float32Array(n);
    this.terminated = new Uint32Array(n);
    this.truncated = new Uint32Array(n);
    this.masks = new Uint32Array(spec.actionMasks ? n * maskWidth(space) : 0);
    this.episodeMetrics = new Float32Array(n * spec.episodeMetrics.length);
    const randoms = (this.randoms = new HostEnvRandoms(seed, n));
    this.random = (env) => randoms.next(env);
  }

  /** Keys the streams of instances instanceAt(0 … count − 1) as the worker did. */
  key(count: number, instanceAt: (k: number) => number, keys: Uint32Array): void {
    for (let k = 0; k < count; k += 1) this.randoms.start(instanceAt(k), keys[2 * k]!, keys[2 * k + 1]!);
  }
}

/** Steps the page's env for the worker's calls; one run (batch) at a time. */
export class PageEnvRunner {
  private batch: PageBatch | null = null;

  constructor(
    private readonly env: BatchedHostEnv,
    private readonly spec: PageEnvSpec,
  ) {}

  /** Answers one call (null: nothing to answer); the game's exceptions come back as the answer's error. */
  run(call: PageEnvCall): { rows: PageEnvRows; transfer: Transferable[] } | null {
    if (call.kind === 'env-release') {
      if (this.batch) this.env.releaseBatch?.(this.batch);
      this.batch = null;
      return null;
    }
    try {
      const rows = call.kind === 'env-reset' ? this.reset(call) : this.step(call);
      return { rows, transfer: Object.values(rows).flatMap((value) => (ArrayBuffer.isView(value) ? [value.buffer as ArrayBuffer] : [])) };
    } catch (error) {
      return { rows: { kind: 'env-done', id: call.id, error: wireError(error) }, transfer: [] };
    }
  }

  private batchFor(numEnvs: number, seed: number): PageBatch {
    if (!this.batch || this.batch.numEnvs !== numEnvs || this.batch.seed !== seed) {
      if (this.batch) this.env.releaseBatch?.(this.batch);
      this.batch = new PageBatch(numEnvs, seed, this.spec);
    }
    return this.batch;
  }

  private reset(call: Extract<PageEnvCall, { kind: 'env-reset' }>): PageEnvRows {
    const batch = this.batchFor(call.numEnvs, call.seed);
    batch.key(call.instances.length, (k) => call.instances[k]!, call.keys);
    this.env.resetBatch(batch, call.instances);
    const obs = this.spec.observationSize;
    const width = batch.masks.length / batch.numEnvs;
    const observations = new Float32Array(call.instances.length * obs);
    const masks = new Uint32Array(call.instances.length * width);
    call.instances.forEach((env, k) => {
      observations.set(batch.observations.subarray(env * obs, (env + 1) * obs), k * obs);
      if (width > 0) masks.set(batch.masks.subarray(env * width, (env + 1) * width), k * width);
    });
    return { kind: 'env-done', id: call.id, observations, ...(width > 0 ? { masks } : {}) };
  }

  private step(call: Extract<PageEnvCall, { kind: 'env-step' }>): PageEnvRows {
    const batch = this.batchFor(call.numEnvs, call.seed);
    const { from, to } = call;
    const n = batch.numEnvs;
    const words = batch.words.length / n;
    batch.words.set(call.actionWords, from * words);
    batch.truncated.set(call.truncated, from);
    batch.key(to - from, (k) => from + k, call.keys);
    this.env.stepBatch(batch, from, to);
    const rowsOf = <T extends Float32Array | Uint32Array>(array: T) => array.slice((array.length / n) * from, (array.length / n) * to) as T;
    return {
      kind: 'env-done',
      id: call.id,
      observations: rowsOf(batch.observations),
      rewards: rowsOf(batch.rewards),
      terminated: rowsOf(batch.terminated),
      truncated: rowsOf(batch.truncated),
      ...(batch.masks.length > 0 ? { masks: rowsOf(batch.masks) } : {}),
      ...(batch.episodeMetrics.length > 0 ? { episodeMetrics: rowsOf(batch.episodeMetrics) } : {}),
    };
  }
}
