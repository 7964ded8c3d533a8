/**
 * The policy heads on the GPU: categorical (shaders/nn/categorical_*.wgsl) and diagonal Gaussian
 * (src/nn/heads-gaussian.ts), and the KL divergence between an old and a new distribution
 * (shaders/nn/kl_*.wgsl). Each kernel is exported as a spec without sizes (for the catalogue and
 * for reading) and a factory that validates sizes and returns the sized spec with the number of
 * invocations to dispatch.
 *
 * Rows are agent-major (G agents × B rows, `rows` = G·B). A backward kernel takes per-row upstream
 * coefficients written by the loss kernel, ∂L/∂ log p[r], ∂L/∂H[r] or ∂L/∂KL[r], so one kernel
 * serves every algorithm's loss: the surrogate, the entropy bonus and a KL penalty differ only in
 * those coefficients. Gradients go into a slice of the network's output gradient, overwritten or
 * (`accumulate`) added to, so two terms (e.g. surrogate and KL penalty) can share one buffer.
 *
 * Categorical masks are dense [rows][actions] u32 buffers, 1 = allowed, 0 = masked. Masked actions
 * are never sampled and get exactly zero gradient. Without a mask (`masked` false) the `mask`
 * binding is never read: bind any buffer. A row that allows no action is an error the GPU records
 * rather than a row to sample: the sampler (and the greedy kernel of src/agent/policy-inference.ts)
 * writes action 0 with log p = -1e30 for it and counts it in a MaskErrors block (`mask_errors`,
 * MASK_ERRORS_BYTES), which the caller clears (clearMaskErrors) before the dispatches it covers,
 * reads back with its other results and turns into an error (decodeMaskErrors).
 *
 * A categorical kernel runs one invocation per row and streams the row from memory
 * (shaders/nn/categorical_common.wgsl): one online pass for the normaliser and entropy, a second
 * only where each p_a is needed, so A may reach MAX_DISCRETE_ACTIONS (1 024) with no private copy
 * of the row. For A in the hundreds a real GPU would rather give each row a workgroup (or a
 * subgroup) that reads the row coalesced and reduces it in parallel; one invocation per row keeps
 * a single kernel for every A and is what small A, the common case, wants.
 */
import type { KernelSpec, SizedKernel } from '../gpu/kernel';
import type { ShaderPart } from '../gpu/shaders';
import { MAX_DISCRETE_ACTIONS } from '../rng/categories';
import { checkPositiveInteger, checkRowSlice, flag, gradientConstants, sized, type GradientTarget, type RowSlice } from './heads-common';
import {
  gaussianBackwardKernel,
  gaussianEvaluateKernel,
  gaussianLogStdReduceKernel,
  gaussianSampleKernel,
  klGaussianBackwardKernel,
  klGaussianKernel,
} from './heads-gaussian';
import categoricalAccumulateWgsl from '../../shaders/nn/categorical_accumulate.wgsl';
import categoricalActionsWgsl from '../../shaders/nn/categorical_actions.wgsl';
import categoricalCommonWgsl from '../../shaders/nn/categorical_common.wgsl';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import philoxWgsl from '../../shaders/rng/philox.wgsl';
import categoricalEvaluateWgsl from '../../shaders/nn/categorical_evaluate.wgsl';
import categoricalBackwardWgsl from '../../shaders/nn/categorical_backward.wgsl';
import categoricalSampleWgsl from '../../shaders/nn/categorical_sample.wgsl';
import klCategoricalCommonWgsl from '../../shaders/nn/kl_categorical_common.wgsl';
import klCategoricalWgsl from '../../shaders/nn/kl_categorical.wgsl';
import klCategoricalBackwardWgsl from '../../shaders/nn/kl_categorical_backward.wgsl';

export type { GradientTarget, RowSlice } from './heads-common';
export * from './heads-gaussian';

const WORKGROUP = 64;

const categoricalParts = (...kernel: ShaderPart[]) => [dispatchWgsl, categoricalCommonWgsl, ...kernel];

/**
 * log_probs[r] = log p(actions[r]), entropies[r] = H(p_r), p_r = softmax(logits[r]) over allowed
 * actions. Bindings: logits, mask (u32), actions (u32), log_probs, entropies. One invocation per row.
 * A masked or out-of-range action gets log p = -1e30.
 */
