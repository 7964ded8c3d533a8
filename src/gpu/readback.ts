/**
 * Reading GPU data back to the CPU.
 *
 * The training loop reads only through a ReadbackRing: a few staging buffers allocated up front;
 * each iteration records one copy into a free slot and maps it after its submit, and the caller
 * gets a promise that resolves later. Nothing waits, so the next iteration's submit is never held
 * up by a map. `readBufferOnce` is for tests and tools outside the loop.
 */
import { createBuffer, destroyBuffer, gpuCounters } from './buffers';

/** A recorded copy, to be collected after the submit that carries it. */
export interface ReadbackTicket {
  readonly slot: number;
  readonly byteLength: number;
}

export interface ReadbackRingOptions {
  label: string;
  /** Bytes per readback (one statistics block, say). */
  byteLength: number;
  /** Staging buffers; 3 lets iteration i+1 and i+2 submit while i maps. */
  slots?: number;
}

export class ReadbackRing {
  readonly label: string;
  readonly byteLength: number;
  private readonly staging: GPUBuffer[];
  private readonly busy: boolean[];
  private next = 0;
  private destroyed = false;
  /** Copies not recorded because every slot was still in flight (the caller chose to go on). */
  dropped = 0;

  constructor(
    private readonly device: GPUDevice,
    options: ReadbackRingOptions,
  ) {
    const slots = options.slots ?? 3;
    if (!Number.isInteger(slots) || slots < 1) {
      throw new RangeError(`readback ring '${options.label}': slots must be a positive integer (got ${slots})`);
    }
    this.label = options.label;
    this.byteLength = Math.ceil(options.byteLength / 4) * 4;
    this.staging = Array.from({ length: slots }, (_, i) =>
      createBuffer(device, {
        label: `${options.label}.staging${i}`,
        size: this.byteLength,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      }),
    );
    this.busy = this.staging.map(() => false);
  }

  /** Slots whose copies have not been collected yet. */
  get inFlight(): number {
    return this.busy.filter(Boolean).length;
  }

  /**
   * Records a copy of `source[sourceOffset, +byteLength)` into a free staging buffer. Returns
   * null, and counts a drop, when every slot is still in flight: the caller's submit never waits.
   */
  record(encoder: GPUCommandEncoder, source: GPUBuffer, sourceOffset = 0): ReadbackTicket | null {
    this.assertAlive();
    for (let tried = 0; tried < this.staging.length; tried += 1) {
      const slot = (this.next + tried) % this.staging.length;
      if (this.busy[slot]) continue;
      this.next = (slot + 1) % this.staging.length;
      return this.recordAt(encoder, slot, source, sourceOffset);
    }
    this.dropped += 1;
    return null;
  }

  /**
   * Records a copy of `source[sourceOffset, +byteLength)` (byteLength a multiple of 4, at most the
   * ring's) into staging buffer `slot`, whether or not a copy is in flight there. For a recorder
   * that encodes several submits ahead (a rollout's segments around a JavaScript env's steps): it
   * must collect the slot's earlier tickets, in order, before it submits the commands that carry
   * this copy, since a buffer still mapped cannot be used by a submit.
   */
  recordAt(encoder: GPUCommandEncoder, slot: number, source: GPUBuffer, sourceOffset = 0, byteLength = this.byteLength): ReadbackTicket {
    this.assertAlive();
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.staging.length) {
      throw new RangeError(`readback ring '${this.label}': slot must be an integer in [0, ${this.staging.length - 1}] (got ${slot})`);
    }
    if (!Number.isInteger(byteLength) || byteLength <= 0 || byteLength % 4 !== 0 || byteLength > this.byteLength) {
      throw new RangeError(`readback ring '${this.label}': byteLength must be a positive multiple of 4 up to ${this.byteLength} (got ${byteLength})`);
    }
    this.busy[slot] = true;
    encoder.copyBufferToBuffer(source, sourceOffset, this.staging[slot]!, 0, byteLength);
    return { slot, byteLength };
  }

  /**
   * Call after submitting the encoder that recorded `ticket`. Resolves with a copy of the bytes;
   * the slot is free again once it resolves.
   */
  async collect(ticket: ReadbackTicket): Promise<ArrayBuffer> {
    const bytes = new Uint8Array(ticket.byteLength);
    await this.collectInto(ticket, bytes);
    return bytes.buffer;
  }

  /**
   * collect() without allocating: copies the ticket's bytes into `target` from byte `offset` on
   * (target must hold offset + ticket.byteLength bytes). For a per-step readback.
   */
  async collectInto(ticket: ReadbackTicket, target: Uint8Array, offset = 0): Promise<void> {
    this.assertAlive();
    if (!Number.isInteger(offset) || offset < 0 || offset + ticket.byteLength > target.byteLength) {
      throw new RangeError(
        `readback ring '${this.label}': collectInto needs offset + ${ticket.byteLength} bytes within the target's ${target.byteLength} (got offset ${offset})`,
      );
    }
    const buffer = this.staging[ticket.slot]!;
    const counters = gpuCounters(this.device);
    counters.readbacks += 1;
    counters.bytesReadBack += ticket.byteLength;
    try {
      await buffer.mapAsync(GPUMapMode.READ, 0, ticket.byteLength);
      target.set(new Uint8Array(buffer.getMappedRange(0, ticket.byteLength)), offset);
      buffer.unmap();
    } finally {
      this.busy[ticket.slot] = false;
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const buffer of this.staging) destroyBuffer(this.device, buffer);
  }

  private assertAlive(): void {
    if (this.destroyed) throw new Error(`readback ring '${this.label}' was destroyed`);
  }
}

/**
 * Copies a whole buffer (or `byteLength` bytes of it) to the CPU and waits. It allocates a staging
 * buffer each call: for tests, tools and initialisation, never for a training loop.
 */
export async function readBufferOnce(
  device: GPUDevice,
  source: GPUBuffer,
  byteLength: number = source.size,
  sourceOffset = 0,
): Promise<ArrayBuffer> {
  const staging = createBuffer(device, {
    label: `${source.label}.readback`,
    size: byteLength,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const encoder = device.createCommandEncoder({ label: `${source.label}.readback` });
    encoder.copyBufferToBuffer(source, sourceOffset, staging, 0, staging.size);
    device.queue.submit([encoder.finish()]);
    const counters = gpuCounters(device);
    counters.readbacks += 1;
    counters.bytesReadBack += staging.size;
    await staging.mapAsync(GPUMapMode.READ);
    const bytes = staging.getMappedRange().slice(0, byteLength);
    staging.unmap();
    return bytes;
  } finally {
    destroyBuffer(device, staging);
  }
}
