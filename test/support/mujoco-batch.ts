/**
 * A BatchedHostEnv driven without a GPU: the arrays a HostEnvBatch holds, allocated here, and the
 * engine's per-instance random streams keyed as the engine keys them for a reset
 * (src/envs/host-env-random.ts), so an env under test sees what createHostVectorEnv would hand it.
 * No time limit, no auto-reset: a test decides when to reset and what to put in `truncated`.
 */
import type { BatchedHostEnv, HostEnvBatch } from '../../src/envs/batched-host-env';
import { HostEnvRandoms } from '../../src/envs/host-env-random';
import { ENV_RESET_PHASE } from '../../src/envs/kernels';

/** A HostEnvBatch of a box env, with typed fields a test may write. */
export interface BoxBatch extends HostEnvBatch {
  readonly actions: Float32Array;
}

export interface BatchDriver {
  readonly batch: BoxBatch;
  /** Resets the listed instances (default all), each with a fresh episode's stream. */
  reset(instances?: readonly number[]): void;
  /** Steps instances [from, to) (default all) with the actions in batch.actions. */
  step(from?: number, to?: number): void;
  /** Instance i's observation row. */
  observation(i: number): Float32Array;
  /** Instance i's episode-metric row, by name. */
  metrics(i: number): Record<string, number>;
}

/** Drives `env` over `numEnvs` instances whose streams come from `seed`. */
export function driveBatch(env: BatchedHostEnv, numEnvs: number, seed: number): BatchDriver {
  if (env.actionSpace.kind !== 'box') throw new Error('driveBatch: a box env');
  const size = env.actionSpace.size;
  const obs = env.observationSize;
  const names = env.episodeMetrics ?? [];
  const randoms = new HostEnvRandoms(seed, numEnvs);
  const episodes = new Uint32Array(numEnvs);
  const batch: BoxBatch = {
    numEnvs,
    actions: new Float32Array(numEnvs * size),
    discreteActions: new Uint32Array(0),
    observations: new Float32Array(numEnvs * obs),
    rewards: new Float32Array(numEnvs),
    terminated: new Uint32Array(numEnvs),
    truncated: new Uint32Array(numEnvs),
    masks: new Uint32Array(0),
    episodeMetrics: new Float32Array(numEnvs * names.length),
    random: (i) => randoms.next(i),
  };
  return {
    batch,
    reset(instances = Array.from({ length: numEnvs }, (_, i) => i)) {
      for (const i of instances) {
        randoms.start(i, ENV_RESET_PHASE, episodes[i]!);
        episodes[i]! += 1;
      }
      env.resetBatch(batch, Uint32Array.from(instances));
    },
    step(from = 0, to = numEnvs) {
      env.stepBatch(batch, from, to);
    },
    observation: (i) => batch.observations.slice(i * obs, (i + 1) * obs),
    metrics: (i) => Object.fromEntries(names.map((name, k) => [name, batch.episodeMetrics[i * names.length + k]!])),
  };
}