export const CATEGORICAL_EVALUATE: KernelSpec = {
  label: 'nn.categorical_evaluate',
  parts: categoricalParts(categoricalActionsWgsl, categoricalAccumulateWgsl, categoricalEvaluateWgsl),
  workgroupSize: WORKGROUP,
};

/**
 * logit_grads[r][j] (+)= g_logp[r]·([j = a_r] - p_j) - g_entropy[r]·p_j (log p_j + H_r), 0 when
 * masked. Bindings: logits, mask, actions, log_prob_grads, entropy_grads, logit_grads.
 */
export const CATEGORICAL_BACKWARD: KernelSpec = {
  label: 'nn.categorical_backward',
  parts: categoricalParts(categoricalActionsWgsl, categoricalBackwardWgsl),
  workgroupSize: WORKGROUP,
};

/**
 * actions[r] ~ p_r by inverse CDF with the Philox draw of row r (RngParams), and log_probs[r] its
 * log-probability. Bindings: params (uniform RngParams), logits, mask, actions (u32), log_probs,
 * mask_errors (MaskErrors: rows whose mask allows no action; written only when masked).
 */
export const CATEGORICAL_SAMPLE: KernelSpec = {
  label: 'nn.categorical_sample',
  parts: [dispatchWgsl, philoxWgsl, categoricalCommonWgsl, categoricalActionsWgsl, categoricalAccumulateWgsl, categoricalSampleWgsl],
  workgroupSize: WORKGROUP,
};

/** kl[r] = KL(softmax(old_logits[r]) ‖ softmax(logits[r])), one mask for both. Bindings: old_logits, logits, mask, kl. */
export const KL_CATEGORICAL: KernelSpec = {
  label: 'nn.kl_categorical',
  parts: categoricalParts(klCategoricalCommonWgsl, categoricalAccumulateWgsl, klCategoricalWgsl),
  workgroupSize: WORKGROUP,
};

/** logit_grads[r][j] (+)= kl_grads[r]·(p_j - q_j), 0 when masked. Bindings: old_logits, logits, mask, kl_grads, logit_grads. */
export const KL_CATEGORICAL_BACKWARD: KernelSpec = {
  label: 'nn.kl_categorical_backward',
  parts: categoricalParts(klCategoricalCommonWgsl, klCategoricalBackwardWgsl),
  workgroupSize: WORKGROUP,
};

/** Bytes of a MaskErrors block (shaders/nn/categorical_common.wgsl): count, first row, 2 × padding. */
export const MASK_ERRORS_BYTES = 16;

/** The cleared block: no row counted, first row 0xFFFFFFFF (the identity of atomicMin). */
const NO_MASK_ERRORS: Uint32Array<ArrayBuffer> = Uint32Array.of(0, 0xffffffff, 0, 0);

/** Queues the clearing of a MaskErrors block at `offset`; no allocation (the words are a constant). */
export function clearMaskErrors(queue: GPUQueue, buffer: GPUBuffer, offset = 0): void {
  queue.writeBuffer(buffer, offset, NO_MASK_ERRORS);
}

/** Rows whose mask allowed no action since the block was cleared: how many, and the lowest. */
export interface MaskErrors {
  readonly count: number;
  readonly firstRow: number;
}

/**
 * A MaskErrors block read back (its 4 u32 words from `offset`): null when every row allowed an
 * action. The first row is a global (agent-major) row: agent ⌊r / B⌋, row r mod B of a [G][B] batch.
 */
export function decodeMaskErrors(words: Uint32Array, offset = 0): MaskErrors | null {
  const count = words[offset]!;
  return count === 0 ? null : { count, firstRow: words[offset + 1]! };
}

/** Sizes of a categorical head over one batch. */
export interface CategoricalHeadConfig {
  /** Batch rows, G·B (agent-major). */
  readonly rows: number;
  /** Number of actions A, 1 ≤ A ≤ MAX_DISCRETE_ACTIONS (1 024). */
  readonly actions: number;
  /** Where the logits sit in the network output; default dense, { stride: actions, offset: 0 }. */
  readonly logits?: RowSlice;
  /** Read a u32 mask (1 = allowed); default false. */
  readonly masked?: boolean;
  /** Where the mask sits (entry (r, a) at r·stride + offset + a); default dense, { stride: actions, offset: 0 }. */
  readonly mask?: RowSlice;
  readonly workgroupSize?: number;
}

