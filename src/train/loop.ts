/**
 * The training loop's invariant, kept in one place: each iteration is encoded into one command
 * encoder and submitted once; its only readback is the report block, copied into a ReadbackRing
 * inside that submit and mapped asynchronously; `iterate()` hands back the report of the previous
 * iteration, so the CPU never waits on the iteration it just submitted. Nothing is allocated after
 * initialisation (bind groups are made on first use, in the first iteration).
 *
 * Counters: the encoder is wrapped so that every compute dispatch, buffer copy and compute pass an
 * algorithm records is counted, per iteration, beside the device's buffer and readback counters.
 */
import { gpuCounters } from '../gpu/buffers';
import { ReadbackRing, type ReadbackTicket } from '../gpu/readback';

/** What one iteration asked of the GPU. */
export interface IterationCounters {
  /** Compute dispatches recorded. */
  dispatches: number;
  /** Buffer-to-buffer copies and clears recorded (the readback copy included). */
  copies: number;
  computePasses: number;
  submits: number;
  /** Buffers created while encoding and submitting (0 after warm-up: the invariant). */
  buffersCreated: number;
  /** Readbacks started and bytes they bring back (1 and the report size: the invariant). */
  readbacks: number;
  bytesReadBack: number;
}

/** An algorithm's iteration, as the loop drives it. */
export interface IterationBody {
  /** Queue writes for iteration i (schedules, RNG counters): made before its submit. */
  prepare(iteration: number): void;
  /** Records iteration i; the report block must be complete at the end of the encoder. */
  encode(encoder: GPUCommandEncoder, iteration: number): void;
  /** The buffer holding the report block (copied whole into the readback ring). */
  readonly report: GPUBuffer;
  readonly reportBytes: number;
}

export interface LoopReport {
  /** Index of the iteration reported (0-based). */
  readonly iteration: number;
  readonly bytes: ArrayBuffer;
  readonly counters: IterationCounters;
}

export interface IterationLoop {
  /** Iterations submitted so far. */
  readonly submitted: number;
  /** Encodes and submits the next iteration; resolves with the previous one's report (null on the first). */
  iterate(): Promise<LoopReport | null>;
  /** Resolves with the last submitted iteration's report (null if none is pending). */
  drain(): Promise<LoopReport | null>;
  destroy(): void;
}

function countingPass(pass: GPUComputePassEncoder, counters: IterationCounters): GPUComputePassEncoder {
  return new Proxy(pass, {
    get(target, property) {
      if (property === 'dispatchWorkgroups') {
        return (x: number, y?: number, z?: number) => {
          counters.dispatches += 1;
          target.dispatchWorkgroups(x, y, z);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The encoder, with its passes, dispatches and copies counted into `counters`. */
export function countingEncoder(encoder: GPUCommandEncoder, counters: IterationCounters): GPUCommandEncoder {
  return new Proxy(encoder, {
    get(target, property) {
      if (property === 'beginComputePass') {
        return (descriptor?: GPUComputePassDescriptor) => {
          counters.computePasses += 1;
          return countingPass(target.beginComputePass(descriptor), counters);
        };
      }
      if (property === 'copyBufferToBuffer' || property === 'clearBuffer') {
        const method = Reflect.get(target, property, target) as (...args: unknown[]) => void;
        return (...args: unknown[]) => {
          counters.copies += 1;
          method.apply(target, args);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const zeroCounters = (): IterationCounters => ({
  dispatches: 0,
  copies: 0,
  computePasses: 0,
  submits: 0,
  buffersCreated: 0,
  readbacks: 0,
  bytesReadBack: 0,
});

/** Creates the loop over `body`: a readback ring of 3 slots of the report's size (allocated now). */
export function createIterationLoop(device: GPUDevice, body: IterationBody, label = 'train'): IterationLoop {
  const ring = new ReadbackRing(device, { label: `${label}.report`, byteLength: body.reportBytes, slots: 3 });
  let submitted = 0;
  let pending: Promise<LoopReport> | null = null;
  let destroyed = false;

  const collect = async (ticket: ReadbackTicket, iteration: number, counters: IterationCounters): Promise<LoopReport> => {
    const bytes = await ring.collect(ticket);
    return { iteration, bytes, counters };
  };

  return {
    get submitted() {
      return submitted;
    },
    async iterate() {
      if (destroyed) throw new Error(`${label}: iterate() after destroy()`);
      const iteration = submitted;
      const device0 = { ...gpuCounters(device) };
      const counters = zeroCounters();
      body.prepare(iteration);
      const raw = device.createCommandEncoder({ label: `${label}.iteration[${iteration}]` });
      const encoder = countingEncoder(raw, counters);
      body.encode(encoder, iteration);
      const ticket = ring.record(encoder, body.report);
      if (!ticket) throw new Error(`${label}: every readback slot is still in flight (this loop awaits each report, so this is a bug)`);
      device.queue.submit([raw.finish()]);
      counters.submits += 1;
      submitted += 1;
      const report = collect(ticket, iteration, counters);
      // collect() counts its readback synchronously, before its first await.
      const after = gpuCounters(device);
      counters.buffersCreated = after.buffersCreated - device0.buffersCreated;
      counters.readbacks = after.readbacks - device0.readbacks;
      counters.bytesReadBack = after.bytesReadBack - device0.bytesReadBack;
      const previous = pending;
      pending = report;
      return previous ? await previous : null;
    },
    async drain() {
      const previous = pending;
      pending = null;
      return previous ? await previous : null;
    },
    destroy() {
      destroyed = true;
      // A map still in flight fails once its staging buffer is destroyed; nobody awaits it now.
      pending?.catch(() => undefined);
      pending = null;
      ring.destroy();
    },
  };
}
