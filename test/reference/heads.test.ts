/**
 * The float64 head reference (test/reference/heads.ts) against hand-computed cases and central
 * finite differences. Gradients: max_a |analytic - fd| / max(1, max_a |analytic|) < 1e-6 with step
 * h = 1e-5 (truncation ~h²·f''' ≈ 1e-10, rounding ~ε·|f|/h ≈ 1e-11). Inputs are fresh each run;
 * the seed is in every failure message.
 */
import { describe, expect, it } from 'vitest';
import { finiteDifference, relativeError } from './finite-difference';
import {
  HALF_LOG_TWO_PI,
  STANDARD_NORMAL_ENTROPY,
  categoricalEntropy,
  categoricalEntropyGrad,
  categoricalKl,
  categoricalKlGrad,
  categoricalLogProb,
  categoricalLogProbGrad,
  categoricalLogSoftmax,
  categoricalProbabilities,
  categoricalSample,
  gaussianEntropy,
  gaussianEntropyGrad,
  gaussianKl,
  gaussianKlGrad,
  gaussianLogProb,
  gaussianLogProbGrad,
  gaussianSample,
  GPU_LOG_ZERO,
  categoricalSampleBatch,
  maskErrorsOf,
} from './heads';
import { freshSeed, seededRandom as generator } from '../support/random';

const seed = freshSeed();
const random = generator(seed);
const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
const vector = (n: number, lo: number, hi: number) => Array.from({ length: n }, () => uniform(lo, hi));
const context = `seed ${seed}`;


/** A random mask over n actions with at least one action allowed (about a third masked). */
function randomMask(n: number): number[] {
  const mask = Array.from({ length: n }, () => (random() < 0.35 ? 0 : 1));
  if (!mask.includes(1)) mask[Math.floor(random() * n)] = 1;
  return mask;
}
const allowedActions = (mask: readonly number[]) => mask.flatMap((m, a) => (m === 1 ? [a] : []));

