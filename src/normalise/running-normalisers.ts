/**
 * Running normalisers on the GPU, as CleanRL's continuous PPO wraps its envs (gymnasium's
 * NormalizeObservation + clip ±10, NormalizeReward + clip ±10), in their vector form: one set of
 * statistics per agent, updated with each step's batch of that agent's envs.
 *
 * - Observations (shaders/normalise/normalise_observations.wgsl): running mean and variance per
 *   agent and observation dim; each batch the envs return (after the reset, after each step)
 *   updates them once, and is normalised by the updated statistics, (x − μ)/√(σ² + ε) clipped to
 *   ±clip. The step's final observations (pre-reset, for truncation bootstraps) are normalised by
 *   the same statistics without being counted.
 * - Rewards (shaders/normalise/scale_rewards.wgsl): per env the discounted return
 *   R ← γ·R·(1 − terminated) + r, per agent the running variance of R, and the reward scaled as
 *   r / √(σ² + ε) clipped to ±clip.
 *
 * Statistics are RunningMoments records (16 bytes: mean f32, var f32, count u32, padding) starting
 * at gymnasium's mean 0, var 1, count 1e-4 (the 1e-4 is implicit: running_moments.wgsl explains the
 * exact u32 count). Every buffer is allocated once; the dispatches only record work, so the
 * normalisers keep to the training loop's invariant. `buffers` are what a checkpoint saves.
 */
import { BufferSet } from '../gpu/buffers';
import { createKernel, type KernelSpec } from '../gpu/kernel';
import { readBufferOnce } from '../gpu/readback';
import type { ShaderPart } from '../gpu/shaders';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import runningMomentsWgsl from '../../shaders/normalise/running_moments.wgsl';
import reduceWgsl from '../../shaders/common/reduce.wgsl';
import normaliseObservationsWgsl from '../../shaders/normalise/normalise_observations.wgsl';
import scaleRewardsWgsl from '../../shaders/normalise/scale_rewards.wgsl';

const WORKGROUP = 64;

/** Bytes of one RunningMoments record (mean f32, var f32, count u32, padding). */
export const RUNNING_MOMENTS_BYTES = 16;

/** gymnasium's RunningMeanStd prior count (its `epsilon`), added to the exact sample count. */
export const RUNNING_MOMENTS_PRIOR_COUNT = 1e-4;

const parts = (kernel: ShaderPart) => [
  dispatchWgsl,
  reduceWgsl,
  runningMomentsWgsl,
  kernel,
];

/**
 * Updates per-(agent, dim) statistics with a batch of observations and normalises it (and the
 * step's final observations). Bindings: observations, final_observations, statistics,
 * normalised_observations, normalised_final_observations. One workgroup per (agent, dim).
 */
export const NORMALISE_OBSERVATIONS: KernelSpec = {
  label: 'normalise.observations',
  parts: parts(normaliseObservationsWgsl),
  workgroupSize: WORKGROUP,
};

/**
 * Accumulates each env's discounted return, updates the per-agent statistics of it and scales the
 * step's rewards. Bindings: rewards, terminated, discounted_returns, statistics, scaled_rewards.
 * One workgroup per agent.
 */
export const SCALE_REWARDS: KernelSpec = {
  label: 'normalise.scale_rewards',
  parts: parts(scaleRewardsWgsl),
  workgroupSize: WORKGROUP,
};

/** Shape and constants shared by both normalisers. */
export interface NormaliserShape {
  /** G: independent sets of statistics. */
  readonly agents: number;
  /** Envs per agent; env n belongs to agent ⌊n / envsPerAgent⌋. */
  readonly envsPerAgent: number;
  /** false: read the statistics without updating them (evaluation). Default true. */
  readonly update?: boolean;
  /** Added to the variance under the square root; gymnasium's 1e-8. */
  readonly epsilon?: number;
  /** Results are clipped to ±clip; CleanRL's 10. */
  readonly clip?: number;
  /** Default 64 (createRunningNormalisers: the least power of two ≥ envsPerAgent, at most 64). */
  readonly workgroupSize?: number;
}

function positiveInteger(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer (got ${String(value)})`);
  }
  return value;
}

function positiveNumber(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${what} must be a finite number > 0 (got ${String(value)})`);
  }
  return value;
}

function shapeConstants(what: string, shape: NormaliserShape): { constants: Record<string, number>; workgroupSize: number } {
  const workgroupSize = positiveInteger(`${what}.workgroupSize`, shape.workgroupSize ?? WORKGROUP);
  return {
    workgroupSize,
    constants: {
      AGENTS: positiveInteger(`${what}.agents`, shape.agents),
      ENVS_PER_AGENT: positiveInteger(`${what}.envsPerAgent`, shape.envsPerAgent),
      UPDATE: shape.update === false ? 0 : 1,
      EPSILON: positiveNumber(`${what}.epsilon`, shape.epsilon ?? 1e-8),
      CLIP: positiveNumber(`${what}.clip`, shape.clip ?? 10),
    },
  };
}

