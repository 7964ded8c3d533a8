/**
 * The natural-gradient kernels (shaders/natural-gradient/): the categorical head's part of the
 * Fisher-vector product, conjugate gradient over flat parameter vectors, and TRPO's backtracking
 * line search over candidate parameter sets. Specs without sizes (for reading and the catalogue),
 * factories that check sizes and set the override constants, and the GPU record layouts.
 *
 * Vectors are [G][P] f32 in an MLP's flat parameter layout (src/nn/mlp-spec.ts). The reductions
 * (dot products) are two-stage trees: chunk partials in the vector kernels, then one workgroup per
 * agent in natural_gradient.cg_scalars; no atomics, so a run gives the same bits every time.
 */
import type { KernelSpec, SizedKernel } from '../../gpu/kernel';
import type { ShaderPart } from '../../gpu/shaders';
import { checkPositiveInteger, checkRowSlice, flag, type RowSlice } from '../../nn/heads-common';
import { MAX_DISCRETE_ACTIONS } from '../../rng/categories';
import { categoricalConstants } from '../../nn/heads';
import categoricalActionsWgsl from '../../../shaders/nn/categorical_actions.wgsl';
import categoricalCommonWgsl from '../../../shaders/nn/categorical_common.wgsl';
import cgCommonWgsl from '../../../shaders/natural-gradient/cg_common.wgsl';
import dispatchWgsl from '../../../shaders/common/dispatch.wgsl';
import lineSearchCommonWgsl from '../../../shaders/natural-gradient/line_search_common.wgsl';
import momentsWgsl from '../../../shaders/reduce/moments.wgsl';
import reduceWgsl from '../../../shaders/common/reduce.wgsl';
import vectorChunksWgsl from '../../../shaders/natural-gradient/vector_chunks.wgsl';
import fisherCategoricalWgsl from '../../../shaders/natural-gradient/fisher_categorical.wgsl';
import fisherGaussianWgsl from '../../../shaders/natural-gradient/fisher_gaussian.wgsl';
import fisherGaussianLogStdWgsl from '../../../shaders/natural-gradient/fisher_gaussian_log_std.wgsl';
import dotPartialWgsl from '../../../shaders/natural-gradient/dot_partial.wgsl';
import cgInitWgsl from '../../../shaders/natural-gradient/cg_init.wgsl';
import cgUpdateWgsl from '../../../shaders/natural-gradient/cg_update.wgsl';
import cgDirectionWgsl from '../../../shaders/natural-gradient/cg_direction.wgsl';
import cgScalarsWgsl from '../../../shaders/natural-gradient/cg_scalars.wgsl';
import lineSearchCandidatesWgsl from '../../../shaders/natural-gradient/line_search_candidates.wgsl';
import lineSearchTermsWgsl from '../../../shaders/natural-gradient/line_search_terms.wgsl';
import lineSearchTermsGaussianWgsl from '../../../shaders/natural-gradient/line_search_terms_gaussian.wgsl';
import lineSearchSelectWgsl from '../../../shaders/natural-gradient/line_search_select.wgsl';
import lineSearchApplyWgsl from '../../../shaders/natural-gradient/line_search_apply.wgsl';

/** Words of one agent's CgScalars record (shaders/natural-gradient/cg_common.wgsl). */
export const CG_SCALAR_WORDS = 8;
/** Word offsets inside a CgScalars record. */
export const CG_SCALAR = {
  rr: 0,
  alpha: 1,
  beta: 2,
  pAp: 3,
  xAx: 4,
  /** √(2δ / xᵀAx): the full step is −stepScale·x. */
  stepScale: 5,
  /** bᵀb, the squared norm of the right-hand side (the loss gradient). */
  rrInitial: 6,
} as const;

/** Words of one agent's LineSearchResult record (shaders/natural-gradient/line_search_common.wgsl). */
export const LINE_SEARCH_WORDS = 8;
/** Word offsets inside a LineSearchResult record (all f32). */
export const LINE_SEARCH = {
  /** k of the accepted candidate θ − 0.5^k·Δ, or −1 when none was accepted (θ kept). */
  chosen: 0,
  stepFraction: 1,
  improvement: 2,
  kl: 3,
  fullImprovement: 4,
  fullKl: 5,
  stepScale: 6,
  gradNorm: 7,
} as const;

