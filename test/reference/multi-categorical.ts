/**
 * Float64 reference of a multi-discrete policy head (src/nn/heads-multi-discrete.ts): K independent
 * categoricals, branch b a softmax over its slice of nvec[b] logits (Gymnasium's MultiDiscrete,
 * CleanRL's ppo_multidiscrete.py). A row's logits and mask are the branches' side by side (Σ nvec
 * entries), its action one index per branch. log p, entropy and KL are sums over branches; each
 * gradient is the branches' categorical gradients side by side. Built on the single-categorical
 * reference (test/reference/heads.ts).
 */
import {
  GPU_LOG_ZERO,
  allowsNoAction,
  categoricalEntropy,
  categoricalEntropyGrad,
  categoricalKl,
  categoricalKlGrad,
  categoricalLogProb,
  categoricalLogProbGrad,
  categoricalProbabilities,
  categoricalSample,
} from './heads';

type Vector = readonly number[];
/** Σ nvec flags, 1 = allowed; undefined = all allowed. */
type Mask = readonly number[] | undefined;

/** Branch b's slice of a row of Σ nvec values. */
export function branchSlice<T>(row: readonly T[], nvec: readonly number[], b: number): T[] {
  const start = nvec.slice(0, b).reduce((sum, n) => sum + n, 0);
  return row.slice(start, start + nvec[b]!);
}

function checkRow(logits: Vector, nvec: readonly number[], mask: Mask, where: string): void {
  const total = nvec.reduce((sum, n) => sum + n, 0);
  if (logits.length !== total) throw new RangeError(`${where}: ${logits.length} logits for branches [${nvec.join(', ')}] (Σ = ${total})`);
  if (mask !== undefined && mask.length !== total) throw new RangeError(`${where}: mask has ${mask.length} entries for Σ nvec = ${total}`);
}

const branchMask = (mask: Mask, nvec: readonly number[], b: number): Mask => (mask === undefined ? undefined : branchSlice(mask, nvec, b));

/** Σ_b log p_b(actions[b]). */
export function multiCategoricalLogProb(logits: Vector, nvec: readonly number[], mask: Mask, actions: Vector): number {
  checkRow(logits, nvec, mask, 'multiCategoricalLogProb');
  return nvec.reduce((sum, _, b) => sum + categoricalLogProb(branchSlice(logits, nvec, b), branchMask(mask, nvec, b), actions[b]!), 0);
}

/** Σ_b H_b. */
export function multiCategoricalEntropy(logits: Vector, nvec: readonly number[], mask?: Mask): number {
  checkRow(logits, nvec, mask, 'multiCategoricalEntropy');
  return nvec.reduce((sum, _, b) => sum + categoricalEntropy(branchSlice(logits, nvec, b), branchMask(mask, nvec, b)), 0);
}

/** Σ_b KL(old_b ‖ new_b). */
export function multiCategoricalKl(oldLogits: Vector, newLogits: Vector, nvec: readonly number[], mask?: Mask): number {
  checkRow(newLogits, nvec, mask, 'multiCategoricalKl');
  return nvec.reduce((sum, _, b) => sum + categoricalKl(branchSlice(oldLogits, nvec, b), branchSlice(newLogits, nvec, b), branchMask(mask, nvec, b)), 0);
}

/** ∂ log p / ∂ logits: each branch's onehot − p in its slice. */
export function multiCategoricalLogProbGrad(logits: Vector, nvec: readonly number[], mask: Mask, actions: Vector): number[] {
  return nvec.flatMap((_, b) => categoricalLogProbGrad(branchSlice(logits, nvec, b), branchMask(mask, nvec, b), actions[b]!));
}

/** ∂H / ∂ logits: each branch's −p ⊙ (log p + H_b) in its slice. */
export function multiCategoricalEntropyGrad(logits: Vector, nvec: readonly number[], mask?: Mask): number[] {
  return nvec.flatMap((_, b) => categoricalEntropyGrad(branchSlice(logits, nvec, b), branchMask(mask, nvec, b)));
}

/** ∂KL / ∂ newLogits: each branch's p − q in its slice. */
export function multiCategoricalKlGrad(oldLogits: Vector, newLogits: Vector, nvec: readonly number[], mask?: Mask): number[] {
  return nvec.flatMap((_, b) => categoricalKlGrad(branchSlice(oldLogits, nvec, b), branchSlice(newLogits, nvec, b), branchMask(mask, nvec, b)));
}

/**
 * One row's draw: branch b by inverse CDF with u[b]. A branch whose mask allows nothing gets action
 * 0 and adds GPU_LOG_ZERO to log p (the kernels' rule), and the row counts as a mask error.
 */
export function multiCategoricalSample(logits: Vector, nvec: readonly number[], mask: Mask, u: Vector): { actions: number[]; logProb: number; blocked: boolean } {
  checkRow(logits, nvec, mask, 'multiCategoricalSample');
  const actions: number[] = [];
  let logProb = 0;
  let blocked = false;
  nvec.forEach((_, b) => {
    const l = branchSlice(logits, nvec, b);
    const m = branchMask(mask, nvec, b);
    if (allowsNoAction(m)) {
      actions.push(0);
      logProb += GPU_LOG_ZERO;
      blocked = true;
      return;
    }
    const action = categoricalSample(l, m, u[b]!);
    actions.push(action);
    logProb += categoricalLogProb(l, m, action);
  });
  return { actions, logProb, blocked };
}

/** The greedy action: each branch's most probable allowed action (the lowest index among ties). */
export function multiCategoricalArgmax(logits: Vector, nvec: readonly number[], mask?: Mask): number[] {
  checkRow(logits, nvec, mask, 'multiCategoricalArgmax');
  return nvec.map((_, b) => {
    const p = categoricalProbabilities(branchSlice(logits, nvec, b), branchMask(mask, nvec, b));
    return p.indexOf(Math.max(...p));
  });
}
