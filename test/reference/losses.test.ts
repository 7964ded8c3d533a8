/**
 * The float64 loss reference (test/reference/losses.ts) against hand-computed cases, and its
 * per-row coefficients, chained through the heads (test/reference/heads.ts), against central finite
 * differences of the loss w.r.t. categorical logits, Gaussian means and log-stds, and values
 * (relative error < 1e-6 in float64). Rows within 1e-3 of a kink (clip bounds, the clipped value
 * loss's switch) are redrawn: finite differences across a kink measure neither side.
 */
import { describe, expect, it } from 'vitest';
import {
  categoricalEntropy,
  categoricalEntropyGrad,
  categoricalKl,
  categoricalKlGrad,
  categoricalLogProb,
  categoricalLogProbGrad,
  gaussianEntropy,
  gaussianEntropyGrad,
  gaussianKl,
  gaussianKlGrad,
  gaussianLogProb,
  gaussianLogProbGrad,
} from './heads';
import {
  minibatchLosses,
  surrogateRow,
  trajectoryWeights,
  valueRow,
  type Coefficients,
  type LossParts,
  type SurrogateObjective,
} from './losses';
import { freshSeed, seededRandom } from '../support/random';

const seed = freshSeed();
const random = seededRandom(seed);
const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();

const AGENTS = 2;
const M = 5;
const ROWS = AGENTS * M;
const COEFFICIENTS: Coefficients[] = [
  { clip: 0.2, valueClip: 0.3, entropy: 0.01, value: 0.5, klBeta: 0.7 },
  { clip: 0.1, valueClip: 0.15, entropy: 0.05, value: 1.3, klBeta: 2.0 },
];

/** |numeric − analytic| ≤ 1e-6·max(|numeric|, 1e-3) + 1e-12. */
function expectClose(numeric: number, analytic: number, what: string) {
  expect(Math.abs(numeric - analytic), `${what}: numeric ${numeric}, analytic ${analytic} (seed ${seed})`).toBeLessThanOrEqual(
    1e-6 * Math.max(Math.abs(numeric), 1e-3) + 1e-12,
  );
}

function centralDifference(f: (x: number) => number, x: number, h = 1e-5): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