describe('categorical reference', () => {
  it('hand-computed cases', () => {
    // Uniform logits: p = 1/A, H = log A, log p = -log A, KL(p ‖ p) = 0.
    for (const a of [1, 3, 5]) {
      const logits = new Array<number>(a).fill(0.7);
      expect(categoricalEntropy(logits)).toBeCloseTo(Math.log(a), 14);
      expect(categoricalLogProb(logits, undefined, a - 1)).toBeCloseTo(-Math.log(a), 14);
      expect(categoricalKl(logits, logits)).toBe(0);
    }
    // logits [0, log 3]: p = [1/4, 3/4].
    const two = [0, Math.log(3)];
    expect(categoricalProbabilities(two)[0]).toBeCloseTo(0.25, 15);
    expect(categoricalLogProb(two, undefined, 1)).toBeCloseTo(Math.log(0.75), 15);
    expect(categoricalEntropy(two)).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 15);
    // ∂ log p_1 = [-1/4, 1/4]; ∂H = -p(log p + H).
    expect(categoricalLogProbGrad(two, undefined, 1)).toEqual([-0.25, 0.25].map((v) => expect.closeTo(v, 15)));
    // KL([1/4, 3/4] ‖ [1/2, 1/2]) = 1/4 log(1/2) + 3/4 log(3/2).
    expect(categoricalKl(two, [0, 0])).toBeCloseTo(0.25 * Math.log(0.5) + 0.75 * Math.log(1.5), 15);
    // Masking 2 of 5 equal logits: uniform over 3, H = log 3; masked entries exactly 0.
    const mask = [1, 0, 1, 0, 1];
    const equal = [2, 50, 2, -7, 2];
    expect(categoricalEntropy(equal, mask)).toBeCloseTo(Math.log(3), 14);
    expect(categoricalProbabilities(equal, mask)).toEqual([1 / 3, 0, 1 / 3, 0, 1 / 3].map((v) => expect.closeTo(v, 15)));
    expect(categoricalLogSoftmax(equal, mask)[1]).toBe(-Infinity);
    expect(categoricalLogProbGrad(equal, mask, 2)[1]).toBe(0);
    expect(categoricalEntropyGrad(equal, mask)).toEqual([0, 0, 0, 0, 0].map((v) => expect.closeTo(v, 15)));
    expect(categoricalEntropyGrad(equal, mask)[3]).toBe(0);
    expect(categoricalKlGrad(equal, [0, 1, 2, 3, 4], mask)[1]).toBe(0);
    // Large logits do not overflow (the max is subtracted first).
    expect(categoricalLogProb([1000, 1000], undefined, 0)).toBeCloseTo(-Math.log(2), 14);
  });

  it('samples by inverse CDF and never a masked action', () => {
    const logits = [0, Math.log(3)]; // CDF boundary at 1/4
    expect(categoricalSample(logits, undefined, 0.2499)).toBe(0);
    expect(categoricalSample(logits, undefined, 0.2501)).toBe(1);
    expect(categoricalSample(logits, undefined, 1 - 2 ** -24)).toBe(1);
    const mask = [1, 1, 0];
    // Rounding past the end returns the last allowed action, not the masked one.
    expect(categoricalSample([0, 0, 0], mask, 1)).toBe(1);
    for (let i = 0; i < 200; i += 1) {
      const m = randomMask(5);
      const action = categoricalSample(vector(5, -3, 3), m, random());
      expect(m[action], `${context}: sampled masked action ${action} under mask ${m}`).toBe(1);
    }
  });

  it('a batch sampler gives a row that allows no action action 0 and log 0, and counts it', () => {
    // Rows: uniform over 2 (u = 0.7 lands in action 1), all masked, one allowed (p = 1), all masked.
    const batch = categoricalSampleBatch([[0, 0], [1, 2], [5, 5], [3, 4]], [[1, 1], [0, 0], [0, 1], [0, 0]], [0.7, 0.5, 0.5, 0.1]);
    expect(batch.actions).toEqual([1, 0, 1, 0]);
    expect(batch.logProbs).toEqual([Math.log(0.5), GPU_LOG_ZERO, 0, GPU_LOG_ZERO]);
    expect(batch.maskErrors).toEqual({ count: 2, firstRow: 1 });
    expect(maskErrorsOf([undefined, [1, 0], [0, 1]])).toBeNull();
  });

  it('rejects bad masks and actions, naming the problem', () => {
    expect(() => categoricalEntropy([1, 2], [0, 0])).toThrow(/mask allows no action/);
    expect(() => categoricalEntropy([1, 2], [1, 2])).toThrow(/mask\[1\] must be 0 or 1 \(got 2\)/);
    expect(() => categoricalEntropy([1, 2], [1])).toThrow(/mask has 1 entries for 2 actions/);
    expect(() => categoricalLogProb([1, 2], [1, 0], 1)).toThrow(/action 1 is masked/);
    expect(() => categoricalLogProb([1, 2], undefined, 2)).toThrow(/action must be an integer in \[0, 1\] \(got 2\)/);
  });

  it('gradients of log-prob, entropy and KL match central differences (masked and unmasked)', () => {
    for (let trial = 0; trial < 40; trial += 1) {
      const actions = 1 + (trial % 6);
      const mask = trial % 2 === 0 ? undefined : randomMask(actions);
      const logits = vector(actions, -4, 4);
      const old = vector(actions, -4, 4);
      const choices = mask ? allowedActions(mask) : logits.map((_, a) => a);
      const action = choices[Math.floor(random() * choices.length)]!;
      const where = `${context}, trial ${trial}, logits ${logits}, mask ${mask}`;

      const logpGrad = categoricalLogProbGrad(logits, mask, action);
      const entropyGrad = categoricalEntropyGrad(logits, mask);
      const klGrad = categoricalKlGrad(old, logits, mask);
      expect(relativeError(logpGrad, finiteDifference((x) => categoricalLogProb(x, mask, action), logits)), where).toBeLessThan(1e-6);
      expect(relativeError(entropyGrad, finiteDifference((x) => categoricalEntropy(x, mask), logits)), where).toBeLessThan(1e-6);
      expect(relativeError(klGrad, finiteDifference((x) => categoricalKl(old, x, mask), logits)), where).toBeLessThan(1e-6);
      // Masked entries: exactly zero gradient (the finite difference is also 0: the logit is ignored).
      mask?.forEach((m, a) => {
        if (m === 0) {
          expect(logpGrad[a], where).toBe(0);
          expect(entropyGrad[a], where).toBe(0);
          expect(klGrad[a], where).toBe(0);
        }
      });
      // KL ≥ 0 and the gradient sums to 0 (softmax is shift-invariant).
      expect(categoricalKl(old, logits, mask)).toBeGreaterThanOrEqual(0);
      expect(Math.abs(klGrad.reduce((s, g) => s + g, 0))).toBeLessThan(1e-12);
    }
  });

  it('gradients match central differences at A = 301 and 1 024 (masked and unmasked), where each p is small', () => {
    for (const [actions, masked] of [[301, false], [301, true], [1024, false], [1024, true]] as const) {
      const mask = masked ? randomMask(actions) : undefined;
      const logits = vector(actions, -4, 4);
      const old = vector(actions, -4, 4);
      const choices = mask ? allowedActions(mask) : logits.map((_, a) => a);
      const action = choices[Math.floor(random() * choices.length)]!;
      const where = `${context}, A = ${actions}, masked ${masked}`;
      const logpGrad = categoricalLogProbGrad(logits, mask, action);
      const entropyGrad = categoricalEntropyGrad(logits, mask);
      const klGrad = categoricalKlGrad(old, logits, mask);
      // The scale max(1, max|analytic|) is 1 here; every p is about 1/A, so compare absolutely.
      expect(relativeError(logpGrad, finiteDifference((x) => categoricalLogProb(x, mask, action), logits)), where).toBeLessThan(1e-7);
      expect(relativeError(entropyGrad, finiteDifference((x) => categoricalEntropy(x, mask), logits)), where).toBeLessThan(1e-7);
      expect(relativeError(klGrad, finiteDifference((x) => categoricalKl(old, x, mask), logits)), where).toBeLessThan(1e-7);
      mask?.forEach((m, a) => {
        if (m === 0) expect([logpGrad[a], entropyGrad[a], klGrad[a]], where).toEqual([0, 0, 0]);
      });
      // Hand-checkable: uniform logits give H = log(allowed count).
      const allowedCount = mask ? allowedActions(mask).length : actions;
      expect(categoricalEntropy(new Array<number>(actions).fill(0.3), mask), where).toBeCloseTo(Math.log(allowedCount), 12);
    }
  });
});