/** NORMALISE_OBSERVATIONS sized; dispatch `invocations` (one workgroup per (agent, dim)). */
export function normaliseObservationsKernel(shape: NormaliserShape & { readonly observationSize: number }): {
  spec: KernelSpec;
  invocations: number;
} {
  const what = 'normaliseObservations';
  const { constants, workgroupSize } = shapeConstants(what, shape);
  const observationSize = positiveInteger(`${what}.observationSize`, shape.observationSize);
  return {
    spec: { ...NORMALISE_OBSERVATIONS, workgroupSize, constants: { ...constants, OBS_SIZE: observationSize } },
    invocations: shape.agents * observationSize * workgroupSize,
  };
}

/** SCALE_REWARDS sized; dispatch `invocations` (one workgroup per agent). */
export function scaleRewardsKernel(shape: NormaliserShape & { readonly gamma: number }): { spec: KernelSpec; invocations: number } {
  const what = 'scaleRewards';
  const { constants, workgroupSize } = shapeConstants(what, shape);
  const gamma = shape.gamma;
  if (typeof gamma !== 'number' || !(gamma >= 0 && gamma <= 1)) {
    throw new RangeError(`${what}.gamma must be a number in [0, 1] (got ${String(gamma)})`);
  }
  return { spec: { ...SCALE_REWARDS, workgroupSize, constants: { ...constants, GAMMA: gamma } }, invocations: shape.agents * workgroupSize };
}

/** `count` RunningMoments records at gymnasium's start: mean 0, var 1, 0 samples (+ the 1e-4 prior). */
export function initialRunningMoments(count: number): ArrayBuffer {
  const bytes = new ArrayBuffer(count * RUNNING_MOMENTS_BYTES);
  const floats = new Float32Array(bytes);
  for (let i = 0; i < count; i += 1) floats[4 * i + 1] = 1;
  return bytes;
}

/** Host copy of RunningMoments records: mean, var, and the count gymnasium would hold (samples + 1e-4). */
export interface RunningMomentsSnapshot {
  readonly mean: Float32Array;
  readonly variance: Float32Array;
  /** Samples seen per record (exact u32). */
  readonly samples: Uint32Array;
}

/** Decodes RunningMoments records read back from the GPU. */
export function decodeRunningMoments(bytes: ArrayBuffer): RunningMomentsSnapshot {
  const floats = new Float32Array(bytes);
  const words = new Uint32Array(bytes);
  const count = floats.length / 4;
  return {
    mean: Float32Array.from({ length: count }, (_, i) => floats[4 * i]!),
    variance: Float32Array.from({ length: count }, (_, i) => floats[4 * i + 1]!),
    samples: Uint32Array.from({ length: count }, (_, i) => words[4 * i + 2]!),
  };
}

/** The env buffers the normalisers read (a VectorEnv's buffers by the same names). */
export interface NormaliserSources {
  /** f32 [N][OBS] raw. */
  readonly observations: GPUBuffer;
  /** f32 [N][OBS] raw, pre-reset. */
  readonly finalObservations: GPUBuffer;
  /** f32 [N] raw. */
  readonly rewards: GPUBuffer;
  /** u32 [N]. */
  readonly terminated: GPUBuffer;
}

export interface RunningNormalisersConfig extends NormaliserShape {
  readonly observationSize: number;
  /** Normalise observations (NormalizeObservation + clip). */
  readonly observations: boolean;
  /** Scale rewards by the running std of the γ-discounted return (NormalizeReward + clip), or not. */
  readonly rewards: { readonly gamma: number } | false;
  readonly sources: NormaliserSources;
  readonly label?: string;
}

export type RunningNormaliserBufferName =
  | 'observationStatistics'
  | 'normalisedObservations'
  | 'normalisedFinalObservations'
  | 'rewardStatistics'
  | 'discountedReturns'
  | 'scaledRewards';

export interface RunningNormalisers {
  readonly observations: boolean;
  readonly rewards: boolean;
  /**
   * Only those of the enabled normalisers: observationStatistics RunningMoments [G][OBS],
   * normalisedObservations / normalisedFinalObservations f32 [N][OBS] (the latest batch);
   * rewardStatistics RunningMoments [G], discountedReturns f32 [N] (R per env), scaledRewards f32
   * [N] (the latest step's). The statistics and discountedReturns are the state a checkpoint keeps.
   */
  readonly buffers: Readonly<Partial<Record<RunningNormaliserBufferName, GPUBuffer>>>;
  /** Records the observation update + normalisation of the sources' current observations (if enabled). */
  dispatchObservations(pass: GPUComputePassEncoder): void;
  /** Records the reward scaling of the sources' last step (if enabled). */
  dispatchRewards(pass: GPUComputePassEncoder): void;
  /** Records R = 0 for every env (with the envs' reset). */
  encodeResetReturns(encoder: GPUCommandEncoder): void;
  /** Reads the statistics (tests, tools, checkpoints; never inside a training loop). */
  readStatistics(): Promise<{ observations?: RunningMomentsSnapshot; rewards?: RunningMomentsSnapshot }>;
  destroy(): void;
}

