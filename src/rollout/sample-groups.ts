/**
 * The per-step bind groups of an action sampler: one per step, since each step reads its own RNG
 * counter slot (./rollout.ts). A Gaussian sampler also reads the actor's parameters (the learned
 * log-std), so its groups depend on the parameter buffer an encode is given: they are made on the
 * first encode with a given buffer and kept (up to 8 buffers; a trainer passes the same one).
 */
import type { Kernel, KernelSpec } from '../gpu/kernel';

/**
 * One action sampler's sized spec: the Gaussian one (a box, or a hybrid space's box: it runs first
 * and writes log p) or one categorical branch's (adding its log p after the first).
 */
export interface RolloutSampler {
  readonly kind: 'gaussian' | 'categorical';
  readonly spec: KernelSpec;
  readonly invocations: number;
}

/** A sampler's resources at `step` for actor parameters `actorParams`. */
export type SampleBindings = (step: number, actorParams: GPUBuffer, kind: RolloutSampler['kind']) => Readonly<Record<string, GPUBuffer | GPUBufferBinding>>;

/** Returns the per-step groups of `kernel` for a parameter buffer (the same array for every buffer unless it is the Gaussian sampler). */
export function sampleGroupCache(
  kernel: Kernel,
  kind: RolloutSampler['kind'],
  steps: number,
  bindings: SampleBindings,
  label: string,
): (actorParams: GPUBuffer) => GPUBindGroup[] {
  const cache = new Map<GPUBuffer | null, GPUBindGroup[]>();
  const readsParams = kind === 'gaussian';
  return (actorParams) => {
    const key = readsParams ? actorParams : null;
    let groups = cache.get(key);
    if (!groups) {
      if (cache.size >= 8) cache.clear();
      groups = Array.from({ length: steps }, (_, step) => kernel.bind(bindings(step, actorParams, kind), `${label}[${step}]`));
      cache.set(key, groups);
    }
    return groups;
  };
}