describe('diagonal Gaussian reference', () => {
  it('hand-computed cases', () => {
    // N(0, 1) at its mean: log π = -½ log 2π per dim; H = ½ log 2πe per dim.
    expect(gaussianLogProb([0, 0, 0], [0, 0, 0], [0, 0, 0])).toBeCloseTo(-3 * HALF_LOG_TWO_PI, 14);
    expect(gaussianEntropy([0, 0])).toBeCloseTo(Math.log(2 * Math.PI * Math.E), 14);
    // σ = e, one σ away: log π = -½ - 1 - ½ log 2π.
    expect(gaussianLogProb([1 + Math.E], [1], [1])).toBeCloseTo(-1.5 - HALF_LOG_TWO_PI, 14);
    expect(gaussianLogProbGrad([1 + Math.E], [1], [1]).logStd[0]).toBeCloseTo(0, 14); // z² - 1 = 0
    expect(gaussianLogProbGrad([1 + Math.E], [1], [1]).mean[0]).toBeCloseTo(1 / Math.E, 14); // z/σ
    expect(gaussianEntropy([Math.log(2)])).toBeCloseTo(Math.log(2) + STANDARD_NORMAL_ENTROPY, 15);
    expect(gaussianEntropyGrad([0.3, -2])).toEqual([1, 1]);
    expect(gaussianSample([1, -1], [0, Math.log(2)], [0.5, -0.25])).toEqual([1.5, -1.5]);
    // KL(N(0, 1) ‖ N(1, 1)) = ½; KL(N(0, 1) ‖ N(0, e²)) = 1 + 1/(2e²) - ½; KL(p ‖ p) = 0.
    expect(gaussianKl([0], [0], [1], [0])).toBeCloseTo(0.5, 15);
    expect(gaussianKl([0], [0], [0], [1])).toBeCloseTo(0.5 + 0.5 * Math.exp(-2), 15);
    expect(gaussianKl([0.3, -1], [0.2, -0.5], [0.3, -1], [0.2, -0.5])).toBeCloseTo(0, 15);
    expect(() => gaussianLogProb([0, 0], [0], [0])).toThrow(/action has 2 entries for 1 action dims/);
    expect(() => gaussianEntropy([])).not.toThrow();
    expect(() => gaussianKl([0], [0, 1], [0], [0])).toThrow(/logStd has 2 entries for 1 action dims/);
  });

  it('gradients of log-prob, entropy and KL match central differences', () => {
    for (let trial = 0; trial < 40; trial += 1) {
      const dims = 1 + (trial % 5);
      const mean = vector(dims, -2, 2);
      const logStd = vector(dims, -1.5, 1);
      const oldMean = vector(dims, -2, 2);
      const oldLogStd = vector(dims, -1.5, 1);
      const action = mean.map((m, d) => m + Math.exp(logStd[d]!) * uniform(-2.5, 2.5));
      const where = `${context}, trial ${trial}`;

      const logpGrad = gaussianLogProbGrad(action, mean, logStd);
      expect(relativeError(logpGrad.mean, finiteDifference((x) => gaussianLogProb(action, x, logStd), mean)), where).toBeLessThan(1e-6);
      expect(relativeError(logpGrad.logStd, finiteDifference((x) => gaussianLogProb(action, mean, x), logStd)), where).toBeLessThan(1e-6);
      expect(relativeError(gaussianEntropyGrad(logStd), finiteDifference((x) => gaussianEntropy(x), logStd)), where).toBeLessThan(1e-6);
      const klGrad = gaussianKlGrad(oldMean, oldLogStd, mean, logStd);
      expect(relativeError(klGrad.mean, finiteDifference((x) => gaussianKl(oldMean, oldLogStd, x, logStd), mean)), where).toBeLessThan(1e-6);
      expect(relativeError(klGrad.logStd, finiteDifference((x) => gaussianKl(oldMean, oldLogStd, mean, x), logStd)), where).toBeLessThan(1e-6);
      expect(gaussianKl(oldMean, oldLogStd, mean, logStd)).toBeGreaterThanOrEqual(0);
    }
  });
});
