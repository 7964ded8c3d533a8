/**
 * The float64 multi-discrete head reference (test/reference/multi-categorical.ts) against
 * hand-computed cases and central finite differences over the whole row of Σ nvec logits (so the
 * gradient's slices, and its zeros across branches, are checked together): max |analytic − fd| /
 * max(1, max |analytic|) < 1e-6 with h = 1e-5, as test/reference/heads.test.ts. Fresh inputs each
 * run, the seed in every failure message.
 */
import { describe, expect, it } from 'vitest';
import { finiteDifference, relativeError } from './finite-difference';
import {
  multiCategoricalArgmax,
  multiCategoricalEntropy,
  multiCategoricalEntropyGrad,
  multiCategoricalKl,
  multiCategoricalKlGrad,
  multiCategoricalLogProb,
  multiCategoricalLogProbGrad,
  multiCategoricalSample,
} from './multi-categorical';
import { GPU_LOG_ZERO } from './heads';
import { freshSeed, seededRandom } from '../support/random';

const seed = freshSeed();
const random = seededRandom(seed);


/** A mask row over the branches, each branch allowing at least one action. */
function randomMask(nvec: readonly number[]): number[] {
  return nvec.flatMap((n) => {
    const m = Array.from({ length: n }, () => (random() < 0.35 ? 0 : 1));
    if (!m.includes(1)) m[Math.floor(random() * n)] = 1;
    return m;
  });
}

describe('multi-categorical reference', () => {
  it('hand-computed: nvec [2, 1] and [3, 2]', () => {
    // Branch 0 uniform over 2, branch 1 a single action: log p = −log 2, H = log 2.
    expect(multiCategoricalLogProb([0, 0, 5], [2, 1], undefined, [1, 0])).toBeCloseTo(-Math.log(2), 14);
    expect(multiCategoricalEntropy([0, 0, 5], [2, 1])).toBeCloseTo(Math.log(2), 14);
    // Branch 0: logits [0, ln 2, 0] → p = [1/4, 1/2, 1/4]; branch 1 masked to its action 1 → p = 1.
    const logits = [0, Math.log(2), 0, 3, -1];
    const mask = [1, 1, 1, 0, 1];
    expect(multiCategoricalLogProb(logits, [3, 2], mask, [1, 1])).toBeCloseTo(Math.log(0.5), 14);
    expect(multiCategoricalEntropy(logits, [3, 2], mask)).toBeCloseTo(1.5 * Math.log(2), 14);
    expect(multiCategoricalLogProbGrad(logits, [3, 2], mask, [1, 1])).toEqual([-0.25, 0.5, -0.25, 0, 0].map((v) => expect.closeTo(v, 14)));
    // KL of the branches adds: branch 0 old uniform vs new [1/4, 1/2, 1/4]; branch 1 identical.
    const kl0 = (1 / 3) * (Math.log(4 / 3) + Math.log(2 / 3) + Math.log(4 / 3));
    expect(multiCategoricalKl([0, 0, 0, 1, 2], [0, Math.log(2), 0, 1, 2], [3, 2])).toBeCloseTo(kl0, 14);
    expect(multiCategoricalArgmax(logits, [3, 2], mask)).toEqual([1, 1]);
    expect(multiCategoricalArgmax([1, 1, 0, 2, 2], [3, 2])).toEqual([0, 0]);
    // Sampling: each branch from its own uniform; a branch allowing nothing gives action 0, log 0.
    expect(multiCategoricalSample([0, 0, 0, 0], [2, 2], undefined, [0.3, 0.7]).actions).toEqual([0, 1]);
    const blocked = multiCategoricalSample([0, 0, 0, 0], [2, 2], [1, 1, 0, 0], [0.3, 0.7]);
    expect([blocked.actions, blocked.blocked, blocked.logProb]).toEqual([[0, 0], true, -Math.log(2) + GPU_LOG_ZERO]);
  });

  describe.each([
    { nvec: [3, 1, 5], masked: false },
    { nvec: [3, 1, 5], masked: true },
    { nvec: [2, 7], masked: true },
  ])('gradients by finite differences, nvec %o', ({ nvec, masked }) => {
    it('log p, entropy and KL over the whole row', () => {
      for (let trial = 0; trial < 5; trial += 1) {
        const total = nvec.reduce((s, n) => s + n, 0);
        const logits = Array.from({ length: total }, () => -3 + 6 * random());
        const old = Array.from({ length: total }, () => -3 + 6 * random());
        const mask = masked ? randomMask(nvec) : undefined;
        let start = 0;
        const actions = nvec.map((n) => {
          const allowed = Array.from({ length: n }, (_, a) => a).filter((a) => !mask || mask[start + a] === 1);
          start += n;
          return allowed[Math.floor(random() * allowed.length)]!;
        });
        const where = `seed ${seed}, nvec [${nvec}], trial ${trial}`;
        expect(relativeError(multiCategoricalLogProbGrad(logits, nvec, mask, actions), finiteDifference((x) => multiCategoricalLogProb(x, nvec, mask, actions), logits)), where).toBeLessThan(1e-6);
        expect(relativeError(multiCategoricalEntropyGrad(logits, nvec, mask), finiteDifference((x) => multiCategoricalEntropy(x, nvec, mask), logits)), where).toBeLessThan(1e-6);
        expect(relativeError(multiCategoricalKlGrad(old, logits, nvec, mask), finiteDifference((x) => multiCategoricalKl(old, x, nvec, mask), logits)), where).toBeLessThan(1e-6);
      }
    });
  });
});
