/**
 * Buffer allocation. Every engine buffer is created here, so that sizes are checked against device
 * limits with a clear error, and so that creations are counted: the training loop's invariant
 * ("no buffer created after initialisation") is a number tests and benchmarks can read.
 */
import { checkLimit } from './limits';

/** Per-device counts of what the engine asked the GPU for. */
export interface GpuCounters {
  buffersCreated: number;
  buffersDestroyed: number;
  bytesAllocated: number;
  /** Readbacks started (ring or one-off) and the bytes they brought to the CPU. */
  readbacks: number;
  bytesReadBack: number;
}

const counters = new WeakMap<GPUDevice, GpuCounters>();

/** The live counters of `device` (zeros for a device the engine has not used). */
export function gpuCounters(device: GPUDevice): GpuCounters {
  let c = counters.get(device);
  if (!c) {
    c = { buffersCreated: 0, buffersDestroyed: 0, bytesAllocated: 0, readbacks: 0, bytesReadBack: 0 };
    counters.set(device, c);
  }
  return c;
}

export interface BufferRequest {
  label: string;
  /** Bytes; rounded up to a multiple of 4 (WebGPU copies move whole words). */
  size: number;
  usage: GPUBufferUsageFlags;
  mappedAtCreation?: boolean;
}

/** Creates a labelled buffer, checking its size against the device's limits first. */
export function createBuffer(device: GPUDevice, request: BufferRequest): GPUBuffer {
  const { label, usage } = request;
  if (!Number.isFinite(request.size) || request.size <= 0) {
    throw new RangeError(`buffer '${label}': size must be a positive number of bytes (got ${request.size})`);
  }
  const size = Math.ceil(request.size / 4) * 4;
  // Only the buffer's total is limited here; a binding of it is checked against the binding-size
  // limits where it is bound (Kernel.bind), since a large buffer may be bound in slices.
  checkLimit(device.limits, 'maxBufferSize', size, `buffer '${label}'`);
  const buffer = device.createBuffer({ label, size, usage, mappedAtCreation: request.mappedAtCreation ?? false });
  const c = gpuCounters(device);
  c.buffersCreated += 1;
  c.bytesAllocated += size;
  return buffer;
}

/** Storage usage with copies both ways: the default for engine buffers. */
export const STORAGE_USAGE = (): GPUBufferUsageFlags =>
  GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Declares one named buffer of a set: its byte size, and its usage when not plain storage. */
export interface BufferDeclaration {
  size: number;
  usage?: GPUBufferUsageFlags;
  /**
   * Storage buffers of a set are bound whole, so by default their size is checked against
   * maxStorageBufferBindingSize at allocation, before any kernel exists. False for a buffer that
   * kernels bind in slices.
   */
  boundWhole?: boolean;
}

/**
 * Named buffers allocated together, up front, and freed together: `set.buffers.rewards`.
 * Labels are `<prefix>.<name>`, so a validation error names the buffer in domain words.
 */
export class BufferSet<Name extends string> {
  readonly buffers: Readonly<Record<Name, GPUBuffer>>;
  private destroyed = false;

  constructor(
    readonly device: GPUDevice,
    readonly prefix: string,
    declarations: Readonly<Record<Name, BufferDeclaration>>,
  ) {
    const created: Partial<Record<Name, GPUBuffer>> = {};
    try {
      for (const name of Object.keys(declarations) as Name[]) {
        const { size, usage = STORAGE_USAGE(), boundWhole = true } = declarations[name];
        const label = `${prefix}.${name}`;
        if (boundWhole && usage & GPUBufferUsage.STORAGE) {
          checkLimit(device.limits, 'maxStorageBufferBindingSize', size, `storage buffer '${label}'`);
        }
        created[name] = createBuffer(device, { label, size, usage });
      }
    } catch (error) {
      // All or nothing: a set that fails half-way frees what it made.
      for (const buffer of Object.values(created) as GPUBuffer[]) destroyBuffer(device, buffer);
      throw error;
    }
    this.buffers = created as Record<Name, GPUBuffer>;
  }

  /** Total bytes held by the set. */
  get bytes(): number {
    return (Object.values(this.buffers) as GPUBuffer[]).reduce((sum, b) => sum + b.size, 0);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const buffer of Object.values(this.buffers) as GPUBuffer[]) destroyBuffer(this.device, buffer);
  }
}

/** Destroys a buffer made by createBuffer and counts it. */
export function destroyBuffer(device: GPUDevice, buffer: GPUBuffer): void {
  buffer.destroy();
  gpuCounters(device).buffersDestroyed += 1;
}

/** Creates a storage buffer holding `data` (for initialisation, never inside a training loop). */
export function createBufferWithData(
  device: GPUDevice,
  label: string,
  data: ArrayBufferView,
  usage: GPUBufferUsageFlags = STORAGE_USAGE(),
): GPUBuffer {
  const buffer = createBuffer(device, { label, size: data.byteLength, usage: usage | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}
