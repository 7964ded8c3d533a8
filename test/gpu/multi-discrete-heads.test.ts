/**
 * The multi-discrete head (src/nn/heads-multi-discrete.ts: the categorical kernels once per branch,
 * over slices of the logits and mask, one action word per branch, per-row outputs accumulated) and
 * the greedy per-branch argmax of act() (src/agent/policy-inference.ts) on a real device against the
 * float64 reference (test/reference/multi-categorical.ts), on fresh random inputs at odd sizes:
 * nvec [3, 1, 5] and [2, 7], with and without masks, logits and gradients as slices of wider rows,
 * and five branches [2, 3, 1, 4, 3] so that branch 4 draws from the next Philox block. Relative
 * error max|gpu − ref| / max(1e-3, max|ref|) < 1e-4; outputs poisoned (NaN) first and checked
 * written; gradient padding must survive. The seed of the inputs is in every failure message.
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, createKernel, readBufferOnce } from '../../src/gpu/index';
import type { SizedKernel } from '../../src/gpu/kernel';
import { decodeMaskErrors, MASK_ERRORS_BYTES } from '../../src/nn/heads';
import {
  multiCategoricalBackwardKernels,
  multiCategoricalEvaluateKernels,
  multiCategoricalKlBackwardKernels,
  multiCategoricalKlKernels,
  multiCategoricalSampleKernels,
} from '../../src/nn/heads-multi-discrete';
import { categoricalArgmaxKernels } from '../../src/agent/policy-inference';
import { RNG_PARAMS_BYTES, encodeRngParams, type RngParams } from '../../src/rng/index';
import {
  branchSlice,
  multiCategoricalArgmax,
  multiCategoricalEntropy,
  multiCategoricalEntropyGrad,
  multiCategoricalKl,
  multiCategoricalKlGrad,
  multiCategoricalLogProb,
  multiCategoricalLogProbGrad,
  multiCategoricalSample,
} from '../reference/multi-categorical';
import { cdfBoundaryDistance, rngBlock, uniformFromBits } from '../reference/philox';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

const TOLERANCE = 1e-4;
const seed = freshSeed();
const random = seededRandom(seed);
const randomU32 = () => Math.floor(random() * 2 ** 32) >>> 0;
const f32 = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * random());
const nanArray = (n: number) => new Float32Array(n).fill(Number.NaN);
const asU32 = (values: Float32Array<ArrayBuffer>) => new Uint32Array(values.buffer, values.byteOffset, values.length);

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
  nvec: number[];
  masked: boolean;
  rows: number;
  logits: { stride: number; offset: number };
  grad: { stride: number; offset: number };
}
const CASES: Case[] = [
  { nvec: [3, 1, 5], masked: false, rows: 41, logits: { stride: 11, offset: 1 }, grad: { stride: 10, offset: 1 } },
  { nvec: [3, 1, 5], masked: true, rows: 41, logits: { stride: 9, offset: 0 }, grad: { stride: 9, offset: 0 } },
  { nvec: [2, 7], masked: true, rows: 37, logits: { stride: 12, offset: 3 }, grad: { stride: 11, offset: 2 } },
  { nvec: [2, 3, 1, 4, 3], masked: true, rows: 29, logits: { stride: 13, offset: 0 }, grad: { stride: 13, offset: 0 } },
];
const label = (c: Case) => `nvec [${c.nvec}] ${c.masked ? 'masked' : 'unmasked'} logits ${c.logits.stride}/${c.logits.offset}`;

/** Fresh logits (in a wide buffer), masks (each branch allowing ≥ 1 action; every third row all-allowed), allowed actions [rows][K]. */
function inputs(c: Case) {
  const total = c.nvec.reduce((s, n) => s + n, 0);
  const wide = f32(c.rows * c.logits.stride, -3, 3);
  const logits = Array.from({ length: c.rows }, (_, r) => Array.from(wide.subarray(r * c.logits.stride + c.logits.offset, r * c.logits.stride + c.logits.offset + total)));
  const masks = Array.from({ length: c.rows }, (_, r) => {
    if (!c.masked) return undefined;
    return c.nvec.flatMap((n) => {
      if (r % 3 === 0) return new Array<number>(n).fill(1);
      const m = Array.from({ length: n }, () => (random() < 0.4 ? 0 : 1));
      if (!m.includes(1)) m[Math.floor(random() * n)] = 1;
      return m;
    });
  });
  const actions = masks.map((m) =>
    c.nvec.map((n, b) => {
      const branch = m ? branchSlice(m, c.nvec, b) : new Array<number>(n).fill(1);
      const allowed = branch.flatMap((v, a) => (v === 1 ? [a] : []));
      return allowed[Math.floor(random() * allowed.length)]!;
    }),
  );
  const maskWords = c.masked ? Uint32Array.from(masks.flatMap((m) => m!)) : new Uint32Array(1);
  return { total, wide, logits, masks, maskWords, actions, actionWords: Uint32Array.from(actions.flat()) };
}