/** The modes of natural_gradient.cg_scalars (MODE_* in cg_scalars.wgsl). */
export const CG_SCALAR_MODE = { init: 0, alpha: 1, beta: 2, step: 3 } as const;
export type CgScalarMode = keyof typeof CG_SCALAR_MODE;

/** Elements each invocation of a chunked vector kernel handles serially before the tree. */
export const VECTOR_ITEMS_PER_THREAD = 8;
const MAX_VECTOR_WORKGROUP = 256;
const MAX_SCALARS_WORKGROUP = 64;
const ELEMENTWISE_WORKGROUP = 64;

const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));
const dispatch = dispatchWgsl;
const reduce = reduceWgsl;
const chunks = vectorChunksWgsl;
const cgCommon = cgCommonWgsl;
const lineSearchCommon = lineSearchCommonWgsl;
const ng = (name: ShaderPart) => name;
const categorical = [dispatch, categoricalCommonWgsl];

/** p ⊙ (t − ⟨p, t⟩)/B per row. Bindings: logits, mask (u32), tangents, fisher_grads. */
export const FISHER_CATEGORICAL: KernelSpec = {
  label: 'natural_gradient.fisher_categorical',
  parts: [...categorical, ng(fisherCategoricalWgsl)],
  workgroupSize: 64,
};

/** t·exp(−2s)/B per element (the Gaussian mean's Fisher). Bindings: params (for s), tangents, fisher_grads. */
export const FISHER_GAUSSIAN: KernelSpec = {
  label: 'natural_gradient.fisher_gaussian',
  parts: [dispatch, ng(fisherGaussianWgsl)],
  workgroupSize: ELEMENTWISE_WORKGROUP,
};

/** (F·v)_s = 2·v_s in the log-std slot. Bindings: vector, output. */
export const FISHER_GAUSSIAN_LOG_STD: KernelSpec = {
  label: 'natural_gradient.fisher_gaussian_log_std',
  parts: [dispatch, ng(fisherGaussianLogStdWgsl)],
  workgroupSize: ELEMENTWISE_WORKGROUP,
};

/** Chunk partials of uᵀ(v + λu). Bindings: u, v, partials. */
export const DOT_PARTIAL: KernelSpec = {
  label: 'natural_gradient.dot_partial',
  parts: [dispatch, reduce, chunks, ng(dotPartialWgsl)],
  workgroupSize: MAX_VECTOR_WORKGROUP,
};

/** x = 0, r = p = b, partials of bᵀb. Bindings: rhs, x, r, p, partials. */
export const CG_INIT: KernelSpec = {
  label: 'natural_gradient.cg_init',
  parts: [dispatch, reduce, chunks, ng(cgInitWgsl)],
  workgroupSize: MAX_VECTOR_WORKGROUP,
};

/** x += αp, r −= α(Fp + λp), partials of the new rᵀr. Bindings: scalars, p, fvp, x, r, partials. */
export const CG_UPDATE: KernelSpec = {
  label: 'natural_gradient.cg_update',
  parts: [dispatch, reduce, chunks, cgCommon, ng(cgUpdateWgsl)],
  workgroupSize: MAX_VECTOR_WORKGROUP,
};

/** p = r + βp. Bindings: scalars, r, p. */
export const CG_DIRECTION: KernelSpec = {
  label: 'natural_gradient.cg_direction',
  parts: [dispatch, cgCommon, ng(cgDirectionWgsl)],
  workgroupSize: ELEMENTWISE_WORKGROUP,
};

/** Sums partials per agent and updates the CgScalars record (MODE). Bindings: partials, scalars. */
export const CG_SCALARS: KernelSpec = {
  label: 'natural_gradient.cg_scalars',
  parts: [dispatch, reduce, cgCommon, ng(cgScalarsWgsl)],
  workgroupSize: MAX_SCALARS_WORKGROUP,
};

/** θ_k = θ − BACKTRACK^k·step_scale·x. Bindings: params, direction, scalars, candidates. */
export const LINE_SEARCH_CANDIDATES: KernelSpec = {
  label: 'natural_gradient.line_search_candidates',
  parts: [dispatch, cgCommon, ng(lineSearchCandidatesWgsl)],
  workgroupSize: ELEMENTWISE_WORKGROUP,
};

/** Per candidate row: (ρ − 1)·Â and KL(old ‖ θ_k). Bindings: logits, old_logits, mask, actions, advantages, terms. */
export const LINE_SEARCH_TERMS: KernelSpec = {
  label: 'natural_gradient.line_search_terms',
  parts: [...categorical, categoricalActionsWgsl, ng(lineSearchTermsWgsl)],
  workgroupSize: ELEMENTWISE_WORKGROUP,
};

