/**
 * The hybrid policy head on a real device against the float64 reference (test/reference/hybrid.ts,
 * itself checked by finite differences): createPolicyHead's hybrid head (src/train/policy-head.ts,
 * a Gaussian over each row's first D outputs and masked categorical branches over the rest, on
 * action rows of D floats then K indices) evaluates log π and H, and turns per-row coefficients into
 * ∂L/∂outputs and the per-agent log-std gradient; and the rollout's hybrid samplers
 * (src/rollout/kernels.ts, composed as src/rollout/rollout.ts does) draw the continuous part from
 * Philox blocks draw … draw + ⌈D/4⌉ − 1 and branch b from word 4⌈D/4⌉ + b, so the parts are
 * independent, never pick a masked branch action, and record the joint log p. Fresh random inputs
 * at odd sizes (2 agents × 19 rows, D = 3 or 5, nvec [4, 1, 3] or [2, 6]); relative error
 * max|gpu − ref| / max(1e-3, max|ref|) < 1e-4 (the sampled floats within 2e-3, WGSL's cos and sin
 * allowing 2^-11); the seed is in every failure message.
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, createKernel, readBufferOnce } from '../../src/gpu/index';
import { MASK_ERRORS_BYTES } from '../../src/nn/heads';
import { hybridActorSpec, mlpLayout } from '../../src/nn/mlp-spec';
import { policySampleCategoricalKernels, policySampleGaussianKernel } from '../../src/rollout/kernels';
import { encodeRngParams, RNG_PARAMS_BYTES, type RngParams } from '../../src/rng/params';
import { createPolicyHead } from '../../src/train/policy-head';
import { hybridEntropy, hybridEntropyGrad, hybridLogProb, hybridLogProbGrad, type HybridRow } from '../reference/hybrid';
import { branchSlice } from '../reference/multi-categorical';
import { cdfBoundaryDistance, normalPair, philox4x32, sampleCategorical, uniformFromBits } from '../reference/philox';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

const TOLERANCE = 1e-4;
const seed = freshSeed();
const random = seededRandom(seed);
const G = 2;
const B = 19;
const ROWS = G * B;

function relativeError(gpu: ArrayLike<number>, ref: ArrayLike<number>): number {
  let worst = 0;
  let scale = 1e-3;
  for (let i = 0; i < ref.length; i += 1) {
    scale = Math.max(scale, Math.abs(ref[i]!));
    const error = Math.abs(gpu[i]! - ref[i]!);
    worst = Number.isNaN(error) ? Infinity : Math.max(worst, error);
  }
  return worst / scale;
}
const expectClose = (what: string, gpu: ArrayLike<number>, ref: ArrayLike<number>) =>
  expect(relativeError(gpu, ref), `seed ${seed}: ${what} relative error`).toBeLessThan(TOLERANCE);

interface Case {
  readonly D: number;
  readonly nvec: readonly number[];
}
const CASES: Case[] = [
  { D: 3, nvec: [4, 1, 3] },
  { D: 5, nvec: [2, 6] },
];

/** A hybrid actor's layout and fresh inputs: outputs [rows][D + Σ], per-agent log-stds, masks and legal action rows. */
function inputs({ D, nvec }: Case) {
  const total = nvec.reduce((s, n) => s + n, 0);
  const K = nvec.length;
  const actor = mlpLayout(hybridActorSpec(3, D, total, [4]));
  const P = actor.parametersPerAgent;
  const slot = actor.extras.logStd!.offset;
  const parameters = Float32Array.from({ length: G * P }, () => random() - 0.5);
  const logStds = Array.from({ length: G }, (_, g) => Array.from(parameters.subarray(g * P + slot, g * P + slot + D)));
  const outputs = Float32Array.from({ length: ROWS * (D + total) }, () => 4 * random() - 2);
  const masks = Array.from({ length: ROWS }, (_, r) =>
    nvec.flatMap((n) => {
      if (r % 3 === 0) return new Array<number>(n).fill(1);
      const m = Array.from({ length: n }, () => (random() < 0.4 ? 0 : 1));
      if (!m.includes(1)) m[Math.floor(random() * n)] = 1;
      return m;
    }),
  );
  const actionRows = masks.map((m) => [
    ...Array.from({ length: D }, () => Math.fround(3 * random() - 1.5)),
    ...nvec.map((_, b) => {
      const allowed = branchSlice(m, nvec, b).flatMap((v, a) => (v === 1 ? [a] : []));
      return allowed[Math.floor(random() * allowed.length)]!;
    }),
  ]);
  // One row of D f32 then K u32, as the GPU's action buffers hold it.
  const actionWords = new Uint32Array(ROWS * (D + K));
  const actionFloats = new Float32Array(actionWords.buffer);
  actionRows.forEach((row, r) => row.forEach((v, i) => (i < D ? (actionFloats[r * (D + K) + i] = v) : (actionWords[r * (D + K) + i] = v))));
  const rowOf = (r: number): HybridRow => ({
    outputs: Array.from(outputs.subarray(r * (D + total), (r + 1) * (D + total))),
    logStd: logStds[Math.floor(r / B)]!,
    nvec,
    mask: masks[r],
  });
  return { total, K, actor, P, slot, parameters, outputs, masks, maskWords: Uint32Array.from(masks.flat()), actionRows, actionWords, rowOf };
}

