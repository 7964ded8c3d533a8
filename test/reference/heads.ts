/**
 * Float64 plain-loop reference for the policy heads (shaders/nn/categorical_*.wgsl,
 * shaders/nn/gaussian_*.wgsl, shaders/nn/kl_*.wgsl): one row at a time, no batching, no strides.
 *
 * Categorical over A actions with an optional mask (mask[a] ∈ {0, 1}; 1 = allowed). Masked actions
 * have probability exactly 0, log-probability -Infinity and gradient exactly 0. A row that allows no
 * action has no distribution: the per-row functions throw for it, and the batch samplers
 * (categoricalSampleBatch here, maskedArgmaxBatch in policy-inference.ts) give it what the kernels
 * write, action 0 with log p = GPU_LOG_ZERO, and count it in the batch's MaskErrors (maskErrorsOf).
 * With p = softmax over the allowed actions:
 *   log p_a = l_a - log Σ_{allowed} exp(l_j)
 *   H = -Σ_{allowed} p_a log p_a
 *   ∂ log p_k / ∂ l_a = [a = k] - p_a                 (allowed a; 0 for masked a)
 *   ∂H / ∂ l_a = -p_a (log p_a + H)                    (allowed a; 0 for masked a)
 *   KL(old ‖ new) = Σ_{allowed} q_a (log q_a - log p_a), q = old, p = new (same mask)
 *   ∂KL / ∂ l_new,a = p_a - q_a
 *
 * Diagonal Gaussian over D dims, N(μ_d, σ_d²), σ_d = exp(s_d) with s the log-std:
 *   log π(a) = Σ_d [-½ z_d² - s_d - ½ log 2π],  z_d = (a_d - μ_d) / σ_d
 *   ∂ log π / ∂ μ_d = z_d / σ_d,  ∂ log π / ∂ s_d = z_d² - 1
 *   H = Σ_d (s_d + ½ log(2πe)),   ∂H / ∂ s_d = 1
 *   KL(old ‖ new) = Σ_d [s_n - s_o + (σ_o² + (μ_o - μ_n)²) / (2 σ_n²) - ½]
 *   ∂KL / ∂ μ_n = (μ_n - μ_o) / σ_n²,  ∂KL / ∂ s_n = 1 - (σ_o² + (μ_o - μ_n)²) / σ_n²
 */

export const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
/** Entropy of N(0, 1): ½ log(2πe). */
export const STANDARD_NORMAL_ENTROPY = 0.5 * (1 + Math.log(2 * Math.PI));

type Vector = readonly number[];
/** Per-action flags, 1 = allowed, 0 = masked; undefined = all allowed. */
type Mask = readonly number[] | undefined;

function allowed(mask: Mask, a: number): boolean {
  return mask === undefined || mask[a] === 1;
}

function checkCategorical(logits: Vector, mask: Mask, where: string): void {
  if (logits.length < 1) throw new RangeError(`${where}: logits must have at least one action (got 0)`);
  if (mask === undefined) return;
  if (mask.length !== logits.length) {
    throw new RangeError(`${where}: mask has ${mask.length} entries for ${logits.length} actions`);
  }
  mask.forEach((m, a) => {
    if (m !== 0 && m !== 1) throw new RangeError(`${where}: mask[${a}] must be 0 or 1 (got ${m})`);
  });
  if (!mask.includes(1)) throw new RangeError(`${where}: mask allows no action; at least one must be 1`);
}

/** The f32 "log 0" the kernels write (CATEGORICAL_MASKED_LOGIT, shaders/nn/categorical_common.wgsl). */
export const GPU_LOG_ZERO = Math.fround(-1e30);

/** True when the row has a mask and it allows no action. */
export function allowsNoAction(mask: Mask): boolean {
  return mask !== undefined && !mask.includes(1);
}

/** The MaskErrors block a batch leaves (count, lowest row), or null when every row allows an action. */
export function maskErrorsOf(masks: readonly Mask[]): { count: number; firstRow: number } | null {
  const rows = masks.flatMap((m, r) => (allowsNoAction(m) ? [r] : []));
  return rows.length === 0 ? null : { count: rows.length, firstRow: rows[0]! };
}

/**
 * The sampler over a batch: row r draws with u[r] (categoricalSample) and gets its log p, except a
 * row that allows no action, which gets action 0 and log p = GPU_LOG_ZERO and counts in maskErrors.
 */
