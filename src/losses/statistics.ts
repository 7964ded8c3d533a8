/**
 * The statistics block: per agent, one fixed record of STATISTICS_WORDS f32 with CleanRL's metric
 * names, reduced on the GPU and copied by the trainer into its readback ring each iteration
 * (`statistics.buffers.statistics`, STATISTICS_BYTES·G bytes). Nothing here reads back.
 *
 * Pipeline per iteration (createStatistics().encode):
 *   1. the loss kernels (src/losses/losses.ts) have written the per-row loss terms
 *      (`buffers.lossTerms`, LOSS_TERM columns) during the updates;
 *   2. losses.rollout_terms: per (t, n) the return target R, R − V, and the return and length of an
 *      episode that finished at (t, n) (NaN elsewhere) into `buffers.rolloutTerms` [T][4][N];
 *   3. the shared segmented moments reduction (src/gpu/reduce.ts) over both: 8·G loss segments of M
 *      rows and 4·G rollout segments of T·N/G steps, into `buffers.moments`;
 *   4. losses.statistics_finalise: one record per agent into `buffers.statistics`.
 * Five dispatches, whatever G is.
 *
 * Normalisation of each statistic (a mean over the agent's rows; with accumulated terms, over every
 * minibatch update of the iteration, CleanRL's clipfrac; without, over the last minibatch, CleanRL's
 * losses and approx_kl): see STATISTICS.
 */
import { BufferSet, STORAGE_USAGE } from '../gpu/buffers';
import { createKernel, type Kernel, type KernelSpec } from '../gpu/kernel';
import { SEGMENT_STATS_BYTES, createSegmentedMoments, type SegmentedMoments } from '../gpu/reduce';
import { checkPositiveInteger, flag } from '../nn/heads-common';
import { LOSS_TERM_COUNT, minibatchRowsPerAgent } from './layout';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import momentsWgsl from '../../shaders/reduce/moments.wgsl';
import rolloutTermsWgsl from '../../shaders/losses/rollout_terms.wgsl';
import statisticsFinaliseWgsl from '../../shaders/losses/statistics_finalise.wgsl';

/**
 * Word offsets of one agent's statistics record (f32). NaN means "does not apply" (no critic, no
 * entropy bonus, no KL penalty, no episode finished, Var[R] = 0).
 */
export const STATISTICS = {
  /** mean surrogate ℓ (+ mean β·KL with a KL penalty); CleanRL losses/policy_loss. */
  policy_loss: 0,
  /** mean ½(V − R)² (or clipped), without vf_coef; CleanRL losses/value_loss. */
  value_loss: 1,
  /** mean H(π); CleanRL losses/entropy. */
  entropy: 2,
  /** mean k3 = (r − 1) − log r; CleanRL losses/approx_kl. */
  approx_kl: 3,
  /** mean [|r − 1| > ε]; CleanRL losses/clipfrac. */
  clipfrac: 4,
  /** (Σw)² / (n·Σw²) of the importance weights (r, ρ̄; 1 for on-policy objectives): ESS as a fraction of n. */
  ess: 5,
  /** 1 − Var[R − V] / Var[R] over the rollout (population variances); CleanRL losses/explained_variance. */
  explained_variance: 6,
  /** √‖g‖² of the optimiser's last step, before clipping (optimizer.buffers.gradNormSquared). */
  grad_norm: 7,
  /** The KL penalty β in the coefficients when the statistics ran. */
  beta: 8,
  /** Mean return of the episodes that finished in the rollout; CleanRL charts/episodic_return. */
  episodic_return: 9,
  /** Mean length of those episodes; CleanRL charts/episodic_length. */
  episodic_length: 10,
  /** How many episodes finished in the rollout (for this agent's envs). */
  episode_count: 11,
  /** Loss terms that were NaN or ±Inf (skipped by the means): a NaN guard's signal. */
  nonfinite_terms: 12,
} as const;

/** A statistic's name: a key of {@link STATISTICS}, e.g. 'policy_loss' or 'episodic_return'. */
export type StatisticName = keyof typeof STATISTICS;