/**
 * Per candidate row of a diagonal Gaussian policy: (ρ − 1)·Â and KL(old ‖ θ_k). Bindings: means,
 * candidates (θ_k, for the log-std), old_means, params (θ_old), actions (f32), advantages, terms.
 */
export const LINE_SEARCH_TERMS_GAUSSIAN: KernelSpec = {
  label: 'natural_gradient.line_search_terms_gaussian',
  parts: [dispatch, ng(lineSearchTermsGaussianWgsl)],
  workgroupSize: ELEMENTWISE_WORKGROUP,
};

/** The first acceptable candidate per agent. Bindings: moments, scalars, result. */
export const LINE_SEARCH_SELECT: KernelSpec = {
  label: 'natural_gradient.line_search_select',
  parts: [dispatch, momentsWgsl, cgCommon, lineSearchCommon, ng(lineSearchSelectWgsl)],
  workgroupSize: 1,
};

/** θ ← θ_chosen, or θ kept. Bindings: result, candidates, params. */
export const LINE_SEARCH_APPLY: KernelSpec = {
  label: 'natural_gradient.line_search_apply',
  parts: [dispatch, lineSearchCommon, ng(lineSearchApplyWgsl)],
  workgroupSize: ELEMENTWISE_WORKGROUP,
};

/** A kernel sized for its data: dispatch `invocations` threads. */

function checkFinite(what: string, value: number, valid: string, ok: (v: number) => boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new RangeError(`${what} must be ${valid} (got ${String(value)})`);
  }
  return value;
}

/** G agents' vectors of P floats. */
export interface VectorShape {
  readonly agents: number;
  readonly parametersPerAgent: number;
}

/** Workgroup size, chunks per agent and the scalars kernel's workgroup for vectors of P floats. */
export interface VectorSizing {
  readonly workgroupSize: number;
  readonly chunks: number;
  readonly scalarsWorkgroupSize: number;
}

/** Small vectors get small workgroups, so a few hundred parameters do not idle 255 of 256 lanes. */
export function vectorSizing(parametersPerAgent: number): VectorSizing {
  checkPositiveInteger('natural gradient: parametersPerAgent', parametersPerAgent);
  const workgroupSize = Math.min(MAX_VECTOR_WORKGROUP, nextPowerOfTwo(Math.ceil(parametersPerAgent / VECTOR_ITEMS_PER_THREAD)));
  const chunks = Math.ceil(parametersPerAgent / (workgroupSize * VECTOR_ITEMS_PER_THREAD));
  return { workgroupSize, chunks, scalarsWorkgroupSize: Math.min(MAX_SCALARS_WORKGROUP, nextPowerOfTwo(chunks)) };
}

function vectorConstants(what: string, shape: VectorShape): [Record<string, number>, VectorSizing] {
  const agents = checkPositiveInteger(`${what}.agents`, shape.agents);
  const sizing = vectorSizing(shape.parametersPerAgent);
  if (agents * shape.parametersPerAgent >= 2 ** 32) {
    throw new RangeError(`${what}: agents × parametersPerAgent = ${agents * shape.parametersPerAgent} must be below 2^32`);
  }
  return [
    { AGENTS: agents, PARAMETERS_PER_AGENT: shape.parametersPerAgent, CHUNKS: sizing.chunks, ITEMS_PER_THREAD: VECTOR_ITEMS_PER_THREAD },
    sizing,
  ];
}

const chunked = (base: KernelSpec, constants: Record<string, number>, sizing: VectorSizing, agents: number): SizedKernel => ({
  spec: { ...base, workgroupSize: sizing.workgroupSize, constants },
  invocations: agents * sizing.chunks * sizing.workgroupSize,
});

/** Damping λ ≥ 0 of A = F + λI. */
export const checkDamping = (what: string, damping: number) => checkFinite(`${what}.damping`, damping, 'a finite number ≥ 0', (v) => v >= 0);
/** KL radius δ > 0. */
export const checkMaxKl = (what: string, maxKl: number) => checkFinite(`${what}.maxKl`, maxKl, 'a finite number > 0', (v) => v > 0);