/** Where each row's action sits in the actions buffer (one word per branch of a multi-discrete action). */
export interface ActionColumn {
  /** Default dense, { stride: 1, offset: 0 }: actions[r·stride + offset]. */
  readonly actionColumn?: RowSlice;
}

/** A per-row output (log p, entropy, KL) added to instead of overwritten: a multi-discrete head's later branches. */
export interface AccumulateRows {
  /** Default false. */
  readonly accumulateRows?: boolean;
}

/** Old logits for a KL kernel; default dense [rows][actions]. */
export interface OldLogits {
  readonly oldLogits?: RowSlice;
}

/** ROWS, ACTIONS and the logits' and mask's slices (checked) of a kernel on categorical_common.wgsl. */
export function categoricalConstants(what: string, config: CategoricalHeadConfig): Record<string, number> {
  const rows = checkPositiveInteger(`${what}.rows`, config.rows);
  const actions = config.actions;
  if (!Number.isInteger(actions) || actions < 1 || actions > MAX_DISCRETE_ACTIONS) {
    throw new RangeError(`${what}.actions must be an integer in [1, ${MAX_DISCRETE_ACTIONS}] (got ${actions})`);
  }
  const [stride, offset] = checkRowSlice(`${what}.logits`, config.logits ?? { stride: actions }, actions, rows);
  const [maskStride, maskOffset] = checkRowSlice(`${what}.mask`, config.mask ?? { stride: actions }, actions, rows);
  return {
    ROWS: rows,
    ACTIONS: actions,
    LOGITS_STRIDE: stride,
    LOGITS_OFFSET: offset,
    MASKED: flag(config.masked),
    MASK_STRIDE: maskStride,
    MASK_OFFSET: maskOffset,
  };
}

/** ACTIONS_STRIDE and ACTION_OFFSET of a kernel reading or writing one action word per row. */
export function actionColumnConstants(what: string, config: ActionColumn & { readonly rows: number }): Record<string, number> {
  const [stride, offset] = checkRowSlice(`${what}.actionColumn`, config.actionColumn ?? { stride: 1 }, 1, config.rows);
  return { ACTIONS_STRIDE: stride, ACTION_OFFSET: offset };
}

const accumulateConstant = (config: AccumulateRows) => ({ ACCUMULATE: flag(config.accumulateRows) });

/**
 * The constants of a kernel that reads one row of a (branch's) categorical and its action word and
 * accumulates its per-row output: for kernels outside this module built on categorical_common.wgsl
 * (the rollout's sampler, the agent's argmax).
 */
export function categoricalRowConstants(what: string, config: CategoricalHeadConfig & ActionColumn & AccumulateRows): Record<string, number> {
  return { ...categoricalConstants(what, config), ...actionColumnConstants(what, config), ...accumulateConstant(config) };
}

/** CATEGORICAL_EVALUATE sized for `config`; one invocation per row. */
export function categoricalEvaluateKernel(config: CategoricalHeadConfig & ActionColumn & AccumulateRows): SizedKernel {
  const what = 'categoricalEvaluate';
  return sized(CATEGORICAL_EVALUATE, what, categoricalRowConstants(what, config), config.rows, config.workgroupSize);
}


/** Which uniform of the row's draw a sampler uses: word `branch` (rng/philox.wgsl uniform_from_word); default 0. */
export interface SampleBranch {
  readonly branch?: number;
}

/** BRANCH of a sampler: an integer in [0, 2^32). */
export function branchConstant(what: string, config: SampleBranch): Record<string, number> {
  const branch = config.branch ?? 0;
  if (!Number.isInteger(branch) || branch < 0 || branch > 0xffffffff) {
    throw new RangeError(`${what}.branch must be a non-negative integer (got ${branch})`);
  }
  return { BRANCH: branch };
}

/**
 * CATEGORICAL_SAMPLE sized for `config`; one invocation per row (row r draws Philox block (draw, r,
 * step, iteration), word `branch`: uniform_from_word).
 */