/** Words per agent record: the named words, then reserved zeros up to 16. */
export const STATISTICS_WORDS = 16;
export const STATISTICS_BYTES = 4 * STATISTICS_WORDS;

/** The terms of losses.rollout_terms, by their index k in [T][4][N]. */
export const ROLLOUT_TERM = { returns: 0, residual: 1, episodeReturn: 2, episodeLength: 3 } as const;
export const ROLLOUT_TERM_COUNT = 4;

const WORKGROUP = 64;

/**
 * Rollout terms. Bindings: returns (R), values (V; read only with a critic), terminated (u32),
 * truncated (u32), episode_returns, episode_lengths (u32), rollout_terms ([T][4][N]).
 */
export const ROLLOUT_TERMS: KernelSpec = {
  label: 'losses.rollout_terms',
  parts: [dispatchWgsl, rolloutTermsWgsl],
  workgroupSize: WORKGROUP,
};

/** One record per agent. Bindings: moments (reduce output), grad_norm_squared, coefficients, statistics. */
export const STATISTICS_FINALISE: KernelSpec = {
  label: 'losses.statistics_finalise',
  parts: [dispatchWgsl, momentsWgsl, statisticsFinaliseWgsl],
  workgroupSize: WORKGROUP,
};

/** What the statistics are computed over, and which parts the algorithm has. */
export interface StatisticsConfig {
  /** G. */
  readonly agents: number;
  /** T: rollout steps. */
  readonly steps: number;
  /** N: envs, divisible by G (env n belongs to agent ⌊n/(N/G)⌋). */
  readonly envs: number;
  /** Minibatches per epoch (must divide T·N/G); the loss terms hold one minibatch of M rows per agent. */
  readonly minibatches: number;
  /**
   * Minibatch updates whose terms the loss kernels accumulated (epochs × minibatches, with
   * `accumulateTerms`); 1 (default) when they overwrite: the statistics then describe the last one.
   */
  readonly updates?: number;
  /** An entropy bonus ran (entropyBonusKernel); default true. */
  readonly entropy?: boolean;
  /** A KL penalty ran (klPenaltyKernel); default false. */
  readonly klPenalty?: boolean;
  /** A value loss ran (valueLossKernel); default true. */
  readonly valueLoss?: boolean;
  /** values are V(s_t) of a critic (explained variance); default true. */
  readonly critic?: boolean;
  /** gradNormSquared is written by the optimiser (trackGradNorm or clipping); default true. */
  readonly gradNorm?: boolean;
  /** Prefix of every GPU object's label; default 'statistics'. */
  readonly label?: string;
}

/** The GPU buffers of one iteration's statistics; per-(t, n) inputs are [T][N]. */
export interface StatisticsInputs {
  /** f32 [T][N]: the value targets R (returns or reward-to-go). */
  readonly returns: GPUBuffer;
  /** f32 [T][N]: V(s_t) at collection; any buffer without a critic. */
  readonly values: GPUBuffer;
  readonly terminated: GPUBuffer;
  readonly truncated: GPUBuffer;
  /** f32 [T][N]: return of the episode that ended at (t, n) (the env wrapper's output). */
  readonly episodeReturns: GPUBuffer;
  /** u32 [T][N]: its length. */
  readonly episodeLengths: GPUBuffer;
  /** f32 [G]: optimizer.buffers.gradNormSquared; any buffer of ≥ 4·G bytes when gradNorm is false. */
  readonly gradNormSquared: GPUBuffer;
  /** f32 [G][8]: the LossCoefficients the losses used. */
  readonly coefficients: GPUBuffer;
}

