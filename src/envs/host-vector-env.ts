/**
 * A game's JavaScript env (./host-env.ts) where the trainers expect a GPU VectorEnv: the same
 * buffer names, so the policy, rollout, normalisers and report kernels bind it unchanged. What
 * differs is the step: it cannot be a dispatch, so the rollout cuts its iteration at each step
 * (splitPoint, src/gpu/split-point.ts) and `hostStep()` runs between the two segments: read the sampled
 * actions back, step every instance on the CPU, upload the results. When the game steps ranges of
 * instances (stepsRanges), the rollout steps it in two halves instead, each overlapping the GPU's
 * work on the other half (src/rollout/host-halves.ts).
 *
 * The descriptor a config resolves (hostEnvDescriptor) carries the game's env itself (a HostEnv or
 * a BatchedHostEnv), so a trainer config can name a game's env where it names a built-in id.
 */
import { createHostVectorEnv, type HostEnvDescriptor, type HostVectorEnv } from './host-env';
import { actionWords } from './action-branches';
import type { EnvDescriptor } from './types';
import type { VectorEnv } from './vector-env';

/** A VectorEnv whose step is host work between submits. */
export interface HostBackedVectorEnv extends VectorEnv {
  readonly host: HostVectorEnv;
  /**
   * Reads back the actions of instances [from, to) (default all) that a submit wrote, steps them,
   * uploads their results (HostVectorEnv.step).
   */
  hostStep(from?: number, to?: number): Promise<void>;
  /** Records the copy of instances [from, to)'s actions that hostStep(from, to) reads (HostVectorEnv.encodeActionReadback). */
  encodeActionReadback(encoder: GPUCommandEncoder, from?: number, to?: number): void;
  /** Resolves once the last reset has uploaded its observations (an env answering asynchronously). */
  settled(): Promise<void>;
}

/**
 * N instances of the descriptor's host env behind VectorEnv buffers: one group, or with `seeds` a
 * population's (a seated game, whose policies' rows share its matches; the random streams are
 * keyed by `seed` alone, the seeds key each policy's sampling).
 */
export async function createHostBackedVectorEnv(
  device: GPUDevice,
  descriptor: HostEnvDescriptor,
  options: { readonly numEnvs: number; readonly seed: number; readonly maxEpisodeSteps?: number; readonly seeds?: readonly number[]; readonly seatOrder?: readonly number[] },
): Promise<HostBackedVectorEnv> {
  const host = await createHostVectorEnv(device, descriptor.host, options);
  const b = host.buffers;
  const unsupported = (what: string) => () => {
    throw new Error(`host env '${descriptor.id}': ${what} is not available for a JavaScript env (its state lives in the game)`);
  };
  return {
    descriptor,
    host,
    numEnvs: host.numEnvs,
    maxEpisodeSteps: host.maxEpisodeSteps,
    stateSize: 0,
    observationSize: host.observationSize,
    actionSize: actionWords(descriptor.actionSpace),
    seeds: options.seeds ? [...options.seeds] : [options.seed],
    // No WGSL state: the state buffers are absent; everything the trainers bind is here, masks and
    // episodeMetrics included where the env has them.
    buffers: b as unknown as VectorEnv['buffers'],
    encodeReset() {
      // A CPU reset: its uploads precede the submit of the encoder this was called for.
      host.reset();
    },
    encodeStep: unsupported('encodeStep (record the step through the iteration loop)'),
    dispatchStep: unsupported('dispatchStep (record the step through the iteration loop)'),
    writeStates: unsupported('writeStates'),
    writeActions: (actions) => host.writeActions(actions),
    setParams: unsupported('setParams'),
    checkActions: async () => undefined,
    read: async () => ({ ...(await host.read()), states: new Float32Array(0), nextStates: new Float32Array(0) }),
    hostStep: (from, to) => host.step(from, to),
    settled: () => host.settled(),
    encodeActionReadback: (encoder, from, to) => host.encodeActionReadback(encoder, from, to),
    destroy: () => host.destroy(),
  };
}
