/**
 * The diagonal Gaussian policy head on the GPU (shaders/nn/gaussian_*.wgsl, kl_gaussian*.wgsl): the
 * mean comes from the network per row, the log-std s is state-independent, per agent and dim.
 *
 * The log-std is read from a buffer as log_std[agent·agentStride + offset + d]:
 * - learned (`learnedLogStd(layout)`): the parameter buffer, agentStride = parametersPerAgent and
 *   offset = the MlpLayout `extras.logStd` slot;
 * - fixed σ (`FIXED_LOG_STD`): a small buffer holding log σ per dim, agentStride 0, shared by every
 *   agent; rewriting it changes σ without rebuilding a pipeline.
 *
 * The backward kernels write ∂L/∂μ per element and per-row log-std terms; GAUSSIAN_LOG_STD_REDUCE then
 * sums the terms over each agent's rows into the parameter-gradient buffer's logStd slot (a
 * deterministic workgroup tree, no atomics). With a fixed σ, skip the reduction.
 */
import type { KernelSpec, SizedKernel } from '../gpu/kernel';
import type { ShaderPart } from '../gpu/shaders';
import type { MlpLayout } from './mlp-spec';
import { checkIndexRange, checkNonNegativeInteger, checkPositiveInteger, checkRowSlice, checkWorkgroupSize, flag, gradientConstants, sized, type GradientTarget, type RowSlice } from './heads-common';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import gaussianCommonWgsl from '../../shaders/nn/gaussian_common.wgsl';
import gaussianLogStdReduceWgsl from '../../shaders/nn/gaussian_log_std_reduce.wgsl';
import reduceWgsl from '../../shaders/common/reduce.wgsl';
import gaussianSampleWgsl from '../../shaders/nn/gaussian_sample.wgsl';
import philoxWgsl from '../../shaders/rng/philox.wgsl';
import gaussianEvaluateWgsl from '../../shaders/nn/gaussian_evaluate.wgsl';
import gaussianBackwardWgsl from '../../shaders/nn/gaussian_backward.wgsl';
import klGaussianWgsl from '../../shaders/nn/kl_gaussian.wgsl';
import klGaussianBackwardWgsl from '../../shaders/nn/kl_gaussian_backward.wgsl';

const WORKGROUP = 64;
/** The log-std reduction's workgroup: 256 lanes keep ⌈B/256⌉ serial adds per lane. */
const REDUCE_WORKGROUP = 256;

const gaussianParts = (kernel: ShaderPart) => [
  dispatchWgsl,
  gaussianCommonWgsl,
  kernel,
];

/** log_probs[r] = Σ_d log N(a_rd; μ_rd, σ_d²), entropies[r] = Σ_d (s_d + ½ log 2πe). Bindings: mean, log_std, actions, log_probs, entropies. */
export const GAUSSIAN_EVALUATE: KernelSpec = {
  label: 'nn.gaussian_evaluate',
  parts: gaussianParts(gaussianEvaluateWgsl),
  workgroupSize: WORKGROUP,
};

/**
 * actions[r][d] = μ_rd + σ_d·ε_rd (ε from Philox: dims 4k..4k+3 use draw params.draw + k of row r)
 * and log_probs[r]. Bindings: params (uniform RngParams), mean, log_std, actions, log_probs.
 */
export const GAUSSIAN_SAMPLE: KernelSpec = {
  label: 'nn.gaussian_sample',
  parts: [dispatchWgsl, philoxWgsl, gaussianCommonWgsl, gaussianSampleWgsl],
  workgroupSize: WORKGROUP,
};

/**
 * mean_grads[r][d] (+)= g_logp[r]·z/σ; log_std_terms[r][d] = g_logp[r]·(z² - 1) + g_entropy[r].
 * Bindings: mean, log_std, actions, log_prob_grads, entropy_grads, mean_grads, log_std_terms.
 * One invocation per (row, dim).
 */
export const GAUSSIAN_BACKWARD: KernelSpec = {
  label: 'nn.gaussian_backward',
  parts: gaussianParts(gaussianBackwardWgsl),
  workgroupSize: WORKGROUP,
};

/** grads[g·P + slot + d] (+)= Σ over agent g's rows of log_std_terms[r][d]. Bindings: log_std_terms, grads. One workgroup per (agent, dim). */
export const GAUSSIAN_LOG_STD_REDUCE: KernelSpec = {
  label: 'nn.gaussian_log_std_reduce',
  parts: [dispatchWgsl, reduceWgsl, gaussianLogStdReduceWgsl],
  workgroupSize: REDUCE_WORKGROUP,
};

/** kl[r] = KL(N(μ_old, σ_old²) ‖ N(μ, σ²)) summed over dims. Bindings: old_mean, old_log_std, mean, log_std, kl. */
export const KL_GAUSSIAN: KernelSpec = {
  label: 'nn.kl_gaussian',
  parts: gaussianParts(klGaussianWgsl),
  workgroupSize: WORKGROUP,
};

