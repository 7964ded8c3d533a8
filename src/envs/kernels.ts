/**
 * The generic env wrapper's kernels (shaders/envs/env_*.wgsl) around one env body, and the two
 * uniform blocks they read: WrapperParams (seed, env stream, action bounds) and the env's EnvParams.
 *
 * A step is two dispatches in one pass: env_step_<kind> (action → next state, reward, flags,
 * episode bookkeeping) and env_autoreset (final observation, episode statistics, reset of the envs
 * that ended). Reset and observe are single dispatches.
 */
import type { KernelSpec } from '../gpu/kernel';
import type { ShaderPart } from '../gpu/shaders';
import { checkEnvDescriptor, EnvContractError, MAX_ACTION_SIZE, type EnvBodyLayout } from './contract';
import type { ActionSpace, EnvDescriptor } from './types';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import envAutoresetWgsl from '../../shaders/envs/env_autoreset.wgsl';
import envMaskWgsl from '../../shaders/envs/env_mask.wgsl';
import envMathWgsl from '../../shaders/envs/env_math.wgsl';
import envMetricsWgsl from '../../shaders/envs/env_metrics.wgsl';
import envObserveWgsl from '../../shaders/envs/env_observe.wgsl';
import envResetWgsl from '../../shaders/envs/env_reset.wgsl';
import envRngWgsl from '../../shaders/envs/env_rng.wgsl';
import envStepCommonWgsl from '../../shaders/envs/env_step_common.wgsl';
import envWrapperWgsl from '../../shaders/envs/env_wrapper.wgsl';
import philoxWgsl from '../../shaders/rng/philox.wgsl';
import envStepContinuousWgsl from '../../shaders/envs/env_step_continuous.wgsl';
import envStepDiscreteWgsl from '../../shaders/envs/env_step_discrete.wgsl';
import envStepMultiDiscreteWgsl from '../../shaders/envs/env_step_multi_discrete.wgsl';
import envStepHybridWgsl from '../../shaders/envs/env_step_hybrid.wgsl';
import envBranchesWgsl from '../../shaders/envs/env_branches.wgsl';

/** The Philox stream (key word 1) of every env draw: resets and stochastic steps ('ENV'). */
export const ENV_STREAM = 0x454e56;

/** Counter word 2 of a reset's draws (shaders/envs/env_rng.wgsl ENV_RESET_PHASE). */
export const ENV_RESET_PHASE = 0xffffffff;

/** Bytes of the WrapperParams uniform (shaders/envs/env_wrapper.wgsl): 16 of header, then MAX_ACTION_SIZE lows and highs (528). */
export const WRAPPER_PARAMS_BYTES = 16 + 2 * 4 * MAX_ACTION_SIZE;

/** Bytes per env of the EpisodeProgress bookkeeping (length, episode, return, ended, seed, rng env, 2 × padding). */
export const EPISODE_PROGRESS_BYTES = 32;

/** Bytes of the ActionErrors block (count, first env, largest action, padding). */
export const ACTION_ERRORS_BYTES = 16;

/** Default workgroup size of the wrapper kernels. */
export const ENV_WORKGROUP_SIZE = 64;

/** The largest finite f32, standing in for ±Infinity in bounds uploaded to the GPU. */
export const F32_MAX = 3.4028234663852886e38;