/** DOT_PARTIAL sized for `shape` with damping λ. */
export function dotPartialKernel(shape: VectorShape & { readonly damping: number }): SizedKernel {
  const what = 'dotPartial';
  const [constants, sizing] = vectorConstants(what, shape);
  return chunked(DOT_PARTIAL, { ...constants, DAMPING: checkDamping(what, shape.damping) }, sizing, shape.agents);
}

/** CG_INIT sized for `shape`. */
export function cgInitKernel(shape: VectorShape): SizedKernel {
  const [constants, sizing] = vectorConstants('cgInit', shape);
  return chunked(CG_INIT, constants, sizing, shape.agents);
}

/** CG_UPDATE sized for `shape` with damping λ. */
export function cgUpdateKernel(shape: VectorShape & { readonly damping: number }): SizedKernel {
  const what = 'cgUpdate';
  const [constants, sizing] = vectorConstants(what, shape);
  return chunked(CG_UPDATE, { ...constants, DAMPING: checkDamping(what, shape.damping) }, sizing, shape.agents);
}

/** CG_DIRECTION sized for `shape`; one invocation per element. */
export function cgDirectionKernel(shape: VectorShape): SizedKernel {
  const [constants] = vectorConstants('cgDirection', shape);
  return {
    spec: { ...CG_DIRECTION, constants: { AGENTS: constants.AGENTS!, PARAMETERS_PER_AGENT: constants.PARAMETERS_PER_AGENT! } },
    invocations: shape.agents * shape.parametersPerAgent,
  };
}

/** CG_SCALARS in `mode` for the partials of vectors shaped `shape`; one workgroup per agent. */
export function cgScalarsKernel(shape: VectorShape & { readonly mode: CgScalarMode; readonly maxKl?: number }): SizedKernel {
  const what = 'cgScalars';
  const [, sizing] = vectorConstants(what, shape);
  const mode = CG_SCALAR_MODE[shape.mode];
  if (mode === undefined) throw new RangeError(`${what}.mode must be one of ${Object.keys(CG_SCALAR_MODE).join(', ')} (got ${String(shape.mode)})`);
  const constants: Record<string, number> = { AGENTS: shape.agents, CHUNKS: sizing.chunks, MODE: mode };
  if (shape.mode === 'step') constants.MAX_KL = checkMaxKl(what, shape.maxKl ?? Number.NaN);
  return {
    spec: { ...CG_SCALARS, workgroupSize: sizing.scalarsWorkgroupSize, constants },
    invocations: shape.agents * sizing.scalarsWorkgroupSize,
  };
}

/** Sizes of a categorical Fisher-vector head over one batch of G agents × B rows. */
export interface FisherCategoricalConfig {
  readonly agents: number;
  readonly rowsPerAgent: number;
  /** Actions A, 1 ≤ A ≤ MAX_DISCRETE_ACTIONS. */
  readonly actions: number;
  /** Where the logits sit in the network output; default dense. */
  readonly logits?: RowSlice;
  /** Where the tangents and the output sit (both alike); default dense [rows][A]. */
  readonly grad?: RowSlice;
  readonly masked?: boolean;
  /** Where the mask sits; default dense [rows][A]. */
  readonly mask?: RowSlice;
}

function checkActions(what: string, actions: number): number {
  if (!Number.isInteger(actions) || actions < 1 || actions > MAX_DISCRETE_ACTIONS) {
    throw new RangeError(`${what}.actions must be an integer in [1, ${MAX_DISCRETE_ACTIONS}] (got ${actions})`);
  }
  return actions;
}

/** FISHER_CATEGORICAL sized for `config`; one invocation per row. */
export function fisherCategoricalKernel(config: FisherCategoricalConfig): SizedKernel {
  const what = 'fisherCategorical';
  const agents = checkPositiveInteger(`${what}.agents`, config.agents);
  const rowsPerAgent = checkPositiveInteger(`${what}.rowsPerAgent`, config.rowsPerAgent);
  const rows = agents * rowsPerAgent;
  const { actions, logits, mask, masked } = config;
  const head = categoricalConstants(what, { rows, actions, ...(logits ? { logits } : {}), ...(mask ? { mask } : {}), ...(masked === undefined ? {} : { masked }) });
  const [gradStride, gradOffset] = checkRowSlice(`${what}.grad`, config.grad ?? { stride: actions }, actions, rows);
  return {
    spec: { ...FISHER_CATEGORICAL, constants: { ...head, GRAD_STRIDE: gradStride, GRAD_OFFSET: gradOffset, ROWS_PER_AGENT: rowsPerAgent } },
    invocations: rows,
  };
}

