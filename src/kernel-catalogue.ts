/**
 * Every kernel the engine ships, with representative override constants. The spec test validates
 * each against its WGSL and compiles it, and checks that every WGSL file is used by some kernel.
 * A new kernel is added here in the same change that adds its WGSL.
 */
import type { KernelSpec } from './gpu/kernel';
import { AXPY, COPY_VEC4, matmulSpec } from './gpu/runtime-kernels';
import { RNG_NORMAL, RNG_RANDOM_BITS, RNG_UNIFORM, categoricalSpec } from './rng/kernels';
import { denseKernelExamples } from './nn/mlp-kernels';
import { headKernelExamples } from './nn/heads';
import { optimizerKernelExamples } from './nn/optimizer-kernels';
import { fusedKernelExamples } from './nn/mlp-fused';
import { envKernelExamples } from './envs/kernels';
import { BUILTIN_ENVS } from './envs/registry';
import { essKernelExamples } from './losses/ess';
import { klControlKernelExamples } from './losses/kl-control';
import { lossKernelExamples } from './losses/losses';
import { statisticsKernelExamples } from './losses/statistics';
import { reduceKernelExamples } from './gpu/reduce';
import { returnsKernelExamples } from './returns/kernels';
import { rolloutKernelExamples } from './rollout/kernels';
import { normaliseKernelExamples } from './normalise/running-normalisers';
import { trainKernelExamples } from './train/report';
import { naturalGradientKernelExamples } from './natural-gradient/kernels';
import { nanGuardKernelExamples } from './train/nan-guard';
import { cemKernelExamples } from './cem/kernels';
import { policyInferenceKernelExamples } from './agent/policy-inference';

export const KERNEL_CATALOGUE: readonly KernelSpec[] = [
  { ...AXPY, constants: { N: 1000 } },
  { ...RNG_RANDOM_BITS, constants: { COUNT: 1000 } },
  { ...RNG_UNIFORM, constants: { COUNT: 1000 } },
  { ...RNG_NORMAL, constants: { COUNT: 1000 } },
  categoricalSpec(7, 5),
  { ...COPY_VEC4, constants: { N: 1000 } },
  matmulSpec({ m: 123, k: 7, n: 33 }),
  ...denseKernelExamples(),
  ...headKernelExamples(),
  ...optimizerKernelExamples(),
  ...fusedKernelExamples(),
  ...envKernelExamples(BUILTIN_ENVS),
  ...lossKernelExamples(),
  ...statisticsKernelExamples(),
  ...klControlKernelExamples(),
  ...essKernelExamples(),
  ...reduceKernelExamples(),
  ...returnsKernelExamples(),
  ...rolloutKernelExamples(),
  ...normaliseKernelExamples(),
  ...trainKernelExamples(),
  ...naturalGradientKernelExamples(),
  ...nanGuardKernelExamples(),
  ...cemKernelExamples(),
  ...policyInferenceKernelExamples(),
];
