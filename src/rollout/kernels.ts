/**
 * The rollout's own kernels: the policy samplers with a Philox key per agent
 * (shaders/rollout/policy_sample_{categorical,gaussian}.wgsl), the population critic's row gather
 * and value scatter (critic_rows_gather.wgsl, critic_values_scatter.wgsl); and the kernels between
 * a rollout and its minibatches: a fresh permutation of each agent's batch per epoch
 * (feistel_permutation.wgsl: a keyed Feistel bijection, cycle-walked, so no sort) and a gather of
 * one minibatch of one rollout column through it (gather_rows.wgsl). Specs without sizes are
 * exported for reading and the catalogue; the factories check sizes and fill the override constants.
 */
import type { KernelSpec } from '../gpu/kernel';
import { MAX_DISCRETE_ACTIONS } from '../rng/categories';
import { categoricalRowConstants } from '../nn/heads';
import { branchHeadConfig, multiCategoricalWidth, type MultiCategoricalHeadConfig } from '../nn/heads-multi-discrete';
import categoricalAccumulateWgsl from '../../shaders/nn/categorical_accumulate.wgsl';
import categoricalActionsWgsl from '../../shaders/nn/categorical_actions.wgsl';
import categoricalCommonWgsl from '../../shaders/nn/categorical_common.wgsl';
import criticRowsGatherWgsl from '../../shaders/rollout/critic_rows_gather.wgsl';
import criticValuesScatterWgsl from '../../shaders/rollout/critic_values_scatter.wgsl';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import feistelPermutationWgsl from '../../shaders/rollout/feistel_permutation.wgsl';
import gatherRowsWgsl from '../../shaders/rollout/gather_rows.wgsl';
import gaussianCommonWgsl from '../../shaders/nn/gaussian_common.wgsl';
import philoxWgsl from '../../shaders/rng/philox.wgsl';
import policySampleCategoricalWgsl from '../../shaders/rollout/policy_sample_categorical.wgsl';
import policySampleGaussianWgsl from '../../shaders/rollout/policy_sample_gaussian.wgsl';

const WORKGROUP = 64;

/** Bytes of one GatherParams uniform slot: 16 of data, padded to the uniform offset alignment. */
export const GATHER_PARAMS_BYTES = 16;

/**
 * indices[p] = the sample index t·N + n of list position p. Bindings: params (RngParams, step =
 * epoch; its seed is not read), indices (u32), agent_seeds (u32 [G]: the key of each agent's rounds).
 */
export const FEISTEL_PERMUTATION: KernelSpec = {
  label: 'rollout.feistel_permutation',
  parts: [dispatchWgsl, philoxWgsl, feistelPermutationWgsl],
  workgroupSize: WORKGROUP,
};

/** destination[r][c] = source[indices[minibatch m, row r]][c]. Bindings: params (GatherParams), indices, source, destination. */
export const GATHER_ROWS: KernelSpec = {
  label: 'rollout.gather_rows',
  parts: [dispatchWgsl, gatherRowsWgsl],
  workgroupSize: WORKGROUP,
};

/** A rollout's batch shape: T steps × N envs, G agents owning N/G envs each. */
export interface RolloutBatch {
  readonly steps: number;
  readonly envs: number;
  readonly agents: number;
}

