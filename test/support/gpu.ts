/**
 * Test support for the Node (Dawn) tier: one real device per test file, every GPU step inside
 * validation error scopes, and the adapter printed so a log says what ran the kernels.
 */
import { afterAll, beforeAll } from 'vitest';
import { acquireGpu, checkGpuErrors, formatAdapter, type Gpu } from '../../src/gpu/index';

/**
 * Acquires a device before the file's tests and releases it after; returns a getter. A device lost
 * during a test fails the test run instead of being reported late.
 */
export function useGpu(): () => Gpu {
  let gpu: Gpu | undefined;
  beforeAll(async () => {
    gpu = await acquireGpu({
      onLost: (report) => {
        throw new Error(`GPU device lost during tests (${report.reason}): ${report.message}`);
      },
    });
    console.log(`[webgpu-rl tests] adapter: ${formatAdapter(gpu.adapter)}`);
  });
  afterAll(() => gpu?.release());
  return () => {
    if (!gpu) throw new Error('useGpu(): the device is acquired in beforeAll; call the getter inside a test');
    return gpu;
  };
}

/** Runs GPU work in error scopes; any validation/OOM/internal error fails the test. */
export function gpuStep<T>(gpu: Gpu, what: string, work: () => T | Promise<T>): Promise<T> {
  return checkGpuErrors(gpu.device, what, work);
}
