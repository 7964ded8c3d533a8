/**
 * act() on a real device (src/agent/policy-inference.ts) against the float64 reference
 * (test/reference/policy-inference.ts) on fresh random networks, observations and masks at odd
 * sizes: OBS = 5, 3 actions or a box of 2 (and of MAX_ACTION_SIZE = 64) with bounds, batch 37 of maxBatch 53, a normaliser with
 * a small clip so that some inputs clip. Policy outputs, values, greedy actions and log-probs to
 * ~1e-5; sampled actions draw for draw against the reference sampler with the engine's Philox
 * (away from CDF boundaries), their frequencies against the softmax (chi-square), Gaussian samples
 * against their analytic mean, variance and clipping probabilities; masked actions never chosen;
 * one submit and one readback per call, no buffers or bind groups after the first; concurrent
 * calls; a mask row that allows no action (found on the GPU) rejects the call naming the row, at
 * batch 123; bad input. The seed of the inputs is in every failure message.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createPolicyInference, INFERENCE_STREAM, type PolicyInference, type PolicyInferenceConfig } from '../../src/agent/policy-inference';
import { createBufferWithData, destroyBuffer, gpuCounters } from '../../src/gpu/buffers';
import { MAX_ACTION_SIZE } from '../../src/envs/contract';
import type { ActionSpace } from '../../src/envs/types';
import { mlpLayout, type MlpLayout } from '../../src/nn/mlp-spec';
import { RUNNING_MOMENTS_BYTES } from '../../src/normalise/running-normalisers';
import { MAX_DISCRETE_ACTIONS } from '../../src/rng/index';
import { categoricalLogProb, categoricalProbabilities, categoricalSample, categoricalSampleBatch, gaussianLogProb } from '../reference/heads';
import { normalPair, rngBlock, uniformFromBits, cdfBoundaryDistance } from '../reference/philox';
import {
  argmaxMargin,
  clipToBox,
  gaussianModeLogProb,
  maskedArgmax,
  maskedArgmaxBatch,
  normaliseReference,
  policyForwardReference,
  rowsOf,
  type NormaliserReference,
} from '../reference/policy-inference';
import { gpuStep, useGpu } from '../support/gpu';
import { reachHigh, reachLow } from '../support/reach-env';
import { freshSeed, seededRandom } from '../support/random';
import { chiSquareCritical, chiSquareStatistic, chiSquareSurvival, meanAndVariance } from '../support/statistics';

const OBS = 5;
const ACTIONS = 3;
const BOX = 2;
const MAX_BATCH = 53;
const BATCH = 37;
/** |gpu − ref| ≤ TOLERANCE·max(1, |ref|) for forward outputs and log-probs. */
const TOLERANCE = 2e-5;

const seed = freshSeed();
const random = seededRandom(seed);
const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
const randomRows = (rows: number, width: number, lo: number, hi: number) => Float32Array.from({ length: rows * width }, () => uniform(lo, hi));

function expectClose(what: string, gpu: ArrayLike<number>, ref: ArrayLike<number>): void {
  expect(gpu.length, `seed ${seed}: ${what} length`).toBe(ref.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < ref.length; i += 1) {
    const error = Math.abs(gpu[i]! - ref[i]!) / Math.max(1, Math.abs(ref[i]!));
    if (!(error <= worst)) {
      worst = Number.isNaN(error) ? Infinity : error;
      at = i;
    }
  }
  expect(worst, `seed ${seed}: ${what}[${at}] GPU ${gpu[at]} vs float64 ${ref[at]}`).toBeLessThanOrEqual(TOLERANCE);
}

/** Φ(z) from the chi-square(1) survival function: P(|Z| ≥ |z|) = Q(z², 1). */
const normalCdf = (z: number) => (z < 0 ? 0.5 * chiSquareSurvival(z * z, 1) : 1 - 0.5 * chiSquareSurvival(z * z, 1));

const actorLayout = (policySize: number, box: boolean): MlpLayout =>
  mlpLayout({
    inputSize: OBS,
    hiddenSizes: [9, 6],
    activation: ['tanh', 'relu'],
    heads: [{ name: 'policy', size: policySize, gain: 1 }],
    ...(box && { extras: { logStd: policySize } }),
  });
const criticLayout = mlpLayout({ inputSize: OBS, hiddenSizes: [7], activation: 'tanh', heads: [{ name: 'value', size: 1, gain: 1 }] });

/** Random parameters large enough that logits and means are O(1); log-std in [-1, 0.3]. */
function randomParameters(layout: MlpLayout): Float32Array<ArrayBuffer> {
  const params = Float32Array.from({ length: layout.parametersPerAgent }, () => uniform(-0.9, 0.9));
  const logStd = layout.extras.logStd;
  if (logStd) for (let d = 0; d < logStd.length; d += 1) params[logStd.offset + d] = uniform(-1, 0.3);
  return params;
}

/** A random mask of `rows` × ACTIONS with at least one allowed action per row. */
function randomMask(rows: number): Uint8Array {
  const mask = new Uint8Array(rows * ACTIONS);
  for (let r = 0; r < rows; r += 1) {
    for (let a = 0; a < ACTIONS; a += 1) mask[r * ACTIONS + a] = random() < 0.7 ? 1 : 0;
    if (!mask.subarray(r * ACTIONS, (r + 1) * ACTIONS).includes(1)) mask[r * ACTIONS + Math.floor(random() * ACTIONS)] = 1;
  }
  return mask;
}

describe('the act() reference on hand-computed cases', () => {
  it('normalises, breaks argmax ties low, skips masked actions, and gives the greedy Gaussian log-density', () => {
    // (3 − 1)/√(3 + 1) = 1; (−9 − 1)/√(3 + 1) = −5, clipped to −2.
    expect(normaliseReference([[3], [-9]], { mean: [1], variance: [3], clip: 2, epsilon: 1 })).toEqual([[1], [-2]]);
    expect(maskedArgmax([1, 3, 3])).toBe(1);
    expect(maskedArgmax([1, 3, 3], [1, 0, 1])).toBe(2);
    expect(argmaxMargin([5, 1, 4], [1, 1, 1])).toBe(1);
    expect(argmaxMargin([5, 1, 4], [0, 1, 0])).toBe(Infinity);
    expect(() => maskedArgmax([1, 2], [0, 0])).toThrow(/allows no action/);
    // log N(0; 0, 1) = −½ log 2π = −0.918938533…; σ = e^-1 adds +1.
    expect(gaussianModeLogProb([0, -1])).toBeCloseTo(-2 * 0.9189385332046727 + 1, 14);
    expect(clipToBox([-5, 0.5, 9], [-1, 0, -Infinity], [1, 0.25, Infinity])).toEqual([-1, 0.25, 9]);
  });
});

