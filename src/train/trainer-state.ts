/**
 * Reading and writing a trainer's persistent buffers (TrainerState), shared by every trainer:
 * a checkpoint saves them byte for byte, so a restored run continues bit for bit.
 */
import { readBufferOnce } from '../gpu/readback';
import type { TrainerState } from './trainer';

/** Reads every buffer of `persistent` (a one-off readback each: call between iterations). */
export async function captureBuffers(device: GPUDevice, persistent: Readonly<Record<string, GPUBuffer>>, iteration: number): Promise<TrainerState> {
  const buffers: Record<string, Uint8Array> = {};
  for (const [key, buffer] of Object.entries(persistent)) buffers[key] = new Uint8Array(await readBufferOnce(device, buffer));
  return { iteration, buffers };
}

/**
 * Checks that `state` has exactly the buffers of `persistent`, each of the same size, and an
 * iteration within the run, then queues the writes. Throws (naming what differs) before writing.
 */
export function restoreBuffers(device: GPUDevice, name: string, persistent: Readonly<Record<string, GPUBuffer>>, state: TrainerState, numIterations: number): void {
  const expected = Object.keys(persistent).sort();
  const given = Object.keys(state.buffers).sort();
  const missing = expected.filter((k) => !given.includes(k));
  const extra = given.filter((k) => !expected.includes(k));
  if (missing.length > 0 || extra.length > 0) {
    throw new RangeError(`${name}: the saved state does not fit this trainer (missing: ${missing.join(', ') || 'none'}; unknown: ${extra.join(', ') || 'none'})`);
  }
  for (const key of expected) {
    if (state.buffers[key]!.byteLength !== persistent[key]!.size) {
      throw new RangeError(`${name}: saved state '${key}' has ${state.buffers[key]!.byteLength} bytes; this trainer's has ${persistent[key]!.size}`);
    }
  }
  if (!Number.isInteger(state.iteration) || state.iteration < 0 || state.iteration > numIterations) {
    throw new RangeError(`${name}: saved iteration ${state.iteration} is outside this run's 0 … ${numIterations}`);
  }
  for (const key of expected) {
    const bytes = state.buffers[key]!;
    device.queue.writeBuffer(persistent[key]!, 0, bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}
