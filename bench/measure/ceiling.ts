/**
 * The matmul ceiling the PPO benchmarks divide by: the faster of the runtime's two matmul-shaped
 * kernels at the policy's layer shape, 8 192 × 64 · 64 × 64 — the workgroup-tiled MATMUL (built for
 * hardware GPUs) and the MLP's own dense forward (register-tiled; the faster one on SwiftShader,
 * where workgroup memory costs). It is the engine's best kernel, not the adapter's peak.
 */
import { checkGpuErrors } from '../../src/gpu/error-scope';
import { measureMatmul } from './matmul-throughput';
import { measureMlpThroughput } from './nn-throughput';

export interface Ceiling {
  readonly shape: string;
  /** The faster kernel's GFLOP/s. */
  readonly gflops: number;
  /** Each kernel's GFLOP/s. */
  readonly byKernel: Readonly<Record<string, number>>;
}

/** Measures both kernels at the ceiling's shape, `repeats` timed runs each after `warmup`. */
export async function measureCeiling(device: GPUDevice, repetition: { warmup: number; repeats: number }): Promise<Ceiling> {
  const shape = { m: 8192, k: 64, n: 64 };
  const matmul = await checkGpuErrors(device, 'matmul ceiling', () => measureMatmul(device, { name: 'ceiling', shape }, { gpu: repetition, cpu: { warmup: 0, repeats: 1 } }));
  const dense = await checkGpuErrors(device, 'dense ceiling', () =>
    measureMlpThroughput(device, { spec: { inputSize: 64, hiddenSizes: [], activation: 'tanh', heads: [{ name: 'y', size: 64, gain: 1 }] }, batch: shape.m }, repetition),
  );
  const byKernel = { 'runtime.matmul': matmul.gpuGflops, 'nn.dense_forward_tiled': dense.forwardGflops };
  return { shape: '8192×64·64×64', gflops: Math.max(...Object.values(byKernel)), byKernel };
}
