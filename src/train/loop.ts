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
import { setSplitHandler } from '../gpu/split-point';
import { ReadbackRing, type ReadbackTicket } from '../gpu/readback';

/** What one iteration asked of the GPU. */
export interface IterationCounters {
  /** Compute dispatches recorded. */
  dispatches: number;
  /** Buffer-to-buffer copies and clears recorded (the readback copy included). */
  copies: number;
  /** Compute passes recorded. */
  computePasses: number;
  /** Queue submits: 1 (the invariant), or one per segment when the iteration is split over frames or around a JavaScript env's steps. */
  submits: number;
  /** Buffers created while encoding and submitting (0 after warm-up: the invariant). */
  buffersCreated: number;
  /** Readbacks started and bytes they bring back (1 and the report size: the invariant). */
  readbacks: number;
  /** Bytes those readbacks bring back. */
  bytesReadBack: number;
}

/** An algorithm's iteration, as the loop drives it. */
export interface IterationBody {
  /** Resolves when iteration i may be recorded (a JavaScript env answering asynchronously has reset; a self-play round read). */
  ready?(iteration: number): Promise<void>;
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

/**
 * How an iteration's work is spread over frames (a game's render loop beside training): its
 * segments (split at rollout steps and minibatches, see `splitPoint` in src/gpu/split-point.ts)
 * are submitted in groups that fit this frame's share of GPU time (by a running estimate of a
 * segment's time), each group awaited, until the share is spent; then the loop waits for the next
 * frame. Without pacing an iteration is one submit.
 */
export interface Pacing {
  /** Milliseconds of training work per frame (wall time from submit to completion, summed). */
  readonly frameBudgetMs: number;
  /** Resolves at the next frame (default: requestAnimationFrame where it exists, else a 16 ms timer). */
  readonly nextFrame?: () => Promise<void>;
}

export interface IterationLoop {
  /** Iterations submitted so far (the index of the next one). */
  readonly submitted: number;
  /** Whether an iteration's report has not been handed back yet (drain() collects it). */
  readonly pending: boolean;
  /** Encodes and submits the next iteration; resolves with the previous one's report (null on the first). */
  iterate(pacing?: Pacing): Promise<LoopReport | null>;
  /** Continues from iteration `next` (a restored checkpoint's): nothing may be pending. */
  seek(next: number): void;
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

/**
 * An encoder that records into `current()` (which changes when the iteration is split), with its
 * passes, dispatches and copies counted into `counters`.
 */
function countingEncoderOf(current: () => GPUCommandEncoder, counters: IterationCounters): GPUCommandEncoder {
  return new Proxy(current(), {
    get(_target, property) {
      const target = current();
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

/** The encoder, with its passes, dispatches and copies counted into `counters`. */
export function countingEncoder(encoder: GPUCommandEncoder, counters: IterationCounters): GPUCommandEncoder {
  return countingEncoderOf(() => encoder, counters);
}

const defaultNextFrame = (): Promise<void> =>
  new Promise((resolve) => {
    const raf = (globalThis as { requestAnimationFrame?: (callback: () => void) => unknown }).requestAnimationFrame;
    if (raf) raf(() => resolve());
    else setTimeout(resolve, 16);
  });

/** A running estimate of one segment's GPU time (ms), kept across iterations by the loop's pacing. */
interface SegmentTime {
  ms: number | null;
}

/**
 * Submits an iteration's segments, each followed by its host work. Under `pacing`, as many at a
 * time as this frame's share of GPU time has room for by the running estimate of a segment's
 * time, then one wait for them all (a wait is a round trip to the GPU process: waiting after
 * every segment cost more than short segments' work), and the next frame once the share is spent.
 */
async function submitSegments(
  device: GPUDevice,
  segments: readonly { commands: GPUCommandBuffer; after?: () => Promise<void> }[],
  counters: IterationCounters,
  pacing: Pacing | undefined,
  segmentTime: SegmentTime,
  lastSubmitted: () => void,
): Promise<void> {
  let frameSpent = 0;
  let group = 0;
  let groupStarted = performance.now();
  for (const [k, segment] of segments.entries()) {
    device.queue.submit([segment.commands]);
    counters.submits += 1;
    if (k === segments.length - 1) lastSubmitted();
    if (segment.after) await segment.after();
    if (!pacing || k === segments.length - 1) continue;
    group += 1;
    // Room for one more segment in this frame's share (no estimate yet: none): submit it unawaited.
    if (frameSpent + (group + 1) * (segmentTime.ms ?? pacing.frameBudgetMs) < pacing.frameBudgetMs) continue;
    await device.queue.onSubmittedWorkDone();
    const elapsed = performance.now() - groupStarted;
    segmentTime.ms = elapsed / group;
    frameSpent += elapsed;
    group = 0;
    if (frameSpent >= pacing.frameBudgetMs) {
      await (pacing.nextFrame ?? defaultNextFrame)();
      frameSpent = 0;
    }
    groupStarted = performance.now();
  }
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
  const segmentTime: SegmentTime = { ms: null };

  const collect = async (ticket: ReadbackTicket, iteration: number, counters: IterationCounters): Promise<LoopReport> => {
    const bytes = await ring.collect(ticket);
    return { iteration, bytes, counters };
  };

  return {
    get submitted() {
      return submitted;
    },
    get pending() {
      return pending !== null;
    },
    async iterate(pacing?: Pacing) {
      if (destroyed) throw new Error(`${label}: iterate() after destroy()`);
      const iteration = submitted;
      const device0 = { ...gpuCounters(device) };
      const counters = zeroCounters();
      if (body.ready) await body.ready(iteration);
      body.prepare(iteration);
      // Segments: command buffers, each with the host work that must follow its submit.
      const segments: { commands: GPUCommandBuffer; after?: () => Promise<void> }[] = [];
      const open = () => device.createCommandEncoder({ label: `${label}.iteration[${iteration}].${segments.length}` });
      let raw = open();
      const encoder = countingEncoderOf(() => raw, counters);
      setSplitHandler(encoder, (after) => {
        if (!after && !pacing) return;
        segments.push({ commands: raw.finish(), ...(after ? { after } : {}) });
        raw = open();
      });
      body.encode(encoder, iteration);
      const ticket = ring.record(encoder, body.report);
      if (!ticket) throw new Error(`${label}: every readback slot is still in flight (this loop awaits each report, so this is a bug)`);
      segments.push({ commands: raw.finish() });
      // A collect() of the report may only start once its copy is submitted: count its readback now.
      let report: Promise<LoopReport> | undefined;
      if (segments.length === 1 && !pacing) {
        device.queue.submit([segments[0]!.commands]);
        counters.submits += 1;
        report = collect(ticket, iteration, counters);
      } else {
        await submitSegments(device, segments, counters, pacing, segmentTime, () => (report = collect(ticket, iteration, counters)));
      }
      submitted += 1;
      // collect() counts its readback synchronously, before its first await.
      const after = gpuCounters(device);
      counters.buffersCreated = after.buffersCreated - device0.buffersCreated;
      counters.readbacks = after.readbacks - device0.readbacks;
      counters.bytesReadBack = after.bytesReadBack - device0.bytesReadBack;
      const previous = pending;
      pending = report!;
      // If the device is lost, this map fails too, maybe before anyone awaits it: that is not an unhandled rejection.
      pending.catch(() => undefined);
      return previous ? await previous : null;
    },
    seek(next: number) {
      if (pending) throw new Error(`${label}: seek(${next}) while an iteration is pending (drain() first)`);
      if (!Number.isInteger(next) || next < 0) throw new RangeError(`${label}: seek needs a non-negative integer iteration (got ${next})`);
      submitted = next;
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
