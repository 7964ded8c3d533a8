/**
 * Float64 plain-loop reference of the natural-gradient pieces (the oracle for
 * test/gpu/natural-gradient.test.ts and test/gpu/trpo.test.ts), for one agent's categorical policy
 * laid out by MlpLayout:
 *   - the Fisher-vector product F·v = (1/B) Σ_r J_rᵀ (diag p_r − p_r p_rᵀ) J_r v, from mlpTangent,
 *     the logit-space Fisher matrix and mlpBackward; checked in natural-gradient.test.ts against
 *     central finite differences of ∇θ mean KL(π_old ‖ π_θ) (F is that KL's Hessian at θ_old);
 *   - conjugate gradient with damping (SpinningUp's cg plus λ·v), checked against a direct solve;
 *   - the step scale √(2δ / xᵀAx) and the line-search choice (first k with improvement > 0 and
 *     KL ≤ δ, else −1), with each candidate's mean surrogate improvement and mean KL;
 *   - a multi-discrete row's Fisher product (block diagonal over the branches) and line-search
 *     terms (log ρ and KL summed over the branches), from test/reference/multi-categorical.ts.
 */
import type { MlpLayout } from '../../src/nn/mlp-spec';
import { categoricalKl, categoricalKlGrad, categoricalLogSoftmax, categoricalProbabilities, gaussianKl, gaussianKlGrad, gaussianLogProb, gaussianLogProbGrad } from './heads';
import { mlpBackward, mlpForward, mlpTangent, type Rows } from './mlp';
import { branchSlice, multiCategoricalKl, multiCategoricalLogProb } from './multi-categorical';

export type Vector = ArrayLike<number>;

/** (diag p − p pᵀ)·t for the logits of one row: p ⊙ (t − ⟨p, t⟩); 0 at masked actions (p = 0). */
export function categoricalFisherProduct(logits: Vector, tangent: Vector, mask?: readonly number[]): number[] {
  const p = categoricalProbabilities(Array.from(logits), mask);
  let mean = 0;
  for (let a = 0; a < p.length; a += 1) mean += p[a]! * tangent[a]!;
  return p.map((pa, a) => pa * (tangent[a]! - mean));
}

/** F·v over a batch (the policy head named `head`; the network has no other head). */
export function fisherVectorProduct(layout: MlpLayout, params: Vector, inputs: Rows, vector: Vector, head = 'policy'): Float64Array {
  const forward = mlpForward(layout, params, inputs);
  const tangent = mlpTangent(layout, params, vector, inputs).outputs[head]!;
  const B = inputs.length;
  const headGrads = forward.outputs[head]!.map((logits, r) => categoricalFisherProduct(logits, tangent[r]!).map((u) => u / B));
  return mlpBackward(layout, params, inputs, forward, { [head]: headGrads }).paramGrad;
}

/** ∇θ of the mean KL(π_old(·|x_r) ‖ π_θ(·|x_r)) over the batch, π_old given by its logits per row. */
export function meanKlGradient(layout: MlpLayout, params: Vector, inputs: Rows, oldLogits: Rows, head = 'policy'): Float64Array {
  const forward = mlpForward(layout, params, inputs);
  const B = inputs.length;
  const headGrads = forward.outputs[head]!.map((logits, r) => categoricalKlGrad(Array.from(oldLogits[r]!), Array.from(logits)).map((g) => g / B));
  return mlpBackward(layout, params, inputs, forward, { [head]: headGrads }).paramGrad;
}

/** The state-independent log-std of a Gaussian policy's layout (extras.logStd). */
function logStdOf(layout: MlpLayout, params: Vector): number[] {
  const slot = layout.extras.logStd;
  if (!slot) throw new RangeError('a Gaussian policy needs the layout extras.logStd');
  return Array.from({ length: slot.length }, (_, d) => params[slot.offset + d]!);
}

/**
 * F·v of a diagonal Gaussian policy (mean from head `head`, log-std s in extras.logStd):
 * (1/B) Σ_r J_rᵀ diag(e^{−2s}) J_r v for the network, 2·v_s for the log-std.
 */