/** Sizes of a diagonal Gaussian Fisher-vector head: G agents × B rows, D action dims, log-std at an offset of each agent's parameters. */
export interface FisherGaussianConfig {
  readonly agents: number;
  readonly rowsPerAgent: number;
  readonly actionDims: number;
  readonly parametersPerAgent: number;
  /** The log-std slot (MlpLayout extras.logStd.offset). */
  readonly logStdOffset: number;
}

function gaussianConstants(what: string, config: FisherGaussianConfig): Record<string, number> {
  const agents = checkPositiveInteger(`${what}.agents`, config.agents);
  const rowsPerAgent = checkPositiveInteger(`${what}.rowsPerAgent`, config.rowsPerAgent);
  const D = checkPositiveInteger(`${what}.actionDims`, config.actionDims);
  const P = checkPositiveInteger(`${what}.parametersPerAgent`, config.parametersPerAgent);
  const offset = config.logStdOffset;
  if (!Number.isInteger(offset) || offset < 0 || offset + D > P) {
    throw new RangeError(`${what}.logStdOffset must be an integer with logStdOffset + actionDims ≤ parametersPerAgent = ${P} (got ${offset})`);
  }
  if (agents * rowsPerAgent * D >= 2 ** 32 || agents * P >= 2 ** 32) throw new RangeError(`${what}: the batch or the parameters are too large for u32 indices`);
  return { AGENTS: agents, ROWS: agents * rowsPerAgent, ROWS_PER_AGENT: rowsPerAgent, ACTION_DIMS: D, PARAMS_PER_AGENT: P, LOG_STD_OFFSET: offset };
}

/** FISHER_GAUSSIAN sized for `config`; one invocation per mean element. */
export function fisherGaussianKernel(config: FisherGaussianConfig): SizedKernel {
  const { AGENTS: _agents, ...constants } = gaussianConstants('fisherGaussian', config);
  return { spec: { ...FISHER_GAUSSIAN, constants }, invocations: constants.ROWS! * constants.ACTION_DIMS! };
}

/** FISHER_GAUSSIAN_LOG_STD sized for `config`; one invocation per (agent, dim). */
export function fisherGaussianLogStdKernel(config: FisherGaussianConfig): SizedKernel {
  const { AGENTS, ACTION_DIMS, PARAMS_PER_AGENT, LOG_STD_OFFSET } = gaussianConstants('fisherGaussianLogStd', config);
  return {
    spec: { ...FISHER_GAUSSIAN_LOG_STD, constants: { AGENTS: AGENTS!, ACTION_DIMS: ACTION_DIMS!, PARAMS_PER_AGENT: PARAMS_PER_AGENT!, LOG_STD_OFFSET: LOG_STD_OFFSET! } },
    invocations: AGENTS! * ACTION_DIMS!,
  };
}

/** Shape of a line search: G agents × K candidates over B rows each. */
export interface LineSearchShape {
  readonly agents: number;
  readonly parametersPerAgent: number;
  /** K candidate step sizes (θ − BACKTRACK^k·Δ, k < K); SpinningUp's backtrack_iters = 10. */
  readonly candidates: number;
  /** Step shrink factor in (0, 1); SpinningUp's backtrack_coeff = 0.8, the TRPO paper's default here is 0.5. */
  readonly backtrack: number;
}

function lineSearchConstants(what: string, shape: LineSearchShape): Record<string, number> {
  const agents = checkPositiveInteger(`${what}.agents`, shape.agents);
  const P = checkPositiveInteger(`${what}.parametersPerAgent`, shape.parametersPerAgent);
  const K = checkPositiveInteger(`${what}.candidates`, shape.candidates);
  if (K > 64) throw new RangeError(`${what}.candidates must be at most 64 (got ${K})`);
  checkFinite(`${what}.backtrack`, shape.backtrack, 'a number in (0, 1)', (v) => v > 0 && v < 1);
  if (agents * K * P >= 2 ** 32) throw new RangeError(`${what}: agents × candidates × parametersPerAgent must be below 2^32`);
  return { AGENTS: agents, PARAMETERS_PER_AGENT: P, CANDIDATES: K };
}