describe('loss reference: hand cases', () => {
  it('PPO-clip picks the pessimistic branch and is flat exactly where the derivation says', () => {
    const eps = 0.2;
    const at = (ratio: number, advantage: number) => surrogateRow('clip', { logProb: Math.log(ratio), oldLogProb: 0, advantage }, eps);
    // r = 1.5, Â = 2: min(3, 1.2·2) = 2.4, flat.
    expect(at(1.5, 2).loss).toBeCloseTo(-2.4, 12);
    expect(at(1.5, 2).dLogProb).toBe(0);
    // r = 0.5, Â = −1: min(−0.5, −0.8) = −0.8, flat.
    expect(at(0.5, -1).loss).toBeCloseTo(0.8, 12);
    expect(at(0.5, -1).dLogProb).toBe(0);
    // r = 0.5, Â = 2: min(1, 1.6) = 1, unclipped gradient −r·Â = −1.
    expect(at(0.5, 2).loss).toBeCloseTo(-1, 12);
    expect(at(0.5, 2).dLogProb).toBeCloseTo(-1, 12);
    // r = 1.5, Â = −1: min(−1.5, −1.2) = −1.5, gradient 1.5.
    expect(at(1.5, -1).dLogProb).toBeCloseTo(1.5, 12);
    expect(at(1.5, -1).clipped).toBe(true);
    expect(at(1.1, -1).clipped).toBe(false);
  });

  it('PPO-clip at r = 1 ± ε exactly takes the unclipped gradient; one ulp beyond, exactly 0', () => {
    // Find log-ratios whose exp is exactly representable as 1 + ε for some ε (float64).
    for (const [logRatio, advantage] of [[Math.log(1.25), 3], [Math.log(0.75), -2]] as const) {
      const ratio = Math.exp(logRatio);
      const eps = Math.abs(ratio - 1);
      const boundary = advantage > 0 ? 1 + eps : 1 - eps;
      expect(boundary, 'the boundary must be exactly representable for this case').toBe(ratio);
      const row = { logProb: logRatio, oldLogProb: 0, advantage };
      expect(surrogateRow('clip', row, eps).dLogProb).toBe(-ratio * advantage);
      // A slightly smaller ε puts r strictly outside: flat.
      const inside = eps * (1 - 1e-12);
      expect(surrogateRow('clip', row, inside).dLogProb).toBe(0);
    }
  });

  it('importance, weighted, clone and trajectory surrogates', () => {
    const row = { logProb: Math.log(0.3), oldLogProb: Math.log(0.2), advantage: -2, trajectoryWeight: 0.7 };
    expect(surrogateRow('importance', row, 0.2).loss).toBeCloseTo(3, 12);
    expect(surrogateRow('importance', row, 0.2).dLogProb).toBeCloseTo(3, 12);
    expect(surrogateRow('weighted', row, 0.2).dLogProb).toBe(2);
    expect(surrogateRow('clone', row, 0.2).loss).toBeCloseTo(-Math.log(0.3), 12);
    expect(surrogateRow('trajectory', row, 0.2).dLogProb).toBeCloseTo(1.4, 12);
    expect(surrogateRow('trajectory', row, 0.2).weight).toBe(0.7);
    // k3 at r = 1.5: 0.5 − log 1.5.
    expect(surrogateRow('importance', row, 0.2).approxKl).toBeCloseTo(0.5 - Math.log(1.5), 14);
  });

  it("CleanRL's clipped value loss", () => {
    // V = 2, V_old = 1, ε = 0.5, R = 0: V_c = 1.5; max(4, 2.25) = 4, unclipped gradient 2.
    expect(valueRow(2, 0, 1, true, 0.5)).toEqual({ loss: 2, dValue: 2 });
    // R = 3: (V − R)² = 1, (V_c − R)² = 2.25: clipped branch, V outside the clip range → gradient 0.
    expect(valueRow(2, 3, 1, true, 0.5)).toEqual({ loss: 1.125, dValue: 0 });
    // V = 1.2 (inside the range): V_c = V, the branches tie, gradient V − R.
    expect(valueRow(1.2, 3, 1, true, 0.5).dValue).toBeCloseTo(-1.8, 12);
    expect(valueRow(2, 3, 1, false, 0.5)).toEqual({ loss: 0.5, dValue: -1 });
  });

  it('trajectory weights: products over each segment inside the rollout, capped', () => {
    // T = 4, N = 2. Env 0: done at t = 1 (terminated) → segments {0, 1}, {2, 3}. Env 1: truncated at
    // t = 0 → {0}, {1, 2, 3}.
    const x = [0.1, -0.2, 0.3, 0.4, 0.5, 0.6, -0.7, 0.8];
    const zeros = new Array(8).fill(0);
    const terminated = [0, 0, 1, 0, 0, 0, 0, 0];
    const truncated = [0, 1, 0, 0, 0, 0, 0, 0];
    const w = trajectoryWeights(4, 2, x, zeros, terminated, truncated);
    const e = Math.exp;
    expect(w[0]).toBeCloseTo(e(0.1 + 0.3), 12);
    expect(w[2]).toBeCloseTo(e(0.1 + 0.3), 12);
    expect(w[4]).toBeCloseTo(e(0.5 - 0.7), 12);
    expect(w[6]).toBeCloseTo(e(0.5 - 0.7), 12);
    expect(w[1]).toBeCloseTo(e(-0.2), 12);
    for (const i of [3, 5, 7]) expect(w[i]).toBeCloseTo(e(0.4 + 0.6 + 0.8), 12);
    const perDecision = trajectoryWeights(4, 2, x, zeros, terminated, truncated, { perDecision: true, cap: 5 });
    expect(perDecision[3]).toBeCloseTo(e(0.4), 12);
    expect(perDecision[5]).toBeCloseTo(e(1.0), 12);
    expect(perDecision[7]).toBe(5);
  });
});

interface CategoricalBatch {
  logits: number[][];
  oldLogits: number[][];
  actions: number[];
  advantages: number[];
  trajectoryWeights: number[];
  values: number[];
  returns: number[];
  oldValues: number[];
}

const ACTIONS = 4;

function categoricalBatch(): CategoricalBatch {
  const oldLogits = Array.from({ length: ROWS }, () => Array.from({ length: ACTIONS }, () => uniform(-1.5, 1.5)));
  return {
    oldLogits,
    logits: oldLogits.map((row) => row.map((l) => l + uniform(-0.4, 0.4))),
    actions: Array.from({ length: ROWS }, () => Math.floor(random() * ACTIONS)),
    advantages: Array.from({ length: ROWS }, () => uniform(-2, 2)),
    trajectoryWeights: Array.from({ length: ROWS }, () => uniform(0.2, 3)),
    oldValues: Array.from({ length: ROWS }, () => uniform(-1, 1)),
    values: Array.from({ length: ROWS }, () => uniform(-1.5, 1.5)),
    returns: Array.from({ length: ROWS }, () => uniform(-2, 2)),
  };
}