function positiveInteger(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer (got ${String(value)})`);
  }
  return value;
}

/** A row width that holds at least `least` words. */
function rowWidth(what: string, value: number, least: number): number {
  if (!Number.isInteger(value) || value < least) throw new RangeError(`${what} must be an integer ≥ ${least} (got ${value})`);
  return value;
}

function checkShape(what: string, shape: RolloutBatch): number {
  const steps = positiveInteger(`${what}.steps`, shape.steps);
  const envs = positiveInteger(`${what}.envs`, shape.envs);
  const agents = positiveInteger(`${what}.agents`, shape.agents);
  if (envs % agents !== 0) throw new RangeError(`${what}.envs must be divisible by agents = ${agents} (got ${envs})`);
  if (steps * envs >= 2 ** 31) throw new RangeError(`${what}: steps × envs = ${steps * envs} must be below 2^31`);
  return (steps * envs) / agents;
}

/** Half the Feistel width: the least h with 4^h ≥ n (and h ≥ 1). */
export function feistelHalfBits(samplesPerAgent: number): number {
  let h = 1;
  while (4 ** h < samplesPerAgent) h += 1;
  return h;
}

/** FEISTEL_PERMUTATION for a batch; one invocation per sample (G·T·N/G). */
export function feistelPermutationKernel(shape: RolloutBatch): { spec: KernelSpec; invocations: number } {
  const samplesPerAgent = checkShape('feistelPermutation', shape);
  return {
    spec: {
      ...FEISTEL_PERMUTATION,
      constants: { AGENTS: shape.agents, SAMPLES_PER_AGENT: samplesPerAgent, ENVS: shape.envs, HALF_BITS: feistelHalfBits(samplesPerAgent) },
    },
    invocations: shape.steps * shape.envs,
  };
}

/** GATHER_ROWS for minibatches of `rowsPerAgent` rows of `width` words; one invocation per destination word. */
export function gatherRowsKernel(shape: RolloutBatch & { readonly rowsPerAgent: number; readonly width: number }): {
  spec: KernelSpec;
  invocations: number;
} {
  const samplesPerAgent = checkShape('gatherRows', shape);
  const rowsPerAgent = positiveInteger('gatherRows.rowsPerAgent', shape.rowsPerAgent);
  const width = positiveInteger('gatherRows.width', shape.width);
  if (samplesPerAgent % rowsPerAgent !== 0) {
    throw new RangeError(`gatherRows.rowsPerAgent must divide the ${samplesPerAgent} samples of each agent (got ${rowsPerAgent})`);
  }
  return {
    spec: {
      ...GATHER_ROWS,
      constants: { AGENTS: shape.agents, ROWS_PER_AGENT: rowsPerAgent, SAMPLES_PER_AGENT: samplesPerAgent, WIDTH: width },
    },
    invocations: shape.agents * rowsPerAgent * width,
  };
}

/**
 * actions[r] ~ softmax(logits[r]) and log_probs[r], Philox key (agent_seeds[g], stream) and local row
 * r mod (rows per agent). Bindings: params (RngParams), agent_seeds, logits, mask, actions (u32), log_probs,
 * mask_errors (MaskErrors; its first row is step · ROWS + r: the env instance and the step).
 */
export const POLICY_SAMPLE_CATEGORICAL: KernelSpec = {
  label: 'rollout.policy_sample_categorical',
  parts: [
    dispatchWgsl,
    philoxWgsl,
    categoricalCommonWgsl,
    categoricalActionsWgsl,
    categoricalAccumulateWgsl,
    policySampleCategoricalWgsl,
  ],
  workgroupSize: WORKGROUP,
};

/**
 * actions[r][d] = μ_rd + σ_gd·ε_rd (unclipped) and log_probs[r], keyed per agent as the categorical
 * sampler. Bindings: params (RngParams), agent_seeds, mean, log_std (the actor's parameters), actions (f32), log_probs.
 */
export const POLICY_SAMPLE_GAUSSIAN: KernelSpec = {
  label: 'rollout.policy_sample_gaussian',
  parts: [
    dispatchWgsl,
    philoxWgsl,
    gaussianCommonWgsl,
    policySampleGaussianWgsl,
  ],
  workgroupSize: WORKGROUP,
};

/** A population's critic input in agent-major order. Bindings: observations, final_observations, destination. */
export const CRITIC_ROWS_GATHER: KernelSpec = {
  label: 'rollout.critic_rows_gather',
  parts: [dispatchWgsl, criticRowsGatherWgsl],
  workgroupSize: WORKGROUP,
};

/** A population's critic values back in [T][N] order. Bindings: critic_values, values, last_values, final_values. */
export const CRITIC_VALUES_SCATTER: KernelSpec = {
  label: 'rollout.critic_values_scatter',
  parts: [dispatchWgsl, criticValuesScatterWgsl],
  workgroupSize: WORKGROUP,
};

/** Rows [from, to) of a sampler's G·B rows (default all): the half of a pipelined JavaScript env's step. */
export interface SampledRows {
  readonly from: number;
  readonly to: number;
}

/** ROW_FROM and ROW_COUNT of `rows` (checked against the `total` rows), and the invocations. */
function sampledRows(what: string, total: number, rows: SampledRows | undefined): { constants: Record<string, number>; invocations: number } {
  const { from, to } = rows ?? { from: 0, to: total };
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to <= from || to > total) {
    throw new RangeError(`${what}.rows must be integers with 0 ≤ from < to ≤ ${total} (got from ${from}, to ${to})`);
  }
  return { constants: { ROW_FROM: from, ROW_COUNT: to - from }, invocations: to - from };
}

/**
 * POLICY_SAMPLE_CATEGORICAL for G agents × B envs and A actions, reading the env's [N][A] mask when
 * `masked`; one invocation per sampled row (`rows`, default all).
 */
export function policySampleCategoricalKernel(shape: { agents: number; envsPerAgent: number; actions: number; masked?: boolean; rows?: SampledRows }): {
  spec: KernelSpec;
  invocations: number;
} {
  const actions = positiveInteger('policySampleCategorical.actions', shape.actions);
  if (actions > MAX_DISCRETE_ACTIONS) throw new RangeError(`policySampleCategorical.actions must be at most ${MAX_DISCRETE_ACTIONS} (got ${actions})`);
  return policySampleCategoricalKernels({ ...shape, nvec: [actions] })[0]!;
}

/**
 * POLICY_SAMPLE_CATEGORICAL once per branch of a multi-discrete policy (src/nn/heads-multi-discrete.ts):
 * logits and the env's mask [N][Σ nvec] sliced per branch, actions u32 [N][K], log_probs the sum over
 * branches, branch b drawing word b of the row's draw (a hybrid head's: word firstDraw + b). One
 * branch ([A]) is the plain sampler.
 */
export function policySampleCategoricalKernels(shape: {
  agents: number;
  envsPerAgent: number;
  nvec: readonly number[];
  masked?: boolean;
  rows?: SampledRows;
  /** A hybrid head's branches: their logits, action words, first draw word, and log p added to the Gaussian's. */
  hybrid?: Pick<MultiCategoricalHeadConfig, 'logits' | 'actions' | 'firstDraw'>;
}): {
  spec: KernelSpec;
  invocations: number;
}[] {
  const agents = positiveInteger('policySampleCategorical.agents', shape.agents);
  const rowsPerAgent = positiveInteger('policySampleCategorical.envsPerAgent', shape.envsPerAgent);
  const rows = agents * rowsPerAgent;
  multiCategoricalWidth('policySampleCategorical', shape.nvec);
  const sampled = sampledRows('policySampleCategorical', rows, shape.rows);
  return shape.nvec.map((_, b) => {
    const head = { rows, nvec: shape.nvec, masked: shape.masked ?? false, ...(shape.hybrid ? { ...shape.hybrid, addToRows: true } : {}) };
    const branch = branchHeadConfig('policySampleCategorical', head, b);
    return {
      spec: {
        ...POLICY_SAMPLE_CATEGORICAL,
        // BRANCH is the branch's uniform word: b, or a hybrid head's firstDraw + b (past the Gaussian's blocks).
        constants: { ...categoricalRowConstants('policySampleCategorical', branch), ROWS_PER_AGENT: rowsPerAgent, BRANCH: branch.branch!, ...sampled.constants },
      },
      invocations: sampled.invocations,
    };
  });
}

/**
 * POLICY_SAMPLE_GAUSSIAN for G agents × B envs and D action dims, the mean dense [rows][D] and the
 * log-std learned at `logStd` ({ agentStride: parametersPerAgent, offset }); one invocation per row.
 */
export function policySampleGaussianKernel(shape: {
  agents: number;
  envsPerAgent: number;
  actionDims: number;
  logStd: { agentStride: number; offset: number };
  rows?: SampledRows;
  /** Words per row of the policy output (the mean is its first actionDims) and of the actions; default actionDims (a box). */
  rowWidths?: { readonly outputs: number; readonly actions: number };
}): { spec: KernelSpec; invocations: number } {
  const agents = positiveInteger('policySampleGaussian.agents', shape.agents);
  const rowsPerAgent = positiveInteger('policySampleGaussian.envsPerAgent', shape.envsPerAgent);
  const dims = positiveInteger('policySampleGaussian.actionDims', shape.actionDims);
  const stride = positiveInteger('policySampleGaussian.logStd.agentStride', shape.logStd.agentStride);
  const offset = shape.logStd.offset;
  if (!Number.isInteger(offset) || offset < 0 || offset + dims > stride) {
    throw new RangeError(`policySampleGaussian.logStd.offset must be an integer in [0, ${stride - dims}] (got ${offset})`);
  }
  const rows = agents * rowsPerAgent;
  const sampled = sampledRows('policySampleGaussian', rows, shape.rows);
  return {
    spec: {
      ...POLICY_SAMPLE_GAUSSIAN,
      constants: {
        ROWS: rows,
        ROWS_PER_AGENT: rowsPerAgent,
        ACTION_DIMS: dims,
        MEAN_STRIDE: rowWidth('policySampleGaussian.rowWidths.outputs', shape.rowWidths?.outputs ?? dims, dims),
        MEAN_OFFSET: 0,
        ACTION_STRIDE: rowWidth('policySampleGaussian.rowWidths.actions', shape.rowWidths?.actions ?? dims, dims),
        ACTION_OFFSET: 0,
        LOG_STD_AGENT_STRIDE: stride,
        LOG_STD_OFFSET: offset,
        ...sampled.constants,
      },
    },
    invocations: sampled.invocations,
  };
}

/** CRITIC_ROWS_GATHER for a T-step rollout of N envs and G agents; one invocation per destination word. */
export function criticRowsGatherKernel(shape: RolloutBatch & { readonly observationSize: number }): { spec: KernelSpec; invocations: number } {
  checkShape('criticRowsGather', shape);
  const obs = positiveInteger('criticRowsGather.observationSize', shape.observationSize);
  const times = shape.steps + 1;
  return {
    spec: { ...CRITIC_ROWS_GATHER, constants: { AGENTS: shape.agents, ENVS: shape.envs, TIMES: times, OBS_SIZE: obs } },
    invocations: 2 * times * shape.envs * obs,
  };
}

/** CRITIC_VALUES_SCATTER for a T-step rollout of N envs and G agents; one invocation per (t ≤ T, n). */
export function criticValuesScatterKernel(shape: RolloutBatch): { spec: KernelSpec; invocations: number } {
  checkShape('criticValuesScatter', shape);
  const times = shape.steps + 1;
  return {
    spec: { ...CRITIC_VALUES_SCATTER, constants: { AGENTS: shape.agents, ENVS: shape.envs, TIMES: times } },
    invocations: times * shape.envs,
  };
}

/** Representative specs for the kernel catalogue. */
export function rolloutKernelExamples(): KernelSpec[] {
  const shape = { steps: 123, envs: 7, agents: 1 };
  const population = { steps: 41, envs: 15, agents: 3 };
  return [
    feistelPermutationKernel(shape).spec,
    gatherRowsKernel({ ...shape, rowsPerAgent: 41, width: 3 }).spec,
    policySampleCategoricalKernel({ agents: 3, envsPerAgent: 5, actions: 3 }).spec,
    policySampleCategoricalKernels({ agents: 3, envsPerAgent: 5, nvec: [2, 3], masked: true })[1]!.spec,
    policySampleGaussianKernel({ agents: 3, envsPerAgent: 5, actionDims: 5, logStd: { agentStride: 40, offset: 32 } }).spec,
    // The second half of a pipelined JavaScript env's rows.
    policySampleCategoricalKernel({ agents: 1, envsPerAgent: 14, actions: 3, masked: true, rows: { from: 7, to: 14 } }).spec,
    policySampleGaussianKernel({ agents: 1, envsPerAgent: 14, actionDims: 2, logStd: { agentStride: 40, offset: 32 }, rows: { from: 7, to: 14 } }).spec,
    criticRowsGatherKernel({ ...population, observationSize: 3 }).spec,
    criticValuesScatterKernel(population).spec,
  ];
}
