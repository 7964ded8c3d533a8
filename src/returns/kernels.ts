/**
 * The returns kernels (shaders/returns/): specs without buffers, sized by a rollout shape. Used by
 * createReturns, createBaseline and createAdvantageNormaliser, and listed in the kernel catalogue.
 */
import type { KernelSpec } from '../gpu/kernel';
import addValuesWgsl from '../../shaders/returns/add_values.wgsl';
import affineScanWgsl from '../../shaders/returns/affine_scan.wgsl';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import episodeStartCoefficientsWgsl from '../../shaders/returns/episode_start_coefficients.wgsl';
import gaeCoefficientsWgsl from '../../shaders/returns/gae_coefficients.wgsl';
import momentsWgsl from '../../shaders/reduce/moments.wgsl';
import normaliseGatherWgsl from '../../shaders/returns/normalise_gather.wgsl';
import normaliseWgsl from '../../shaders/returns/normalise.wgsl';
import rewardToGoCoefficientsWgsl from '../../shaders/returns/reward_to_go_coefficients.wgsl';
import rolloutWgsl from '../../shaders/returns/rollout.wgsl';
import scanApplyWgsl from '../../shaders/returns/scan_apply.wgsl';
import scanCarryWgsl from '../../shaders/returns/scan_carry.wgsl';
import scanReduceWgsl from '../../shaders/returns/scan_reduce.wgsl';
import scanSequentialWgsl from '../../shaders/returns/scan_sequential.wgsl';
import subtractMeanWgsl from '../../shaders/returns/subtract_mean.wgsl';

/** T steps × N envs of G agents. */
export interface RolloutShape {
  /** T. */
  readonly steps: number;
  /** N. */
  readonly envs: number;
  /** G; N must be divisible by G. */
  readonly agents: number;
}

/** Invocations per workgroup of the elementwise and per-env kernels. */
export const RETURNS_WORKGROUP = 64;
/** Scan path: at most 64 invocations per chunk workgroup, 8 elements each (chunks of ≤ 512 steps). */
export const SCAN_WORKGROUP = 64;
export const SCAN_ITEMS_PER_THREAD = 8;
export const SCAN_CHUNK = SCAN_WORKGROUP * SCAN_ITEMS_PER_THREAD;

/** The scan's workgroup (a power of two, 8 to 64, smaller for short horizons), chunk and chunk count. */
export function scanSizing(steps: number): { workgroup: number; chunk: number; chunks: number } {
  const workgroup = Math.min(SCAN_WORKGROUP, Math.max(8, 2 ** Math.ceil(Math.log2(Math.ceil(steps / SCAN_ITEMS_PER_THREAD)))));
  const chunk = workgroup * SCAN_ITEMS_PER_THREAD;
  return { workgroup, chunk, chunks: Math.ceil(steps / chunk) };
}

const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/** Throws a RangeError naming the field unless the shape is valid. */
export function checkRolloutShape(shape: RolloutShape, what = 'returns'): void {
  for (const field of ['steps', 'envs', 'agents'] as const) {
    if (!isPositiveInteger(shape[field])) {
      throw new RangeError(`${what}: ${field} must be a positive integer (got ${String(shape[field])})`);
    }
  }
  if (shape.envs % shape.agents !== 0) {
    throw new RangeError(`${what}: envs must be divisible by agents = ${shape.agents} (got ${shape.envs})`);
  }
  if (shape.steps * shape.envs >= 2 ** 32) {
    throw new RangeError(`${what}: steps × envs must be below 2^32 (got ${shape.steps * shape.envs})`);
  }
}

const dispatch = dispatchWgsl;
const rollout = rolloutWgsl;
const moments = momentsWgsl;

function rolloutConstants(shape: RolloutShape): Record<string, number> {
  return { STEPS: shape.steps, ENVS: shape.envs, ENVS_PER_AGENT: shape.envs / shape.agents };
}

const read = (name: string) => ({ name, access: 'read' }) as const;
const write = (name: string) => ({ name, access: 'read_write' }) as const;

/** (a, b) of reward-to-go; CRITIC = 1 bootstraps truncations and the rollout's end. */
export function rewardToGoCoefficientsSpec(shape: RolloutShape, critic: boolean): KernelSpec {
  return {
    label: 'returns.reward_to_go_coefficients',
    parts: [dispatch, rollout, rewardToGoCoefficientsWgsl],
    workgroupSize: RETURNS_WORKGROUP,
    constants: { ...rolloutConstants(shape), CRITIC: critic ? 1 : 0 },
  };
}

/** (a, b) = (γλ(1 − done), δ) of GAE(λ). */
export function gaeCoefficientsSpec(shape: RolloutShape): KernelSpec {
  return {
    label: 'returns.gae_coefficients',
    parts: [dispatch, rollout, gaeCoefficientsWgsl],
    workgroupSize: RETURNS_WORKGROUP,
    constants: rolloutConstants(shape),
  };
}