/** LINE_SEARCH_CANDIDATES sized for `shape`; one invocation per candidate element. */
export function lineSearchCandidatesKernel(shape: LineSearchShape): SizedKernel {
  const constants = lineSearchConstants('lineSearchCandidates', shape);
  return {
    spec: { ...LINE_SEARCH_CANDIDATES, constants: { ...constants, BACKTRACK: shape.backtrack } },
    invocations: shape.agents * shape.candidates * shape.parametersPerAgent,
  };
}

/**
 * Sizes of the line-search terms of one categorical (or one branch of a multi-discrete policy:
 * its slices of the candidate logits, old logits, mask and action row, accumulated after branch 0).
 */
export interface LineSearchTermsConfig {
  readonly agents: number;
  readonly candidates: number;
  readonly rowsPerAgent: number;
  readonly actions: number;
  readonly masked?: boolean;
  /** Candidate logits per candidate row; default dense. */
  readonly logits?: RowSlice;
  /** Old logits per batch row; default dense. */
  readonly oldLogits?: RowSlice;
  /** Mask per batch row; default dense. */
  readonly mask?: RowSlice;
  /** The action word of a batch row; default dense { stride: 1 }. */
  readonly actionColumn?: RowSlice;
  /** Add log ρ and KL to the earlier branches'; default false. */
  readonly accumulate?: boolean;
  /** Turn the summed log ρ into (ρ − 1)·Â; default true (false for all but the last branch). */
  readonly lastBranch?: boolean;
}

/** LINE_SEARCH_TERMS for K candidates of G agents over B rows of A actions; one invocation per candidate row. */
export function lineSearchTermsKernel(config: LineSearchTermsConfig): SizedKernel {
  const what = 'lineSearchTerms';
  const agents = checkPositiveInteger(`${what}.agents`, config.agents);
  const K = checkPositiveInteger(`${what}.candidates`, config.candidates);
  const B = checkPositiveInteger(`${what}.rowsPerAgent`, config.rowsPerAgent);
  const actions = checkActions(what, config.actions);
  const rows = agents * K * B;
  if (2 * rows >= 2 ** 32 || rows * actions >= 2 ** 32) throw new RangeError(`${what}: agents × candidates × rowsPerAgent = ${rows} rows is too many for u32 indices`);
  const slice = (name: string, given: RowSlice | undefined, width: number, count: number) => checkRowSlice(`${what}.${name}`, given ?? { stride: width }, width, count);
  const [stride, offset] = slice('logits', config.logits, actions, rows);
  const [oldStride, oldOffset] = slice('oldLogits', config.oldLogits, actions, agents * B);
  const [maskStride, maskOffset] = slice('mask', config.mask, actions, agents * B);
  const [actionStride, actionOffset] = slice('actionColumn', config.actionColumn, 1, agents * B);
  return {
    spec: {
      ...LINE_SEARCH_TERMS,
      constants: {
        ROWS: rows,
        ACTIONS: actions,
        LOGITS_STRIDE: stride,
        LOGITS_OFFSET: offset,
        OLD_LOGITS_STRIDE: oldStride,
        OLD_LOGITS_OFFSET: oldOffset,
        MASKED: flag(config.masked),
        MASK_STRIDE: maskStride,
        MASK_OFFSET: maskOffset,
        ACTIONS_STRIDE: actionStride,
        ACTION_OFFSET: actionOffset,
        ACCUMULATE: flag(config.accumulate),
        LAST_BRANCH: flag(config.lastBranch ?? true),
        AGENTS: agents,
        CANDIDATES: K,
        ROWS_PER_AGENT: B,
      },
    },
    invocations: rows,
  };
}

