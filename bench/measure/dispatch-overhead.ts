/**
 * Dispatch overhead: what a dispatch costs when its kernel does almost nothing (AXPY over 64
 * elements, one workgroup). A training iteration is hundreds of small dispatches, so this is the
 * floor under every per-iteration time on an adapter.
 *
 * Consecutive dispatches write the same output buffer, so the implementation orders them with a
 * barrier each, as it must between the dependent dispatches of a training iteration.
 */
import { BufferSet } from '../../src/gpu/buffers';
import { createKernel } from '../../src/gpu/kernel';
import { AXPY } from '../../src/gpu/runtime-kernels';
import { sample, timeHost, timeSubmitted, type Repetition, type Samples } from './timing';

/** Elements per dispatch: one workgroup of AXPY. */
const ELEMENTS = 64;

export interface DispatchOverheadOptions {
  /** Dispatches recorded in one compute pass and submitted at once. */
  readonly dispatchesPerPass: number;
  /** Command buffers of one dispatch each, submitted one queue.submit at a time. */
  readonly submits: number;
  readonly repetition: Repetition;
}

export interface DispatchOverheadReport {
  readonly kernel: string;
  readonly elements: number;
  readonly dispatchesPerPass: number;
  /** µs per dispatch with `dispatchesPerPass` of them in one pass and one submit. */
  readonly microsecondsPerDispatchInOnePass: Samples;
  readonly submits: number;
  /** µs per dispatch with one dispatch per command buffer and per queue.submit. */
  readonly microsecondsPerDispatchPerSubmit: Samples;
  /** µs from submitting one single-dispatch command buffer to its completion: a synchronous step. */
  readonly microsecondsRoundTrip: Samples;
  /** µs of host time to encode one dispatch (set pipeline, set bind group, dispatch). */
  readonly microsecondsToEncode: Samples;
}

/** Measures the cost of a trivial dispatch on `device`, batched, one per submit, and waited on. */
export async function measureDispatchOverhead(
  device: GPUDevice,
  options: DispatchOverheadOptions,
): Promise<DispatchOverheadReport> {
  const { dispatchesPerPass, submits, repetition } = options;
  const kernel = await createKernel(device, { ...AXPY, constants: { N: ELEMENTS } });
  const buffers = new BufferSet(device, 'bench.dispatch', {
    params: { size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
    x: { size: ELEMENTS * 4 },
    y: { size: ELEMENTS * 4 },
    out: { size: ELEMENTS * 4 },
  });
  try {
    device.queue.writeBuffer(buffers.buffers.params, 0, new Float32Array([0.5, 0, 0, 0]));
    const bindGroup = kernel.bind(buffers.buffers);

    const encode = (dispatches: number): GPUCommandBuffer => {
      const encoder = device.createCommandEncoder({ label: 'bench.dispatch' });
      const pass = encoder.beginComputePass({ label: 'bench.dispatch' });
      for (let i = 0; i < dispatches; i += 1) kernel.dispatch(pass, bindGroup, ELEMENTS);
      pass.end();
      return encoder.finish();
    };

    const inOnePass = await sample(repetition, async () => {
      const commands = encode(dispatchesPerPass);
      const ms = await timeSubmitted(device.queue, () => device.queue.submit([commands]));
      return (ms * 1000) / dispatchesPerPass;
    });
    const perSubmit = await sample(repetition, async () => {
      const commands = Array.from({ length: submits }, () => encode(1));
      const ms = await timeSubmitted(device.queue, () => {
        for (const buffer of commands) device.queue.submit([buffer]);
      });
      return (ms * 1000) / submits;
    });
    // One round trip is short and noisy: take as many samples as there are single submits.
    const roundTrip = await sample({ warmup: repetition.warmup, repeats: submits }, async () => {
      const commands = encode(1);
      return 1000 * (await timeSubmitted(device.queue, () => device.queue.submit([commands])));
    });
    const toEncode = await sample(repetition, () => {
      const ms = timeHost(() => encode(dispatchesPerPass));
      return (ms * 1000) / dispatchesPerPass;
    });
    await device.queue.onSubmittedWorkDone();

    return {
      kernel: AXPY.label,
      elements: ELEMENTS,
      dispatchesPerPass,
      microsecondsPerDispatchInOnePass: inOnePass,
      submits,
      microsecondsPerDispatchPerSubmit: perSubmit,
      microsecondsRoundTrip: roundTrip,
      microsecondsToEncode: toEncode,
    };
  } finally {
    buffers.destroy();
  }
}