/**
 * mean_grads[r][d] (+)= g_kl[r]·(μ - μ_old)/σ²; log_std_terms[r][d] = g_kl[r]·(1 - (σ_old² + (μ_old - μ)²)/σ²).
 * Bindings: old_mean, old_log_std, mean, log_std, kl_grads, mean_grads, log_std_terms. One invocation per (row, dim).
 */
export const KL_GAUSSIAN_BACKWARD: KernelSpec = {
  label: 'nn.kl_gaussian_backward',
  parts: gaussianParts(klGaussianBackwardWgsl),
  workgroupSize: WORKGROUP,
};

/** Where the log-std of agent g, dim d is read: log_std[g·agentStride + offset + d]. */
export interface LogStdSource {
  /** parametersPerAgent for a learned log-std in the parameter buffer; 0 for one fixed vector. */
  readonly agentStride: number;
  readonly offset: number;
}

/** A fixed σ: bind a buffer of actionDims floats holding log σ per dim; shared by every agent. */
export const FIXED_LOG_STD: LogStdSource = { agentStride: 0, offset: 0 };

/** The learned log-std of an MLP layout (its `extras[name]` slot, default 'logStd') in the parameter buffer. */
export function learnedLogStd(layout: MlpLayout, name = 'logStd', slot?: { readonly agentStride: number; readonly offset: number }): LogStdSource & { readonly length: number } {
  const logStd = layout.extras[name];
  if (!logStd) {
    const have = Object.keys(layout.extras);
    throw new RangeError(`learnedLogStd: the MLP layout has no extras.${name} slot (extras: ${have.length ? have.join(', ') : 'none'})`);
  }
  // In a wider buffer (a trainer's joint vector: src/nn/mlp.ts ParameterSlot) the network's block sits at slot.offset, slot.agentStride apart.
  return { agentStride: slot?.agentStride ?? layout.parametersPerAgent, offset: (slot?.offset ?? 0) + logStd.offset, length: logStd.length };
}

/** Sizes of a Gaussian head over one batch. */
export interface GaussianHeadConfig {
  readonly agents: number;
  /** B: rows per agent; rows are agent-major, G·B in all. */
  readonly rowsPerAgent: number;
  /** D: action dimensions. */
  readonly actionDims: number;
  /** Where the mean sits in the network output; default dense, { stride: actionDims, offset: 0 }. */
  readonly mean?: RowSlice;
  /**
   * Where each row's action dims sit in the actions buffer; default dense, { stride: actionDims,
   * offset: 0 }. A hybrid action's row is D + K words, the D floats first: { stride: D + K }.
   */
  readonly actions?: RowSlice;
  readonly logStd: LogStdSource;
  readonly workgroupSize?: number;
}

/** The old distribution of a KL kernel: mean rows (default dense [rows][actionDims]) and log-std source. */
export interface OldGaussian {
  readonly oldMean?: RowSlice;
  readonly oldLogStd: LogStdSource;
}

function checkLogStd(what: string, source: LogStdSource, agents: number, dims: number): [number, number] {
  const stride = checkNonNegativeInteger(`${what}.agentStride`, source?.agentStride);
  const offset = checkNonNegativeInteger(`${what}.offset`, source.offset);
  if (stride !== 0 && offset + dims > stride) {
    throw new RangeError(`${what}: offset ${offset} + actionDims ${dims} must not exceed agentStride ${stride}`);
  }
  checkIndexRange(what, (agents - 1) * stride + offset + dims - 1);
  return [stride, offset];
}

function gaussianConstants(what: string, config: GaussianHeadConfig): Record<string, number> {
  const agents = checkPositiveInteger(`${what}.agents`, config.agents);
  const rowsPerAgent = checkPositiveInteger(`${what}.rowsPerAgent`, config.rowsPerAgent);
  const dims = checkPositiveInteger(`${what}.actionDims`, config.actionDims);
  const rows = agents * rowsPerAgent;
  checkIndexRange(`${what}: rows·actionDims`, rows * dims);
  const [meanStride, meanOffset] = checkRowSlice(`${what}.mean`, config.mean ?? { stride: dims }, dims, rows);
  const [logStdStride, logStdOffset] = checkLogStd(`${what}.logStd`, config.logStd, agents, dims);
  const [actionStride, actionOffset] = checkRowSlice(`${what}.actions`, config.actions ?? { stride: dims }, dims, rows);
  return {
    ROWS: rows,
    ROWS_PER_AGENT: rowsPerAgent,
    ACTION_DIMS: dims,
    MEAN_STRIDE: meanStride,
    MEAN_OFFSET: meanOffset,
    ACTION_STRIDE: actionStride,
    ACTION_OFFSET: actionOffset,
    LOG_STD_AGENT_STRIDE: logStdStride,
    LOG_STD_OFFSET: logStdOffset,
  };
}

