/**
 * The host side of a hybrid action space's actions (src/envs/types.ts HybridSpace): tools and tests
 * give N actions as two typed arrays, { continuous: f32 [N][D], discrete: u32 [N][K] }
 * (HybridActions), and the env's action buffer holds them as N rows of D + K words, the D floats'
 * bits first, then the K branch indices. These check the arrays' types and lengths and interleave them.
 */
import type { HybridActions, HybridSpace } from './types';

/**
 * Throws unless `actions` is { continuous: Float32Array of N·D, discrete: Uint32Array of N·K }
 * for `space`; `what` prefixes the message (the call and the env).
 */
export function checkHybridActionArrays(what: string, space: HybridSpace, numEnvs: number, actions: unknown): asserts actions is HybridActions {
  const dims = space.continuous.size;
  const branches = space.nvec.length;
  const { continuous, discrete } = (actions ?? {}) as Partial<HybridActions>;
  if (!(continuous instanceof Float32Array) || continuous.length !== numEnvs * dims || !(discrete instanceof Uint32Array) || discrete.length !== numEnvs * branches) {
    const got = (value: unknown) => (value instanceof Float32Array || value instanceof Uint32Array ? `a ${value.constructor.name} of ${value.length}` : String(value));
    throw new RangeError(
      `${what}: a hybrid env takes { continuous: Float32Array of numEnvs × D = ${numEnvs} × ${dims} floats, ` +
        `discrete: Uint32Array of numEnvs × K = ${numEnvs} × ${branches} branch actions } ` +
        `(got continuous ${got(continuous)}, discrete ${got(discrete)})`,
    );
  }
}

/**
 * The action buffer's rows of `actions` (checked by checkHybridActionArrays): N rows of D + K
 * words, row n = continuous[n·D … n·D + D − 1] (f32 bits), then discrete[n·K … n·K + K − 1].
 */
export function packHybridActions(space: HybridSpace, numEnvs: number, actions: HybridActions): Uint32Array<ArrayBuffer> {
  const dims = space.continuous.size;
  const branches = space.nvec.length;
  const width = dims + branches;
  const words = new Uint32Array(numEnvs * width);
  const floats = new Float32Array(words.buffer);
  for (let n = 0; n < numEnvs; n += 1) {
    for (let d = 0; d < dims; d += 1) floats[n * width + d] = actions.continuous[n * dims + d]!;
    for (let b = 0; b < branches; b += 1) words[n * width + dims + b] = actions.discrete[n * branches + b]!;
  }
  return words;
}
