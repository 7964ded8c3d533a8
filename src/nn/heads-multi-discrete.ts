/**
 * A multi-discrete policy head (Gymnasium's MultiDiscrete, ML-Agents' discrete branches): K
 * independent categoricals, branch b a softmax over its own slice of nvec[b] logits, so
 *   log π(a|s) = Σ_b log π_b(a_b|s),  H = Σ_b H_b,  KL = Σ_b KL_b,
 * and the gradient of each is branch b's categorical gradient in branch b's slice of the logits.
 *
 * Every kernel here is a categorical kernel of src/nn/heads.ts, sized for one branch and
 * dispatched once per branch: logits and mask are the branch's slice of a row of Σ nvec, the
 * action is word b of a row of K (ActionColumn), and the per-row outputs of branches after the first
 * are added to (AccumulateRows), so the buffers end holding the sums. K dispatches of nvec[b]
 * actions each rather than one kernel looping over branches: on a GPU each dispatch still reads
 * each row's slice once (the same memory traffic as one looping kernel), the kernels stay
 * single-purpose and already checked, and K ≤ MAX_ACTION_BRANCHES keeps the extra launches few.
 * A one-branch head ([n]) is exactly the categorical head of n actions.
 */
import type { SizedKernel } from '../gpu/kernel';
import {
  categoricalBackwardKernel,
  categoricalEvaluateKernel,
  categoricalSampleKernel,
  klCategoricalBackwardKernel,
  klCategoricalKernel,
  type AccumulateRows,
  type ActionColumn,
  type CategoricalHeadConfig,
  type OldLogits,
  type SampleBranch,
} from './heads';
import { checkPositiveInteger, checkRowSlice, type GradientTarget, type RowSlice } from './heads-common';
import { MAX_DISCRETE_ACTIONS } from '../rng/categories';

/** Sizes of a multi-discrete head over one batch. */
export interface MultiCategoricalHeadConfig {
  /** Batch rows, G·B (agent-major). */
  readonly rows: number;
  /** Actions of each branch (each ≥ 1, Σ ≤ MAX_DISCRETE_ACTIONS). Actions are u32 [rows][K]. */
  readonly nvec: readonly number[];
  /** Where the Σ nvec logits sit in the network output; default dense, { stride: Σ nvec, offset: 0 }. */
  readonly logits?: RowSlice;
  /** Read a u32 mask [rows][Σ nvec] (the branches' masks side by side); default false. */
  readonly masked?: boolean;
  /**
   * Where each row's K branch words sit in the actions buffer; default dense, { stride: K, offset:
   * 0 }. A hybrid action's row is D + K words, the branches after the floats: { stride: D + K, offset: D }.
   */
  readonly actions?: RowSlice;
  /**
   * Every branch adds its per-row value (log p, entropy, KL) to what the buffer holds, branch 0
   * included: a hybrid head's Gaussian part has written its own there first. Default false.
   */
  readonly addToRows?: boolean;
  /**
   * A sampler's first uniform word of the row's draw: branch b uses word firstDraw + b
   * (uniform_from_word, rng/philox.wgsl). A hybrid head's Gaussian part uses the first ⌈D/4⌉
   * blocks (4 words each), so its branches start at 4·⌈D/4⌉ and draw independently of it. Default 0.
   */
  readonly firstDraw?: number;
  readonly workgroupSize?: number;
}

/** Σ nvec after checking each branch size; throws naming `what`. */
export function multiCategoricalWidth(what: string, nvec: readonly number[]): number {
  if (!Array.isArray(nvec) || nvec.length < 1) throw new RangeError(`${what}.nvec must be a non-empty array of branch sizes (got ${JSON.stringify(nvec)})`);
  nvec.forEach((n, b) => checkPositiveInteger(`${what}.nvec[${b}]`, n));
  const total = nvec.reduce((sum, n) => sum + n, 0);
  if (total > MAX_DISCRETE_ACTIONS) throw new RangeError(`${what}.nvec must sum to at most ${MAX_DISCRETE_ACTIONS} (got ${total})`);
  return total;
}

