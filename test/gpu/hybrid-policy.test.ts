/**
 * A hybrid policy (src/envs/types.ts HybridSpace: D continuous dims and K discrete branches) in
 * act() and in its ONNX export, on a real device, against the float64 reference
 * (test/reference/policy-inference.ts, multi-categorical.ts, philox.ts) on fresh random networks,
 * at odd sizes: OBS = 5, D = 3 (bounds that clip some dims often and one rarely), nvec [4, 1, 3],
 * batch 37 of maxBatch 53. Greedy: the clipped means, each branch's masked argmax, log p = the
 * Gaussian's at its mean plus the branches'. Sampled: draw for draw against the reference sampler
 * (the Gaussian from the row's first Philox block, branch b from word 4·⌈D/4⌉ + b, past it), log p
 * of the unclipped sample, never a masked branch action under random masks; over many calls the
 * branch frequencies match the (masked) softmax, the continuous draw has the policy's moments and
 * is uncorrelated with the branch draws. The ONNX export of the same parameters (through a
 * checkpoint) outputs what act() computes. Every failure message carries the test's seed.
 */
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPolicyInference, INFERENCE_STREAM, type ActResult, type PolicyInference, type PolicyInferenceConfig } from '../../src/agent/policy-inference';
import type { HybridSpace } from '../../src/envs/types';
import { exportCheckpointOnnx, onnxPolicyFromCheckpoint } from '../../src/export/from-checkpoint';
import { createBufferWithData, destroyBuffer } from '../../src/gpu/buffers';
import { criticSpec, hybridActorSpec, mlpLayout, type MlpLayout } from '../../src/nn/mlp-spec';
import type { Checkpoint } from '../../src/train/checkpoint';
import { categoricalLogProb, categoricalProbabilities, gaussianLogProb } from '../reference/heads';
import { branchSlice, multiCategoricalSample } from '../reference/multi-categorical';
import { cdfBoundaryDistance, normalPair, rngBlock, uniformFromBits } from '../reference/philox';
import { argmaxMargin, clipToBox, gaussianModeLogProb, maskedArgmax, policyForwardReference, rowsOf } from '../reference/policy-inference';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { chiSquareCritical, chiSquareStatistic, meanAndVariance } from '../support/statistics';

const OBS = 5;
const D = 3;
const NVEC = [4, 1, 3] as const;
const K = NVEC.length;
const LOGITS = NVEC.reduce((sum, n) => sum + n, 0);
const W = D + LOGITS;
const MAX_BATCH = 53;
const BATCH = 37;
/** Dim 0 rarely clips; dims 1 and 2 often do. */
const LOW = [-4, -1.2, -0.6];
const HIGH = [4, 0.8, 0.9];
const SPACE: HybridSpace = { kind: 'hybrid', continuous: { kind: 'box', size: D, low: LOW, high: HIGH }, nvec: NVEC };
/** |gpu − ref| ≤ TOLERANCE·max(1, |ref|) for forward outputs and log-probs. */
const TOLERANCE = 2e-5;
/** The branches' samplers draw from the words after the Gaussian's ⌈D/4⌉ Philox blocks. */
const FIRST_BRANCH_WORD = 4 * Math.ceil(D / 4);

const actor: MlpLayout = mlpLayout(hybridActorSpec(OBS, D, LOGITS, [9, 6]));
const critic: MlpLayout = mlpLayout(criticSpec(OBS, [7]));

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});

function expectClose(context: string, what: string, gpu: ArrayLike<number>, ref: ArrayLike<number>, tolerance = TOLERANCE): void {
  expect(gpu.length, `${context}: ${what} length`).toBe(ref.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < ref.length; i += 1) {
    const error = Math.abs(gpu[i]! - ref[i]!) / Math.max(1, Math.abs(ref[i]!));
    if (!(error <= worst)) {
      worst = Number.isNaN(error) ? Infinity : error;
      at = i;
    }
  }
  expect(worst, `${context}: ${what}[${at}] GPU ${gpu[at]} vs float64 ${ref[at]}`).toBeLessThanOrEqual(tolerance);
}