export interface Statistics {
  readonly agents: number;
  /** M: rows per agent of one minibatch (the loss kernels' ROWS_PER_AGENT). */
  readonly rowsPerAgent: number;
  readonly buffers: {
    /** f32 [LOSS_TERM_COUNT][G·M]: bind as the loss kernels' `terms`. */
    readonly lossTerms: GPUBuffer;
    /** f32 [T][4][N] scratch. */
    readonly rolloutTerms: GPUBuffer;
    /** Moments records [(8 + 4)·G] (src/gpu/reduce.ts). */
    readonly moments: GPUBuffer;
    /** f32 [G][STATISTICS_WORDS]: copy this to the readback ring. */
    readonly statistics: GPUBuffer;
  };
  readonly dispatches: number;
  /** Records zeroing of the loss terms: once per iteration, before the first update, when accumulating. */
  encodeClearTerms(encoder: GPUCommandEncoder): void;
  /** Records steps 2–4 into a new compute pass of `encoder`. */
  encode(encoder: GPUCommandEncoder, inputs: StatisticsInputs): void;
  destroy(): void;
}

/** Decodes STATISTICS records of `agents` agents from bytes read back from the statistics block. */
export function decodeStatistics(bytes: ArrayBuffer, agents: number): Record<StatisticName, number>[] {
  const words = new Float32Array(bytes);
  return Array.from({ length: agents }, (_, g) => {
    const record = {} as Record<StatisticName, number>;
    for (const [name, offset] of Object.entries(STATISTICS) as [StatisticName, number][]) {
      record[name] = words[g * STATISTICS_WORDS + offset]!;
    }
    return record;
  });
}

/** Rollout terms spec sized for T × N. */
export function rolloutTermsSpec(steps: number, envs: number, critic: boolean): KernelSpec {
  return { ...ROLLOUT_TERMS, constants: { STEPS: steps, ENVS: envs, HAS_CRITIC: flag(critic) } };
}

/** Finalise spec sized for the config's agents and parts. */
export function statisticsFinaliseSpec(config: StatisticsConfig): KernelSpec {
  return {
    ...STATISTICS_FINALISE,
    constants: {
      AGENTS: config.agents,
      UPDATES: config.updates ?? 1,
      STATISTICS_WORDS,
      HAS_ENTROPY: flag(config.entropy ?? true),
      HAS_KL_PENALTY: flag(config.klPenalty ?? false),
      HAS_VALUE: flag(config.valueLoss ?? true),
      HAS_CRITIC: flag(config.critic ?? true),
      HAS_GRAD_NORM: flag(config.gradNorm ?? true),
    },
  };
}

/** Representative specs for the kernel catalogue. */
export function statisticsKernelExamples(): KernelSpec[] {
  return [rolloutTermsSpec(123, 7, true), statisticsFinaliseSpec({ agents: 3, steps: 123, envs: 21, minibatches: 3, updates: 12 })];
}

function checkConfig(config: StatisticsConfig): { rowsPerAgent: number; stepsPerAgent: number } {
  const what = 'statistics';
  const agents = checkPositiveInteger(`${what}.agents`, config.agents);
  const steps = checkPositiveInteger(`${what}.steps`, config.steps);
  const envs = checkPositiveInteger(`${what}.envs`, config.envs);
  if (envs % agents !== 0) throw new RangeError(`${what}.envs must be divisible by agents = ${agents} (got ${envs})`);
  checkPositiveInteger(`${what}.updates`, config.updates ?? 1);
  if (config.updates !== undefined && config.updates > 2 ** 24) {
    throw new RangeError(`${what}.updates must be at most 2^24 so that f32 counts stay exact (got ${config.updates})`);
  }
  const stepsPerAgent = (steps * envs) / agents;
  return { rowsPerAgent: minibatchRowsPerAgent(stepsPerAgent, config.minibatches), stepsPerAgent };
}