/** Branch b's categorical config: its logit and mask slices, its action word, and accumulation after branch 0. */
export function branchHeadConfig(
  what: string,
  config: MultiCategoricalHeadConfig,
  b: number,
): CategoricalHeadConfig & ActionColumn & AccumulateRows & SampleBranch {
  const total = multiCategoricalWidth(what, config.nvec);
  const [stride, offset] = checkRowSlice(`${what}.logits`, config.logits ?? { stride: total }, total, config.rows);
  const start = config.nvec.slice(0, b).reduce((sum, n) => sum + n, 0);
  const K = config.nvec.length;
  const [actionStride, actionOffset] = checkRowSlice(`${what}.actions`, config.actions ?? { stride: K }, K, config.rows);
  return {
    rows: config.rows,
    actions: config.nvec[b]!,
    logits: { stride, offset: offset + start },
    masked: config.masked ?? false,
    mask: { stride: total, offset: start },
    actionColumn: { stride: actionStride, offset: actionOffset + b },
    accumulateRows: b > 0 || (config.addToRows ?? false),
    branch: (config.firstDraw ?? 0) + b,
    ...(config.workgroupSize === undefined ? {} : { workgroupSize: config.workgroupSize }),
  };
}

function perBranch<T>(what: string, config: MultiCategoricalHeadConfig, make: (branch: ReturnType<typeof branchHeadConfig>, b: number) => T): T[] {
  multiCategoricalWidth(what, config.nvec);
  return config.nvec.map((_, b) => make(branchHeadConfig(what, config, b), b));
}

/** Branch kernels of log π(a|s) and H, summed over branches into log_probs and entropies [rows]. */
export function multiCategoricalEvaluateKernels(config: MultiCategoricalHeadConfig): SizedKernel[] {
  return perBranch('multiCategoricalEvaluate', config, (branch) => categoricalEvaluateKernel(branch));
}

/** Branch kernels drawing a_b (word b of the row's draw) into actions [rows][K] and Σ_b log p into log_probs. */
export function multiCategoricalSampleKernels(config: MultiCategoricalHeadConfig): SizedKernel[] {
  return perBranch('multiCategoricalSample', config, (branch) => categoricalSampleKernel(branch));
}

/**
 * Branch kernels of ∂L/∂logits, each into its own slice of the gradient (a slice of `grad`, default
 * dense [rows][Σ nvec]); `accumulate` adds to what is there (e.g. a KL term), as for one categorical.
 */
export function multiCategoricalBackwardKernels(config: MultiCategoricalHeadConfig & GradientTarget): SizedKernel[] {
  const what = 'multiCategoricalBackward';
  const total = multiCategoricalWidth(what, config.nvec);
  const [stride, offset] = checkRowSlice(`${what}.grad`, config.grad ?? { stride: total }, total, config.rows);
  return perBranch(what, config, (branch) =>
    categoricalBackwardKernel({ ...branch, grad: { stride, offset: offset + branch.mask!.offset! }, accumulate: config.accumulate ?? false }),
  );
}

/** Old logits of a multi-discrete KL: Σ nvec per row; default dense. */
function oldBranchLogits(what: string, config: MultiCategoricalHeadConfig & OldLogits, start: number): RowSlice {
  const total = multiCategoricalWidth(what, config.nvec);
  const [stride, offset] = checkRowSlice(`${what}.oldLogits`, config.oldLogits ?? { stride: total }, total, config.rows);
  return { stride, offset: offset + start };
}

/** Branch kernels of KL(old ‖ new), summed over branches into kl [rows]. */
export function multiCategoricalKlKernels(config: MultiCategoricalHeadConfig & OldLogits): SizedKernel[] {
  const what = 'multiCategoricalKl';
  return perBranch(what, config, (branch) => klCategoricalKernel({ ...branch, oldLogits: oldBranchLogits(what, config, branch.mask!.offset!) }));
}

/** Branch kernels of ∂L/∂logits of the KL, each into its own slice of the gradient. */
export function multiCategoricalKlBackwardKernels(config: MultiCategoricalHeadConfig & OldLogits & GradientTarget): SizedKernel[] {
  const what = 'multiCategoricalKlBackward';
  const total = multiCategoricalWidth(what, config.nvec);
  const [stride, offset] = checkRowSlice(`${what}.grad`, config.grad ?? { stride: total }, total, config.rows);
  return perBranch(what, config, (branch) => {
    const start = branch.mask!.offset!;
    return klCategoricalBackwardKernel({
      ...branch,
      oldLogits: oldBranchLogits(what, config, start),
      grad: { stride, offset: offset + start },
      accumulate: config.accumulate ?? false,
    });
  });
}
