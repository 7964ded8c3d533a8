/**
 * The float64 reference of a hybrid policy head (src/envs/types.ts HybridSpace): a diagonal
 * Gaussian over the row's first D outputs (test/reference/heads.ts) times independent categoricals
 * over the branches of the remaining Σ nvec (test/reference/multi-categorical.ts). The joint
 * log-probability, entropy and their gradients are the sums of the parts' (the parts share no
 * parameter), and an action is the row of D floats then K branch indices. So is the KL between two
 * such policies (a product's KL is the sum of its factors'). With nvec [] a row is a plain diagonal
 * Gaussian (a box action).
 */
import { gaussianEntropy, gaussianKl, gaussianKlGrad, gaussianLogProb, gaussianLogProbGrad } from './heads';
import {
  multiCategoricalEntropy,
  multiCategoricalEntropyGrad,
  multiCategoricalKl,
  multiCategoricalKlGrad,
  multiCategoricalLogProb,
  multiCategoricalLogProbGrad,
} from './multi-categorical';

type Vector = readonly number[];
type Mask = readonly number[] | undefined;

/** One row of a hybrid head: the D means then the logits, and the agent's log-std. */
export interface HybridRow {
  readonly outputs: Vector;
  readonly logStd: Vector;
  readonly nvec: readonly number[];
  /** Σ nvec words over the branches (undefined: every action allowed). */
  readonly mask: Mask;
}

const split = (row: HybridRow) => {
  const D = row.logStd.length;
  return { D, means: row.outputs.slice(0, D), logits: row.outputs.slice(D) };
};

/** log π(a|s) = log N(a_c; μ, σ²) + Σ_b log π_b(a_b), `action` = [a_c (D floats), a_d (K indices)]. */
export function hybridLogProb(row: HybridRow, action: Vector): number {
  const { D, means, logits } = split(row);
  return gaussianLogProb(action.slice(0, D), means, row.logStd) + multiCategoricalLogProb(logits, row.nvec, row.mask, action.slice(D));
}

/** H = H_Gaussian + Σ_b H_b. */
export function hybridEntropy(row: HybridRow): number {
  const { logits } = split(row);
  return gaussianEntropy(row.logStd) + multiCategoricalEntropy(logits, row.nvec, row.mask);
}

/** ∂ log π / ∂ outputs (the means' slice, then the logits') and ∂ log π / ∂ logStd. */
export function hybridLogProbGrad(row: HybridRow, action: Vector): { outputs: number[]; logStd: number[] } {
  const { D, means, logits } = split(row);
  const gaussian = gaussianLogProbGrad(action.slice(0, D), means, row.logStd);
  return { outputs: [...gaussian.mean, ...multiCategoricalLogProbGrad(logits, row.nvec, row.mask, action.slice(D))], logStd: gaussian.logStd };
}

/** ∂H / ∂ outputs (zero over the means) and ∂H / ∂ logStd (one per dim). */
export function hybridEntropyGrad(row: HybridRow): { outputs: number[]; logStd: number[] } {
  const { D, logits } = split(row);
  return { outputs: [...new Array<number>(D).fill(0), ...multiCategoricalEntropyGrad(logits, row.nvec, row.mask)], logStd: row.logStd.map(() => 1) };
}

/** KL(old ‖ new) = KL of the Gaussians (each row its own log-std) + Σ_b KL of the branches (under new's mask). */
export function hybridKl(old: HybridRow, row: HybridRow): number {
  const o = split(old);
  const n = split(row);
  return gaussianKl(o.means, old.logStd, n.means, row.logStd) + multiCategoricalKl(o.logits, n.logits, row.nvec, row.mask);
}

/** ∂KL(old ‖ new) / ∂ new's outputs (means, then logits) and / ∂ new's logStd. */
export function hybridKlGrad(old: HybridRow, row: HybridRow): { outputs: number[]; logStd: number[] } {
  const o = split(old);
  const n = split(row);
  const gaussian = gaussianKlGrad(o.means, old.logStd, n.means, row.logStd);
  return { outputs: [...gaussian.mean, ...multiCategoricalKlGrad(o.logits, n.logits, row.nvec, row.mask)], logStd: gaussian.logStd };
}