describe('policy inference (act) on the GPU', () => {
  const gpu = useGpu();
  const cleanup: (() => void)[] = [];
  afterAll(() => cleanup.forEach((f) => f()));

  function upload(label: string, data: Float32Array<ArrayBuffer>): GPUBuffer {
    const { device } = gpu();
    const buffer = createBufferWithData(device, label, data);
    cleanup.push(() => destroyBuffer(device, buffer));
    return buffer;
  }

  // ---- discrete ----------------------------------------------------------------------------

  const discrete = (() => {
    let made: Promise<{ inference: PolicyInference; config: PolicyInferenceConfig; normaliser: NormaliserReference; moments: GPUBuffer }> | undefined;
    return () =>
      (made ??= (async () => {
        const { device } = gpu();
        // f32 statistics: the reference reads what the kernel reads.
        const normaliser: NormaliserReference = {
          mean: Array.from({ length: OBS }, () => Math.fround(uniform(-1, 1))),
          variance: Array.from({ length: OBS }, () => Math.fround(uniform(0.2, 3))),
          clip: 1.7,
          epsilon: 1e-3,
        };
        const records = new ArrayBuffer(OBS * RUNNING_MOMENTS_BYTES);
        const floats = new Float32Array(records);
        const words = new Uint32Array(records);
        for (let d = 0; d < OBS; d += 1) {
          floats[4 * d] = normaliser.mean[d]!;
          floats[4 * d + 1] = normaliser.variance[d]!;
          words[4 * d + 2] = 1000 + d;
        }
        const moments = upload('test.moments', new Float32Array(records));
        const config: PolicyInferenceConfig = {
          actor: actorLayout(ACTIONS, false),
          critic: criticLayout,
          actionSpace: { kind: 'discrete', n: ACTIONS },
          maxBatch: MAX_BATCH,
          observationNormaliser: { moments, clip: normaliser.clip, epsilon: normaliser.epsilon },
          seed: Math.floor(random() * 2 ** 32) >>> 0,
          label: 'test.discrete',
        };
        const inference = await createPolicyInference(device, config);
        cleanup.push(() => inference.destroy());
        return { inference, config, normaliser, moments };
      })());
  })();
  /** act() calls made on the discrete inference so far: call k draws with Philox iteration k. */
  let discreteCalls = 0;

  it('discrete: logits, values, greedy and sampled actions, log-probs vs float64 (normalised inputs, masks, batch 37 of 53)', async () => {
    const { inference, config, normaliser } = await discrete();
    const actorParams = randomParameters(config.actor);
    const criticParams = randomParameters(criticLayout);
    const parameters = { actor: upload('test.actor', actorParams), critic: upload('test.critic', criticParams) };
    const draw = { seed: config.seed, stream: INFERENCE_STREAM, step: 0, draw: 0 };
    let boundaryMisses = 0;
    for (const masked of [true, false]) {
      const observations = randomRows(BATCH, OBS, -3, 3);
      const mask = masked ? randomMask(BATCH) : undefined;
      const maskRows = mask && rowsOf(mask, ACTIONS);
      const ref = policyForwardReference({ ...config, actorParams, criticParams, normaliser }, rowsOf(observations, OBS));
      const clipped = ref.inputs.flat().filter((x) => Math.abs(x) === normaliser.clip).length;

      // Sampled, with every extra output.
      const sampled = await gpuStep(gpu(), 'act sample', () =>
        inference.act(parameters, observations, { actionMask: mask, logProbs: true, values: true, policyOutputs: true }),
      );
      const iteration = discreteCalls++;
      expectClose(`logits (masked ${masked}, ${clipped} inputs clipped)`, sampled.policyOutputs!, ref.policyOutputs.flat());
      expectClose('values', sampled.values!, ref.values!);
      expect(sampled.actions).toBeInstanceOf(Uint32Array);
      expect(sampled.actions.length).toBe(BATCH);
      const refLogp: number[] = [];
      for (let r = 0; r < BATCH; r += 1) {
        const action = sampled.actions[r]!;
        const m = maskRows?.[r];
        expect(action < ACTIONS && (!m || m[action] === 1), `seed ${seed}: row ${r} chose action ${action} (mask ${m})`).toBe(true);
        const u = uniformFromBits(rngBlock({ ...draw, iteration }, r)[0]);
        const expected = categoricalSample(ref.policyOutputs[r]!, m, u);
        if (action !== expected) {
          const logits = ref.policyOutputs[r]!.map((l, a) => (m && m[a] === 0 ? -Infinity : l));
          expect(cdfBoundaryDistance(logits, u), `seed ${seed}: row ${r} sampled ${action}, reference ${expected} away from a CDF boundary`).toBeLessThan(1e-5);
          boundaryMisses += 1;
        }
        refLogp.push(categoricalLogProb(ref.policyOutputs[r]!, m, action));
      }
      expectClose('sampled log-probs', sampled.logProbs!, refLogp);

      // Greedy.
      const greedy = await gpuStep(gpu(), 'act greedy', () => inference.act(parameters, observations, { deterministic: true, actionMask: mask, logProbs: true }));
      discreteCalls += 1;
      expect(greedy.values).toBeUndefined();
      expect(greedy.policyOutputs).toBeUndefined();
      for (let r = 0; r < BATCH; r += 1) {
        const m = maskRows?.[r];
        // A tie within f32 rounding may go either way.
        if (argmaxMargin(ref.policyOutputs[r]!, m) > 1e-5) {
          expect(greedy.actions[r], `seed ${seed}: greedy action of row ${r}`).toBe(maskedArgmax(ref.policyOutputs[r]!, m));
        }
      }
      expectClose('greedy log-probs', greedy.logProbs!, Array.from(greedy.actions, (a, r) => categoricalLogProb(ref.policyOutputs[r]!, maskRows?.[r], a)));
    }
    expect(boundaryMisses, `seed ${seed}: samples unlike the reference`).toBeLessThanOrEqual(1);
  });

  it('discrete: sampled frequencies match the (masked) softmax, masked actions never chosen, fresh draws per call', async () => {
    const { inference, config, normaliser } = await discrete();
    // Moderate logits (policy weights ×0.1, biases in ±0.5), so that every expected count is large
    // enough for the chi-square approximation and two calls' 53 draws coincide with negligible probability.
    const actorParams = randomParameters(config.actor);
    const policy = config.actor.layers[config.actor.headLayer.policy!]!;
    for (let i = 0; i < policy.weight.length; i += 1) actorParams[policy.weight.offset + i]! *= 0.1;
    for (let a = 0; a < ACTIONS; a += 1) actorParams[policy.bias.offset + a] = uniform(-0.5, 0.5);
    const parameters = { actor: upload('test.actor-frequencies', actorParams) };
    const observation = Array.from({ length: OBS }, () => uniform(-2, 2));
    const observations = Float32Array.from({ length: MAX_BATCH * OBS }, (_, i) => observation[i % OBS]!);
    const logits = policyForwardReference({ ...config, critic: undefined, actorParams, normaliser }, [observation]).policyOutputs[0]!;
    const forbidden = maskedArgmax(logits);
    const rowMask = Array.from({ length: ACTIONS }, (_, a) => (a === forbidden ? 0 : 1));
    const mask = Array.from({ length: MAX_BATCH * ACTIONS }, (_, i) => rowMask[i % ACTIONS] === 1);
    const CALLS = 8;
    for (const masked of [false, true]) {
      const counts = new Array<number>(ACTIONS).fill(0);
      const perCall: string[] = [];
      for (let call = 0; call < CALLS; call += 1) {
        const { actions } = await inference.act(parameters, observations, masked ? { actionMask: mask } : {});
        discreteCalls += 1;
        actions.forEach((a) => (counts[a] = counts[a]! + 1));
        perCall.push(Array.from(actions).join(''));
      }
      const n = CALLS * MAX_BATCH;
      const p = categoricalProbabilities(logits, masked ? rowMask : undefined);
      if (masked) expect(counts[forbidden], `seed ${seed}: masked action ${forbidden} chosen`).toBe(0);
      const cells = p.map((_, a) => a).filter((a) => p[a]! > 0);
      expect(Math.min(...cells.map((a) => n * p[a]!)), `seed ${seed}: test setup: an expected count below 5`).toBeGreaterThanOrEqual(5);
      const statistic = chiSquareStatistic(cells.map((a) => counts[a]!), cells.map((a) => n * p[a]!));
      // False-alarm probability 1e-5 per case.
      expect(statistic, `seed ${seed}: counts ${counts} vs p ${p.map((x) => x.toFixed(3))} (masked ${masked})`).toBeLessThan(chiSquareCritical(1e-5, cells.length - 1));
      // P(two given calls draw alike) = (Σ p²)^rows; over all pairs it stays below 1e-6 here.
      const alike = ((CALLS * (CALLS - 1)) / 2) * p.reduce((sum, x) => sum + x * x, 0) ** MAX_BATCH;
      expect(alike, `seed ${seed}: test setup: calls could draw alike`).toBeLessThan(1e-6);
      expect(new Set(perCall).size, `seed ${seed}: calls drew the same actions`).toBe(CALLS);
    }
  });

  // ---- box -------------------------------------------------------------------------------

  const LOW = [-0.6, -2.5];
  const HIGH = [0.9, 3];
  const box = (() => {
    let made: Promise<{ inference: PolicyInference; config: PolicyInferenceConfig }> | undefined;
    return () =>
      (made ??= (async () => {
        const config: PolicyInferenceConfig = {
          actor: actorLayout(BOX, true),
          critic: criticLayout,
          actionSpace: { kind: 'box', size: BOX, low: LOW, high: HIGH },
          maxBatch: MAX_BATCH,
          seed: Math.floor(random() * 2 ** 32) >>> 0,
          label: 'test.box',
        };
        const inference = await createPolicyInference(gpu().device, config);
        cleanup.push(() => inference.destroy());
        return { inference, config };
      })());
  })();
  let boxCalls = 0;

  it('box: means, values, clipped greedy and sampled actions, log-probs vs float64', async () => {
    const { inference, config } = await box();
    // Means spread about a point near the bounds' upper part (policy weights ×0.3, the bias set from
    // a first forward) and σ in [0.22, 0.61], so that most rows come back unclipped and some clipped.
    const actorParams = randomParameters(config.actor);
    const policy = config.actor.layers[config.actor.headLayer.policy!]!;
    for (let i = 0; i < policy.weight.length; i += 1) actorParams[policy.weight.offset + i]! *= 0.3;
    for (let d = 0; d < BOX; d += 1) actorParams[config.actor.extras.logStd!.offset + d] = uniform(-1.5, -0.5);
    const criticParams = randomParameters(criticLayout);
    const logStd = Array.from(actorParams.subarray(config.actor.extras.logStd!.offset, config.actor.extras.logStd!.offset + BOX));
    const observations = randomRows(BATCH, OBS, -2, 2);
    const unbiased = policyForwardReference({ ...config, actorParams, criticParams }, rowsOf(observations, OBS)).policyOutputs;
    const centre = [0.5, 0.25];
    for (let d = 0; d < BOX; d += 1) {
      const shift = centre[d]! - unbiased.reduce((sum, mu) => sum + mu[d]! - actorParams[policy.bias.offset + d]!, 0) / BATCH;
      actorParams[policy.bias.offset + d] = shift;
    }
    // The sampled call's noise is known in advance (Philox, INFERENCE_STREAM, its call index): move
    // dimension 0's bias up just enough that at least one sample lands beyond the upper bound, so
    // every seed exercises the clipping (a draw with no clipped row happened at seed 986712010).
    const sampledCall = boxCalls + 1;
    const noiseOf = (r: number) => {
      const block = rngBlock({ seed: config.seed, stream: INFERENCE_STREAM, iteration: sampledCall, step: 0, draw: 0 }, r);
      return { u1: uniformFromBits(block[0]), noise: normalPair(uniformFromBits(block[0]), uniformFromBits(block[1])) };
    };
    const beforeNudge = policyForwardReference({ ...config, actorParams, criticParams }, rowsOf(observations, OBS)).policyOutputs;
    const highest = Math.max(...beforeNudge.map((mu, r) => mu[0]! + Math.exp(logStd[0]!) * noiseOf(r).noise[0]!));
    if (highest < HIGH[0]! + 0.05) actorParams[policy.bias.offset] = actorParams[policy.bias.offset]! + (HIGH[0]! + 0.05 - highest);
    const parameters = { actor: upload('test.box-actor', actorParams), critic: upload('test.box-critic', criticParams) };
    const ref = policyForwardReference({ ...config, actorParams, criticParams }, rowsOf(observations, OBS));

    const greedy = await gpuStep(gpu(), 'act greedy', () => inference.act(parameters, observations, { deterministic: true, logProbs: true, values: true, policyOutputs: true }));
    boxCalls += 1;
    expect(greedy.actions).toBeInstanceOf(Float32Array);
    expectClose('means', greedy.policyOutputs!, ref.policyOutputs.flat());
    expectClose('values', greedy.values!, ref.values!);
    expectClose('greedy actions (clipped means)', greedy.actions, ref.policyOutputs.flatMap((mean) => clipToBox(mean, LOW, HIGH)));
    expectClose('greedy log-probs', greedy.logProbs!, new Array<number>(BATCH).fill(gaussianModeLogProb(logStd)));

    const sampled = await gpuStep(gpu(), 'act sample', () => inference.act(parameters, observations, { logProbs: true }));
    expect(boxCalls++).toBe(sampledCall);
    let inside = 0;
    for (let r = 0; r < BATCH; r += 1) {
      const { u1, noise } = noiseOf(r);
      const unclipped = ref.policyOutputs[r]!.map((mu, d) => mu + Math.exp(logStd[d]!) * noise[d]!);
      const action = Array.from(sampled.actions.subarray(r * BOX, (r + 1) * BOX));
      for (let d = 0; d < BOX; d += 1) {
        // |ε_f32 − ε_f64| as bounded in heads.test.ts (SwiftShader's cos errs by ~2e-4), times σ.
        const tolerance = Math.exp(logStd[d]!) * (2 ** -10 + Math.sqrt(-2 * Math.log(u1)) * (2 ** -11 + 2 ** -20)) + 1e-5;
        expect(Math.abs(action[d]! - clipToBox(unclipped, LOW, HIGH)[d]!), `seed ${seed}: row ${r} dim ${d} sampled ${action[d]} vs clip(μ + σε) ${unclipped[d]}`).toBeLessThanOrEqual(tolerance);
        expect(action[d]! >= Math.fround(LOW[d]!) && action[d]! <= Math.fround(HIGH[d]!), `seed ${seed}: row ${r} dim ${d} = ${action[d]} outside the bounds`).toBe(true);
      }
      // Unclipped rows: the returned action is the sample whose log-density is returned.
      if (action.every((a, d) => a > Math.fround(LOW[d]!) && a < Math.fround(HIGH[d]!))) {
        inside += 1;
        const expected = gaussianLogProb(action, ref.policyOutputs[r]!, logStd);
        expect(Math.abs(sampled.logProbs![r]! - expected), `seed ${seed}: row ${r} log-prob ${sampled.logProbs![r]} vs ${expected}`).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(expected)));
      }
    }
    expect(inside, `seed ${seed}: too few unclipped rows to check log-probs`).toBeGreaterThan(2);
    expect(inside, `seed ${seed}: no row clipped`).toBeLessThan(BATCH);
  });

  it('box: samples have the policy mean and std; clipping happens with the Gaussian tail probabilities', async () => {
    const { inference, config } = await box();
    const actor = config.actor;
    // μ = (0.5, 0.3) exactly (zero policy weights), σ = (e^-1, e^-1.2): dim 0 clips high 14% of the time, low 0.15%.
    const actorParams = randomParameters(actor);
    const policy = actor.layers[actor.headLayer.policy!]!;
    actorParams.fill(0, policy.weight.offset, policy.weight.offset + policy.weight.length);
    const mean = [0.5, 0.3];
    const logStd = [-1, -1.2];
    mean.forEach((m, d) => (actorParams[policy.bias.offset + d] = m));
    logStd.forEach((s, d) => (actorParams[actor.extras.logStd!.offset + d] = s));
    const parameters = { actor: upload('test.box-actor-moments', actorParams) };
    const observations = randomRows(MAX_BATCH, OBS, -2, 2);
    const CALLS = 8;
    const dim1: number[] = [];
    let clippedLow = 0;
    let clippedHigh = 0;
    const firstRows = new Set<number>();
    for (let call = 0; call < CALLS; call += 1) {
      const { actions } = await inference.act(parameters, observations);
      boxCalls += 1;
      firstRows.add(actions[1]!);
      for (let r = 0; r < MAX_BATCH; r += 1) {
        dim1.push(actions[2 * r + 1]!);
        if (actions[2 * r]! === Math.fround(LOW[0]!)) clippedLow += 1;
        if (actions[2 * r]! === Math.fround(HIGH[0]!)) clippedHigh += 1;
      }
    }
    expect(firstRows.size, `seed ${seed}: calls drew the same actions`).toBe(CALLS);
    const n = dim1.length;
    const sigma = [Math.exp(logStd[0]!), Math.exp(logStd[1]!)];
    const moments = meanAndVariance(dim1);
    // 4.5 standard errors: false alarms ~1e-5 each.
    expect(Math.abs(moments.mean - mean[1]!), `seed ${seed}: sample mean ${moments.mean} vs μ ${mean[1]}`).toBeLessThan((4.5 * sigma[1]!) / Math.sqrt(n));
    expect(Math.abs(moments.variance / sigma[1]! ** 2 - 1), `seed ${seed}: sample var ${moments.variance} vs σ² ${sigma[1]! ** 2}`).toBeLessThan(4.5 * Math.sqrt(2 / (n - 1)));
    const pLow = normalCdf((LOW[0]! - mean[0]!) / sigma[0]!);
    const pHigh = 1 - normalCdf((HIGH[0]! - mean[0]!) / sigma[0]!);
    for (const [what, count, p] of [['low', clippedLow, pLow], ['high', clippedHigh, pHigh]] as const) {
      expect(Math.abs(count / n - p), `seed ${seed}: clipped ${what} ${count}/${n} vs P = ${p.toFixed(4)}`).toBeLessThan(4.5 * Math.sqrt((p * (1 - p)) / n) + 1 / n);
    }
  });

  // ---- the per-call contract ------------------------------------------------------------------

  it('box of MAX_ACTION_SIZE = 64 dims with distinct bounds: means, clipped greedy and sampled actions, log-probs vs float64', async () => {
    const dims = MAX_ACTION_SIZE;
    const rows = 23;
    const low = Array.from({ length: dims }, (_, d) => reachLow(d));
    const high = Array.from({ length: dims }, (_, d) => reachHigh(d));
    const config: PolicyInferenceConfig = {
      actor: actorLayout(dims, true),
      actionSpace: { kind: 'box', size: dims, low, high },
      maxBatch: 29,
      seed: Math.floor(random() * 2 ** 32) >>> 0,
      label: 'test.box64',
    };
    const inference = await createPolicyInference(gpu().device, config);
    cleanup.push(() => inference.destroy());
    // Means of O(1) against bounds of about ±1 to ±2.7: some dims of every row clip, most do not.
    const actorParams = randomParameters(config.actor);
    const logStd = Array.from(actorParams.subarray(config.actor.extras.logStd!.offset, config.actor.extras.logStd!.offset + dims));
    const observations = randomRows(rows, OBS, -2, 2);
    const ref = policyForwardReference({ ...config, actorParams }, rowsOf(observations, OBS));
    const parameters = { actor: upload('test.box64-actor', actorParams) };

    const greedy = await gpuStep(gpu(), 'act greedy 64', () => inference.act(parameters, observations, { deterministic: true, logProbs: true, policyOutputs: true }));
    expectClose('means (64 dims)', greedy.policyOutputs!, ref.policyOutputs.flat());
    expectClose('greedy actions (clipped means, 64 dims)', greedy.actions, ref.policyOutputs.flatMap((mean) => clipToBox(mean, low, high)));
    expectClose('greedy log-probs (64 dims)', greedy.logProbs!, new Array<number>(rows).fill(gaussianModeLogProb(logStd)));

    // The second call draws with Philox iteration 1; dims 4k … 4k + 3 of row r from draw k.
    const sampled = await gpuStep(gpu(), 'act sample 64', () => inference.act(parameters, observations, { logProbs: true }));
    let clipped = 0;
    for (let r = 0; r < rows; r += 1) {
      const unclipped: number[] = [];
      let logProbTolerance = 0;
      for (let d = 0; d < dims; d += 1) {
        const block = rngBlock({ seed: config.seed, stream: INFERENCE_STREAM, iteration: 1, step: 0, draw: Math.floor(d / 4) }, r);
        const k = d % 4 < 2 ? 0 : 2;
        const u1 = uniformFromBits(block[k]!);
        const noise = normalPair(u1, uniformFromBits(block[k + 1]!))[d % 2]!;
        unclipped.push(ref.policyOutputs[r]![d]! + Math.exp(logStd[d]!) * noise);
        // |ε_f32 − ε_f64| as bounded in heads.test.ts; log π moves by |ε|·δε per dim, plus f32 rounding.
        const noiseError = 2 ** -10 + Math.sqrt(-2 * Math.log(u1)) * (2 ** -11 + 2 ** -20);
        logProbTolerance += Math.abs(noise) * noiseError + 1e-5 * (1 + noise * noise + Math.abs(logStd[d]!));
        const action = sampled.actions[r * dims + d]!;
        const expected = clipToBox(unclipped, low, high)[d]!;
        expect(Math.abs(action - expected), `seed ${seed}: row ${r} dim ${d} sampled ${action} vs clip(μ + σε) ${unclipped[d]}`).toBeLessThanOrEqual(Math.exp(logStd[d]!) * noiseError + 1e-5);
        if (expected !== unclipped[d]) clipped += 1;
      }
      const logProb = gaussianLogProb(unclipped, ref.policyOutputs[r]!, logStd);
      expect(Math.abs(sampled.logProbs![r]! - logProb), `seed ${seed}: row ${r} log π of the unclipped sample`).toBeLessThanOrEqual(logProbTolerance);
    }
    expect(clipped, `seed ${seed}: no sampled dim clipped`).toBeGreaterThan(0);
    expect(clipped, `seed ${seed}: most sampled dims clipped`).toBeLessThan((rows * dims) / 2);
  });

  it('one submit and one readback per call, no buffers or bind groups after the first; concurrent calls keep their inputs', async () => {
    const { device } = gpu();
    const { inference, config, normaliser } = await discrete();
    const actorParams = randomParameters(config.actor);
    const criticParams = randomParameters(criticLayout);
    const parameters = { actor: upload('test.actor-contract', actorParams), critic: upload('test.critic-contract', criticParams) };
    const options = { deterministic: true, logProbs: true, values: true, policyOutputs: true };
    await inference.act(parameters, randomRows(3, OBS, -1, 1), options); // first use of these parameter buffers
    discreteCalls += 1;

    const queue = device.queue;
    const submit = vi.spyOn(queue, 'submit');
    const bindGroups = vi.spyOn(device, 'createBindGroup');
    const buffers = vi.spyOn(device, 'createBuffer');
    const counters = gpuCounters(device);
    const readbacks = counters.readbacks;
    const batches = [BATCH, 1, MAX_BATCH, 11];
    const inputs = batches.map((rows) => randomRows(rows, OBS, -3, 3));
    try {
      const pending = inputs.map((observations) => inference.act(parameters, observations, options));
      // Calls beyond the two staging slots wait; the caller may reuse its arrays meanwhile.
      const originals = inputs.map((observations) => observations.slice());
      inputs.forEach((observations) => observations.fill(0));
      const results = await Promise.all(pending);
      discreteCalls += batches.length;
      expect(submit).toHaveBeenCalledTimes(batches.length);
      expect(counters.readbacks - readbacks).toBe(batches.length);
      expect(bindGroups).not.toHaveBeenCalled();
      expect(buffers).not.toHaveBeenCalled();
      results.forEach((result, k) => {
        const ref = policyForwardReference({ ...config, actorParams, criticParams, normaliser }, rowsOf(originals[k]!, OBS));
        expectClose(`concurrent call ${k}: logits`, result.policyOutputs!, ref.policyOutputs.flat());
        expectClose(`concurrent call ${k}: values`, result.values!, ref.values!);
        expect(result.actions.length).toBe(batches[k]);
      });
      const empty = await inference.act(parameters, new Float32Array(0), { logProbs: true });
      expect(empty.actions.length + empty.logProbs!.length).toBe(0);
      expect(submit).toHaveBeenCalledTimes(batches.length);
    } finally {
      submit.mockRestore();
      bindGroups.mockRestore();
      buffers.mockRestore();
    }
  });

  it('a shared actor-critic torso gives values from its own value head', async () => {
    const actor = mlpLayout({
      inputSize: OBS,
      hiddenSizes: [6],
      activation: 'tanh',
      heads: [{ name: 'policy', size: ACTIONS, gain: 1 }, { name: 'value', size: 1, gain: 1 }],
    });
    const inference = await createPolicyInference(gpu().device, { actor, actionSpace: { kind: 'discrete', n: ACTIONS }, maxBatch: 7, seed: 1 });
    try {
      const actorParams = randomParameters(actor);
      const observations = randomRows(5, OBS, -1, 1);
      const result = await gpuStep(gpu(), 'act shared torso', () => inference.act({ actor: upload('test.shared', actorParams) }, observations, { values: true }));
      expectClose('shared-torso values', result.values!, policyForwardReference({ actor, actorParams }, rowsOf(observations, OBS)).values!);
    } finally {
      inference.destroy();
    }
  });

  // ---- masks that allow no action ---------------------------------------------------------------

  it('a mask row that allows no action rejects the call naming the lowest such row (greedy and sampled, batch 123), then calls go on; a row allowing one action takes it', async () => {
    const { device } = gpu();
    const ROWS = 123;
    const actor = actorLayout(ACTIONS, false);
    const config: PolicyInferenceConfig = { actor, actionSpace: { kind: 'discrete', n: ACTIONS }, maxBatch: 125, seed: Math.floor(random() * 2 ** 32) >>> 0, label: 'test.all-masked' };
    const inference = await createPolicyInference(device, config);
    cleanup.push(() => inference.destroy());
    const actorParams = randomParameters(actor);
    const parameters = { actor: upload('test.actor-all-masked', actorParams) };
    const observations = randomRows(ROWS, OBS, -3, 3);
    const logits = policyForwardReference({ actor, actorParams }, rowsOf(observations, OBS)).policyOutputs;
    // Two rows allow nothing: an odd row in [1, 99] and one after it; about a quarter allow one action.
    const first = 1 + 2 * Math.floor(random() * 50);
    const blocked = [first, first + 1 + Math.floor(random() * (ROWS - 1 - first))];
    const mask = randomMask(ROWS);
    const single = new Set<number>();
    for (let r = 0; r < ROWS; r += 1) {
      if (!blocked.includes(r) && random() >= 0.25) continue;
      single.add(r);
      const only = Math.floor(random() * ACTIONS);
      for (let a = 0; a < ACTIONS; a += 1) mask[r * ACTIONS + a] = a === only ? 1 : 0;
    }
    const allowing = mask.slice();
    for (const r of blocked) mask.fill(0, r * ACTIONS, (r + 1) * ACTIONS);
    const context = `seed ${seed}, rows allowing nothing ${blocked}`;
    const expected = maskedArgmaxBatch(logits, rowsOf(mask, ACTIONS)).maskErrors!;
    expect(expected, `${context}: test setup`).toEqual({ count: 2, firstRow: first });

    const submit = vi.spyOn(device.queue, 'submit');
    const counters = gpuCounters(device);
    try {
      for (const deterministic of [true, false]) {
        const readbacks = counters.readbacks;
        const calls = submit.mock.calls.length;
        await expect(inference.act(parameters, observations, { deterministic, actionMask: mask, logProbs: true }), `${context}, deterministic ${deterministic}`).rejects.toThrow(
          new RegExp(`actionMask row ${expected.firstRow} masks every action \\(all ${ACTIONS} of its entries are 0\\) \\(and 1 more of the ${ROWS} rows\\); each row must allow at least one action`),
        );
        // Found by the head kernel: the one submit and one readback of any call.
        expect(submit.mock.calls.length - calls, `${context}: submits of a rejected call`).toBe(1);
        expect(counters.readbacks - readbacks, `${context}: readbacks of a rejected call`).toBe(1);
      }
    } finally {
      submit.mockRestore();
    }

    // The same inference goes on: the rejected calls were Philox iterations 0 and 1.
    const maskRows = rowsOf(allowing, ACTIONS);
    const greedy = await inference.act(parameters, observations, { deterministic: true, actionMask: allowing, logProbs: true });
    const sampled = await inference.act(parameters, observations, { actionMask: allowing, logProbs: true });
    const greedyRef = maskedArgmaxBatch(logits, maskRows);
    const draws = Array.from({ length: ROWS }, (_, r) => uniformFromBits(rngBlock({ seed: config.seed, stream: INFERENCE_STREAM, iteration: 3, step: 0, draw: 0 }, r)[0]));
    const sampledRef = categoricalSampleBatch(logits, maskRows, draws);
    expect(greedyRef.maskErrors).toBeNull();
    let boundaryMisses = 0;
    for (let r = 0; r < ROWS; r += 1) {
      const m = maskRows[r]!;
      if (single.has(r)) {
        // One allowed action: chosen every time, log p = (l − l) − log 1 = 0 exactly.
        const only = m.indexOf(1);
        expect([greedy.actions[r], greedy.logProbs![r], sampled.actions[r], sampled.logProbs![r]], `${context}: row ${r} allows only action ${only}`).toEqual([only, 0, only, 0]);
        continue;
      }
      if (argmaxMargin(logits[r]!, m) > 1e-5) expect(greedy.actions[r], `${context}: greedy row ${r}`).toBe(greedyRef.actions[r]);
      expect(m[sampled.actions[r]!], `${context}: row ${r} sampled masked action ${sampled.actions[r]}`).toBe(1);
      if (sampled.actions[r] !== sampledRef.actions[r]) {
        const masked = logits[r]!.map((l, a) => (m[a] === 0 ? -Infinity : l));
        expect(cdfBoundaryDistance(masked, draws[r]!), `${context}: row ${r} sampled ${sampled.actions[r]}, reference ${sampledRef.actions[r]} away from a CDF boundary`).toBeLessThan(1e-5);
        boundaryMisses += 1;
      }
    }
    expect(boundaryMisses, `${context}: samples unlike the reference`).toBeLessThanOrEqual(1);
    expectClose('greedy log-probs after a rejected call', greedy.logProbs!, Array.from(greedy.actions, (a, r) => categoricalLogProb(logits[r]!, maskRows[r], a)));
    expectClose('sampled log-probs after a rejected call', sampled.logProbs!, Array.from(sampled.actions, (a, r) => categoricalLogProb(logits[r]!, maskRows[r], a)));
  });

  it.each([301, MAX_DISCRETE_ACTIONS])('discrete at A = %i: greedy and sampled actions and log-probs vs float64 with masks, a row allowing nothing rejected, ties broken low', async (actions) => {
    const { device } = gpu();
    const ROWS = 11;
    const actor = actorLayout(actions, false);
    const config: PolicyInferenceConfig = { actor, actionSpace: { kind: 'discrete', n: actions }, maxBatch: ROWS, seed: Math.floor(random() * 2 ** 32) >>> 0, label: `test.wide-${actions}` };
    const inference = await createPolicyInference(device, config);
    cleanup.push(() => inference.destroy());
    const actorParams = randomParameters(actor);
    const parameters = { actor: upload(`test.actor-wide-${actions}`, actorParams) };
    const observations = randomRows(ROWS, OBS, -3, 3);
    const logits = policyForwardReference({ actor, actorParams }, rowsOf(observations, OBS)).policyOutputs;
    const mask = new Uint8Array(ROWS * actions).map(() => (random() < 0.3 ? 0 : 1));
    for (let r = 0; r < ROWS; r += 1) mask[r * actions + Math.floor(random() * actions)] = 1;
    const context = `seed ${seed}, A = ${actions}`;

    const blocked = mask.slice().fill(0, 4 * actions, 5 * actions);
    await expect(inference.act(parameters, observations, { deterministic: true, actionMask: blocked }), context).rejects.toThrow(/actionMask row 4 masks every action/);
    let iteration = 1;
    for (const masked of [false, true]) {
      const maskRows = masked ? rowsOf(mask, actions) : logits.map(() => undefined);
      const actionMask = masked ? mask : undefined;
      const greedy = await inference.act(parameters, observations, { deterministic: true, actionMask, logProbs: true });
      const sampled = await inference.act(parameters, observations, { actionMask, logProbs: true });
      const draws = Array.from({ length: ROWS }, (_, r) => uniformFromBits(rngBlock({ seed: config.seed, stream: INFERENCE_STREAM, iteration: iteration + 1, step: 0, draw: 0 }, r)[0]));
      iteration += 2;
      const greedyRef = maskedArgmaxBatch(logits, maskRows);
      const sampledRef = categoricalSampleBatch(logits, maskRows, draws);
      let boundaryMisses = 0;
      for (let r = 0; r < ROWS; r += 1) {
        const m = maskRows[r];
        if (argmaxMargin(logits[r]!, m) > 1e-5) expect(greedy.actions[r], `${context}: greedy row ${r}, masked ${masked}`).toBe(greedyRef.actions[r]);
        expect(!m || m[sampled.actions[r]!] === 1, `${context}: row ${r} sampled masked action ${sampled.actions[r]}`).toBe(true);
        if (sampled.actions[r] !== sampledRef.actions[r]) {
          const allowedLogits = logits[r]!.map((l, a) => (m && m[a] === 0 ? -Infinity : l));
          expect(cdfBoundaryDistance(allowedLogits, draws[r]!), `${context}: row ${r} sampled ${sampled.actions[r]}, reference ${sampledRef.actions[r]} away from a CDF boundary`).toBeLessThan(1e-5);
          boundaryMisses += 1;
        }
      }
      expect(boundaryMisses, `${context}: samples unlike the reference`).toBeLessThanOrEqual(2);
      expectClose(`greedy log-probs A = ${actions}`, greedy.logProbs!, Array.from(greedy.actions, (a, r) => categoricalLogProb(logits[r]!, maskRows[r], a)));
      expectClose(`sampled log-probs A = ${actions}`, sampled.logProbs!, Array.from(sampled.actions, (a, r) => categoricalLogProb(logits[r]!, maskRows[r], a)));
    }

    // Ties: zero weights make every row's logits the policy bias, whose maximum sits at three
    // actions; the lowest allowed one wins, and its log p is −log(allowed maxima) to f32.
    const policy = actor.layers[actor.headLayer.policy!]!;
    const flat = new Float32Array(actor.parametersPerAgent);
    for (let a = 0; a < actions; a += 1) flat[policy.bias.offset + a] = -20 + random();
    const maxima = [actions - 1, Math.floor(actions / 2), Math.floor(actions / 3)].sort((x, y) => x - y);
    for (const a of maxima) flat[policy.bias.offset + a] = 5;
    const tieMask = new Uint8Array(ROWS * actions).fill(1);
    for (let r = 0; r < ROWS; r += 2) tieMask[r * actions + maxima[0]!] = 0; // even rows: the lowest maximum masked
    const ties = await inference.act({ actor: upload(`test.actor-ties-${actions}`, flat) }, observations, { deterministic: true, actionMask: tieMask, logProbs: true });
    for (let r = 0; r < ROWS; r += 1) {
      const winners = r % 2 === 0 ? 2 : 3;
      expect(ties.actions[r], `${context}: tie row ${r}`).toBe(maxima[r % 2 === 0 ? 1 : 0]);
      expect(ties.logProbs![r]!, `${context}: tie row ${r}`).toBeCloseTo(-Math.log(winners), 5);
    }
  });

  // ---- bad input -----------------------------------------------------------------------------

  it('rejects bad observations, masks, options and parameters with errors naming them, before any GPU work', async () => {
    const { device } = gpu();
    const { inference, config } = await discrete();
    const { inference: boxInference, config: boxConfig } = await box();
    const parameters = { actor: upload('test.actor-bad', randomParameters(config.actor)) };
    const obs = (rows: number) => randomRows(rows, OBS, -1, 1);
    const submit = vi.spyOn(device.queue, 'submit');
    const cases: [string, Promise<unknown>, RegExp][] = [
      ['length', inference.act(parameters, new Float32Array(OBS * 2 + 1)), /observations has 11 values, not a multiple of the observation size 5/],
      ['rows', inference.act(parameters, obs(MAX_BATCH + 1)), /holds 54 rows; at most maxBatch = 53/],
      ['type', inference.act(parameters, [1, 2, 3, 4, 5] as unknown as Float32Array), /observations must be a Float32Array/],
      ['NaN', inference.act(parameters, Float32Array.from([0, 1, 2, 3, 4, 5, 6, Number.NaN, 8, 9])), /observations\[7\] \(row 1, dim 2\) must be finite \(got NaN\)/],
      ['Inf', inference.act(parameters, Float32Array.from([0, 1, Infinity, 3, 4])), /observations\[2\] \(row 0, dim 2\) must be finite \(got Infinity\)/],
      ['mask length', inference.act(parameters, obs(2), { actionMask: new Uint8Array(5) }), /actionMask has 5 entries; 2 rows × 3 actions need 6/],
      ['mask value', inference.act(parameters, obs(1), { actionMask: Uint8Array.from([1, 2, 0]) }), /actionMask\[1\] \(row 0, action 1\) must be 0 or 1 \(got 2\)/],
      ['mask entry', inference.act(parameters, obs(1), { actionMask: [true, 1, false] as unknown as boolean[] }), /actionMask\[1\] \(row 0, action 1\) must be a boolean/],
      ['mask on box', boxInference.act({ actor: upload('test.box-bad', randomParameters(boxConfig.actor)) }, obs(1), { actionMask: [true, true] }), /actionMask applies to discrete actions only/],
      ['unknown option', inference.act(parameters, obs(1), { determinstic: true } as never), /unknown option 'determinstic'/],
      ['option type', inference.act(parameters, obs(1), { deterministic: 1 } as never), /options.deterministic must be a boolean \(got 1\)/],
      ['values without critic parameters', inference.act(parameters, obs(1), { values: true }), /parameters.critic must be a GPUBuffer \(got undefined\)/],
      ['small parameters', inference.act({ actor: upload('test.small', new Float32Array(4)) }, obs(1)), /parameters.actor \('test.small'\) has 16 bytes; the network's parameters need \d+ floats/],
    ];
    for (const [what, promise, message] of cases) await expect(promise, what).rejects.toThrow(message);
    expect(submit).not.toHaveBeenCalled();
    submit.mockRestore();
  });

  it('rejects bad configurations, and act() after destroy()', async () => {
    const { device } = gpu();
    const actor = actorLayout(ACTIONS, false);
    const base: PolicyInferenceConfig = { actor, actionSpace: { kind: 'discrete', n: ACTIONS }, maxBatch: 4, seed: 7 };
    const boxSpace = (low: number[], high: number[]): ActionSpace => ({ kind: 'box', size: BOX, low, high });
    const cases: [string, Partial<PolicyInferenceConfig>, RegExp][] = [
      ['maxBatch', { maxBatch: 0 }, /maxBatch must be a positive integer \(got 0\)/],
      ['seed', { seed: -1 }, /seed must be an integer in \[0, 4294967295\] \(got -1\)/],
      ['actions', { actionSpace: { kind: 'discrete', n: 4 } }, /'policy' head has 3 outputs; the action space needs 4 \(logits\)/],
      ['too many actions', { actor: actorLayout(1025, false), actionSpace: { kind: 'discrete', n: 1025 } }, /actionSpace\.n must be an integer in \[1, 1024\] \(got 1025\)/],
      ['too many box dims', { actor: actorLayout(65, true), actionSpace: { kind: 'box', size: 65, low: new Array(65).fill(-1), high: new Array(65).fill(1) } }, /actionSpace\.size must be an integer in \[1, 64\] \(MAX_ACTION_SIZE\) \(got 65\)/],
      ['no logStd', { actor: actorLayout(BOX, false), actionSpace: boxSpace([-1, -1], [1, 1]) }, /extras.logStd of 2 values/],
      ['bounds length', { actor: actorLayout(BOX, true), actionSpace: boxSpace([-1], [1, 1]) }, /actionSpace.low must hold 2 bounds/],
      ['bounds order', { actor: actorLayout(BOX, true), actionSpace: boxSpace([-1, 2], [1, 1]) }, /low\[1\] = 2 must not exceed high\[1\] = 1/],
      ['critic head', { critic: mlpLayout({ inputSize: OBS, hiddenSizes: [3], activation: 'tanh', heads: [{ name: 'value', size: 2, gain: 1 }] }) }, /critic must have a 'value' head of size 1/],
      ['critic input', { critic: mlpLayout({ inputSize: 4, hiddenSizes: [3], activation: 'tanh', heads: [{ name: 'value', size: 1, gain: 1 }] }) }, /critic takes 4 inputs; the actor takes 5/],
      ['normaliser clip', { observationNormaliser: { moments: (await discrete()).moments, clip: 0, epsilon: 1e-8 } }, /observationNormaliser.clip must be a finite number > 0 \(got 0\)/],
    ];
    const created = gpuCounters(device).buffersCreated;
    for (const [what, change, message] of cases) await expect(createPolicyInference(device, { ...base, ...change }), what).rejects.toThrow(message);
    expect(gpuCounters(device).buffersCreated, 'buffers made for a bad config').toBe(created);
    const noCritic = await createPolicyInference(device, base);
    const parameters = { actor: upload('test.actor-destroy', randomParameters(actor)) };
    await expect(noCritic.act(parameters, new Float32Array(OBS), { values: true })).rejects.toThrow(/options.values: this policy has no critic/);
    noCritic.destroy();
    await expect(noCritic.act(parameters, new Float32Array(OBS))).rejects.toThrow(/act\(\) after destroy\(\)/);
  });
});
