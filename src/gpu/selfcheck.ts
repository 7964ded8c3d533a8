/**
 * The runtime self-check: which adapter runs, and one kernel round trip whose every output is
 * compared with the CPU. Used by `webgpu-rl selfcheck`, the browser smoke page and the tests.
 */
import { BufferSet } from './buffers';
import { dispatchGroups } from './dispatch';
import type { Gpu } from './device';
import { checkGpuErrors } from './error-scope';
import { createKernel } from './kernel';
import { readBufferOnce } from './readback';
import { AXPY } from './runtime-kernels';

export interface SelfCheckReport {
  elements: number;
  workgroups: [number, number];
  /** Largest |gpu − cpu| over all elements; NaN counts as infinitely wrong. */
  maxAbsError: number;
  /** Elements still holding the NaN poison written before the run. */
  unwritten: number;
  milliseconds: number;
  ok: boolean;
}

/** Runs y = a·x + y over `elements` values (odd on purpose) and checks every one of them. */
export async function runSelfCheck(gpu: Gpu, elements = 100_003): Promise<SelfCheckReport> {
  const { device } = gpu;
  const started = performance.now();
  const a = 0.75;
  const x = Float32Array.from({ length: elements }, (_, i) => Math.sin(i) * 10);
  const y = Float32Array.from({ length: elements }, (_, i) => (i % 17) - 8);
  const kernel = await createKernel(device, { ...AXPY, constants: { N: elements } });
  const buffers = new BufferSet(device, 'selfcheck', {
    params: { size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
    x: { size: x.byteLength },
    // One element past the end stays poisoned: a kernel writing out of bounds would touch it.
    y: { size: y.byteLength + 4 },
  });
  try {
    const result = await checkGpuErrors(device, 'self-check', async () => {
      device.queue.writeBuffer(buffers.buffers.params, 0, new Float32Array([a, 0, 0, 0]));
      device.queue.writeBuffer(buffers.buffers.x, 0, x);
      const poisoned = new Float32Array(elements + 1).fill(Number.NaN);
      poisoned.set(y);
      device.queue.writeBuffer(buffers.buffers.y, 0, poisoned);
      const encoder = device.createCommandEncoder({ label: 'selfcheck' });
      const pass = encoder.beginComputePass({ label: 'selfcheck.axpy' });
      kernel.dispatch(pass, kernel.bind({ params: buffers.buffers.params, x: buffers.buffers.x, y: { buffer: buffers.buffers.y, size: y.byteLength } }), elements);
      pass.end();
      device.queue.submit([encoder.finish()]);
      return new Float32Array(await readBufferOnce(device, buffers.buffers.y));
    });
    let maxAbsError = 0;
    let unwritten = 0;
    for (let i = 0; i < elements; i += 1) {
      const expected = Math.fround(Math.fround(a * x[i]!) + y[i]!);
      const got = result[i]!;
      if (Number.isNaN(got)) unwritten += 1;
      maxAbsError = Math.max(maxAbsError, Number.isNaN(got) ? Infinity : Math.abs(got - expected));
    }
    const outOfBoundsWritten = !Number.isNaN(result[elements]!);
    return {
      elements,
      workgroups: dispatchGroups(elements, AXPY.workgroupSize, device.limits.maxComputeWorkgroupsPerDimension),
      maxAbsError,
      unwritten,
      milliseconds: performance.now() - started,
      ok: unwritten === 0 && maxAbsError <= 1e-5 && !outOfBoundsWritten,
    };
  } finally {
    buffers.destroy();
  }
}
