/**
 * Every kernel the engine ships, with representative override constants. The spec test validates
 * each against its WGSL and compiles it, and checks that every WGSL file is used by some kernel.
 * A new kernel is added here in the same change that adds its WGSL.
 */
import type { KernelSpec } from '../../src/gpu/kernel';
import { AXPY, COPY_VEC4, matmulSpec } from '../../src/gpu/runtime-kernels';
import { RNG_NORMAL, RNG_RANDOM_BITS, RNG_UNIFORM, categoricalSpec } from '../../src/rng/kernels';
import { denseKernelExamples } from '../../src/nn/mlp-kernels';
import { headKernelExamples } from '../../src/nn/heads';
import { optimizerKernelExamples } from '../../src/nn/optimizer-kernels';
import { fusedKernelExamples } from '../../src/nn/mlp-fused';
import { envKernelExamples } from '../../src/envs/kernels';
import { opponentKernelExamples } from '../../src/envs/opponent-pool';
import { BUILTIN_ENVS } from '../../src/envs/registry';
import { connectFour } from '../../src/games/connect-four';
import { pong } from '../../src/games/pong';
import { customEnv } from '../../src/envs/custom';
import { CURSOR } from './cursor-env';
import { AIM } from './aim-env';
import { essKernelExamples } from '../../src/losses/ess';
import { klControlKernelExamples } from '../../src/losses/kl-control';
import { lossKernelExamples } from '../../src/losses/losses';
import { statisticsKernelExamples } from '../../src/losses/statistics';
import { reduceKernelExamples } from '../../src/gpu/reduce';
import { returnsKernelExamples } from '../../src/returns/kernels';
import { rolloutKernelExamples } from '../../src/rollout/kernels';
import { fusedStepKernelExamples } from '../../src/rollout/fused-steps';
import { normaliseKernelExamples } from '../../src/normalise/running-normalisers';
import { trainKernelExamples } from '../../src/train/report';
import { naturalGradientKernelExamples } from '../../src/algos/trpo/kernels';
import { nanGuardKernelExamples } from '../../src/train/nan-guard';
import { cemKernelExamples } from '../../src/algos/cem/kernels';
import { policyInferenceKernelExamples } from '../../src/agent/policy-inference';

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
  // The built-in envs and webgpu-rl/games' (GPU envs outside the root's registry).
  ...envKernelExamples([...BUILTIN_ENVS, connectFour, pong]),
  ...opponentKernelExamples([connectFour, pong]),
  // A multi-discrete env (no built-in one is): its step kernel decodes one action word per branch.
  ...envKernelExamples([customEnv(CURSOR)]),
  // A hybrid env (nor is any built-in one): its step kernel decodes D floats, then one word per branch.
  ...envKernelExamples([customEnv(AIM)]),
  ...lossKernelExamples(),
  ...statisticsKernelExamples(),
  ...klControlKernelExamples(),
  ...essKernelExamples(),
  ...reduceKernelExamples(),
  ...returnsKernelExamples(),
  ...rolloutKernelExamples(),
  // The fused rollout step around every built-in body it takes (one discrete action, no masks).
  ...fusedStepKernelExamples(BUILTIN_ENVS.filter((d) => d.actionSpace.kind === 'discrete' && !d.actionMasks && !d.episodeMetrics?.length && !d.policySeat)),
  ...normaliseKernelExamples(),
  ...trainKernelExamples(),
  ...naturalGradientKernelExamples(),
  ...nanGuardKernelExamples(),
  ...cemKernelExamples(),
  ...policyInferenceKernelExamples(),
];
