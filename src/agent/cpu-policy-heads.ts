/**
 * The policy heads of the CPU policy (./cpu-policy.ts), one row at a time, by the arithmetic of the
 * GPU's head kernels: a categorical row over logits[offset … offset + n − 1] with an optional mask
 * (nonzero / true = allowed), greedy (the first of equal maxima, shaders/agent/categorical_argmax.wgsl),
 * sampled by inverse CDF (shaders/nn/categorical_common.wgsl categorical_sample_row), and log p
 * under the masked softmax; a diagonal Gaussian's log-density (shaders/nn/gaussian_common.wgsl).
 * Sums are float64; nothing here allocates.
 */

/** An action mask as act() takes it: 1 / true = allowed. */
export type MaskLike = ArrayLike<number | boolean>;

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** Whether action a of a row is allowed: every action when there is no mask. */
function allowed(mask: MaskLike | null, maskOffset: number, a: number): boolean {
  return mask === null || Boolean(mask[maskOffset + a]);
}

/** The allowed action with the largest logit (the lowest index among equal maxima), or −1 when the mask allows none. */
export function maskedArgmax(logits: Float32Array, offset: number, n: number, mask: MaskLike | null, maskOffset: number): number {
  let best = -1;
  for (let a = 0; a < n; a += 1) {
    if (allowed(mask, maskOffset, a) && (best < 0 || logits[offset + a]! > logits[offset + best]!)) best = a;
  }
  return best;
}

/** log Σ_a exp(l_a − max) over the allowed actions, `max` being the largest allowed logit. */
export function logSumExpBelow(logits: Float32Array, offset: number, n: number, mask: MaskLike | null, maskOffset: number, max: number): number {
  let total = 0;
  for (let a = 0; a < n; a += 1) if (allowed(mask, maskOffset, a)) total += Math.exp(logits[offset + a]! - max);
  return Math.log(total);
}

/**
 * The first allowed action whose cumulative exp(l − max) exceeds u·Σ (u in (0, 1), logSum from
 * logSumExpBelow); rounding that leaves the walk just short returns the last action with p > 0.
 */
export function sampleMasked(logits: Float32Array, offset: number, n: number, mask: MaskLike | null, maskOffset: number, max: number, logSum: number, u: number): number {
  const target = u * Math.exp(logSum);
  let cumulative = 0;
  let lastPossible = 0;
  for (let a = 0; a < n; a += 1) {
    if (!allowed(mask, maskOffset, a)) continue;
    const p = Math.exp(logits[offset + a]! - max);
    if (p > 0) lastPossible = a;
    cumulative += p;
    if (cumulative > target) return a;
  }
  return lastPossible;
}

/** log N(action; mean, exp(logStd)²) of one dim: −½z² − s − ½ log 2π with z = (a − μ)·exp(−s). */
export function gaussianLogDensity(action: number, mean: number, logStd: number): number {
  const z = (action - mean) * Math.exp(-logStd);
  return -0.5 * z * z - logStd - HALF_LOG_TWO_PI;
}
