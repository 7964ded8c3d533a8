/**
 * The CPU policy (src/agent/cpu-policy.ts) without a GPU: its forward pass against a case computed
 * by hand in float64 and against the float64 reference forward (test/reference/mlp.ts) at odd
 * sizes; greedy and sampled actions of each policy kind against their analytic distributions
 * (softmax frequencies within 5 standard errors, Gaussian moments); log-probabilities; masks; and
 * the errors bad input gets.
 */
import { describe, expect, it } from 'vitest';
import { CpuPolicy, type CpuPolicySnapshot } from '../../src/index';
import type { ActionSpace } from '../../src/envs/types';
import { mlpLayout, type MlpSpec } from '../../src/nn/mlp-spec';
import { mlpForward } from '../reference/mlp';
import { freshSeed, seededRandom } from '../support/random';

/** |a − b| / max(1, |b|): relative above 1, absolute below (as the ONNX comparison measures). */
function largestError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let largest = 0;
  for (let i = 0; i < actual.length; i += 1) largest = Math.max(largest, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  return largest;
}

/** A snapshot with parameters uniform in ±scale (log-std in [−1, 0]). */
function randomSnapshot(random: () => number, actor: MlpSpec, actionSpace: ActionSpace, scale = 0.5): CpuPolicySnapshot {
  const layout = mlpLayout(actor);
  const parameters = Float32Array.from({ length: layout.parametersPerAgent }, () => (random() * 2 - 1) * scale);
  const logStd = layout.extras.logStd;
  if (logStd) for (let d = 0; d < logStd.length; d += 1) parameters[logStd.offset + d] = -random();
  return { actor, parameters, actionSpace };
}

/** The hand-computed case: 2 inputs, one tanh layer of 2, a categorical head of 3. */
function handSnapshot(): CpuPolicySnapshot {
  const actor: MlpSpec = { inputSize: 2, hiddenSizes: [2], activation: 'tanh', heads: [{ name: 'policy', size: 3, gain: 0.01 }] };
  const layout = mlpLayout(actor);
  const parameters = new Float32Array(layout.parametersPerAgent);
  const put = (name: string, values: number[]) => {
    const layer = layout.layers.find((l) => l.name === name)!;
    parameters.set(values.slice(0, layer.weight.length), layer.weight.offset);
    parameters.set(values.slice(layer.weight.length), layer.bias.offset);
  };
  put('hidden0', [1, 2, -0.5, 0.25, /* bias */ 0.125, -0.25]);
  put('policy', [1, -1, 0.5, 0.5, -2, 0, /* bias */ 0, 0.25, -0.5]);
  return { actor, parameters, actionSpace: { kind: 'discrete', n: 3 } };
}