/** True when row r of the batch sits within 1e-3 of a kink of `parts`. */
function nearKink(parts: LossParts, batch: CategoricalBatch, logProbs: number[], oldLogProbs: number[], r: number): boolean {
  const c = COEFFICIENTS[Math.floor(r / M)]!;
  if (parts.objective === 'clip') {
    const ratio = Math.exp(logProbs[r]! - oldLogProbs[r]!);
    if (Math.abs(ratio - (1 + c.clip)) < 1e-3 || Math.abs(ratio - (1 - c.clip)) < 1e-3) return true;
  }
  if (parts.value === 'clipped') {
    const delta = batch.values[r]! - batch.oldValues[r]!;
    if (Math.abs(Math.abs(delta) - c.valueClip) < 1e-3) return true;
    const vc = batch.oldValues[r]! + Math.min(Math.max(delta, -c.valueClip), c.valueClip);
    if (Math.abs((batch.values[r]! - batch.returns[r]!) ** 2 - (vc - batch.returns[r]!) ** 2) < 1e-3) return true;
  }
  return false;
}

const PART_SETS: [string, LossParts][] = [
  ['REINFORCE (weighted) + entropy', { objective: 'weighted', entropy: true }],
  ['behaviour cloning', { objective: 'clone' }],
  ['per-step importance', { objective: 'importance' }],
  ['trajectory IS (weights detached)', { objective: 'trajectory' }],
  ['PPO-clip + clipped value + entropy', { objective: 'clip', entropy: true, value: 'clipped' }],
  ['KL-penalised + plain value + entropy', { objective: 'importance', klPenalty: true, entropy: true, value: 'plain' }],
];

