/**
 * The worker's stand-in for a game's JavaScript env that steps on the page (a game whose env is its
 * running game, which cannot move to a worker): an AsyncBatchedHostEnv whose resetBatch and
 * stepBatch send the page one batch each (the range's actions and step-limit flags, and its
 * instances' random-stream keys) and write back the rows the page's env wrote. The engine around it
 * (src/envs/host-env.ts) keeps time limits, auto-reset, checks and statistics as for an env in the
 * worker; the page (src/worker/page-env-runner.ts) draws from streams keyed as the worker's, so a
 * run is the same as with the env on the worker's thread. One round trip per step, two on a step
 * where episodes end.
 */
import { hostEnvStreams, type AsyncBatchedHostEnv } from '../envs/host-env';
import type { HostEnvBatch } from '../envs/batched-host-env';
import { fromWireError, type PageEnvCall, type PageEnvRows, type PageEnvSpec } from './protocol';

export class PageEnvProxy implements AsyncBatchedHostEnv {
  readonly name: string;
  readonly observationSize: number;
  readonly actionSpace: PageEnvSpec['actionSpace'];
  readonly maxEpisodeSteps: number;
  readonly actionMasks: boolean;
  readonly episodeMetrics: readonly string[];
  private readonly waiting = new Map<number, { resolve: (rows: PageEnvRows) => void; reject: (error: Error) => void }>();
  private nextId = 0;

  constructor(
    spec: PageEnvSpec,
    private readonly send: (call: PageEnvCall, transfer: Transferable[]) => void,
  ) {
    this.name = spec.name;
    this.observationSize = spec.observationSize;
    this.actionSpace = spec.actionSpace;
    this.maxEpisodeSteps = spec.maxEpisodeSteps;
    this.actionMasks = spec.actionMasks;
    this.episodeMetrics = spec.episodeMetrics;
  }

  /** The page's answer to a call. */
  answer(rows: PageEnvRows): void {
    const waiting = this.waiting.get(rows.id);
    this.waiting.delete(rows.id);
    if (rows.error) waiting?.reject(fromWireError(rows.error));
    else waiting?.resolve(rows);
  }

  async resetBatch(batch: HostEnvBatch, instances: Uint32Array): Promise<void> {
    const { seed, keys } = streamKeys(batch, instances.length, (k) => instances[k]!);
    const rows = await this.call({ kind: 'env-reset', id: this.nextId++, numEnvs: batch.numEnvs, seed, instances: instances.slice(), keys });
    const obs = this.observationSize;
    const width = batch.masks.length / batch.numEnvs;
    instances.forEach((env, k) => {
      batch.observations.set(rows.observations!.subarray(k * obs, (k + 1) * obs), env * obs);
      if (width > 0) batch.masks.set(rows.masks!.subarray(k * width, (k + 1) * width), env * width);
    });
  }

  async stepBatch(batch: HostEnvBatch, from: number, to: number): Promise<void> {
    const n = batch.numEnvs;
    const { seed, keys } = streamKeys(batch, to - from, (k) => from + k);
    const words = batch.actions.length / n;
    const actionWords = new Uint32Array(batch.actions.buffer, batch.actions.byteOffset + 4 * words * from, words * (to - from)).slice();
    const truncated = batch.truncated.slice(from, to);
    const rows = await this.call({ kind: 'env-step', id: this.nextId++, numEnvs: n, seed, from, to, keys, actionWords, truncated }, [actionWords.buffer, truncated.buffer]);
    batch.observations.set(rows.observations!, from * this.observationSize);
    batch.rewards.set(rows.rewards!, from);
    batch.terminated.set(rows.terminated!, from);
    batch.truncated.set(rows.truncated!, from);
    if (batch.masks.length > 0) batch.masks.set(rows.masks!, from * (batch.masks.length / n));
    if (batch.episodeMetrics.length > 0) batch.episodeMetrics.set(rows.episodeMetrics!, from * (batch.episodeMetrics.length / n));
  }

  releaseBatch(): void {
    this.send({ kind: 'env-release' }, []);
  }

  private call(call: Exclude<PageEnvCall, { kind: 'env-release' }>, transfer: Transferable[] = []): Promise<PageEnvRows> {
    return new Promise((resolve, reject) => {
      this.waiting.set(call.id, { resolve, reject });
      this.send(call, transfer);
    });
  }
}

/** The seed of `batch`'s streams and the key (phase, episode) of instances instanceAt(0 … count − 1), as the engine started them. */
function streamKeys(batch: HostEnvBatch, count: number, instanceAt: (k: number) => number): { seed: number; keys: Uint32Array } {
  const streams = hostEnvStreams(batch);
  if (!streams) throw new Error('page env: the batch is not the engine\'s (no random streams behind it)');
  const keys = new Uint32Array(2 * count);
  for (let k = 0; k < count; k += 1) streams.randoms.writeKey(instanceAt(k), keys, 2 * k);
  return { seed: streams.seed, keys };
}