export function categoricalSampleKernel(config: CategoricalHeadConfig & ActionColumn & AccumulateRows & SampleBranch): SizedKernel {
  const what = 'categoricalSample';
  const constants = {
    ...categoricalConstants(what, config),
    ...actionColumnConstants(what, config),
    ...accumulateConstant(config),
    ...branchConstant(what, config),
  };
  return sized(CATEGORICAL_SAMPLE, what, constants, config.rows, config.workgroupSize);
}

/** CATEGORICAL_BACKWARD sized for `config`; the gradient slice defaults to dense [rows][actions]. */
export function categoricalBackwardKernel(config: CategoricalHeadConfig & ActionColumn & GradientTarget): SizedKernel {
  const what = 'categoricalBackward';
  const constants = {
    ...categoricalConstants(what, config),
    ...actionColumnConstants(what, config),
    ...gradientConstants(what, config, config.actions, config.rows),
  };
  return sized(CATEGORICAL_BACKWARD, what, constants, config.rows, config.workgroupSize);
}

function oldLogitsConstants(what: string, config: CategoricalHeadConfig & OldLogits): Record<string, number> {
  const [stride, offset] = checkRowSlice(`${what}.oldLogits`, config.oldLogits ?? { stride: config.actions }, config.actions, config.rows);
  return { OLD_LOGITS_STRIDE: stride, OLD_LOGITS_OFFSET: offset };
}

/** KL_CATEGORICAL sized for `config`; one invocation per row. */
export function klCategoricalKernel(config: CategoricalHeadConfig & OldLogits & AccumulateRows): SizedKernel {
  const what = 'klCategorical';
  const constants = { ...categoricalConstants(what, config), ...oldLogitsConstants(what, config), ...accumulateConstant(config) };
  return sized(KL_CATEGORICAL, what, constants, config.rows, config.workgroupSize);
}

/** KL_CATEGORICAL_BACKWARD sized for `config`; one invocation per row. */
export function klCategoricalBackwardKernel(config: CategoricalHeadConfig & OldLogits & GradientTarget): SizedKernel {
  const what = 'klCategoricalBackward';
  const constants = {
    ...categoricalConstants(what, config),
    ...oldLogitsConstants(what, config),
    ...gradientConstants(what, config, config.actions, config.rows),
  };
  return sized(KL_CATEGORICAL_BACKWARD, what, constants, config.rows, config.workgroupSize);
}

/** One sized spec of every head kernel, with representative sizes, for the kernel catalogue. */
export function headKernelExamples(): KernelSpec[] {
  const categorical = { rows: 123, actions: 5, logits: { stride: 8, offset: 2 }, masked: true };
  // Branch 1 of a masked multi-discrete head of nvec [3, 1, 5] (src/nn/heads-multi-discrete.ts).
  const branch = {
    rows: 123,
    actions: 1,
    logits: { stride: 11, offset: 5 },
    masked: true,
    mask: { stride: 9, offset: 3 },
    actionColumn: { stride: 3, offset: 1 },
    accumulateRows: true,
    branch: 1,
  };
  const gaussian = { agents: 3, rowsPerAgent: 41, actionDims: 3, mean: { stride: 5, offset: 1 }, logStd: { agentStride: 300, offset: 280 } };
  return [
    categoricalEvaluateKernel(categorical),
    categoricalSampleKernel(categorical),
    categoricalBackwardKernel({ ...categorical, accumulate: true }),
    klCategoricalKernel(categorical),
    klCategoricalBackwardKernel(categorical),
    categoricalEvaluateKernel(branch),
    categoricalSampleKernel(branch),
    categoricalBackwardKernel(branch),
    klCategoricalKernel(branch),
    gaussianEvaluateKernel(gaussian),
    gaussianSampleKernel(gaussian),
    gaussianBackwardKernel(gaussian),
    klGaussianKernel({ ...gaussian, oldLogStd: gaussian.logStd }),
    klGaussianBackwardKernel({ ...gaussian, oldLogStd: gaussian.logStd }),
    gaussianLogStdReduceKernel({ agents: 3, rowsPerAgent: 41, actionDims: 3, target: gaussian.logStd }),
  ].map((kernel) => kernel.spec);
}
