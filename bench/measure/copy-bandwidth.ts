/**
 * Copy bandwidth: the ceiling for kernels that stream memory, measured two ways on one pair of
 * buffers: the implementation's own copyBufferToBuffer, and a compute kernel moving one vec4 per
 * invocation (COPY_VEC4). Bandwidth counts the bytes read and the bytes written.
 */
import { BufferSet } from '../../src/gpu/buffers';
import { createKernel } from '../../src/gpu/kernel';
import { COPY_VEC4 } from '../../src/gpu/runtime-kernels';
import { sample, timeSubmitted, type Repetition, type Samples } from './timing';

export interface CopyBandwidthOptions {
  /** Bytes to copy; clamped to the device's buffer and binding limits, rounded down to 16. */
  readonly bytes: number;
  readonly repetition: Repetition;
}

export interface CopyBandwidthReport {
  /** Bytes copied per run (after clamping); bandwidth counts twice this (read + write). */
  readonly bytes: number;
  readonly copyBufferToBufferGBps: Samples;
  readonly copyKernel: string;
  readonly copyKernelGBps: Samples;
}

/** The largest copy of at most `requested` bytes that both ways can make on `limits`. */
export function clampCopyBytes(requested: number, limits: GPUSupportedLimits): number {
  const bytes = Math.min(requested, limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  return Math.floor(bytes / 16) * 16;
}

/** Measures copyBufferToBuffer and the vec4 copy kernel over the same buffers. */
export async function measureCopyBandwidth(device: GPUDevice, options: CopyBandwidthOptions): Promise<CopyBandwidthReport> {
  const bytes = clampCopyBytes(options.bytes, device.limits);
  if (bytes < 16) throw new RangeError(`copy bandwidth needs at least 16 bytes (got ${options.bytes})`);
  const vec4s = bytes / 16;
  const kernel = await createKernel(device, { ...COPY_VEC4, constants: { N: vec4s } });
  const buffers = new BufferSet(device, 'bench.copy', { src: { size: bytes }, dst: { size: bytes } });
  try {
    const bindGroup = kernel.bind(buffers.buffers);
    const gigabytesPerSecond = (ms: number) => (2 * bytes) / (ms * 1e6);

    // The warm-up also pays for the implementation's lazy zero-initialisation of both buffers.
    const viaCopyCommand = await sample(options.repetition, async () => {
      const encoder = device.createCommandEncoder({ label: 'bench.copy.buffer' });
      encoder.copyBufferToBuffer(buffers.buffers.src, 0, buffers.buffers.dst, 0, bytes);
      const commands = encoder.finish();
      return gigabytesPerSecond(await timeSubmitted(device.queue, () => device.queue.submit([commands])));
    });
    const viaKernel = await sample(options.repetition, async () => {
      const encoder = device.createCommandEncoder({ label: 'bench.copy.kernel' });
      const pass = encoder.beginComputePass({ label: 'bench.copy.kernel' });
      kernel.dispatch(pass, bindGroup, vec4s);
      pass.end();
      const commands = encoder.finish();
      return gigabytesPerSecond(await timeSubmitted(device.queue, () => device.queue.submit([commands])));
    });

    return { bytes, copyBufferToBufferGBps: viaCopyCommand, copyKernel: COPY_VEC4.label, copyKernelGBps: viaKernel };
  } finally {
    buffers.destroy();
  }
}