describe('hybrid heads on the GPU', () => {
  const gpu = useGpu();

  describe.each(CASES)('D = $D, nvec $nvec', (c) => {
    it('evaluate and backward: log π, H, ∂L/∂outputs and the per-agent log-std gradient', async () => {
      const { device } = gpu();
      const x = inputs(c);
      const width = c.D + x.total;
      const head = await createPolicyHead(device, { kind: 'hybrid', actor: x.actor, agents: G, rowsPerAgent: B, masked: true, branches: c.nvec, label: 'test.hybrid' });
      expect([head.width, head.actionWords, head.continuousDims, head.maskWidth]).toEqual([width, c.D + x.K, c.D, x.total]);
      const gLogp = Float32Array.from({ length: ROWS }, () => 4 * random() - 2);
      const gEntropy = Float32Array.from({ length: ROWS }, () => 2 * random() - 1);
      const words = (n: number) => ({ size: 4 * n });
      const set = new BufferSet(device, 'test.hybrid', {
        outputs: words(ROWS * width),
        parameters: words(G * x.P),
        actions: words(ROWS * (c.D + x.K)),
        logProbs: words(ROWS),
        entropies: words(ROWS),
        logProbGrads: words(ROWS),
        entropyGrads: words(ROWS),
        outputGrads: words(ROWS * width),
        parameterGrads: words(G * x.P),
        logStdTerms: words(ROWS * c.D),
        unused: words(4),
        mask: words(ROWS * x.total),
      });
      try {
        const b = set.buffers;
        const out = await gpuStep(gpu(), 'hybrid head', async () => {
          const { queue } = device;
          queue.writeBuffer(b.outputs, 0, x.outputs);
          queue.writeBuffer(b.parameters, 0, x.parameters);
          queue.writeBuffer(b.actions, 0, x.actionWords);
          queue.writeBuffer(b.mask, 0, x.maskWords);
          queue.writeBuffer(b.logProbGrads, 0, gLogp);
          queue.writeBuffer(b.entropyGrads, 0, gEntropy);
          // Poisoned, so that every value read back must have been written.
          for (const name of ['logProbs', 'entropies', 'outputGrads', 'parameterGrads'] as const) queue.writeBuffer(b[name], 0, new Float32Array(b[name].size / 4).fill(Number.NaN));
          const bound = head.bind({ ...b, mask: b.mask });
          const encoder = device.createCommandEncoder();
          const pass = encoder.beginComputePass();
          bound.evaluate(pass);
          bound.backward(pass);
          pass.end();
          queue.submit([encoder.finish()]);
          const read = async (buffer: GPUBuffer) => new Float32Array(await readBufferOnce(device, buffer));
          return { logProbs: await read(b.logProbs), entropies: await read(b.entropies), outputGrads: await read(b.outputGrads), parameterGrads: await read(b.parameterGrads) };
        });
        const rows = Array.from({ length: ROWS }, (_, r) => x.rowOf(r));
        expectClose('log π', out.logProbs, rows.map((row, r) => hybridLogProb(row, x.actionRows[r]!)));
        expectClose('H', out.entropies, rows.map(hybridEntropy));
        const refOutputs: number[] = [];
        const refLogStd = Array.from({ length: G }, () => new Array<number>(c.D).fill(0));
        rows.forEach((row, r) => {
          const lp = hybridLogProbGrad(row, x.actionRows[r]!);
          const h = hybridEntropyGrad(row);
          lp.outputs.forEach((v, j) => refOutputs.push(gLogp[r]! * v + gEntropy[r]! * h.outputs[j]!));
          lp.logStd.forEach((v, d) => (refLogStd[Math.floor(r / B)]![d]! += gLogp[r]! * v + gEntropy[r]! * h.logStd[d]!));
        });
        expectClose('∂L/∂outputs (means, then logits)', out.outputGrads, refOutputs);
        const gpuLogStd = Array.from({ length: G }, (_, g) => Array.from(out.parameterGrads.subarray(g * x.P + x.slot, g * x.P + x.slot + c.D)));
        expectClose('∂L/∂logStd per agent', gpuLogStd.flat(), refLogStd.flat());
      } finally {
        set.destroy();
      }
    });

    it('the rollout samplers: the Gaussian part, then the branches from their own Philox words, legal, with the joint log p', async () => {
      const { device } = gpu();
      const x = inputs(c);
      const width = c.D + x.total;
      const A = c.D + x.K;
      const logStd = { agentStride: x.P, offset: x.slot };
      const kernels = [
        policySampleGaussianKernel({ agents: G, envsPerAgent: B, actionDims: c.D, logStd, rowWidths: { outputs: width, actions: A } }),
        ...policySampleCategoricalKernels({
          agents: G,
          envsPerAgent: B,
          nvec: c.nvec,
          masked: true,
          hybrid: { logits: { stride: width, offset: c.D }, actions: { stride: A, offset: c.D }, firstDraw: 4 * Math.ceil(c.D / 4) },
        }),
      ];
      const agentSeeds = Uint32Array.from({ length: G }, () => Math.floor(random() * 2 ** 32) >>> 0);
      const params: RngParams = { seed: 0, stream: 0x504f4c, iteration: 7, step: 3, draw: 0 };
      const set = new BufferSet(device, 'test.hybrid-sample', {
        params: { size: RNG_PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
        agent_seeds: { size: 4 * G },
        mean: { size: 4 * ROWS * width },
        log_std: { size: 4 * G * x.P },
        mask: { size: 4 * ROWS * x.total },
        actions: { size: 4 * ROWS * A },
        log_probs: { size: 4 * ROWS },
        mask_errors: { size: MASK_ERRORS_BYTES },
      });
      try {
        const b = set.buffers;
        const out = await gpuStep(gpu(), 'hybrid samplers', async () => {
          const { queue } = device;
          queue.writeBuffer(b.params, 0, encodeRngParams(params));
          queue.writeBuffer(b.agent_seeds, 0, agentSeeds);
          queue.writeBuffer(b.mean, 0, x.outputs);
          queue.writeBuffer(b.log_std, 0, x.parameters);
          queue.writeBuffer(b.mask, 0, x.maskWords);
          queue.writeBuffer(b.log_probs, 0, new Float32Array(ROWS).fill(Number.NaN));
          queue.writeBuffer(b.mask_errors, 0, Uint32Array.of(0, 0xffffffff, 0, 0));
          const compiled = await Promise.all(kernels.map((k) => createKernel(device, k.spec)));
          const encoder = device.createCommandEncoder();
          const pass = encoder.beginComputePass();
          const shared = { params: b.params, agent_seeds: b.agent_seeds, actions: b.actions, log_probs: b.log_probs };
          compiled.forEach((kernel, i) => {
            // The Gaussian sampler reads the means and the log-std; the branches the logits of the same rows, and the mask.
            const resources = i === 0 ? { ...shared, mean: b.mean, log_std: b.log_std } : { ...shared, logits: b.mean, mask: b.mask, mask_errors: b.mask_errors };
            kernel.dispatch(pass, kernel.bind(resources), kernels[i]!.invocations);
          });
          pass.end();
          queue.submit([encoder.finish()]);
          const bytes = await readBufferOnce(device, b.actions);
          return { floats: new Float32Array(bytes), words: new Uint32Array(bytes), logProbs: new Float32Array(await readBufferOnce(device, b.log_probs)), errors: new Uint32Array(await readBufferOnce(device, b.mask_errors)) };
        });
        expect(out.errors[0], `seed ${seed}: mask errors`).toBe(0);
        const blocks = Math.ceil(c.D / 4);
        const refFloats: number[] = [];
        const gpuFloats: number[] = [];
        const refLogProbs: number[] = [];
        let checkedBranches = 0;
        for (let r = 0; r < ROWS; r += 1) {
          const key = [agentSeeds[Math.floor(r / B)]!, params.stream] as const;
          const block = (k: number) => philox4x32([params.draw + k, r % B, params.step, params.iteration], key);
          const row = x.rowOf(r);
          const noise = Array.from({ length: blocks }, (_, k) => {
            const w = block(k).map(uniformFromBits);
            return [...normalPair(w[0]!, w[1]!), ...normalPair(w[2]!, w[3]!)];
          }).flat();
          for (let d = 0; d < c.D; d += 1) {
            refFloats.push(row.outputs[d]! + Math.exp(row.logStd[d]!) * noise[d]!);
            gpuFloats.push(out.floats[r * A + d]!);
          }
          const action = [...Array.from(out.floats.subarray(r * A, r * A + c.D)), ...Array.from(out.words.subarray(r * A + c.D, (r + 1) * A))];
          c.nvec.forEach((n, b) => {
            const a = action[c.D + b]!;
            const branchMask = branchSlice(x.masks[r]!, c.nvec, b);
            expect(a < n && branchMask[a] === 1, `seed ${seed}: row ${r} branch ${b} took ${a}, masked or out of range`).toBe(true);
            const word = 4 * blocks + b;
            const u = uniformFromBits(block(Math.floor(word / 4))[word % 4]!);
            const logits = branchSlice(row.outputs.slice(c.D), c.nvec, b).map((l, i) => (branchMask[i] === 1 ? l : -Infinity));
            // Away from a CDF boundary (where f32 and float64 may round apart), the draw is the reference's inverse CDF.
            if (cdfBoundaryDistance(logits, u) > 1e-4) {
              expect(a, `seed ${seed}: row ${r} branch ${b}, u ${u}`).toBe(sampleCategorical(logits, u));
              checkedBranches += 1;
            }
          });
          refLogProbs.push(hybridLogProb(row, action));
        }
        expect(checkedBranches, `seed ${seed}: branch draws checked away from CDF boundaries`).toBeGreaterThan(ROWS * x.K * 0.8);
        // Box–Muller's cos and sin may err by 2^-11 in WGSL (SwiftShader's by ~2e-4), as in test/gpu/rollout-gaussian.test.ts.
        const worst = Math.max(...gpuFloats.map((v, i) => Math.abs(v - refFloats[i]!)));
        expect(worst, `seed ${seed}: continuous actions μ + σε, largest error`).toBeLessThan(2e-3);
        expectClose('joint log p of the sampled rows', out.logProbs, refLogProbs);
      } finally {
        set.destroy();
      }
    });
  });
});
