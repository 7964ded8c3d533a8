/**
 * Error scopes as a function: run GPU work and throw if it produced any validation, out-of-memory
 * or internal error. WebGPU otherwise reports these asynchronously, off to the side, and the work
 * "succeeds" with wrong values (TF.js 4.22's WebGPU backend, for one, trained on after exactly such an error).
 */

export class GpuValidationError extends Error {
  constructor(
    readonly what: string,
    readonly errors: readonly GPUError[],
  ) {
    super(`${what}: ${errors.map((e) => `${e.constructor.name}: ${e.message}`).join('\n')}`);
    this.name = 'GpuValidationError';
  }
}

const FILTERS: readonly GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

/**
 * Runs `work` inside validation, out-of-memory and internal error scopes; throws if any caught one.
 * The scopes stay open across `work`'s awaits, so run one checkGpuErrors at a time per device (error
 * scopes are a per-device stack): meant for tests, initialisation and tools, not concurrent work.
 */
export async function checkGpuErrors<T>(device: GPUDevice, what: string, work: () => T | Promise<T>): Promise<T> {
  for (const filter of FILTERS) device.pushErrorScope(filter);
  let result: T;
  try {
    result = await work();
  } finally {
    const errors: GPUError[] = [];
    // Scopes pop in reverse order of pushing; pop all of them even when work threw.
    for (let i = 0; i < FILTERS.length; i += 1) {
      const error = await device.popErrorScope();
      if (error) errors.push(error);
    }
    if (errors.length > 0) throw new GpuValidationError(what, errors);
  }
  return result;
}