export function gaussianFisherVectorProduct(layout: MlpLayout, params: Vector, inputs: Rows, vector: Vector, head = 'policy'): Float64Array {
  const forward = mlpForward(layout, params, inputs);
  const tangent = mlpTangent(layout, params, vector, inputs).outputs[head]!;
  const logStd = logStdOf(layout, params);
  const B = inputs.length;
  const headGrads = tangent.map((t) => Array.from(t, (td, d) => (td * Math.exp(-2 * logStd[d]!)) / B));
  const out = mlpBackward(layout, params, inputs, forward, { [head]: headGrads }).paramGrad;
  const slot = layout.extras.logStd!;
  for (let d = 0; d < slot.length; d += 1) out[slot.offset + d] = 2 * vector[slot.offset + d]!;
  return out;
}

/** ∇θ of the mean KL(N(μ_old, σ_old²) ‖ N(μ_θ, σ_θ²)) over the batch (network and log-std). */
export function meanGaussianKlGradient(layout: MlpLayout, params: Vector, inputs: Rows, oldMeans: Rows, oldLogStd: readonly number[], head = 'policy'): Float64Array {
  const forward = mlpForward(layout, params, inputs);
  const logStd = logStdOf(layout, params);
  const B = inputs.length;
  const slot = layout.extras.logStd!;
  const logStdGrad = new Float64Array(slot.length);
  const headGrads = forward.outputs[head]!.map((mean, r) => {
    const g = gaussianKlGrad(Array.from(oldMeans[r]!), oldLogStd, Array.from(mean), logStd);
    g.logStd.forEach((v, d) => (logStdGrad[d] = logStdGrad[d]! + v / B));
    return g.mean.map((v) => v / B);
  });
  const out = mlpBackward(layout, params, inputs, forward, { [head]: headGrads }).paramGrad;
  logStdGrad.forEach((v, d) => (out[slot.offset + d] = v));
  return out;
}

export interface ConjugateGradientResult {
  readonly x: Float64Array;
  /** rᵀr after the last iteration. */
  readonly residualSquared: number;
  /** bᵀb. */
  readonly rhsSquared: number;
}

const dot = (u: Vector, v: Vector) => {
  let s = 0;
  for (let i = 0; i < u.length; i += 1) s += u[i]! * v[i]!;
  return s;
};

/**
 * `iterations` steps of CG on (F + λI)x = b from x = 0 (SpinningUp's cg, with the guards of the GPU
 * kernels: α = 0 when pᵀAp ≤ 0, β = 0 when rᵀr = 0).
 */
export function conjugateGradient(apply: (v: Float64Array) => Vector, b: Vector, iterations: number, damping: number): ConjugateGradientResult {
  const n = b.length;
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  let rr = dot(r, r);
  const rhsSquared = rr;
  for (let i = 0; i < iterations; i += 1) {
    const fp = apply(p);
    const ap = Float64Array.from(p, (pi, j) => fp[j]! + damping * pi);
    const pAp = dot(p, ap);
    const alpha = pAp > 0 && Number.isFinite(pAp) ? rr / pAp : 0;
    for (let j = 0; j < n; j += 1) {
      x[j] = x[j]! + alpha * p[j]!;
      r[j] = r[j]! - alpha * ap[j]!;
    }
    const rrNew = dot(r, r);
    const beta = rr > 0 ? rrNew / rr : 0;
    for (let j = 0; j < n; j += 1) p[j] = r[j]! + beta * p[j]!;
    rr = rrNew;
  }
  return { x, residualSquared: rr, rhsSquared };
}

/** √(2δ / xᵀ(F + λI)x), 0 when the form is not positive. */
export function stepScale(apply: (v: Float64Array) => Vector, x: Float64Array, damping: number, maxKl: number): { xAx: number; scale: number } {
  const fx = apply(x);
  let xAx = 0;
  for (let i = 0; i < x.length; i += 1) xAx += x[i]! * (fx[i]! + damping * x[i]!);
  return { xAx, scale: xAx > 0 && Number.isFinite(xAx) ? Math.sqrt((2 * maxKl) / xAx) : 0 };
}