/** Compiles the statistics kernels and allocates their buffers (once, at initialisation). */
export async function createStatistics(device: GPUDevice, config: StatisticsConfig): Promise<Statistics> {
  const { rowsPerAgent } = checkConfig(config);
  const { agents, steps, envs } = config;
  const label = config.label ?? 'statistics';
  const critic = config.critic ?? true;
  const rows = agents * rowsPerAgent;

  const rolloutKernel: Kernel = await createKernel(device, rolloutTermsSpec(steps, envs, critic));
  const finaliseKernel: Kernel = await createKernel(device, statisticsFinaliseSpec(config));
  const lossReduction: SegmentedMoments = await createSegmentedMoments(device, {
    segments: LOSS_TERM_COUNT * agents,
    layout: { kind: 'contiguous', length: rowsPerAgent },
    label: `${label}.loss-moments`,
  });
  let rolloutReduction: SegmentedMoments;
  try {
    // Segment k·G + g of [T][4][N]: rows t, each N/G words from (t·4 + k)·N + g·N/G.
    rolloutReduction = await createSegmentedMoments(device, {
      segments: ROLLOUT_TERM_COUNT * agents,
      layout: { kind: 'strided', rows: steps, width: envs / agents, rowStride: ROLLOUT_TERM_COUNT * envs, segmentStride: envs / agents },
      outputOffset: LOSS_TERM_COUNT * agents,
      label: `${label}.rollout-moments`,
    });
  } catch (error) {
    lossReduction.destroy();
    throw error;
  }
  const set = new BufferSet(device, label, {
    lossTerms: { size: 4 * LOSS_TERM_COUNT * rows, usage: STORAGE_USAGE() },
    rolloutTerms: { size: 4 * ROLLOUT_TERM_COUNT * steps * envs, usage: STORAGE_USAGE() },
    moments: { size: SEGMENT_STATS_BYTES * (LOSS_TERM_COUNT + ROLLOUT_TERM_COUNT) * agents, usage: STORAGE_USAGE() },
    statistics: { size: STATISTICS_BYTES * agents, usage: STORAGE_USAGE() },
  });
  const b = set.buffers;
  // Bind groups are made on first use per set of input buffers, then reused (none per iteration).
  const groups = new Map<string, GPUBindGroup>();
  const ids = new WeakMap<GPUBuffer, number>();
  let nextId = 0;
  const id = (buffer: GPUBuffer) => {
    let v = ids.get(buffer);
    if (v === undefined) ids.set(buffer, (v = (nextId += 1)));
    return v;
  };
  return {
    agents,
    rowsPerAgent,
    buffers: b,
    dispatches: 2 + lossReduction.dispatches + rolloutReduction.dispatches,
    encodeClearTerms(encoder) {
      encoder.clearBuffer(b.lossTerms);
    },
    encode(encoder, inputs) {
      const rolloutKey = `rollout:${[inputs.returns, inputs.values, inputs.terminated, inputs.truncated, inputs.episodeReturns, inputs.episodeLengths].map(id).join(',')}`;
      let rollout = groups.get(rolloutKey);
      if (!rollout) {
        rollout = rolloutKernel.bind(
          {
            returns: inputs.returns,
            values: inputs.values,
            terminated: inputs.terminated,
            truncated: inputs.truncated,
            episode_returns: inputs.episodeReturns,
            episode_lengths: inputs.episodeLengths,
            rollout_terms: b.rolloutTerms,
          },
          `${label}.rollout-terms`,
        );
        groups.set(rolloutKey, rollout);
      }
      const finaliseKey = `finalise:${id(inputs.gradNormSquared)},${id(inputs.coefficients)}`;
      let finalise = groups.get(finaliseKey);
      if (!finalise) {
        finalise = finaliseKernel.bind(
          { moments: b.moments, grad_norm_squared: inputs.gradNormSquared, coefficients: inputs.coefficients, statistics: b.statistics },
          `${label}.finalise`,
        );
        groups.set(finaliseKey, finalise);
      }
      const pass = encoder.beginComputePass({ label });
      rolloutKernel.dispatch(pass, rollout, steps * envs);
      lossReduction.encode(pass, { values: b.lossTerms, output: b.moments });
      rolloutReduction.encode(pass, { values: b.rolloutTerms, output: b.moments });
      finaliseKernel.dispatch(pass, finalise, agents);
      pass.end();
    },
    destroy() {
      lossReduction.destroy();
      rolloutReduction.destroy();
      set.destroy();
    },
  };
}