/** Forward coefficients that copy each trajectory's first reward-to-go over the trajectory. */
export function episodeStartCoefficientsSpec(shape: RolloutShape): KernelSpec {
  return {
    label: 'returns.episode_start_coefficients',
    parts: [dispatch, rollout, episodeStartCoefficientsWgsl],
    workgroupSize: RETURNS_WORKGROUP,
    constants: rolloutConstants(shape),
  };
}

/** y_i = b_i + a_i·y_{i−1}, one invocation per env. */
export function scanSequentialSpec(shape: RolloutShape, reverse: boolean): KernelSpec {
  return {
    label: 'returns.scan_sequential',
    parts: [dispatch, rollout, scanSequentialWgsl],
    workgroupSize: RETURNS_WORKGROUP,
    constants: { ...rolloutConstants(shape), REVERSE: reverse ? 1 : 0 },
  };
}

function scanConstants(shape: RolloutShape, reverse: boolean): Record<string, number> {
  return {
    ...rolloutConstants(shape),
    REVERSE: reverse ? 1 : 0,
    CHUNKS: scanSizing(shape.steps).chunks,
    ITEMS_PER_THREAD: SCAN_ITEMS_PER_THREAD,
  };
}

/** The three kernels of the parallel scan over time: reduce, carry, apply. */
export function scanParallelSpecs(shape: RolloutShape, reverse: boolean): { reduce: KernelSpec; carry: KernelSpec; apply: KernelSpec } {
  const affine = affineScanWgsl;
  const constants = scanConstants(shape, reverse);
  return {
    reduce: {
      label: 'returns.scan_reduce',
      parts: [rollout, affine, scanReduceWgsl],
      workgroupSize: scanSizing(shape.steps).workgroup,
      constants,
    },
    carry: {
      label: 'returns.scan_carry',
      parts: [dispatch, rollout, affine, scanCarryWgsl],
      workgroupSize: RETURNS_WORKGROUP,
      // The carry kernel reads only CHUNKS of affine_scan.wgsl's overrides.
      constants: { ...rolloutConstants(shape), CHUNKS: constants.CHUNKS! },
    },
    apply: {
      label: 'returns.scan_apply',
      parts: [rollout, affine, scanApplyWgsl],
      workgroupSize: scanSizing(shape.steps).workgroup,
      constants,
    },
  };
}

/** output = x + scale·values (scale 1: GAE's A + V; −1: value baseline; 0: copy). */
export function addValuesSpec(shape: RolloutShape, scale: 1 | -1 | 0): KernelSpec {
  return {
    label: 'returns.add_values',
    parts: [dispatch, rollout, addValuesWgsl],
    workgroupSize: RETURNS_WORKGROUP,
    constants: { ...rolloutConstants(shape), SCALE: scale },
  };
}

/** advantages = weights − mean (per agent, or per timestep and agent). */
export function subtractMeanSpec(shape: RolloutShape, perTimestep: boolean): KernelSpec {
  return {
    label: 'returns.subtract_mean',
    parts: [dispatch, moments, rollout, subtractMeanWgsl],
    workgroupSize: RETURNS_WORKGROUP,
    constants: { ...rolloutConstants(shape), PER_TIMESTEP: perTimestep ? 1 : 0 },
  };
}

/** Per-agent normalisation over the batch. */
export function normaliseSpec(shape: RolloutShape, epsilon: number): KernelSpec {
  return {
    label: 'returns.normalise',
    parts: [dispatch, moments, rollout, normaliseWgsl],
    workgroupSize: RETURNS_WORKGROUP,
    constants: { ...rolloutConstants(shape), EPSILON: epsilon },
  };
}

/** Per-segment normalisation through an index list (per minibatch and agent). */
export function normaliseGatherSpec(segments: number, segmentLength: number, epsilon: number): KernelSpec {
  return {
    label: 'returns.normalise_gather',
    parts: [dispatch, moments, normaliseGatherWgsl],
    workgroupSize: RETURNS_WORKGROUP,
    constants: { SEGMENTS: segments, SEGMENT_LENGTH: segmentLength, EPSILON: epsilon },
  };
}

/** Representative specs for the kernel catalogue. */
export function returnsKernelExamples(): KernelSpec[] {
  const shape = { steps: 123, envs: 21, agents: 3 };
  const scan = scanParallelSpecs(shape, true);
  return [
    rewardToGoCoefficientsSpec(shape, true),
    gaeCoefficientsSpec(shape),
    episodeStartCoefficientsSpec(shape),
    scanSequentialSpec(shape, true),
    scan.reduce,
    scan.carry,
    scan.apply,
    addValuesSpec(shape, 1),
    subtractMeanSpec(shape, true),
    normaliseSpec(shape, 1e-8),
    normaliseGatherSpec(12, 123 * 21 / 12 | 0, 1e-8),
  ];
}