describe('loss reference: gradients match central finite differences (float64, < 1e-6 relative)', () => {
  it.each(PART_SETS)('%s: w.r.t. categorical logits and values', (_, parts) => {
    let batch = categoricalBatch();
    const logProbsOf = (logits: number[][]) => logits.map((row, r) => categoricalLogProb(row, undefined, batch.actions[r]!));
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const lp = logProbsOf(batch.logits);
      const old = logProbsOf(batch.oldLogits);
      if (!Array.from({ length: ROWS }, (_, r) => nearKink(parts, batch, lp, old, r)).some(Boolean)) break;
      batch = categoricalBatch();
    }
    const oldLogProbs = logProbsOf(batch.oldLogits);
    const loss = (logits: number[][], values: number[]) => {
      const out = minibatchLosses(parts, {
        agents: AGENTS,
        rowsPerAgent: M,
        logProbs: logits.map((row, r) => categoricalLogProb(row, undefined, batch.actions[r]!)),
        oldLogProbs,
        advantages: batch.advantages,
        trajectoryWeights: batch.trajectoryWeights,
        entropies: logits.map((row) => categoricalEntropy(row)),
        kl: logits.map((row, r) => categoricalKl(batch.oldLogits[r]!, row)),
        values,
        returns: batch.returns,
        oldValues: batch.oldValues,
        coefficients: COEFFICIENTS,
      });
      return out;
    };
    const total = (logits: number[][], values: number[]) => loss(logits, values).totalLoss.reduce((a, b) => a + b, 0);
    const analytic = loss(batch.logits, batch.values);
    for (let r = 0; r < ROWS; r += 1) {
      const row = batch.logits[r]!;
      const dLogp = categoricalLogProbGrad(row, undefined, batch.actions[r]!);
      const dH = categoricalEntropyGrad(row);
      const dKl = categoricalKlGrad(batch.oldLogits[r]!, row);
      for (let j = 0; j < ACTIONS; j += 1) {
        let chained = analytic.logProbGrads[r]! * dLogp[j]!;
        if (parts.entropy) chained += analytic.entropyGrads[r]! * dH[j]!;
        if (parts.klPenalty) chained += analytic.klGrads[r]! * dKl[j]!;
        const numeric = centralDifference((x) => {
          const logits = batch.logits.map((l) => [...l]);
          logits[r]![j] = x;
          return total(logits, batch.values);
        }, row[j]!);
        expectClose(numeric, chained, `∂L/∂logit[${r}][${j}]`);
      }
      if (parts.value) {
        const numeric = centralDifference((x) => {
          const values = [...batch.values];
          values[r] = x;
          return total(batch.logits, values);
        }, batch.values[r]!);
        expectClose(numeric, analytic.valueGrads[r]!, `∂L/∂V[${r}]`);
      }
    }
  });

  it.each(PART_SETS.filter(([, p]) => !p.value))('%s: w.r.t. Gaussian means and per-agent log-stds', (_, parts) => {
    const D = 3;
    const oldMean = Array.from({ length: ROWS }, () => Array.from({ length: D }, () => uniform(-1, 1)));
    const oldLogStd = Array.from({ length: AGENTS }, () => Array.from({ length: D }, () => uniform(-0.7, 0.3)));
    const mean = oldMean.map((row) => row.map((m) => m + uniform(-0.1, 0.1)));
    const logStd = oldLogStd.map((row) => row.map((s) => s + uniform(-0.1, 0.1)));
    const actions = oldMean.map((row, r) => row.map((m, d) => m + Math.exp(oldLogStd[Math.floor(r / M)]![d]!) * uniform(-1.5, 1.5)));
    const advantages = Array.from({ length: ROWS }, () => uniform(-2, 2));
    const trajectory = Array.from({ length: ROWS }, () => uniform(0.2, 3));
    const agentOf = (r: number) => Math.floor(r / M);
    const oldLogProbs = actions.map((a, r) => gaussianLogProb(a, oldMean[r]!, oldLogStd[agentOf(r)]!));
    const evaluate = (mu: number[][], s: number[][]) =>
      minibatchLosses(parts, {
        agents: AGENTS,
        rowsPerAgent: M,
        logProbs: actions.map((a, r) => gaussianLogProb(a, mu[r]!, s[agentOf(r)]!)),
        oldLogProbs,
        advantages,
        trajectoryWeights: trajectory,
        entropies: mu.map((_, r) => gaussianEntropy(s[agentOf(r)]!)),
        kl: mu.map((row, r) => gaussianKl(oldMean[r]!, oldLogStd[agentOf(r)]!, row, s[agentOf(r)]!)),
        coefficients: COEFFICIENTS,
      });
    const total = (mu: number[][], s: number[][]) => evaluate(mu, s).totalLoss.reduce((a, b) => a + b, 0);
    const analytic = evaluate(mean, logStd);
    const logStdGrad = logStd.map((row) => row.map(() => 0));
    for (let r = 0; r < ROWS; r += 1) {
      const s = logStd[agentOf(r)]!;
      const dLogp = gaussianLogProbGrad(actions[r]!, mean[r]!, s);
      const dH = gaussianEntropyGrad(s);
      const dKl = gaussianKlGrad(oldMean[r]!, oldLogStd[agentOf(r)]!, mean[r]!, s);
      for (let d = 0; d < D; d += 1) {
        let chained = analytic.logProbGrads[r]! * dLogp.mean[d]!;
        let chainedLogStd = analytic.logProbGrads[r]! * dLogp.logStd[d]!;
        if (parts.entropy) chainedLogStd += analytic.entropyGrads[r]! * dH[d]!;
        if (parts.klPenalty) {
          chained += analytic.klGrads[r]! * dKl.mean[d]!;
          chainedLogStd += analytic.klGrads[r]! * dKl.logStd[d]!;
        }
        logStdGrad[agentOf(r)]![d]! += chainedLogStd;
        const numeric = centralDifference((x) => {
          const mu = mean.map((row) => [...row]);
          mu[r]![d] = x;
          return total(mu, logStd);
        }, mean[r]![d]!);
        expectClose(numeric, chained, `∂L/∂μ[${r}][${d}]`);
      }
    }
    for (let g = 0; g < AGENTS; g += 1) {
      for (let d = 0; d < D; d += 1) {
        const numeric = centralDifference((x) => {
          const s = logStd.map((row) => [...row]);
          s[g]![d] = x;
          return total(mean, s);
        }, logStd[g]![d]!);
        expectClose(numeric, logStdGrad[g]![d]!, `∂L/∂log σ[${g}][${d}]`);
      }
    }
  });

  it('the clipped value loss gradient matches differences on both sides of each kink, away from it', () => {
    const objective: SurrogateObjective = 'clone';
    const c = COEFFICIENTS[0]!;
    for (let k = 0; k < 200; k += 1) {
      const oldValue = uniform(-1, 1);
      const target = uniform(-2, 2);
      const value = oldValue + uniform(-0.6, 0.6);
      const delta = value - oldValue;
      const vc = oldValue + Math.min(Math.max(delta, -c.valueClip), c.valueClip);
      if (Math.abs(Math.abs(delta) - c.valueClip) < 1e-3 || Math.abs((value - target) ** 2 - (vc - target) ** 2) < 1e-3) continue;
      const numeric = centralDifference((v) => valueRow(v, target, oldValue, true, c.valueClip).loss, value);
      expectClose(numeric, valueRow(value, target, oldValue, true, c.valueClip).dValue, `value case ${k} (${objective})`);
    }
  });
});