/** LINE_SEARCH_TERMS_GAUSSIAN for K candidates of G agents over B rows of D action dims; one invocation per candidate row. */
export function lineSearchTermsGaussianKernel(config: {
  readonly agents: number;
  readonly candidates: number;
  readonly rowsPerAgent: number;
  readonly actionDims: number;
  readonly parametersPerAgent: number;
  readonly logStdOffset: number;
}): SizedKernel {
  const what = 'lineSearchTermsGaussian';
  const agents = checkPositiveInteger(`${what}.agents`, config.agents);
  const K = checkPositiveInteger(`${what}.candidates`, config.candidates);
  const B = checkPositiveInteger(`${what}.rowsPerAgent`, config.rowsPerAgent);
  const { ACTION_DIMS, PARAMS_PER_AGENT, LOG_STD_OFFSET } = gaussianConstants(what, {
    agents,
    rowsPerAgent: B,
    actionDims: config.actionDims,
    parametersPerAgent: config.parametersPerAgent,
    logStdOffset: config.logStdOffset,
  });
  const rows = agents * K * B;
  if (2 * rows >= 2 ** 32 || rows * ACTION_DIMS! >= 2 ** 32 || agents * K * PARAMS_PER_AGENT! >= 2 ** 32) {
    throw new RangeError(`${what}: agents × candidates × rowsPerAgent = ${rows} rows is too many for u32 indices`);
  }
  return {
    spec: {
      ...LINE_SEARCH_TERMS_GAUSSIAN,
      constants: { AGENTS: agents, CANDIDATES: K, ROWS_PER_AGENT: B, ACTION_DIMS: ACTION_DIMS!, PARAMS_PER_AGENT: PARAMS_PER_AGENT!, LOG_STD_OFFSET: LOG_STD_OFFSET! },
    },
    invocations: rows,
  };
}

/** LINE_SEARCH_SELECT; one invocation per agent. */
export function lineSearchSelectKernel(shape: LineSearchShape & { readonly rowsPerAgent: number; readonly maxKl: number }): SizedKernel {
  const what = 'lineSearchSelect';
  const { AGENTS, CANDIDATES } = lineSearchConstants(what, shape);
  return {
    spec: {
      ...LINE_SEARCH_SELECT,
      constants: {
        AGENTS: AGENTS!,
        CANDIDATES: CANDIDATES!,
        ROWS_PER_AGENT: checkPositiveInteger(`${what}.rowsPerAgent`, shape.rowsPerAgent),
        MAX_KL: checkMaxKl(what, shape.maxKl),
        BACKTRACK: shape.backtrack,
      },
    },
    invocations: shape.agents,
  };
}

/** LINE_SEARCH_APPLY; one invocation per parameter of θ [G][P]. */
export function lineSearchApplyKernel(shape: LineSearchShape): SizedKernel {
  const constants = lineSearchConstants('lineSearchApply', shape);
  return { spec: { ...LINE_SEARCH_APPLY, constants }, invocations: shape.agents * shape.parametersPerAgent };
}

/** One sized spec of every natural-gradient kernel at odd sizes, for the kernel catalogue. */
export function naturalGradientKernelExamples(): KernelSpec[] {
  const vector = { agents: 3, parametersPerAgent: 4_613, damping: 0.1 };
  const search = { agents: 2, parametersPerAgent: 301, candidates: 10, backtrack: 0.5 };
  return [
    fisherCategoricalKernel({ agents: 3, rowsPerAgent: 41, actions: 5, logits: { stride: 8, offset: 2 }, grad: { stride: 7, offset: 1 }, mask: { stride: 9, offset: 4 }, masked: true }),
    fisherGaussianKernel({ agents: 3, rowsPerAgent: 41, actionDims: 3, parametersPerAgent: 301, logStdOffset: 296 }),
    fisherGaussianLogStdKernel({ agents: 3, rowsPerAgent: 41, actionDims: 3, parametersPerAgent: 301, logStdOffset: 296 }),
    dotPartialKernel(vector),
    cgInitKernel(vector),
    cgUpdateKernel(vector),
    cgDirectionKernel(vector),
    cgScalarsKernel({ ...vector, mode: 'step', maxKl: 0.01 }),
    lineSearchCandidatesKernel(search),
    lineSearchTermsKernel({ agents: 2, candidates: 10, rowsPerAgent: 41, actions: 5, masked: true }),
    // Branch 1 of a multi-discrete [3, 5, 2] policy.
    lineSearchTermsKernel({
      agents: 2,
      candidates: 10,
      rowsPerAgent: 41,
      actions: 5,
      masked: true,
      logits: { stride: 10, offset: 3 },
      oldLogits: { stride: 10, offset: 3 },
      mask: { stride: 10, offset: 3 },
      actionColumn: { stride: 3, offset: 1 },
      accumulate: true,
      lastBranch: false,
    }),
    lineSearchTermsGaussianKernel({ agents: 2, candidates: 10, rowsPerAgent: 41, actionDims: 3, parametersPerAgent: 301, logStdOffset: 296 }),
    lineSearchSelectKernel({ ...search, rowsPerAgent: 41, maxKl: 0.01 }),
    lineSearchApplyKernel(search),
  ].map((k) => k.spec);
}