export function categoricalSampleBatch(
  logits: readonly Vector[],
  masks: readonly Mask[],
  u: readonly number[],
): { actions: number[]; logProbs: number[]; maskErrors: { count: number; firstRow: number } | null } {
  const actions: number[] = [];
  const logProbs: number[] = [];
  logits.forEach((l, r) => {
    if (allowsNoAction(masks[r])) {
      actions.push(0);
      logProbs.push(GPU_LOG_ZERO);
      return;
    }
    const action = categoricalSample(l, masks[r], u[r]!);
    actions.push(action);
    logProbs.push(categoricalLogProb(l, masks[r], action));
  });
  return { actions, logProbs, maskErrors: maskErrorsOf(masks) };
}

function checkAction(logits: Vector, mask: Mask, action: number, where: string): void {
  if (!Number.isInteger(action) || action < 0 || action >= logits.length) {
    throw new RangeError(`${where}: action must be an integer in [0, ${logits.length - 1}] (got ${action})`);
  }
  if (!allowed(mask, action)) throw new RangeError(`${where}: action ${action} is masked`);
}

/** log softmax over the allowed actions; masked entries are -Infinity. */
export function categoricalLogSoftmax(logits: Vector, mask?: Mask): number[] {
  checkCategorical(logits, mask, 'categoricalLogSoftmax');
  let max = -Infinity;
  for (let a = 0; a < logits.length; a += 1) if (allowed(mask, a)) max = Math.max(max, logits[a]!);
  let total = 0;
  for (let a = 0; a < logits.length; a += 1) if (allowed(mask, a)) total += Math.exp(logits[a]! - max);
  // (l - max) - log Σ: subtracting max first keeps log p exact for large logits.
  const logTotal = Math.log(total);
  return logits.map((l, a) => (allowed(mask, a) ? l - max - logTotal : -Infinity));
}

/** softmax over the allowed actions; masked entries are exactly 0. */
export function categoricalProbabilities(logits: Vector, mask?: Mask): number[] {
  return categoricalLogSoftmax(logits, mask).map((lp) => (lp === -Infinity ? 0 : Math.exp(lp)));
}

/**
 * Inverse-CDF sample for u in (0, 1): the first action whose cumulative probability exceeds u; if
 * rounding lets the walk pass the end, the last action with nonzero probability (the rule of
 * categorical_sample_row in shaders/nn/categorical_common.wgsl).
 */
export function categoricalSample(logits: Vector, mask: Mask, u: number): number {
  const p = categoricalProbabilities(logits, mask);
  let cumulative = 0;
  let lastPossible = 0;
  for (let a = 0; a < p.length; a += 1) {
    if (p[a]! > 0) lastPossible = a;
    cumulative += p[a]!;
    if (cumulative > u) return a;
  }
  return lastPossible;
}

/** log p(action); throws for a masked or out-of-range action. */
export function categoricalLogProb(logits: Vector, mask: Mask, action: number): number {
  checkCategorical(logits, mask, 'categoricalLogProb');
  checkAction(logits, mask, action, 'categoricalLogProb');
  return categoricalLogSoftmax(logits, mask)[action]!;
}

/** H = -Σ p log p over the allowed actions. */
export function categoricalEntropy(logits: Vector, mask?: Mask): number {
  const logp = categoricalLogSoftmax(logits, mask);
  let entropy = 0;
  for (let a = 0; a < logits.length; a += 1) if (allowed(mask, a)) entropy -= Math.exp(logp[a]!) * logp[a]!;
  return entropy;
}

/** ∂ log p(action) / ∂ logits = onehot(action) - p; 0 at masked actions. */
export function categoricalLogProbGrad(logits: Vector, mask: Mask, action: number): number[] {
  checkAction(logits, mask, action, 'categoricalLogProbGrad');
  const p = categoricalProbabilities(logits, mask);
  return p.map((pa, a) => (allowed(mask, a) ? (a === action ? 1 : 0) - pa : 0));
}

/** ∂H / ∂ logits = -p ⊙ (log p + H); 0 at masked actions. */
export function categoricalEntropyGrad(logits: Vector, mask?: Mask): number[] {
  const logp = categoricalLogSoftmax(logits, mask);
  const entropy = categoricalEntropy(logits, mask);
  return logp.map((lp, a) => (allowed(mask, a) ? -Math.exp(lp) * (lp + entropy) : 0));
}

/** KL(old ‖ new) = Σ q (log q - log p) over the allowed actions (one mask for both). */
export function categoricalKl(oldLogits: Vector, newLogits: Vector, mask?: Mask): number {
  if (oldLogits.length !== newLogits.length) {
    throw new RangeError(`categoricalKl: old has ${oldLogits.length} actions, new has ${newLogits.length}`);
  }
  const logq = categoricalLogSoftmax(oldLogits, mask);
  const logp = categoricalLogSoftmax(newLogits, mask);
  let kl = 0;
  for (let a = 0; a < logq.length; a += 1) if (allowed(mask, a)) kl += Math.exp(logq[a]!) * (logq[a]! - logp[a]!);
  return kl;
}