describe('multi-discrete heads on the GPU', () => {
  const gpu = useGpu();

  /** Dispatches `kernels` in order in one pass over shared buffers holding `data`; returns the read-write bindings after. */
  async function run(kernels: SizedKernel[], data: Record<string, Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>, params?: RngParams) {
    const { device } = gpu();
    const compiled = await Promise.all(kernels.map((k) => createKernel(device, k.spec)));
    const declarations: Record<string, { size: number; usage?: GPUBufferUsageFlags }> = {};
    for (const binding of compiled[0]!.bindings) {
      declarations[binding.name] =
        binding.access === 'uniform'
          ? { size: RNG_PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }
          : { size: Math.max(4, data[binding.name]!.byteLength) };
    }
    const buffers = new BufferSet(device, 'test.multi-discrete', declarations);
    try {
      return await gpuStep(gpu(), kernels[0]!.spec.label, async () => {
        for (const binding of compiled[0]!.bindings) {
          const buffer = buffers.buffers[binding.name]!;
          if (binding.access === 'uniform') device.queue.writeBuffer(buffer, 0, encodeRngParams(params!));
          else device.queue.writeBuffer(buffer, 0, data[binding.name]!);
        }
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        compiled.forEach((kernel, i) => kernel.dispatch(pass, kernel.bind(buffers.buffers), kernels[i]!.invocations));
        pass.end();
        device.queue.submit([encoder.finish()]);
        const out: Record<string, Float32Array<ArrayBuffer>> = {};
        for (const binding of compiled[0]!.bindings) {
          if (binding.access !== 'read_write') continue;
          out[binding.name] = new Float32Array(await readBufferOnce(device, buffers.buffers[binding.name]!, data[binding.name]!.byteLength));
        }
        return out;
      });
    } finally {
      buffers.destroy();
    }
  }

  describe.each(CASES)('%o', (c) => {
    const head = { rows: c.rows, nvec: c.nvec, logits: c.logits, masked: c.masked };

    it('evaluate: log p and entropy summed over branches', async () => {
      const x = inputs(c);
      const out = await run(multiCategoricalEvaluateKernels(head), {
        logits: x.wide,
        mask: x.maskWords,
        actions: x.actionWords,
        log_probs: nanArray(c.rows),
        entropies: nanArray(c.rows),
      });
      expectClose(`${label(c)} log p`, out.log_probs!, x.logits.map((l, r) => multiCategoricalLogProb(l, c.nvec, x.masks[r], x.actions[r]!)));
      expectClose(`${label(c)} entropy`, out.entropies!, x.logits.map((l, r) => multiCategoricalEntropy(l, c.nvec, x.masks[r])));
    });

    it('backward: each branch its slice of dL/dlogits; padding untouched', async () => {
      const x = inputs(c);
      const gLogp = f32(c.rows, -2, 2);
      const gEntropy = f32(c.rows, -1, 1);
      const out = await run(multiCategoricalBackwardKernels({ ...head, grad: c.grad }), {
        logits: x.wide,
        mask: x.maskWords,
        actions: x.actionWords,
        log_prob_grads: gLogp,
        entropy_grads: gEntropy,
        logit_grads: nanArray(c.rows * c.grad.stride),
      });
      const gpuSlice: number[] = [];
      const ref: number[] = [];
      let paddingWritten = 0;
      x.logits.forEach((l, r) => {
        const lp = multiCategoricalLogProbGrad(l, c.nvec, x.masks[r], x.actions[r]!);
        const h = multiCategoricalEntropyGrad(l, c.nvec, x.masks[r]);
        for (let j = 0; j < c.grad.stride; j += 1) {
          const value = out.logit_grads![r * c.grad.stride + j]!;
          const a = j - c.grad.offset;
          if (a < 0 || a >= x.total) {
            if (!Number.isNaN(value)) paddingWritten += 1;
            continue;
          }
          gpuSlice.push(value);
          ref.push(gLogp[r]! * lp[a]! + gEntropy[r]! * h[a]!);
        }
      });
      expect(paddingWritten, `seed ${seed}: gradient padding written`).toBe(0);
      expectClose(`${label(c)} logit gradient`, gpuSlice, ref);
    });

    it('KL and its gradient: summed over branches, each branch its slice', async () => {
      const x = inputs(c);
      const old = f32(c.rows * x.total, -3, 3);
      const oldRows = x.logits.map((_, r) => Array.from(old.subarray(r * x.total, (r + 1) * x.total)));
      const kl = await run(multiCategoricalKlKernels(head), { old_logits: old, logits: x.wide, mask: x.maskWords, kl: nanArray(c.rows) });
      expectClose(`${label(c)} KL`, kl.kl!, x.logits.map((l, r) => multiCategoricalKl(oldRows[r]!, l, c.nvec, x.masks[r])));
      const gKl = f32(c.rows, -2, 2);
      const prior = f32(c.rows * c.grad.stride, -1, 1);
      const back = await run(multiCategoricalKlBackwardKernels({ ...head, grad: c.grad, accumulate: true }), {
        old_logits: old,
        logits: x.wide,
        mask: x.maskWords,
        kl_grads: gKl,
        logit_grads: prior.slice(),
      });
      const ref = Array.from(prior);
      x.logits.forEach((l, r) => {
        multiCategoricalKlGrad(oldRows[r]!, l, c.nvec, x.masks[r]).forEach((g, a) => (ref[r * c.grad.stride + c.grad.offset + a]! += gKl[r]! * g));
      });
      expectClose(`${label(c)} KL gradient (accumulated; padding kept)`, back.logit_grads!, ref);
    });

    it('sample: branch b draws word b of the row\'s draw; log p summed; a branch allowing nothing is a mask error', async () => {
      const x = inputs(c);
      const blockedRow = c.masked ? 1 + Math.floor(random() * (c.rows - 1)) : -1;
      const blockedBranch = Math.floor(random() * c.nvec.length);
      const masks = x.masks.map((m, r) =>
        r === blockedRow ? m!.map((v, i) => (branchOf(c.nvec, i) === blockedBranch ? 0 : v)) : m,
      );
      const params: RngParams = { seed: randomU32(), stream: randomU32(), iteration: randomU32(), step: randomU32(), draw: randomU32() };
      const out = await run(
        multiCategoricalSampleKernels(head),
        {
          logits: x.wide,
          mask: c.masked ? Uint32Array.from(masks.flatMap((m) => m!)) : x.maskWords,
          actions: new Uint32Array(c.rows * c.nvec.length).fill(0xdeadbeef),
          log_probs: nanArray(c.rows),
          mask_errors: Uint32Array.of(0, 0xffffffff, 0, 0),
        },
        params,
      );
      expect(decodeMaskErrors(asU32(out.mask_errors!).subarray(0, MASK_ERRORS_BYTES / 4)), `seed ${seed}: mask errors`).toEqual(
        c.masked ? { count: 1, firstRow: blockedRow } : null,
      );
      const actions = asU32(out.actions!);
      let unexplained = 0;
      const gpuLogp: number[] = [];
      const refLogp: number[] = [];
      x.logits.forEach((l, r) => {
        const u = c.nvec.map((_, b) => uniformFromBits(rngBlock({ ...params, draw: (params.draw + Math.floor(b / 4)) >>> 0 }, r)[b % 4]!));
        const ref = multiCategoricalSample(l, c.nvec, masks[r], u);
        const got = Array.from(actions.subarray(r * c.nvec.length, (r + 1) * c.nvec.length));
        got.forEach((a, b) => {
          expect(a, `seed ${seed}, row ${r}, branch ${b}: action out of range`).toBeLessThan(c.nvec[b]!);
          if (masks[r] && branchSlice(masks[r]!, c.nvec, b)[a] === 0 && r !== blockedRow) unexplained += 1000;
          if (a !== ref.actions[b]) {
            const branchLogits = branchSlice(l, c.nvec, b).map((v, i) => (masks[r] && branchSlice(masks[r]!, c.nvec, b)[i] === 0 ? -Infinity : v));
            if (cdfBoundaryDistance(branchLogits, u[b]!) >= 1e-5) unexplained += 1;
          }
        });
        if (r === blockedRow) {
          expect(got[blockedBranch], `seed ${seed}: the blocked branch takes action 0`).toBe(0);
          expect(out.log_probs![r]!, `seed ${seed}: the blocked row's log p is log 0`).toBeLessThan(-1e29);
        } else if (got.every((a, b) => a === ref.actions[b])) {
          gpuLogp.push(out.log_probs![r]!);
          refLogp.push(ref.logProb);
        }
      });
      expect(unexplained, `seed ${seed}: samples differing from the reference away from a CDF boundary (or masked)`).toBe(0);
      expect(gpuLogp.length, `seed ${seed}: rows compared`).toBeGreaterThan(c.rows / 2);
      expectClose(`${label(c)} sample log p`, gpuLogp, refLogp);
    });

    it('greedy (act): each branch its argmax, log p summed', async () => {
      const x = inputs(c);
      const dense = Float32Array.from(x.logits.flat());
      const out = await run(categoricalArgmaxKernels({ rows: c.rows, nvec: c.nvec, masked: c.masked }), {
        logits: dense,
        mask: x.maskWords,
        actions: new Uint32Array(c.rows * c.nvec.length).fill(0xdeadbeef),
        log_probs: nanArray(c.rows),
        mask_errors: Uint32Array.of(0, 0xffffffff, 0, 0),
      });
      const refActions = x.logits.map((l, r) => multiCategoricalArgmax(l, c.nvec, x.masks[r]));
      expect(Array.from(asU32(out.actions!)), `seed ${seed}: greedy actions`).toEqual(refActions.flat());
      expectClose(`${label(c)} greedy log p`, out.log_probs!, x.logits.map((l, r) => multiCategoricalLogProb(l, c.nvec, x.masks[r], refActions[r]!)));
    });
  });

  it('rejects bad branch sizes with errors naming the field and the value', () => {
    expect(() => multiCategoricalEvaluateKernels({ rows: 3, nvec: [] })).toThrow(/nvec must be a non-empty array/);
    expect(() => multiCategoricalEvaluateKernels({ rows: 3, nvec: [2, 0] })).toThrow(/nvec\[1\] must be a positive integer \(got 0\)/);
    expect(() => multiCategoricalEvaluateKernels({ rows: 3, nvec: [1000, 25] })).toThrow(/at most 1024 \(got 1025\)/);
    expect(() => multiCategoricalEvaluateKernels({ rows: 3, nvec: [2, 3], logits: { stride: 4 } })).toThrow(/offset 0 \+ width 5 must not exceed stride 4/);
  });
});

/** The branch of entry i of a row of Σ nvec. */
function branchOf(nvec: readonly number[], i: number): number {
  let start = 0;
  for (let b = 0; b < nvec.length; b += 1) {
    if (i < start + nvec[b]!) return b;
    start += nvec[b]!;
  }
  return -1;
}
