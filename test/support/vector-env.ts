/**
 * Test helpers for VectorEnv: poisoning every output buffer before a run (so an unwritten element
 * shows up as NaN or 0xDEADBEEF), and encode-and-submit shorthands inside validation scopes.
 */
import type { Gpu } from '../../src/gpu/index';
import type { VectorEnv } from '../../src/envs/vector-env';
import type { HostVectorEnvSnapshot } from '../../src/envs/host-env';
import { gpuStep } from './gpu';

export const POISON_U32 = 0xdeadbeef;
/** The bits of a quiet NaN: poison for f32 buffers. */
export const POISON_F32_BITS = 0x7fc00000;

/** The outputs a step writes, with the poison each gets. */
const STEP_OUTPUTS = {
  nextStates: POISON_F32_BITS,
  rewards: POISON_F32_BITS,
  terminated: POISON_U32,
  truncated: POISON_U32,
  finalObservations: POISON_F32_BITS,
  observations: POISON_F32_BITS,
  episodeReturns: POISON_F32_BITS,
  episodeLengths: POISON_U32,
} as const;

/** Fills every buffer a step writes with poison. */
export function poisonStepOutputs(gpu: Gpu, env: VectorEnv): void {
  for (const [name, poison] of Object.entries(STEP_OUTPUTS)) {
    const buffer = env.buffers[name as keyof typeof STEP_OUTPUTS];
    gpu.device.queue.writeBuffer(buffer, 0, new Uint32Array(buffer.size / 4).fill(poison));
  }
}

/** Counts words of a step's outputs still holding their poison (must be 0 after a step). */
export function unwrittenStepOutputs(snapshot: Awaited<ReturnType<VectorEnv['read']>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [name, poison] of Object.entries(STEP_OUTPUTS)) {
    const values = snapshot[name as keyof typeof STEP_OUTPUTS];
    const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
    counts[name] = words.filter((w) => w === poison).length;
  }
  return counts;
}

/** Submits a reset of every env (validation-checked). */
export function reset(gpu: Gpu, env: VectorEnv): Promise<void> {
  return gpuStep(gpu, `reset ${env.descriptor.id}`, () => {
    const encoder = gpu.device.createCommandEncoder();
    env.encodeReset(encoder);
    gpu.device.queue.submit([encoder.finish()]);
  });
}

/** Submits `count` steps from the current actions (validation-checked). */
export function step(gpu: Gpu, env: VectorEnv, count = 1): Promise<void> {
  return gpuStep(gpu, `step ${env.descriptor.id}`, () => {
    const encoder = gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let i = 0; i < count; i += 1) env.dispatchStep(pass);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
  });
}

/** The f32 rows [n·width, (n + 1)·width) of `values`, as numbers. */
export const row = (values: Float32Array, n: number, width: number): number[] => Array.from(values.subarray(n * width, (n + 1) * width));

/** A zeroed host vector env snapshot of `n` envs with `observationSize` floats each (an expected one to fill in). */
export function zeroHostSnapshot(n: number, observationSize: number): HostVectorEnvSnapshot {
  return {
    observations: new Float32Array(observationSize * n),
    rewards: new Float32Array(n),
    terminated: new Uint32Array(n),
    truncated: new Uint32Array(n),
    finalObservations: new Float32Array(observationSize * n),
    episodeReturns: new Float32Array(n),
    episodeLengths: new Uint32Array(n),
    stepCounts: new Uint32Array(n),
    episodeIndices: new Uint32Array(n),
  };
}