describe('CpuPolicy forward', () => {
  it('gives the logits of a small network computed by hand in float64, with and without the normaliser', () => {
    // x = (0.5, −1): z = (0.5 − 2 + 0.125, −0.25 − 0.25 − 0.25) = (−1.375, −0.75).
    const h0 = Math.tanh(-1.375);
    const h1 = Math.tanh(-0.75);
    const expected = [h0 - h1, 0.5 * h0 + 0.5 * h1 + 0.25, -2 * h0 - 0.5];
    const plain = new CpuPolicy(handSnapshot());
    const { policyOutputs, actions, logProbs } = plain.act([0.5, -1], { deterministic: true, policyOutputs: true, logProbs: true });
    expect(largestError(policyOutputs!, expected)).toBeLessThan(1e-6);
    expect(actions[0]).toBe(expected.indexOf(Math.max(...expected)));
    const logSum = Math.log(expected.reduce((s, l) => s + Math.exp(l), 0));
    expect(logProbs![0]).toBeCloseTo(Math.max(...expected) - logSum, 6);

    // The normaliser maps raw (1.25, −1) to ((1.25 − 0.25)/2, (−1 + 0.5)/0.5) = (0.5, −1), the input
    // above, and raw (40.25, −0.5) to (20 clipped to 10, 0).
    const normalised = new CpuPolicy({ ...handSnapshot(), observationNormaliser: { mean: [0.25, -0.5], variance: [4, 0.25], epsilon: 1e-8, clip: 10 } });
    const rows = normalised.act([1.25, -1, 40.25, -0.5], { deterministic: true, policyOutputs: true }).policyOutputs!;
    expect(largestError(rows.subarray(0, 3), expected)).toBeLessThan(1e-6);
    const g0 = Math.tanh(10 * 1 + 0 * 2 + 0.125);
    const g1 = Math.tanh(10 * -0.5 - 0.25);
    expect(largestError(rows.subarray(3), [g0 - g1, 0.5 * g0 + 0.5 * g1 + 0.25, -2 * g0 - 0.5])).toBeLessThan(1e-6);
  });

  it('matches the float64 reference forward at odd sizes (relu and tanh, three hidden layers)', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const actor: MlpSpec = { inputSize: 7, hiddenSizes: [13, 5, 9], activation: ['tanh', 'relu', 'tanh'], heads: [{ name: 'policy', size: 11, gain: 0.01 }] };
    const snapshot = randomSnapshot(random, actor, { kind: 'discrete', n: 11 });
    const rows = 37;
    const observations = Float32Array.from({ length: rows * 7 }, () => (random() * 2 - 1) * 3);
    const cpu = new CpuPolicy(snapshot).act(observations, { deterministic: true, policyOutputs: true }).policyOutputs!;
    const reference = mlpForward(mlpLayout(actor), snapshot.parameters, Array.from({ length: rows }, (_, r) => observations.subarray(r * 7, r * 7 + 7)));
    const error = largestError(cpu, reference.outputs.policy!.flatMap((row) => Array.from(row)));
    console.log(`largest |cpu − float64 reference| (relative above 1): ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-5);
  });
});

describe('CpuPolicy actions', () => {
  it('samples a masked categorical row with the softmax frequencies and never a masked action', () => {
    const seed = freshSeed();
    const snapshot = randomSnapshot(seededRandom(seed), { inputSize: 3, hiddenSizes: [8], activation: 'tanh', heads: [{ name: 'policy', size: 5, gain: 0.01 }] }, { kind: 'discrete', n: 5 }, 1.5);
    const policy = new CpuPolicy({ ...snapshot, actionMasks: true }, { seed });
    const rows = 4000;
    const observation = [0.3, -0.7, 1.1];
    const observations = Float32Array.from({ length: rows * 3 }, (_, i) => observation[i % 3]!);
    const maskRow = [1, 0, 1, 1, 1];
    const mask = Uint8Array.from({ length: rows * 5 }, (_, i) => maskRow[i % 5]!);
    const logits = Array.from(policy.act(observation, { actionMask: null, policyOutputs: true }).policyOutputs!);
    const weights = logits.map((l, a) => (maskRow[a] ? Math.exp(l) : 0));
    const probabilities = weights.map((w) => w / weights.reduce((s, v) => s + v, 0));
    const counts = [0, 0, 0, 0, 0];
    const draws = 5;
    for (let call = 0; call < draws; call += 1) {
      const { actions, logProbs } = policy.act(observations, { actionMask: mask, logProbs: true });
      for (let r = 0; r < rows; r += 1) {
        counts[actions[r]!]! += 1;
        expect(logProbs![r]).toBeCloseTo(Math.log(probabilities[actions[r]!]!), 5);
      }
    }
    const total = rows * draws;
    expect(counts[1]).toBe(0);
    probabilities.forEach((p, a) => {
      const standardError = Math.sqrt((p * (1 - p)) / total);
      expect(Math.abs(counts[a]! / total - p)).toBeLessThanOrEqual(5 * standardError + 1e-12);
    });
    expect(() => policy.act(observation)).toThrow(/has action masks: pass its legal actions as options\.actionMask/);
  });

  it('samples a box Gaussian with mean μ and standard deviation exp(log-std), clipped only in the returned actions', () => {
    const seed = freshSeed();
    const actor: MlpSpec = { inputSize: 2, hiddenSizes: [6], activation: 'tanh', heads: [{ name: 'policy', size: 3, gain: 0.01 }], extras: { logStd: 3 } };
    const snapshot = randomSnapshot(seededRandom(seed), actor, { kind: 'box', size: 3, low: [-100, -100, -0.05], high: [100, 100, 0.05] });
    const policy = new CpuPolicy(snapshot, { seed });
    const layout = mlpLayout(actor);
    const sigma = Array.from({ length: 3 }, (_, d) => Math.exp(snapshot.parameters[layout.extras.logStd!.offset + d]!));
    const rows = 20000;
    const observations = Float32Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 0 ? 0.4 : -0.2));
    const means = Array.from(policy.act([0.4, -0.2], { deterministic: true, policyOutputs: true }).policyOutputs!);
    const { actions, logProbs } = policy.act(observations, { logProbs: true });
    for (let d = 0; d < 2; d += 1) {
      let sum = 0;
      let squares = 0;
      for (let r = 0; r < rows; r += 1) sum += actions[r * 3 + d]!;
      const mean = sum / rows;
      for (let r = 0; r < rows; r += 1) squares += (actions[r * 3 + d]! - mean) ** 2;
      expect(Math.abs(mean - means[d]!)).toBeLessThan((5 * sigma[d]!) / Math.sqrt(rows));
      expect(Math.abs(Math.sqrt(squares / (rows - 1)) / sigma[d]! - 1)).toBeLessThan(5 / Math.sqrt(2 * rows));
    }
    // Dim 2's box is narrower than σ: every returned action is inside it, and log p is the density of
    // the unclipped sample, so it is below the density at the mean for almost every row.
    for (let r = 0; r < rows; r += 1) expect(Math.abs(actions[r * 3 + 2]!)).toBeLessThanOrEqual(Math.fround(0.05));
    const densityAtMean = sigma.reduce((s, v) => s - Math.log(v) - 0.5 * Math.log(2 * Math.PI), 0);
    expect(logProbs!.filter((l) => l < densityAtMean).length).toBeGreaterThan(rows * 0.99);
    const greedy = policy.act([0.4, -0.2], { deterministic: true, logProbs: true });
    expect(Array.from(greedy.actions)).toEqual([Math.fround(means[0]!), Math.fround(means[1]!), Math.fround(Math.min(Math.max(means[2]!, -0.05), 0.05))]);
    expect(greedy.logProbs![0]).toBeCloseTo(densityAtMean, 5);
  });

  it('acts on a hybrid head: greedy means clipped and each branch argmax, masks per branch, and errors naming the row and branch', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const actor: MlpSpec = { inputSize: 4, hiddenSizes: [9, 7], activation: 'tanh', heads: [{ name: 'policy', size: 2 + 3 + 2, gain: 0.01 }], extras: { logStd: 2 } };
    const space: ActionSpace = { kind: 'hybrid', continuous: { kind: 'box', size: 2, low: [-0.1, -1], high: [0.1, 1] }, nvec: [3, 2] };
    const policy = new CpuPolicy({ ...randomSnapshot(random, actor, space, 1), actionMasks: true }, { seed });
    const rows = 23;
    const observations = Float32Array.from({ length: rows * 4 }, () => random() * 4 - 2);
    const mask = Array.from({ length: rows * 5 }, (_, i) => i % 5 !== (Math.floor(i / 5) % 3));
    const { actions, discreteActions, policyOutputs } = policy.act(observations, { deterministic: true, actionMask: mask, policyOutputs: true });
    for (let r = 0; r < rows; r += 1) {
      const out = policyOutputs!.subarray(r * 7, r * 7 + 7);
      expect(actions[r * 2]).toBe(Math.min(Math.max(out[0]!, Math.fround(-0.1)), Math.fround(0.1)));
      expect(actions[r * 2 + 1]).toBe(Math.min(Math.max(out[1]!, -1), 1));
      const weapon = [0, 1, 2].filter((a) => mask[r * 5 + a]).reduce((best, a) => (out[2 + a]! > out[2 + best]! ? a : best), r % 3 === 0 ? 1 : 0);
      expect(discreteActions![r * 2]).toBe(weapon);
      expect(discreteActions![r * 2 + 1]).toBe(out[5]! >= out[6]! ? 0 : 1);
    }
    const blocked = mask.slice();
    blocked.splice(7 * 5 + 3, 2, false, false);
    expect(() => policy.act(observations, { actionMask: blocked })).toThrow(/actionMask row 7 masks every action of its branch 1 \(nvec \[3, 2\]\)/);
  });
});

describe('CpuPolicy input checks', () => {
  const policy = new CpuPolicy(handSnapshot());
  it.each([
    ['an observation count that is no multiple of OBS', () => policy.act([1, 2, 3]), /observations has 3 values, not a multiple of the observation size 2/],
    ['a NaN observation', () => policy.act([1, 2, 3, Number.NaN]), /observations\[3\] \(row 1, dim 1\) must be a finite number \(got NaN\)/],
    ['a mask of the wrong length', () => policy.act([1, 2], { actionMask: new Uint8Array(4) }), /actionMask has 4 entries; 1 rows × 3 actions need 3/],
    ['a mask entry other than 0 or 1', () => policy.act([1, 2], { actionMask: Uint8Array.of(1, 2, 1) }), /actionMask\[1\] \(row 0, action 1\) must be 0 or 1 \(got 2\)/],
    ['a row that allows nothing', () => policy.act([1, 2, 3, 4], { actionMask: Uint8Array.of(1, 0, 0, 0, 0, 0) }), /actionMask row 1 masks every action \(all 3 of its entries are 0\)/],
    ['values, which need the critic', () => policy.act([1, 2], { values: true } as never), /unknown option 'values'.*holds the actor only/],
    ['a non-boolean flag', () => policy.act([1, 2], { deterministic: 1 } as never), /options\.deterministic must be a boolean \(got 1\)/],
  ])('rejects %s, naming it', (_, call, message) => {
    expect(call).toThrow(message);
  });

  it('rejects a snapshot whose head does not fit its action space, and refresh() without a source', async () => {
    expect(() => new CpuPolicy({ ...handSnapshot(), actionSpace: { kind: 'discrete', n: 4 } })).toThrow(/'policy' head has 3 outputs; the action space needs 4/);
    expect(() => new CpuPolicy({ ...handSnapshot(), parameters: new Float32Array(3) })).toThrow(/Float32Array of one agent's 20 parameters \(got 3\)/);
    await expect(policy.refresh()).rejects.toThrow(/without a source/);
  });

  it('reuses its buffers: a repeated batch size returns the same arrays, overwritten', () => {
    const first = policy.act([0.5, -1], { deterministic: true, policyOutputs: true });
    const logits = Array.from(first.policyOutputs!);
    const second = policy.act([-3, 2], { deterministic: true, policyOutputs: true });
    expect(second.actions).toBe(first.actions);
    expect(second.policyOutputs).toBe(first.policyOutputs);
    expect(Array.from(second.policyOutputs!)).not.toEqual(logits);
  });
});
