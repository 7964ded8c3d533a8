/**
 * The runtime self-check: which adapter runs, and one kernel round trip whose every output is
 * compared with the CPU. Used by `webgpu-rl selfcheck`, the browser smoke page and the tests.
 */
import { BufferSet } from './buffers';
import type { Gpu } from './device';
import { dispatchGroups } from './dispatch';
import { checkGpuErrors } from './error-scope';
import { createKernel } from './kernel';
import { readBufferOnce } from './readback';
import { AXPY } from './runtime-kernels';

export interface SelfCheckReport {
  elements: number;
  workgroups: [number, number];
  /** Largest |gpu − cpu| over all elements; an unwritten (still NaN) element counts as Infinity. */
  maxAbsError: number;
  /** Elements still holding the NaN poison written before the run. */
  unwritten: number;
  /** The poisoned element past the end was overwritten: a missing bounds check. */
  wroteOutOfBounds: boolean;
  milliseconds: number;
  ok: boolean;
}

/**
 * Runs out = a·x + y over `elements` values (odd by default, so the last workgroup is partial),
 * with `out` poisoned with NaN first, and checks every element against float32 arithmetic on the CPU.
 */
export async function runSelfCheck(gpu: Gpu, elements = 100_003, workgroupSize = AXPY.workgroupSize): Promise<SelfCheckReport> {
  const { device } = gpu;
  const started = performance.now();
  const a = 0.75;
  const x = Float32Array.from({ length: elements }, (_, i) => Math.sin(i) * 10);
  const y = Float32Array.from({ length: elements }, (_, i) => (i % 17) - 8);
  const kernel = await createKernel(device, { ...AXPY, workgroupSize, constants: { N: elements } });
  const buffers = new BufferSet(device, 'selfcheck', {
    params: { size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
    x: { size: x.byteLength },
    y: { size: y.byteLength },
    // One element past the end: a kernel writing out of bounds would overwrite its poison.
    out: { size: y.byteLength + 4 },
  });
  try {
    const out = await checkGpuErrors(device, 'self-check', async () => {
      const { params, x: xBuffer, y: yBuffer, out: outBuffer } = buffers.buffers;
      device.queue.writeBuffer(params, 0, new Float32Array([a, 0, 0, 0]));
      device.queue.writeBuffer(xBuffer, 0, x);
      device.queue.writeBuffer(yBuffer, 0, y);
      device.queue.writeBuffer(outBuffer, 0, new Float32Array(elements + 1).fill(Number.NaN));
      const encoder = device.createCommandEncoder({ label: 'selfcheck' });
      const pass = encoder.beginComputePass({ label: 'selfcheck.axpy' });
      const outLive = { buffer: outBuffer, size: elements * 4 };
      kernel.dispatch(pass, kernel.bind({ params, x: xBuffer, y: yBuffer, out: outLive }), elements);
      pass.end();
      device.queue.submit([encoder.finish()]);
      return new Float32Array(await readBufferOnce(device, outBuffer));
    });
    let maxAbsError = 0;
    let unwritten = 0;
    for (let i = 0; i < elements; i += 1) {
      // The GPU may fuse the multiply-add; either rounding is within one ulp of this.
      const expected = Math.fround(Math.fround(a * x[i]!) + y[i]!);
      const got = out[i]!;
      if (Number.isNaN(got)) unwritten += 1;
      maxAbsError = Math.max(maxAbsError, Number.isNaN(got) ? Infinity : Math.abs(got - expected));
    }
    const wroteOutOfBounds = !Number.isNaN(out[elements]!);
    return {
      elements,
      workgroups: dispatchGroups(elements, workgroupSize, device.limits.maxComputeWorkgroupsPerDimension),
      maxAbsError,
      unwritten,
      wroteOutOfBounds,
      milliseconds: performance.now() - started,
      ok: unwritten === 0 && maxAbsError <= 1e-5 && !wroteOutOfBounds,
    };
  } finally {
    buffers.destroy();
  }
}