/** Random parameters large enough that logits and means are O(1); log-std in [-1.2, -0.3]. */
function randomParameters(layout: MlpLayout, random: () => number): Float32Array<ArrayBuffer> {
  const params = Float32Array.from({ length: layout.parametersPerAgent }, () => 1.8 * random() - 0.9);
  const logStd = layout.extras.logStd;
  if (logStd) for (let d = 0; d < logStd.length; d += 1) params[logStd.offset + d] = -1.2 + 0.9 * random();
  return params;
}

const logStdOf = (params: Float32Array): number[] => Array.from(params.subarray(actor.extras.logStd!.offset, actor.extras.logStd!.offset + D));

/** A mask [rows][Σ nvec]: each entry allowed with probability 0.7, at least one per branch of each row. */
function randomMask(rows: number, random: () => number): Uint8Array {
  const mask = new Uint8Array(rows * LOGITS).map(() => (random() < 0.7 ? 1 : 0));
  for (let r = 0; r < rows; r += 1) {
    let start = r * LOGITS;
    for (const n of NVEC) {
      if (!mask.subarray(start, start + n).includes(1)) mask[start + Math.floor(random() * n)] = 1;
      start += n;
    }
  }
  return mask;
}

/** Row r's action: its continuous dims and its branch indices, from act()'s two arrays. */
function actionOf(result: ActResult, r: number): { continuous: number[]; discrete: number[] } {
  return { continuous: Array.from(result.actions.subarray(r * D, (r + 1) * D)), discrete: Array.from(result.discreteActions!.subarray(r * K, (r + 1) * K)) };
}

/** Σ_b log p_b(a_b) under each branch's mask. */
function branchesLogProb(logits: readonly number[], mask: readonly number[] | undefined, actions: readonly number[]): number {
  return NVEC.reduce((sum, _, b) => sum + categoricalLogProb(branchSlice([...logits], [...NVEC], b), mask && branchSlice([...mask], [...NVEC], b), actions[b]!), 0);
}