/** The WrapperParams block: seed, ENV_STREAM, and the action bounds of a continuous env (a hybrid env's box). */
export function encodeWrapperParams(seed: number, actionSpace: ActionSpace): ArrayBuffer {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 4294967295] (got ${seed})`);
  }
  const bytes = new ArrayBuffer(WRAPPER_PARAMS_BYTES);
  const words = new Uint32Array(bytes);
  words[0] = seed;
  words[1] = ENV_STREAM;
  const box = actionSpace.kind === 'box' ? actionSpace : actionSpace.kind === 'hybrid' ? actionSpace.continuous : null;
  if (box) {
    const floats = new Float32Array(bytes);
    const clampF32 = (v: number) => Math.max(-F32_MAX, Math.min(F32_MAX, v));
    box.low.forEach((low, i) => (floats[4 + i] = clampF32(low)));
    box.high.forEach((high, i) => (floats[4 + MAX_ACTION_SIZE + i] = clampF32(high)));
  }
  return bytes;
}

/**
 * The EnvParams uniform: the descriptor's defaults with `overrides` applied, packed in the struct's
 * field order (4 bytes each, f32 or u32 as the WGSL declares), padded to 16 bytes. Throws naming an
 * unknown parameter (with the valid names) or a value the field cannot hold.
 */
export function encodeEnvParams(
  descriptor: EnvDescriptor,
  layout: EnvBodyLayout,
  overrides: Partial<Record<string, number>> = {},
): ArrayBuffer {
  const names = layout.paramFields.map((f) => f.name);
  for (const name of Object.keys(overrides)) {
    if (!names.includes(name)) {
      throw new EnvContractError(descriptor.id, `unknown param '${name}' (valid: ${names.join(', ')})`);
    }
  }
  const bytes = new ArrayBuffer(Math.max(16, Math.ceil((4 * names.length) / 16) * 16));
  const floats = new Float32Array(bytes);
  const words = new Uint32Array(bytes);
  layout.paramFields.forEach(({ name, type }, i) => {
    const value = overrides[name] ?? descriptor.params[name]!;
    if (type === 'u32') {
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw new EnvContractError(descriptor.id, `param '${name}' is a u32: it must be an integer in [0, 4294967295] (got ${value})`);
      }
      words[i] = value;
    } else {
      if (!Number.isFinite(value)) throw new EnvContractError(descriptor.id, `param '${name}' must be a finite number (got ${value})`);
      floats[i] = value;
    }
  });
  return bytes;
}

/** Sizes a set of wrapper kernels is compiled for. */
export interface EnvKernelSizes {
  numEnvs: number;
  maxEpisodeSteps: number;
  workgroupSize?: number;
}

/** The kernels of one env body at one size: four always, mask and metrics when the env has them. */
export interface EnvKernelSpecs {
  step: KernelSpec;
  autoreset: KernelSpec;
  reset: KernelSpec;
  observe: KernelSpec;
  /** masks ← env_mask(states), after each reset, auto-reset and state overwrite (an env with actionMasks). */
  mask?: KernelSpec;
  /** episode_metrics ← env_metrics(state the episode ended in), after each auto-reset (an env with episodeMetrics). */
  metrics?: KernelSpec;
}

/** The includes every wrapper kernel of `descriptor` starts with: dispatch, Philox, env RNG and math, the body, the wrapper. */
export function envWrapperParts(descriptor: EnvDescriptor): ShaderPart[] {
  return [dispatchWgsl, philoxWgsl, envRngWgsl, envMathWgsl, descriptor.body, envWrapperWgsl];
}

/** The wrapper kernels around `descriptor`'s body (checked against the contract first). */
export function envKernelSpecs(descriptor: EnvDescriptor, sizes: EnvKernelSizes): EnvKernelSpecs {
  checkEnvDescriptor(descriptor);
  const { numEnvs, maxEpisodeSteps, workgroupSize = ENV_WORKGROUP_SIZE } = sizes;
  const wrapper = envWrapperParts(descriptor);
  const base = wrapper.slice(0, -1);
  const sized = { NUM_ENVS: numEnvs, MAX_EPISODE_STEPS: maxEpisodeSteps };
  const label = (kernel: string) => `env.${descriptor.id}.${kernel}`;
  const step: KernelSpec = {
    label: label('step'),
    parts: [...wrapper, envStepCommonWgsl, ...stepKernelParts(descriptor.actionSpace)],
    workgroupSize,
    constants: { ...sized, ...actionConstants(descriptor.actionSpace) },
  };
  const autoreset: KernelSpec = {
    label: label('autoreset'),
    parts: [...wrapper, envAutoresetWgsl],
    workgroupSize,
    constants: sized,
  };
  const reset: KernelSpec = {
    label: label('reset'),
    parts: [...wrapper, envResetWgsl],
    workgroupSize,
    constants: sized,
  };
  const observe: KernelSpec = {
    label: label('observe'),
    parts: [...base, envObserveWgsl],
    workgroupSize,
    constants: { NUM_ENVS: numEnvs },
  };
  const mask: KernelSpec | undefined = descriptor.actionMasks
    ? { label: label('mask'), parts: [...base, envMaskWgsl], workgroupSize, constants: { NUM_ENVS: numEnvs } }
    : undefined;
  const metrics: KernelSpec | undefined = (descriptor.episodeMetrics?.length ?? 0) > 0
    ? { label: label('metrics'), parts: [...wrapper, envMetricsWgsl], workgroupSize, constants: sized }
    : undefined;
  return { step, autoreset, reset, observe, ...(mask ? { mask } : {}), ...(metrics ? { metrics } : {}) };
}

/** The step kernel's action decoding for a space: one index, one index per branch, floats, or floats then branches. */
function stepKernelParts(space: ActionSpace): ShaderPart[] {
  if (space.kind === 'discrete') return [envStepDiscreteWgsl];
  if (space.kind === 'multiDiscrete') return [envBranchesWgsl, envStepMultiDiscreteWgsl];
  if (space.kind === 'hybrid') return [envBranchesWgsl, envStepHybridWgsl];
  return [envStepContinuousWgsl];
}

/** ACTION_COUNT (discrete) or ENV_BRANCH_SIZE_b (multi-discrete, hybrid) of the step kernel; none for a box. */
function actionConstants(space: ActionSpace): Record<string, number> {
  if (space.kind === 'discrete') return { ACTION_COUNT: space.n };
  if (space.kind === 'multiDiscrete' || space.kind === 'hybrid') {
    return Object.fromEntries(space.nvec.map((n, b) => [`ENV_BRANCH_SIZE_${b}`, n]));
  }
  return {};
}

/** Every wrapper kernel around each of `envs`, at a representative odd size (the kernel catalogue). */
export function envKernelExamples(envs: readonly EnvDescriptor[]): KernelSpec[] {
  return envs.flatMap((env) => Object.values(envKernelSpecs(env, { numEnvs: 123, maxEpisodeSteps: env.maxEpisodeSteps })) as KernelSpec[]);
}
