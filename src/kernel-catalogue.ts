/**
 * Every kernel the engine ships, with representative override constants. The spec test validates
 * each against its WGSL and compiles it, and checks that every WGSL file is used by some kernel.
 * A new kernel is added here in the same change that adds its WGSL.
 */
import type { KernelSpec } from './gpu/kernel';
import { AXPY } from './gpu/runtime-kernels';
import { RNG_NORMAL, RNG_RANDOM_BITS, RNG_UNIFORM, categoricalSpec } from './rng/kernels';

export const KERNEL_CATALOGUE: readonly KernelSpec[] = [
  { ...AXPY, constants: { N: 1000 } },
  { ...RNG_RANDOM_BITS, constants: { COUNT: 1000 } },
  { ...RNG_UNIFORM, constants: { COUNT: 1000 } },
  { ...RNG_NORMAL, constants: { COUNT: 1000 } },
  categoricalSpec(7, 5),
];