/** ∂ KL(old ‖ new) / ∂ newLogits = p_new - p_old; 0 at masked actions. */
export function categoricalKlGrad(oldLogits: Vector, newLogits: Vector, mask?: Mask): number[] {
  const q = categoricalProbabilities(oldLogits, mask);
  const p = categoricalProbabilities(newLogits, mask);
  return p.map((pa, a) => (allowed(mask, a) ? pa - q[a]! : 0));
}

function checkGaussian(mean: Vector, logStd: Vector, where: string, action?: Vector): void {
  if (mean.length < 1) throw new RangeError(`${where}: mean must have at least one dimension (got 0)`);
  if (logStd.length !== mean.length) {
    throw new RangeError(`${where}: logStd has ${logStd.length} entries for ${mean.length} action dims`);
  }
  if (action && action.length !== mean.length) {
    throw new RangeError(`${where}: action has ${action.length} entries for ${mean.length} action dims`);
  }
}

/** mean + exp(logStd)·noise, noise standard normal. */
export function gaussianSample(mean: Vector, logStd: Vector, noise: Vector): number[] {
  checkGaussian(mean, logStd, 'gaussianSample', noise);
  return mean.map((m, d) => m + Math.exp(logStd[d]!) * noise[d]!);
}

/** log π(action) summed over dims. */
export function gaussianLogProb(action: Vector, mean: Vector, logStd: Vector): number {
  checkGaussian(mean, logStd, 'gaussianLogProb', action);
  let logp = 0;
  for (let d = 0; d < mean.length; d += 1) {
    const z = (action[d]! - mean[d]!) / Math.exp(logStd[d]!);
    logp += -0.5 * z * z - logStd[d]! - HALF_LOG_TWO_PI;
  }
  return logp;
}

/** H = Σ (logStd + ½ log 2πe). */
export function gaussianEntropy(logStd: Vector): number {
  return logStd.reduce((sum, s) => sum + s + STANDARD_NORMAL_ENTROPY, 0);
}

/** ∂ log π(action) / ∂ mean = z/σ and ∂ / ∂ logStd = z² - 1. */
export function gaussianLogProbGrad(action: Vector, mean: Vector, logStd: Vector): { mean: number[]; logStd: number[] } {
  checkGaussian(mean, logStd, 'gaussianLogProbGrad', action);
  const z = mean.map((m, d) => (action[d]! - m) / Math.exp(logStd[d]!));
  return {
    mean: z.map((zd, d) => zd / Math.exp(logStd[d]!)),
    logStd: z.map((zd) => zd * zd - 1),
  };
}

/** ∂H / ∂ logStd = 1 per dim. */
export function gaussianEntropyGrad(logStd: Vector): number[] {
  return logStd.map(() => 1);
}

/** KL(old ‖ new) in closed form, summed over dims. */
export function gaussianKl(oldMean: Vector, oldLogStd: Vector, newMean: Vector, newLogStd: Vector): number {
  checkGaussian(oldMean, oldLogStd, 'gaussianKl (old)');
  checkGaussian(newMean, newLogStd, 'gaussianKl (new)', oldMean);
  let kl = 0;
  for (let d = 0; d < oldMean.length; d += 1) {
    const diff = oldMean[d]! - newMean[d]!;
    const newVariance = Math.exp(2 * newLogStd[d]!);
    kl += newLogStd[d]! - oldLogStd[d]! + (Math.exp(2 * oldLogStd[d]!) + diff * diff) / (2 * newVariance) - 0.5;
  }
  return kl;
}

/** ∂ KL(old ‖ new) / ∂ (newMean, newLogStd). */
export function gaussianKlGrad(
  oldMean: Vector,
  oldLogStd: Vector,
  newMean: Vector,
  newLogStd: Vector,
): { mean: number[]; logStd: number[] } {
  checkGaussian(newMean, newLogStd, 'gaussianKlGrad (new)', oldMean);
  const mean: number[] = [];
  const logStd: number[] = [];
  for (let d = 0; d < newMean.length; d += 1) {
    const diff = oldMean[d]! - newMean[d]!;
    const newVariance = Math.exp(2 * newLogStd[d]!);
    mean.push(-diff / newVariance);
    logStd.push(1 - (Math.exp(2 * oldLogStd[d]!) + diff * diff) / newVariance);
  }
  return { mean, logStd };
}
