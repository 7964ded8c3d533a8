/**
 * The RngParams uniform block of shaders/rng/philox.wgsl: which stream of random numbers a kernel
 * draws from. Layout (32 bytes, little-endian u32): seed, stream, iteration, step, draw, then three
 * zero words of padding.
 */

/** The names of a draw besides its row: key (seed, stream) and counter words (iteration, step, draw). */
export interface RngParams {
  /** The run's seed (key word 0). */
  readonly seed: number;
  /** Which consumer draws (key word 1): policy sampling, env resets, permutations, ... */
  readonly stream: number;
  /** Training iteration (counter word 3). */
  readonly iteration: number;
  /** Rollout step or epoch within the iteration (counter word 2). */
  readonly step: number;
  /** Block index within one (row, step) (counter word 0). */
  readonly draw: number;
}

/** Bytes of one RngParams block. */
export const RNG_PARAMS_BYTES = 32;

const FIELDS = ['seed', 'stream', 'iteration', 'step', 'draw'] as const;

/** The 8 u32 words of `params`; throws a RangeError naming the first field that is not a u32. */
export function encodeRngParams(params: RngParams): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(RNG_PARAMS_BYTES / 4);
  FIELDS.forEach((field, index) => {
    const value = params[field];
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new RangeError(`RngParams.${field} must be an integer in [0, 4294967295] (got ${value})`);
    }
    words[index] = value;
  });
  return words;
}

/** Writes `params` into `buffer` (a UNIFORM | COPY_DST buffer) at byte `offset` (a multiple of 4). */
export function writeRngParams(device: GPUDevice, buffer: GPUBuffer, params: RngParams, offset = 0): void {
  device.queue.writeBuffer(buffer, offset, encodeRngParams(params));
}
