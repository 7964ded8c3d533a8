/**
 * The float64 hybrid head reference (test/reference/hybrid.ts) against a hand-computed case and
 * central finite differences over a whole row (the D means, the Σ nvec logits, the D log-stds), so
 * the joint gradient's slices are checked together: max |analytic − fd| / max(1, max |analytic|)
 * < 1e-6 with h = 1e-5, as the other head references. Fresh inputs each run, the seed in every
 * failure message.
 */
import { describe, expect, it } from 'vitest';
import { finiteDifference, relativeError } from './finite-difference';
import { hybridEntropy, hybridEntropyGrad, hybridLogProb, hybridLogProbGrad, type HybridRow } from './hybrid';
import { freshSeed, seededRandom } from '../support/random';

const seed = freshSeed();
const random = seededRandom(seed);


describe('hybrid head reference', () => {
  it('a hand-computed row: N(0.5; 0, 1) and a uniform branch of 2', () => {
    const row: HybridRow = { outputs: [0, 0, 0], logStd: [0], nvec: [2], mask: undefined };
    const logNormal = -0.5 * 0.25 - 0.5 * Math.log(2 * Math.PI);
    expect(hybridLogProb(row, [0.5, 1])).toBeCloseTo(logNormal + Math.log(0.5), 12);
    expect(hybridEntropy(row)).toBeCloseTo(0.5 * Math.log(2 * Math.PI * Math.E) + Math.log(2), 12);
    // A mask leaving one action: that branch is certain (log 1 = 0, entropy 0).
    const masked = { ...row, mask: [0, 1] };
    expect(hybridLogProb(masked, [0.5, 1])).toBeCloseTo(logNormal, 12);
    expect(hybridEntropy(masked)).toBeCloseTo(0.5 * Math.log(2 * Math.PI * Math.E), 12);
  });

  it('log π and H gradients match finite differences over means, logits and log-stds', () => {
    const D = 3;
    const nvec = [4, 1, 3];
    for (let trial = 0; trial < 20; trial += 1) {
      const outputs = Array.from({ length: D + 8 }, () => 4 * random() - 2);
      const logStd = Array.from({ length: D }, () => random() - 0.5);
      const mask = trial % 2 === 0 ? undefined : [1, 0, 1, 1, 1, 0, 1, 1];
      const action = [...Array.from({ length: D }, () => 2 * random() - 1), [0, 2, 3][trial % 3]!, 0, [1, 2][(trial >> 1) % 2]!];
      const row: HybridRow = { outputs, logStd, nvec, mask };
      const x = [...outputs, ...logStd];
      const rowOf = (v: number[]): HybridRow => ({ outputs: v.slice(0, D + 8), logStd: v.slice(D + 8), nvec, mask });
      const logp = hybridLogProbGrad(row, action);
      const fdLogp = finiteDifference((v) => hybridLogProb(rowOf(v), action), x);
      expect(relativeError([...logp.outputs, ...logp.logStd], fdLogp), `seed ${seed}, trial ${trial}: d log π`).toBeLessThan(1e-6);
      const h = hybridEntropyGrad(row);
      const fdH = finiteDifference((v) => hybridEntropy(rowOf(v)), x);
      expect(relativeError([...h.outputs, ...h.logStd], fdH), `seed ${seed}, trial ${trial}: dH`).toBeLessThan(1e-6);
    }
  });
});
