/**
 * The cross-entropy method's kernels (shaders/cem/): one CEM iteration on the GPU is
 *   sample (θ_g = μ + σ ⊙ ε_g) → the rollout of the G candidates → first_episode (each env's first
 *   episode return) → elite_select (fitness per candidate, the K best in rank order) → update
 *   (μ, σ² ← the elites' mean and variance + Z_i) → report,
 * so elite selection never leaves the GPU. Specs without sizes are exported for reading and the
 * catalogue; the factories check sizes (clear errors before any GPU work) and fill the constants.
 */
import type { KernelSpec, SizedKernel } from '../../gpu/kernel';
import { ALGORITHM_BASE, ALGORITHM_WORDS, EPISODE_RING_CAPACITY, REPORT_WORDS, RING_BASE } from '../../train/report';
import dispatchWgsl from '../../../shaders/common/dispatch.wgsl';
import eliteSelectWgsl from '../../../shaders/cem/elite_select.wgsl';
import firstEpisodeWgsl from '../../../shaders/cem/first_episode.wgsl';
import philoxWgsl from '../../../shaders/rng/philox.wgsl';
import reduceWgsl from '../../../shaders/common/reduce.wgsl';
import reportWgsl from '../../../shaders/cem/report.wgsl';
import sampleWgsl from '../../../shaders/cem/sample.wgsl';
import updateWgsl from '../../../shaders/cem/update.wgsl';
import { MAX_CEM_AGENTS } from './config';

/** The Philox stream of the population's noise ε ('CEM'). */
export const CEM_STREAM = 0x43454d;
/** Workgroup of the single-workgroup kernels (elite_select, report). */
const SINGLE_WORKGROUP = 256;
const WORKGROUP = 64;

/**
 * CEM's words in the report's algorithm area (src/train/report.ts ALGORITHM_BASE + offset, f32):
 * the iteration's fitness summary and the sampling distribution's spread after the update.
 */
export const CEM_WORDS = {
  /** Fitness of the best candidate. */
  fitness_best: 0,
  /** Mean fitness of the candidates (finite ones). */
  fitness_mean: 1,
  /** Mean fitness of the K elites. */
  fitness_elite: 2,
  /** Index of the best candidate. */
  best_index: 3,
  /** Mean and max of σ_j after the update. */
  std_mean: 4,
  std_max: 5,
  /** K. */
  elites: 6,
} as const;
/** Words of the CEM report block: the standard one (statistics, episode ring, algorithm words). */
export const CEM_REPORT_WORDS = REPORT_WORDS;
export const CEM_REPORT_BYTES = 4 * CEM_REPORT_WORDS;
/** Bytes of the update's schedule uniform (Z_i and padding). */
export const CEM_SCHEDULE_BYTES = 16;

const dispatchPart = dispatchWgsl;

/** candidates[g][j] = μ_j + σ_j·ε_{g,j} (champion when KEEP_BEST and g = 0). Bindings: params (RngParams), mean, stddev, champion, candidates. */
export const CEM_SAMPLE: KernelSpec = {
  label: 'cem.sample',
  parts: [dispatchPart, philoxWgsl, sampleWgsl],
  workgroupSize: WORKGROUP,
};

/** Each env's first-episode return and length. Bindings: rewards, terminated, truncated, first_returns, first_lengths. */
export const CEM_FIRST_EPISODE: KernelSpec = {
  label: 'cem.first_episode',
  parts: [dispatchPart, firstEpisodeWgsl],
  workgroupSize: WORKGROUP,
};

/** Candidate fitness and the elite indices, best first (one workgroup). Bindings: first_returns, fitness, elites. */
export const CEM_ELITE_SELECT: KernelSpec = {
  label: 'cem.elite_select',
  parts: [eliteSelectWgsl],
  workgroupSize: SINGLE_WORKGROUP,
};

/** μ, σ and the champion from the elites. Bindings: schedule (Z_i), candidates, elites, mean, stddev, champion. */
export const CEM_UPDATE: KernelSpec = {
  label: 'cem.update',
  parts: [dispatchPart, updateWgsl],
  workgroupSize: WORKGROUP,
};

/** The report block (one workgroup). Bindings: first_returns, first_lengths, fitness, elites, stddev, report. */
export const CEM_REPORT: KernelSpec = {
  label: 'cem.report',
  parts: [reduceWgsl, reportWgsl],
  workgroupSize: SINGLE_WORKGROUP,
};

/** The population's shape. */
export interface CemShape {
  /** G: candidates, ≤ MAX_CEM_AGENTS. */
  readonly agents: number;
  /** N: envs, a multiple of G (env n evaluates candidate ⌊n / (N/G)⌋). */
  readonly envs: number;
  /** K: elites, 1 ≤ K ≤ G. */
  readonly elites: number;
  /** P: parameters per candidate. */
  readonly parameters: number;
}

