/**
 * The RNG kernels: Philox4x32-10 blocks (shaders/rng/philox.wgsl) as raw bits, uniforms, normals and
 * categorical samples. Each reads one RngParams uniform (src/rng/params.ts); block or row i uses
 * counter (draw, i, step, iteration) and key (seed, stream), so outputs do not depend on dispatch
 * shape. Dispatch COUNT invocations (ROWS for the categorical sampler).
 */
import type { KernelSpec } from '../gpu/kernel';
import type { ShaderPart } from '../gpu/shaders';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import philoxWgsl from '../../shaders/rng/philox.wgsl';
import randomBitsWgsl from '../../shaders/rng/random_bits.wgsl';
import uniformWgsl from '../../shaders/rng/uniform.wgsl';
import normalWgsl from '../../shaders/rng/normal.wgsl';
import categoricalWgsl from '../../shaders/rng/categorical.wgsl';
import { MAX_DISCRETE_ACTIONS } from './categories';


const rngParts = (kernel: ShaderPart) => [
  dispatchWgsl,
  philoxWgsl,
  kernel,
];

/** bits[4i..4i+3] = Philox block i, for i < COUNT (override); bindings: params, bits (u32). */
export const RNG_RANDOM_BITS: KernelSpec = {
  label: 'rng.random_bits',
  parts: rngParts(randomBitsWgsl),
  workgroupSize: 64,
};

/** values[4i..4i+3] = uniforms in (0, 1) from Philox block i, for i < COUNT; bindings: params, values (f32). */
export const RNG_UNIFORM: KernelSpec = {
  label: 'rng.uniform',
  parts: rngParts(uniformWgsl),
  workgroupSize: 64,
};

/** values[4i..4i+3] = standard normals (two Box–Muller pairs) from Philox block i, for i < COUNT. */
export const RNG_NORMAL: KernelSpec = {
  label: 'rng.normal',
  parts: rngParts(normalWgsl),
  workgroupSize: 64,
};

/**
 * actions[r] ~ softmax(logits[r]) for r < ROWS, logits row-major [ROWS][CATEGORIES] (overrides);
 * bindings: params, logits (read), actions (u32). Build it with `categoricalSpec`, which checks
 * CATEGORIES against MAX_DISCRETE_ACTIONS.
 */
export const RNG_CATEGORICAL: KernelSpec = {
  label: 'rng.categorical',
  parts: rngParts(categoricalWgsl),
  workgroupSize: 64,
};

/** RNG_CATEGORICAL sized for `rows` rows of `categories` logits (1 ≤ categories ≤ MAX_DISCRETE_ACTIONS). */
export function categoricalSpec(rows: number, categories: number, workgroupSize = RNG_CATEGORICAL.workgroupSize): KernelSpec {
  if (!Number.isInteger(rows) || rows < 1) {
    throw new RangeError(`categorical sampler: rows must be a positive integer (got ${rows})`);
  }
  if (!Number.isInteger(categories) || categories < 1 || categories > MAX_DISCRETE_ACTIONS) {
    throw new RangeError(
      `categorical sampler: categories must be an integer in [1, ${MAX_DISCRETE_ACTIONS}] (got ${categories})`,
    );
  }
  return { ...RNG_CATEGORICAL, workgroupSize, constants: { ROWS: rows, CATEGORIES: categories } };
}