describe('hybrid policies in act() and ONNX', () => {
  const gpu = useGpu();

  async function withInference(seed: number, run: (inference: PolicyInference, config: PolicyInferenceConfig) => Promise<void>): Promise<void> {
    const config: PolicyInferenceConfig = { actor, critic, actionSpace: SPACE, maxBatch: MAX_BATCH, seed, label: 'test.hybrid' };
    const inference = await createPolicyInference(gpu().device, config);
    try {
      await run(inference, config);
    } finally {
      inference.destroy();
    }
  }

  function upload(label: string, data: Float32Array<ArrayBuffer>, cleanup: (() => void)[]): GPUBuffer {
    const { device } = gpu();
    const buffer = createBufferWithData(device, label, data);
    cleanup.push(() => destroyBuffer(device, buffer));
    return buffer;
  }

  it('greedy: the clipped means, each branch\'s masked argmax, log p = the Gaussian\'s at its mean + the branches\', policy outputs and values vs float64', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const cleanup: (() => void)[] = [];
    try {
      await withInference(Math.floor(random() * 2 ** 32) >>> 0, async (inference) => {
        const actorParams = randomParameters(actor, random);
        const criticParams = randomParameters(critic, random);
        const parameters = { actor: upload('test.hybrid-actor', actorParams, cleanup), critic: upload('test.hybrid-critic', criticParams, cleanup) };
        const logStd = logStdOf(actorParams);
        let clipped = 0;
        for (const masked of [true, false]) {
          const context = `seed ${seed}, masked ${masked}`;
          const observations = Float32Array.from({ length: BATCH * OBS }, () => 6 * random() - 3);
          const mask = masked ? randomMask(BATCH, random) : undefined;
          const maskRows = mask && rowsOf(mask, LOGITS);
          const ref = policyForwardReference({ actor, actorParams, critic, criticParams }, rowsOf(observations, OBS));
          const greedy = await gpuStep(gpu(), 'act greedy', () =>
            inference.act(parameters, observations, { deterministic: true, actionMask: mask, logProbs: true, values: true, policyOutputs: true }),
          );
          expect(greedy.actions, context).toBeInstanceOf(Float32Array);
          expect(greedy.discreteActions, context).toBeInstanceOf(Uint32Array);
          expectClose(context, 'policy outputs (D means, then the logits)', greedy.policyOutputs!, ref.policyOutputs.flat());
          expectClose(context, 'values', greedy.values!, ref.values!);
          const means = ref.policyOutputs.map((row) => row.slice(0, D));
          expectClose(context, 'greedy continuous actions (clipped means)', greedy.actions, means.flatMap((mean) => clipToBox(mean, LOW, HIGH)));
          clipped += means.flat().filter((m, i) => m < LOW[i % D]! || m > HIGH[i % D]!).length;
          expect(greedy.discreteActions!.length, context).toBe(BATCH * K);
          const expectedLogp: number[] = [];
          for (let r = 0; r < BATCH; r += 1) {
            const logits = ref.policyOutputs[r]!.slice(D);
            const { discrete } = actionOf(greedy, r);
            NVEC.forEach((_, b) => {
              const l = branchSlice(logits, [...NVEC], b);
              const m = maskRows && branchSlice(maskRows[r]!, [...NVEC], b);
              // A tie within f32 rounding may go either way.
              if (argmaxMargin(l, m) > 1e-5) expect(discrete[b], `${context}: row ${r}, branch ${b}`).toBe(maskedArgmax(l, m));
              expect(!m || m[discrete[b]!] === 1, `${context}: row ${r}, branch ${b} took masked action ${discrete[b]}`).toBe(true);
            });
            expectedLogp.push(gaussianModeLogProb(logStd) + branchesLogProb(logits, maskRows?.[r], discrete));
          }
          expectClose(context, 'greedy log-probs', greedy.logProbs!, expectedLogp);
        }
        // The clipping is exercised: bounds of about ±1 on dims 1 and 2 against means of O(1).
        expect(clipped, `seed ${seed}: no greedy mean was clipped`).toBeGreaterThan(0);
      });
    } finally {
      cleanup.forEach((f) => f());
    }
  });

  it('sampled: draw for draw against the reference (branches past the Gaussian\'s Philox words), log p of the unclipped sample, never a masked branch action', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const cleanup: (() => void)[] = [];
    const key = Math.floor(random() * 2 ** 32) >>> 0;
    try {
      await withInference(key, async (inference) => {
        const actorParams = randomParameters(actor, random);
        const parameters = { actor: upload('test.hybrid-actor-sampled', actorParams, cleanup) };
        const logStd = logStdOf(actorParams);
        const CALLS = 6;
        let boundaryMisses = 0;
        let inside = 0;
        for (let call = 0; call < CALLS; call += 1) {
          const context = `seed ${seed}, call ${call}`;
          const observations = Float32Array.from({ length: BATCH * OBS }, () => 6 * random() - 3);
          // Odd calls unmasked: both kernel variants.
          const mask = call % 2 === 0 ? randomMask(BATCH, random) : undefined;
          const maskRows = mask && rowsOf(mask, LOGITS);
          const ref = policyForwardReference({ actor, actorParams }, rowsOf(observations, OBS)).policyOutputs;
          const sampled = await gpuStep(gpu(), 'act sample', () => inference.act(parameters, observations, { actionMask: mask, logProbs: true }));
          const draw = (draw: number, r: number) => rngBlock({ seed: key, stream: INFERENCE_STREAM, iteration: call, step: 0, draw }, r);
          for (let r = 0; r < BATCH; r += 1) {
            const { continuous, discrete } = actionOf(sampled, r);
            const mean = ref[r]!.slice(0, D);
            const logits = ref[r]!.slice(D);
            // The Gaussian: dims 0, 1 from words (x, y) of draw 0, dim 2 from (z, w).
            const block = draw(0, r).map(uniformFromBits);
            const noise = [...normalPair(block[0]!, block[1]!), ...normalPair(block[2]!, block[3]!)].slice(0, D);
            const unclipped = mean.map((m, d) => m + Math.exp(logStd[d]!) * noise[d]!);
            let logpTolerance = 0;
            for (let d = 0; d < D; d += 1) {
              // |ε_f32 − ε_f64| as bounded in heads.test.ts (SwiftShader's cos errs by ~2e-4), times σ.
              const u1 = block[d < 2 ? 0 : 2]!;
              const noiseError = 2 ** -10 + Math.sqrt(-2 * Math.log(u1)) * (2 ** -11 + 2 ** -20);
              const tolerance = Math.exp(logStd[d]!) * noiseError + 1e-5;
              expect(Math.abs(continuous[d]! - clipToBox(unclipped, LOW, HIGH)[d]!), `${context}: row ${r} dim ${d} sampled ${continuous[d]} vs clip(μ + σε) ${unclipped[d]}`).toBeLessThanOrEqual(tolerance);
              expect(continuous[d]! >= Math.fround(LOW[d]!) && continuous[d]! <= Math.fround(HIGH[d]!), `${context}: row ${r} dim ${d} = ${continuous[d]} outside the bounds`).toBe(true);
              logpTolerance += Math.abs(noise[d]!) * noiseError + 1e-5 * (1 + noise[d]! ** 2 + Math.abs(logStd[d]!));
            }
            // The branches: branch b from word FIRST_BRANCH_WORD + b of the row's draws.
            const u = NVEC.map((_, b) => uniformFromBits(draw(Math.floor((FIRST_BRANCH_WORD + b) / 4), r)[(FIRST_BRANCH_WORD + b) % 4]!));
            const expected = multiCategoricalSample(logits, [...NVEC], maskRows?.[r], u);
            NVEC.forEach((n, b) => {
              const m = maskRows && branchSlice(maskRows[r]!, [...NVEC], b);
              expect(discrete[b]! < n && (!m || m[discrete[b]!] === 1), `${context}: row ${r} branch ${b} took action ${discrete[b]} (mask ${m})`).toBe(true);
              if (discrete[b] !== expected.actions[b]) {
                const allowed = branchSlice(logits, [...NVEC], b).map((l, a) => (m && m[a] === 0 ? -Infinity : l));
                expect(cdfBoundaryDistance(allowed, u[b]!), `${context}: row ${r} branch ${b} sampled ${discrete[b]}, reference ${expected.actions[b]} away from a CDF boundary`).toBeLessThan(1e-5);
                boundaryMisses += 1;
              }
            });
            const branches = branchesLogProb(logits, maskRows?.[r], discrete);
            // Every row: log p is the unclipped sample's, whether or not the env will clip it.
            const atUnclipped = gaussianLogProb(unclipped, mean, logStd) + branches;
            expect(Math.abs(sampled.logProbs![r]! - atUnclipped), `${context}: row ${r} log p ${sampled.logProbs![r]} vs ${atUnclipped} at the unclipped sample`).toBeLessThanOrEqual(
              logpTolerance + TOLERANCE * Math.max(1, Math.abs(atUnclipped)),
            );
            // Unclipped rows: the returned action is that sample, and log p is its density to f32.
            if (continuous.every((a, d) => a > Math.fround(LOW[d]!) && a < Math.fround(HIGH[d]!))) {
              inside += 1;
              const atReturned = gaussianLogProb(continuous, mean, logStd) + branches;
              expect(Math.abs(sampled.logProbs![r]! - atReturned), `${context}: row ${r} log p ${sampled.logProbs![r]} vs ${atReturned}`).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(atReturned)));
            }
          }
        }
        expect(boundaryMisses, `seed ${seed}: samples unlike the reference`).toBeLessThanOrEqual(2);
        expect(inside, `seed ${seed}: too few unclipped rows to check log-probs`).toBeGreaterThan(5);
        expect(inside, `seed ${seed}: no row clipped`).toBeLessThan(CALLS * BATCH);
      });
    } finally {
      cleanup.forEach((f) => f());
    }
  });

  it('sampled over many calls: branch frequencies match the masked softmax, the continuous draw has the policy\'s moments and is uncorrelated with the branch draws', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const cleanup: (() => void)[] = [];
    try {
      await withInference(Math.floor(random() * 2 ** 32) >>> 0, async (inference) => {
        // Zero policy weights: every row's head is the policy bias, means μ and logits in ±0.5.
        const actorParams = randomParameters(actor, random);
        const policy = actor.layers[actor.headLayer.policy!]!;
        actorParams.fill(0, policy.weight.offset, policy.weight.offset + policy.weight.length);
        const mean = [0.3, -0.2, 0.05];
        const logStd = [-0.5, -0.8, -1];
        mean.forEach((m, d) => (actorParams[policy.bias.offset + d] = m));
        for (let a = 0; a < LOGITS; a += 1) actorParams[policy.bias.offset + D + a] = random() - 0.5;
        logStd.forEach((s, d) => (actorParams[actor.extras.logStd!.offset + d] = s));
        const logits = Array.from(actorParams.subarray(policy.bias.offset + D, policy.bias.offset + W), (x) => Math.fround(x));
        const parameters = { actor: upload('test.hybrid-actor-frequencies', actorParams, cleanup) };
        // Branch 0's action 1 and branch 2's action 2 masked; branch 1 has one action.
        const rowMask = [1, 0, 1, 1, 1, 1, 1, 0];
        const mask = Uint8Array.from({ length: MAX_BATCH * LOGITS }, (_, i) => rowMask[i % LOGITS]!);
        const observations = Float32Array.from({ length: MAX_BATCH * OBS }, () => 4 * random() - 2);
        const CALLS = 8;
        const counts = NVEC.map((n) => new Array<number>(n).fill(0));
        const z: number[] = [];
        const branchActions: number[][] = NVEC.map(() => []);
        const firstRows = new Set<string>();
        for (let call = 0; call < CALLS; call += 1) {
          const result = await inference.act(parameters, observations, { actionMask: mask });
          firstRows.add(`${result.actions[0]} ${result.discreteActions![0]}`);
          for (let r = 0; r < MAX_BATCH; r += 1) {
            const { continuous, discrete } = actionOf(result, r);
            discrete.forEach((a, b) => {
              counts[b]![a]! += 1;
              branchActions[b]!.push(a);
            });
            // Dim 0 clips beyond 7σ: its draws are the Gaussian's.
            z.push((continuous[0]! - mean[0]!) / Math.exp(logStd[0]!));
          }
        }
        expect(firstRows.size, `seed ${seed}: calls drew the same first row`).toBe(CALLS);
        const n = CALLS * MAX_BATCH;
        NVEC.forEach((_, b) => {
          const p = categoricalProbabilities(branchSlice(logits, [...NVEC], b), branchSlice(rowMask, [...NVEC], b));
          p.forEach((pa, a) => {
            if (pa === 0) expect(counts[b]![a], `seed ${seed}: branch ${b} chose masked action ${a}`).toBe(0);
          });
          const cells = p.map((_, a) => a).filter((a) => p[a]! > 0);
          if (cells.length < 2) return;
          const statistic = chiSquareStatistic(cells.map((a) => counts[b]![a]!), cells.map((a) => n * p[a]!));
          // False-alarm probability 1e-5 per branch.
          expect(statistic, `seed ${seed}: branch ${b} counts ${counts[b]} vs p ${p.map((x) => x.toFixed(3))}`).toBeLessThan(chiSquareCritical(1e-5, cells.length - 1));
        });
        expect(counts[1], `seed ${seed}: branch 1 has one action`).toEqual([n]);
        const moments = meanAndVariance(z);
        // 4.5 standard errors: false alarms ~1e-5 each.
        expect(Math.abs(moments.mean), `seed ${seed}: standardised dim 0 mean ${moments.mean}`).toBeLessThan(4.5 / Math.sqrt(n));
        expect(Math.abs(moments.variance - 1), `seed ${seed}: standardised dim 0 variance ${moments.variance}`).toBeLessThan(4.5 * Math.sqrt(2 / (n - 1)));
        // Independence, spot-checked: had a branch drawn from the Gaussian's words, its action would
        // follow ε (word x sets |ε| through Box–Muller's radius, word y its sign).
        for (const b of [0, 2]) {
          for (const [what, values] of [['ε', z], ['|ε|', z.map(Math.abs)]] as const) {
            const r = correlation(values, branchActions[b]!);
            expect(Math.abs(r), `seed ${seed}: corr(${what} of dim 0, branch ${b}'s action) = ${r.toFixed(3)}`).toBeLessThan(4.5 / Math.sqrt(n));
          }
        }
      });
    } finally {
      cleanup.forEach((f) => f());
    }
  });

  it('the ONNX export (through a checkpoint) outputs what act() computes: mean, log_std and one logits_b per branch; its greedy action is act()\'s', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const cleanup: (() => void)[] = [];
    try {
      await withInference(Math.floor(random() * 2 ** 32) >>> 0, async (inference) => {
        const actorParams = randomParameters(actor, random);
        const parameters = { actor: upload('test.hybrid-actor-onnx', actorParams, cleanup) };
        const observations = Float32Array.from({ length: BATCH * OBS }, () => 6 * random() - 3);
        const mask = randomMask(BATCH, random);
        const greedy = await gpuStep(gpu(), 'act greedy', () => inference.act(parameters, observations, { deterministic: true, actionMask: mask, policyOutputs: true }));

        const checkpoint = hybridCheckpoint(actorParams, random);
        const policy = onnxPolicyFromCheckpoint(checkpoint);
        expect([policy.policy, policy.branches], `seed ${seed}`).toEqual(['hybrid', NVEC]);
        expect(policy.docString, `seed ${seed}`).toMatch(/'mean' \[batch, 3\] and 'log_std' \[3\] .*, then 'logits_0' \[batch, 4\], 'logits_1' \[batch, 1\], 'logits_2' \[batch, 3\], one per branch/);
        const session = await ort.InferenceSession.create(exportCheckpointOnnx(checkpoint));
        let outputs: Record<string, ort.Tensor>;
        try {
          outputs = await session.run({ observations: new ort.Tensor('float32', observations, [BATCH, OBS]) });
        } finally {
          await session.release();
        }
        expect(Object.keys(outputs).sort(), `seed ${seed}`).toEqual(['log_std', 'logits_0', 'logits_1', 'logits_2', 'mean']);
        expect(outputs.mean!.dims, `seed ${seed}`).toEqual([BATCH, D]);
        expect(Array.from(outputs.log_std!.data as Float32Array), `seed ${seed}`).toEqual(Array.from(actorParams.subarray(actor.extras.logStd!.offset, actor.extras.logStd!.offset + D)));
        // The ONNX outputs side by side, as act()'s policyOutputs lay them out.
        const branchOutputs = NVEC.map((n, b) => {
          expect(outputs[`logits_${b}`]!.dims, `seed ${seed}, branch ${b}`).toEqual([BATCH, n]);
          return outputs[`logits_${b}`]!.data as Float32Array;
        });
        const onnxRows = Array.from({ length: BATCH }, (_, r) => [
          ...Array.from((outputs.mean!.data as Float32Array).subarray(r * D, (r + 1) * D)),
          ...NVEC.flatMap((n, b) => Array.from(branchOutputs[b]!.subarray(r * n, (r + 1) * n))),
        ]);
        expectClose(`seed ${seed}`, 'ONNX outputs vs act() policyOutputs', onnxRows.flat(), greedy.policyOutputs!, 1e-5);
        // A runtime's greedy action from the model: the clipped mean and each branch's masked argmax.
        const maskRows = rowsOf(mask, LOGITS);
        onnxRows.forEach((row, r) => {
          expectClose(`seed ${seed}, row ${r}`, 'continuous', actionOf(greedy, r).continuous, clipToBox(row.slice(0, D), LOW, HIGH));
          NVEC.forEach((_, b) => {
            const l = branchSlice(row.slice(D), [...NVEC], b);
            const m = branchSlice(maskRows[r]!, [...NVEC], b);
            if (argmaxMargin(l, m) > 1e-4) expect(actionOf(greedy, r).discrete[b], `seed ${seed}, row ${r}, branch ${b}`).toBe(maskedArgmax(l, m));
          });
        });
      });
    } finally {
      cleanup.forEach((f) => f());
    }
  });

  it('rejects a mask row that allows nothing in one branch (found on the GPU), a mask of the wrong width and mismatched actors, naming them', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const cleanup: (() => void)[] = [];
    const { device } = gpu();
    try {
      await withInference(Math.floor(random() * 2 ** 32) >>> 0, async (inference) => {
        const parameters = { actor: upload('test.hybrid-actor-errors', randomParameters(actor, random), cleanup) };
        const observations = Float32Array.from({ length: BATCH * OBS }, () => 2 * random() - 1);
        const mask = randomMask(BATCH, random);
        // Row 5 allows nothing in branch 2 (its last three entries).
        mask.fill(0, 5 * LOGITS + 5, 6 * LOGITS);
        for (const deterministic of [true, false]) {
          await expect(inference.act(parameters, observations, { deterministic, actionMask: mask }), `seed ${seed}, deterministic ${deterministic}`).rejects.toThrow(
            /actionMask row 5 masks every action of one of its branches \[4, 1, 3\]; each branch of each row must allow at least one action/,
          );
        }
        await expect(inference.act(parameters, observations, { actionMask: new Uint8Array(BATCH * W) })).rejects.toThrow(
          /actionMask has 407 entries; 37 rows × Σ nvec = 8 branch actions \(the continuous dims have no mask\) need 296/,
        );
        const empty = await inference.act(parameters, new Float32Array(0), { logProbs: true });
        expect([empty.actions, empty.discreteActions, empty.logProbs], `seed ${seed}`).toEqual([new Float32Array(0), new Uint32Array(0), new Float32Array(0)]);
      });
      const base: PolicyInferenceConfig = { actor, actionSpace: SPACE, maxBatch: 4, seed: 7 };
      const cases: [string, Partial<PolicyInferenceConfig>, RegExp][] = [
        ['no logStd', { actor: mlpLayout({ ...hybridActorSpec(OBS, D, LOGITS, [4]), extras: {} }) }, /actor must have extras.logStd of 3 values for the 3 continuous dims of a hybrid space \(got none\)/],
        ['head width', { actor: mlpLayout(hybridActorSpec(OBS, D, LOGITS - 1, [4])) }, /'policy' head has 10 outputs; the action space needs 11 \(3 means, then 8 logits\)/],
        ['logStd of the head', { actor: mlpLayout({ ...hybridActorSpec(OBS, D, LOGITS, [4]), extras: { logStd: W } }) }, /extras.logStd of 3 values .*\(got 11\)/],
        ['bounds', { actionSpace: { ...SPACE, continuous: { ...SPACE.continuous, low: [0, 0] } } }, /actionSpace.continuous.low must hold 3 bounds, one per action dim \(got 2\)/],
        ['words', { actionSpace: { ...SPACE, continuous: { kind: 'box', size: 62, low: new Array(62).fill(-1), high: new Array(62).fill(1) } } }, /actionSpace.continuous.size must be an integer in \[1, 61\] \(MAX_ACTION_SIZE 64 less the 3 branch words of a row\) \(got 62\)/],
        ['nvec', { actionSpace: { ...SPACE, nvec: [4, 0, 3] } }, /actionSpace.nvec\[1\] must be a positive integer \(got 0\)/],
      ];
      for (const [what, change, message] of cases) await expect(createPolicyInference(device, { ...base, ...change }), `seed ${seed}: ${what}`).rejects.toThrow(message);
    } finally {
      cleanup.forEach((f) => f());
    }
  });
});

/** Pearson's correlation of two equally long samples. */
function correlation(x: readonly number[], y: readonly number[]): number {
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((v, i) => {
    sxy += (v - mx) * (y[i]! - my);
    sxx += (v - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

/** A checkpoint of a hybrid policy holding `actorParams` (one agent), as Agent.checkpoint() records one. */
function hybridCheckpoint(actorParams: Float32Array, random: () => number): Checkpoint {
  return {
    engineVersion: 'test',
    createdAt: '',
    algo: 'ppo',
    config: {},
    env: { id: 'Aim-test', observationSpace: { kind: 'box', size: OBS, low: new Array(OBS).fill(-5), high: new Array(OBS).fill(5) }, actionSpace: SPACE },
    policy: 'hybrid',
    seed: 1,
    agents: 1,
    iteration: 2,
    globalStep: 64,
    networks: [
      { name: 'actor', spec: actor.spec, parameters: actorParams },
      { name: 'critic', spec: critic.spec, parameters: Float32Array.from({ length: critic.parametersPerAgent }, () => random() - 0.5) },
    ],
  };
}