function positiveInteger(what: string, value: unknown, max = 2 ** 31 - 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${what} must be an integer in [1, ${max}] (got ${String(value)})`);
  }
  return value;
}

function checkShape(what: string, shape: Partial<CemShape>, fields: readonly (keyof CemShape)[]): void {
  const max: Record<keyof CemShape, number> = { agents: MAX_CEM_AGENTS, envs: 2 ** 24, elites: MAX_CEM_AGENTS, parameters: 2 ** 26 };
  for (const field of fields) positiveInteger(`${what}.${field}`, shape[field], max[field]);
  if (fields.includes('envs') && shape.envs! % shape.agents! !== 0) {
    throw new RangeError(`${what}.envs must be a multiple of agents = ${shape.agents} (got ${shape.envs})`);
  }
  if (fields.includes('elites') && shape.elites! > shape.agents!) {
    throw new RangeError(`${what}.elites must be at most agents = ${shape.agents} (got ${shape.elites})`);
  }
}

/** CEM_SAMPLE for G × P; one invocation per (candidate, block of four parameters). */
export function cemSampleKernel(shape: { agents: number; parameters: number; keepBest?: boolean }): SizedKernel {
  checkShape('cemSample', shape, ['agents', 'parameters']);
  const blocks = Math.ceil(shape.parameters / 4);
  return {
    spec: {
      ...CEM_SAMPLE,
      constants: { AGENTS: shape.agents, PARAMETERS: shape.parameters, BLOCKS_PER_AGENT: blocks, KEEP_BEST: shape.keepBest ? 1 : 0 },
    },
    invocations: shape.agents * blocks,
  };
}

/** CEM_FIRST_EPISODE for a T × N rollout; one invocation per env. */
export function cemFirstEpisodeKernel(shape: { steps: number; envs: number }): SizedKernel {
  positiveInteger('cemFirstEpisode.steps', shape.steps);
  positiveInteger('cemFirstEpisode.envs', shape.envs, 2 ** 24);
  if (shape.steps * shape.envs >= 2 ** 31) throw new RangeError(`cemFirstEpisode: steps × envs = ${shape.steps * shape.envs} must be below 2^31`);
  return { spec: { ...CEM_FIRST_EPISODE, constants: { STEPS: shape.steps, ENVS: shape.envs } }, invocations: shape.envs };
}

/** CEM_ELITE_SELECT for G candidates over N envs, K elites; one workgroup. */
export function cemEliteSelectKernel(shape: { agents: number; envs: number; elites: number }): SizedKernel {
  checkShape('cemEliteSelect', shape, ['agents', 'envs', 'elites']);
  return {
    spec: { ...CEM_ELITE_SELECT, constants: { AGENTS: shape.agents, ENVS: shape.envs, ELITES: shape.elites } },
    invocations: SINGLE_WORKGROUP,
  };
}

/** Parameters the update leaves out of the search: μ kept, σ = 0 (e.g. a Gaussian policy's log-std slot). */
export interface CemFrozen {
  readonly offset: number;
  readonly count: number;
}

/** CEM_UPDATE for G × P, K elites, `frozen` parameters kept as they are; one invocation per parameter. */
export function cemUpdateKernel(shape: { agents: number; parameters: number; elites: number; frozen?: CemFrozen }): SizedKernel {
  checkShape('cemUpdate', shape, ['agents', 'parameters', 'elites']);
  const frozen = shape.frozen ?? { offset: 0, count: 0 };
  if (!Number.isInteger(frozen.offset) || !Number.isInteger(frozen.count) || frozen.offset < 0 || frozen.count < 0 || frozen.offset + frozen.count > shape.parameters) {
    throw new RangeError(`cemUpdate.frozen must be a range of whole parameters inside [0, ${shape.parameters}) (got offset ${frozen.offset}, count ${frozen.count})`);
  }
  return {
    spec: {
      ...CEM_UPDATE,
      constants: { AGENTS: shape.agents, PARAMETERS: shape.parameters, ELITES: shape.elites, FROZEN_OFFSET: frozen.offset, FROZEN_COUNT: frozen.count },
    },
    invocations: shape.parameters,
  };
}

/** CEM_REPORT for the population; one workgroup. */
export function cemReportKernel(shape: CemShape): SizedKernel {
  checkShape('cemReport', shape, ['agents', 'envs', 'elites', 'parameters']);
  return {
    spec: {
      ...CEM_REPORT,
      constants: {
        AGENTS: shape.agents,
        ENVS: shape.envs,
        ELITES: shape.elites,
        PARAMETERS: shape.parameters,
        CAPACITY: EPISODE_RING_CAPACITY,
        RING_BASE,
        ALGORITHM_BASE,
        ALGORITHM_WORDS,
      },
    },
    invocations: SINGLE_WORKGROUP,
  };
}

/** The update's schedule uniform: Z_i, then padding. */
export function encodeCemSchedule(extraVariance: number): Float32Array<ArrayBuffer> {
  if (!Number.isFinite(extraVariance) || extraVariance < 0) throw new RangeError(`cem: extra variance must be a finite number ≥ 0 (got ${extraVariance})`);
  return Float32Array.of(extraVariance, 0, 0, 0);
}

/** Representative specs for the kernel catalogue. */
export function cemKernelExamples(): KernelSpec[] {
  const shape = { agents: 37, envs: 111, elites: 7, parameters: 123 };
  return [
    cemSampleKernel({ ...shape, keepBest: true }).spec,
    cemFirstEpisodeKernel({ steps: 123, envs: 111 }).spec,
    cemEliteSelectKernel(shape).spec,
    cemUpdateKernel({ ...shape, frozen: { offset: 119, count: 3 } }).spec,
    cemReportKernel(shape).spec,
  ];
}