function oldGaussianConstants(what: string, config: GaussianHeadConfig & OldGaussian): Record<string, number> {
  const rows = config.agents * config.rowsPerAgent;
  const [meanStride, meanOffset] = checkRowSlice(`${what}.oldMean`, config.oldMean ?? { stride: config.actionDims }, config.actionDims, rows);
  const [logStdStride, logStdOffset] = checkLogStd(`${what}.oldLogStd`, config.oldLogStd, config.agents, config.actionDims);
  return {
    OLD_MEAN_STRIDE: meanStride,
    OLD_MEAN_OFFSET: meanOffset,
    OLD_LOG_STD_AGENT_STRIDE: logStdStride,
    OLD_LOG_STD_OFFSET: logStdOffset,
  };
}

const rowsOf = (config: GaussianHeadConfig) => config.agents * config.rowsPerAgent;

/** GAUSSIAN_EVALUATE sized for `config`; one invocation per row. */
export function gaussianEvaluateKernel(config: GaussianHeadConfig): SizedKernel {
  const what = 'gaussianEvaluate';
  return sized(GAUSSIAN_EVALUATE, what, gaussianConstants(what, config), rowsOf(config), config.workgroupSize);
}

/** GAUSSIAN_SAMPLE sized for `config`; one invocation per row. */
export function gaussianSampleKernel(config: GaussianHeadConfig): SizedKernel {
  const what = 'gaussianSample';
  return sized(GAUSSIAN_SAMPLE, what, gaussianConstants(what, config), rowsOf(config), config.workgroupSize);
}

/** GAUSSIAN_BACKWARD sized for `config`; one invocation per (row, dim); log_std_terms is dense [rows][actionDims]. */
export function gaussianBackwardKernel(config: GaussianHeadConfig & GradientTarget): SizedKernel {
  const what = 'gaussianBackward';
  const constants = { ...gaussianConstants(what, config), ...gradientConstants(what, config, config.actionDims, rowsOf(config)) };
  return sized(GAUSSIAN_BACKWARD, what, constants, rowsOf(config) * config.actionDims, config.workgroupSize);
}

/** KL_GAUSSIAN sized for `config`; one invocation per row. */
export function klGaussianKernel(config: GaussianHeadConfig & OldGaussian): SizedKernel {
  const what = 'klGaussian';
  const constants = { ...gaussianConstants(what, config), ...oldGaussianConstants(what, config) };
  return sized(KL_GAUSSIAN, what, constants, rowsOf(config), config.workgroupSize);
}

/** KL_GAUSSIAN_BACKWARD sized for `config`; one invocation per (row, dim). */
export function klGaussianBackwardKernel(config: GaussianHeadConfig & OldGaussian & GradientTarget): SizedKernel {
  const what = 'klGaussianBackward';
  const constants = {
    ...gaussianConstants(what, config),
    ...oldGaussianConstants(what, config),
    ...gradientConstants(what, config, config.actionDims, rowsOf(config)),
  };
  return sized(KL_GAUSSIAN_BACKWARD, what, constants, rowsOf(config) * config.actionDims, config.workgroupSize);
}

/** Sizes of the per-agent log-std gradient reduction. */
export interface LogStdReduceConfig {
  readonly agents: number;
  readonly rowsPerAgent: number;
  readonly actionDims: number;
  /** Where agent g's log-std gradient goes: grads[g·agentStride + offset + d] (e.g. `learnedLogStd(layout)`). */
  readonly target: LogStdSource;
  /** Add to the gradient buffer instead of overwriting it; default false. */
  readonly accumulate?: boolean;
  /** Default 256. */
  readonly workgroupSize?: number;
}

/** GAUSSIAN_LOG_STD_REDUCE sized for `config`; dispatches one workgroup per (agent, dim). */
export function gaussianLogStdReduceKernel(config: LogStdReduceConfig): SizedKernel {
  const what = 'gaussianLogStdReduce';
  const agents = checkPositiveInteger(`${what}.agents`, config.agents);
  const rowsPerAgent = checkPositiveInteger(`${what}.rowsPerAgent`, config.rowsPerAgent);
  const dims = checkPositiveInteger(`${what}.actionDims`, config.actionDims);
  checkIndexRange(`${what}: rows·actionDims`, agents * rowsPerAgent * dims);
  const target = config.target;
  if (!target || !Number.isInteger(target.agentStride) || target.agentStride < 1) {
    throw new RangeError(`${what}.target.agentStride must be a positive integer: each agent has its own log-std gradient (got ${String(target?.agentStride)})`);
  }
  const [stride, offset] = checkLogStd(`${what}.target`, target, agents, dims);
  const workgroupSize = checkWorkgroupSize(what, config.workgroupSize ?? REDUCE_WORKGROUP);
  const constants = {
    AGENTS: agents,
    ROWS_PER_AGENT: rowsPerAgent,
    ACTION_DIMS: dims,
    GRAD_AGENT_STRIDE: stride,
    GRAD_LOG_STD_OFFSET: offset,
    ACCUMULATE: flag(config.accumulate),
  };
  return sized(GAUSSIAN_LOG_STD_REDUCE, what, constants, agents * dims * workgroupSize, workgroupSize);
}