/** Compiles the enabled normalisers and allocates their buffers (statistics at gymnasium's start). */
export async function createRunningNormalisers(device: GPUDevice, config: RunningNormalisersConfig): Promise<RunningNormalisers> {
  const label = config.label ?? 'normalisers';
  const G = positiveInteger('normalisers.agents', config.agents);
  const B = positiveInteger('normalisers.envsPerAgent', config.envsPerAgent);
  const OBS = positiveInteger('normalisers.observationSize', config.observationSize);
  const N = G * B;
  // Lanes beyond the agent's envs would only idle through the tree's barriers: at most the least
  // power of two ≥ B (a software adapter pays for every barrier), 64 by default.
  const workgroupSize = config.workgroupSize ?? Math.min(WORKGROUP, 2 ** Math.ceil(Math.log2(B)));
  const sized = { ...config, workgroupSize };
  const observationKernel = config.observations ? normaliseObservationsKernel({ ...sized, observationSize: OBS }) : undefined;
  const rewardKernel = config.rewards ? scaleRewardsKernel({ ...sized, gamma: config.rewards.gamma }) : undefined;

  const declarations: Partial<Record<RunningNormaliserBufferName, { size: number }>> = {};
  if (observationKernel) {
    declarations.observationStatistics = { size: G * OBS * RUNNING_MOMENTS_BYTES };
    declarations.normalisedObservations = { size: 4 * N * OBS };
    declarations.normalisedFinalObservations = { size: 4 * N * OBS };
  }
  if (rewardKernel) {
    declarations.rewardStatistics = { size: G * RUNNING_MOMENTS_BYTES };
    declarations.discountedReturns = { size: 4 * N };
    declarations.scaledRewards = { size: 4 * N };
  }
  const set = new BufferSet(device, label, declarations as Record<RunningNormaliserBufferName, { size: number }>);
  const b = set.buffers as Partial<Record<RunningNormaliserBufferName, GPUBuffer>>;
  const s = config.sources;
  let observe: { dispatch: (pass: GPUComputePassEncoder) => void } | undefined;
  let scale: { dispatch: (pass: GPUComputePassEncoder) => void } | undefined;
  try {
    if (observationKernel) {
      device.queue.writeBuffer(b.observationStatistics!, 0, initialRunningMoments(G * OBS));
      const kernel = await createKernel(device, { ...observationKernel.spec, label: `${label}.observations` });
      const group = kernel.bind(
        {
          observations: s.observations,
          final_observations: s.finalObservations,
          statistics: b.observationStatistics!,
          normalised_observations: b.normalisedObservations!,
          normalised_final_observations: b.normalisedFinalObservations!,
        },
        `${label}.observations`,
      );
      observe = { dispatch: (pass) => kernel.dispatch(pass, group, observationKernel.invocations) };
    }
    if (rewardKernel) {
      device.queue.writeBuffer(b.rewardStatistics!, 0, initialRunningMoments(G));
      const kernel = await createKernel(device, { ...rewardKernel.spec, label: `${label}.rewards` });
      const group = kernel.bind(
        {
          rewards: s.rewards,
          terminated: s.terminated,
          discounted_returns: b.discountedReturns!,
          statistics: b.rewardStatistics!,
          scaled_rewards: b.scaledRewards!,
        },
        `${label}.rewards`,
      );
      scale = { dispatch: (pass) => kernel.dispatch(pass, group, rewardKernel.invocations) };
    }
  } catch (error) {
    set.destroy();
    throw error;
  }

  return {
    observations: observe !== undefined,
    rewards: scale !== undefined,
    buffers: b,
    dispatchObservations(pass) {
      observe?.dispatch(pass);
    },
    dispatchRewards(pass) {
      scale?.dispatch(pass);
    },
    encodeResetReturns(encoder) {
      if (b.discountedReturns) encoder.clearBuffer(b.discountedReturns);
    },
    async readStatistics() {
      return {
        observations: b.observationStatistics && decodeRunningMoments(await readBufferOnce(device, b.observationStatistics)),
        rewards: b.rewardStatistics && decodeRunningMoments(await readBufferOnce(device, b.rewardStatistics)),
      };
    },
    destroy() {
      set.destroy();
    },
  };
}

/** Representative specs for the kernel catalogue. */
export function normaliseKernelExamples(): KernelSpec[] {
  const shape = { agents: 3, envsPerAgent: 41 };
  return [normaliseObservationsKernel({ ...shape, observationSize: 5 }).spec, scaleRewardsKernel({ ...shape, gamma: 0.99 }).spec];
}