/** Solves A·x = b for a dense square A by Gaussian elimination with partial pivoting. */
export function solveDense(matrix: readonly Vector[], b: Vector): Float64Array {
  const n = b.length;
  const m = matrix.map((row, i) => [...Array.from(row), b[i]!]);
  for (let c = 0; c < n; c += 1) {
    let pivot = c;
    for (let r = c + 1; r < n; r += 1) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    for (let r = c + 1; r < n; r += 1) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k += 1) m[r]![k] = m[r]![k]! - f * m[c]![k]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r -= 1) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k += 1) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

export interface LineSearchCandidate {
  /** backtrack^k. */
  readonly fraction: number;
  /** mean (ρ − 1)·Â over the batch. */
  readonly improvement: number;
  /** mean KL(π_old ‖ π_θk). */
  readonly kl: number;
}

/** The first k with improvement > 0 and KL ≤ δ (SpinningUp's test, strict improvement), else −1. */
export function lineSearchChoice(candidates: readonly Pick<LineSearchCandidate, 'improvement' | 'kl'>[], maxKl: number): number {
  return candidates.findIndex((c) => Number.isFinite(c.improvement) && Number.isFinite(c.kl) && c.improvement > 0 && c.kl <= maxKl);
}

/**
 * Every candidate θ_k = θ − backtrack^k·scale·x of the line search over a batch: mean surrogate
 * improvement (ρ − 1)·Â and mean KL(π_θ ‖ π_θk), π_θ the current policy.
 */
export function lineSearchCandidates(
  layout: MlpLayout,
  params: Vector,
  direction: Vector,
  scale: number,
  batch: { readonly inputs: Rows; readonly actions: readonly number[]; readonly advantages: Vector },
  candidates: number,
  backtrack: number,
  head = 'policy',
): LineSearchCandidate[] {
  const old = mlpForward(layout, params, batch.inputs).outputs[head]!;
  const B = batch.inputs.length;
  return Array.from({ length: candidates }, (_, k) => {
    const fraction = backtrack ** k;
    const theta = Float64Array.from(params, (t, i) => t - fraction * scale * direction[i]!);
    const logits = mlpForward(layout, theta, batch.inputs).outputs[head]!;
    let improvement = 0;
    let kl = 0;
    for (let r = 0; r < B; r += 1) {
      const a = batch.actions[r]!;
      const newRow = Array.from(logits[r]!);
      const oldRow = Array.from(old[r]!);
      const ratio = Math.exp(categoricalLogSoftmax(newRow)[a]! - categoricalLogSoftmax(oldRow)[a]!);
      improvement += (ratio - 1) * batch.advantages[r]!;
      kl += categoricalKl(oldRow, newRow);
    }
    return { fraction, improvement: improvement / B, kl: kl / B };
  });
}

/** ∇θ of the surrogate loss −mean ρ·Â at θ (ρ = 1 there): −(1/B) Σ_r Â_r ∇θ log π(a_r | x_r). */
export function surrogateLossGradient(
  layout: MlpLayout,
  params: Vector,
  batch: { readonly inputs: Rows; readonly actions: readonly number[]; readonly advantages: Vector },
  head = 'policy',
): Float64Array {
  const forward = mlpForward(layout, params, batch.inputs);
  const B = batch.inputs.length;
  const headGrads = forward.outputs[head]!.map((logits, r) =>
    categoricalProbabilities(Array.from(logits)).map((p, a) => (-batch.advantages[r]! / B) * ((a === batch.actions[r] ? 1 : 0) - p)),
  );
  return mlpBackward(layout, params, batch.inputs, forward, { [head]: headGrads }).paramGrad;
}

