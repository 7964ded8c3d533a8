/**
 * The device limits the engine depends on: what it asks the adapter for, and the checks that turn a
 * configuration beyond a limit into an error that names the limit and the value, before any GPU
 * object exists (the alternative is a validation error after the fact, or, as seen in TF.js, none).
 */

/** Limits the engine raises to the adapter's maximum when it acquires its own device. */
export const REQUESTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
] as const;

export type RequestedLimit = (typeof REQUESTED_LIMITS)[number];

/**
 * The least the engine runs on: the WebGPU spec defaults. A host device (a game's renderer) below
 * these is rejected with a clear error rather than failing later inside a kernel.
 */
export const MINIMUM_LIMITS: Readonly<Record<RequestedLimit, number>> = {
  maxStorageBufferBindingSize: 128 * 1024 * 1024,
  maxBufferSize: 256 * 1024 * 1024,
  maxStorageBuffersPerShaderStage: 8,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupsPerDimension: 65535,
};

/** Thrown when a request exceeds a device limit; `limit` is the WebGPU limit's name. */
export class GpuLimitError extends RangeError {
  constructor(
    /** The WebGPU limit's name, e.g. 'maxStorageBufferBindingSize'. */
    readonly limit: string,
    /** The value the request needs. */
    readonly requested: number,
    /** The device's value of the limit. */
    readonly allowed: number,
    what: string,
    message = `${what} needs ${requested}, beyond the device limit ${limit} = ${allowed}`,
  ) {
    super(message);
    this.name = 'GpuLimitError';
  }
}

/** The requiredLimits for requestDevice: the adapter's best value for every limit the engine uses. */
export function requiredLimitsFor(adapter: GPUAdapter): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) limits[name] = adapter.limits[name];
  return limits;
}

/** Throws a GpuLimitError naming the first limit of `limits` below the engine's minimum. */
export function checkMinimumLimits(limits: GPUSupportedLimits, what: string): void {
  for (const name of REQUESTED_LIMITS) {
    const have = limits[name];
    const need = MINIMUM_LIMITS[name];
    if (have < need) {
      throw new GpuLimitError(name, need, have, what, `${what} has ${name} = ${have}; webgpu-rl needs at least ${need}`);
    }
  }
}

/** Throws unless `value` ≤ `limits[limit]`. */
export function checkLimit(
  limits: GPUSupportedLimits,
  limit: keyof GPUSupportedLimits & string,
  value: number,
  what: string,
): void {
  const allowed = limits[limit] as number;
  if (value > allowed) throw new GpuLimitError(limit, value, allowed, what);
}