/** ∇θ of −mean ρ·Â at θ for a diagonal Gaussian policy (network and log-std), actions [B][D]. */
export function gaussianSurrogateLossGradient(
  layout: MlpLayout,
  params: Vector,
  batch: { readonly inputs: Rows; readonly actions: Rows; readonly advantages: Vector },
  head = 'policy',
): Float64Array {
  const forward = mlpForward(layout, params, batch.inputs);
  const logStd = logStdOf(layout, params);
  const B = batch.inputs.length;
  const slot = layout.extras.logStd!;
  const logStdGrad = new Float64Array(slot.length);
  const headGrads = forward.outputs[head]!.map((mean, r) => {
    const g = gaussianLogProbGrad(Array.from(batch.actions[r]!), Array.from(mean), logStd);
    const c = -batch.advantages[r]! / B;
    g.logStd.forEach((v, d) => (logStdGrad[d] = logStdGrad[d]! + c * v));
    return g.mean.map((v) => c * v);
  });
  const out = mlpBackward(layout, params, batch.inputs, forward, { [head]: headGrads }).paramGrad;
  logStdGrad.forEach((v, d) => (out[slot.offset + d] = v));
  return out;
}

/** lineSearchCandidates for a diagonal Gaussian policy (the log-std moves with θ), actions [B][D]. */
export function gaussianLineSearchCandidates(
  layout: MlpLayout,
  params: Vector,
  direction: Vector,
  scale: number,
  batch: { readonly inputs: Rows; readonly actions: Rows; readonly advantages: Vector },
  candidates: number,
  backtrack: number,
  head = 'policy',
): LineSearchCandidate[] {
  const old = mlpForward(layout, params, batch.inputs).outputs[head]!;
  const oldLogStd = logStdOf(layout, params);
  const B = batch.inputs.length;
  return Array.from({ length: candidates }, (_, k) => {
    const fraction = backtrack ** k;
    const theta = Float64Array.from(params, (t, i) => t - fraction * scale * direction[i]!);
    const means = mlpForward(layout, theta, batch.inputs).outputs[head]!;
    const logStd = logStdOf(layout, theta);
    let improvement = 0;
    let kl = 0;
    for (let r = 0; r < B; r += 1) {
      const a = Array.from(batch.actions[r]!);
      const ratio = Math.exp(gaussianLogProb(a, Array.from(means[r]!), logStd) - gaussianLogProb(a, Array.from(old[r]!), oldLogStd));
      improvement += (ratio - 1) * batch.advantages[r]!;
      kl += gaussianKl(Array.from(old[r]!), oldLogStd, Array.from(means[r]!), logStd);
    }
    return { fraction, improvement: improvement / B, kl: kl / B };
  });
}

/**
 * (diag p − p pᵀ)·t of a multi-discrete row: the product of independent categoricals has a
 * block-diagonal logit-space Fisher matrix, one categorical block per branch of `nvec`.
 */
export function multiCategoricalFisherProduct(logits: Vector, tangent: Vector, nvec: readonly number[], mask?: readonly number[]): number[] {
  return nvec.flatMap((_, b) =>
    categoricalFisherProduct(branchSlice(Array.from(logits), nvec, b), branchSlice(Array.from(tangent), nvec, b), mask === undefined ? undefined : branchSlice(mask, nvec, b)),
  );
}

/** One candidate row of a multi-discrete line search: (ρ − 1)·Â with log ρ summed over branches, and Σ_b KL_b(old ‖ new). */
export function multiCategoricalLineSearchTerms(
  newLogits: Vector,
  oldLogits: Vector,
  nvec: readonly number[],
  mask: readonly number[] | undefined,
  actions: Vector,
  advantage: number,
): { improvement: number; kl: number } {
  const logRatio = multiCategoricalLogProb(Array.from(newLogits), nvec, mask, Array.from(actions)) - multiCategoricalLogProb(Array.from(oldLogits), nvec, mask, Array.from(actions));
  return { improvement: (Math.exp(logRatio) - 1) * advantage, kl: multiCategoricalKl(Array.from(oldLogits), Array.from(newLogits), nvec, mask) };
}
