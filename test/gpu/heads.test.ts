/**
 * The policy-head kernels (src/nn/heads.ts, src/nn/heads-gaussian.ts) on a real device against the
 * float64 reference (test/reference/heads.ts), on fresh random inputs at odd sizes (B = 123,
 * A = 3 and 5, D = 3, 5, 17, 63 and MAX_ACTION_SIZE = 64, G = 1, 2 and 3; masks on some rows;
 * logits and gradients as slices of wider rows), and the categorical heads also at A = 1, 301 and MAX_DISCRETE_ACTIONS = 1 024 (a few
 * dozen rows each), each with and without a mask, a masked case with one row that allows nothing. Relative error of a tensor: max|gpu - ref| / max(1e-3, max|ref|), required < 1e-4.
 * Every output is poisoned (NaN, or 0xdeadbeef for u32) before its dispatch and checked written;
 * poisoned padding around slices must survive. The seed of the inputs is in every failure message.
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, createKernel, readBufferOnce } from '../../src/gpu/index';
import { MAX_ACTION_SIZE } from '../../src/envs/contract';
import { mlpLayout } from '../../src/nn/mlp-spec';
import {
  FIXED_LOG_STD,
  categoricalBackwardKernel,
  categoricalEvaluateKernel,
  categoricalSampleKernel,
  gaussianBackwardKernel,
  gaussianEvaluateKernel,
  gaussianLogStdReduceKernel,
  gaussianSampleKernel,
  klCategoricalBackwardKernel,
  klCategoricalKernel,
  klGaussianBackwardKernel,
  klGaussianKernel,
  decodeMaskErrors,
  learnedLogStd,
  type LogStdSource,
} from '../../src/nn/heads';
import type { SizedKernel } from '../../src/gpu/kernel';
import { MAX_DISCRETE_ACTIONS, RNG_PARAMS_BYTES, encodeRngParams, type RngParams } from '../../src/rng/index';
import {
  categoricalEntropy,
  categoricalEntropyGrad,
  categoricalKl,
  categoricalKlGrad,
  categoricalLogProb,
  categoricalLogProbGrad,
  categoricalSample,
  categoricalSampleBatch,
  GPU_LOG_ZERO,
  maskErrorsOf,
  gaussianEntropy,
  gaussianKl,
  gaussianKlGrad,
  gaussianLogProb,
  gaussianLogProbGrad,
} from '../reference/heads';
import { cdfBoundaryDistance, normalPair, rngBlock, uniformFromBits } from '../reference/philox';
import { meanAndVariance } from '../support/statistics';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom as generator } from '../support/random';

const TOLERANCE = 1e-4;
const POISON_U32 = 0xdeadbeef;
/** A cleared MaskErrors block: no row counted, first row 0xFFFFFFFF. */
const NO_MASK_ERRORS = [0, 0xffffffff, 0, 0];

const seed = freshSeed();
const random = generator(seed);
const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
const randomU32 = () => Math.floor(random() * 2 ** 32) >>> 0;
const f32 = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => uniform(lo, hi));
const nanArray = (n: number) => new Float32Array(n).fill(Number.NaN);
const freshParams = (): RngParams => ({ seed: randomU32(), stream: randomU32(), iteration: randomU32(), step: randomU32(), draw: randomU32() });

/** max|gpu - ref| / max(1e-3, max|ref|); NaN in gpu (unwritten poison) gives Infinity. */
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

const errors: string[] = [];
function expectClose(what: string, gpu: ArrayLike<number>, ref: ArrayLike<number>, context: string): void {
  const error = relativeError(gpu, ref);
  errors.push(`${what}: ${error.toExponential(2)}`);
  expect(error, `seed ${seed}, ${context}: ${what} relative error`).toBeLessThan(TOLERANCE);
}

type Data = Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>;

describe('policy heads on the GPU', () => {
  const gpu = useGpu();

  /**
   * Runs `head` once: every binding gets a buffer holding `data[name]` (inputs, and outputs filled
   * with poison or prior contents), except `params`, a uniform RngParams. Returns every binding's
   * contents after the run, as f32 and u32 views.
   */
  async function run(head: SizedKernel, data: Record<string, Data>, params?: RngParams): Promise<Record<string, Float32Array<ArrayBuffer>>> {
    const { device } = gpu();
    const kernel = await createKernel(device, head.spec);
    const declarations: Record<string, { size: number; usage?: GPUBufferUsageFlags }> = {};
    for (const binding of kernel.bindings) {
      if (binding.access === 'uniform') {
        declarations[binding.name] = { size: RNG_PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST };
      } else {
        const array = data[binding.name];
        if (!array) throw new Error(`test: no data for binding '${binding.name}' of ${head.spec.label}`);
        declarations[binding.name] = { size: Math.max(4, array.byteLength) };
      }
    }
    const buffers = new BufferSet(device, `test.${head.spec.label}`, declarations);
    try {
      return await gpuStep(gpu(), head.spec.label, async () => {
        for (const binding of kernel.bindings) {
          const buffer = buffers.buffers[binding.name]!;
          if (binding.access === 'uniform') device.queue.writeBuffer(buffer, 0, encodeRngParams(params!));
          else device.queue.writeBuffer(buffer, 0, data[binding.name]!);
        }
        const encoder = device.createCommandEncoder({ label: head.spec.label });
        const pass = encoder.beginComputePass();
        kernel.dispatch(pass, kernel.bind(buffers.buffers), head.invocations);
        pass.end();
        device.queue.submit([encoder.finish()]);
        const out: Record<string, Float32Array<ArrayBuffer>> = {};
        for (const binding of kernel.bindings) {
          if (binding.access !== 'read_write') continue;
          out[binding.name] = new Float32Array(await readBufferOnce(device, buffers.buffers[binding.name]!, data[binding.name]!.byteLength));
        }
        return out;
      });
    } finally {
      buffers.destroy();
    }
  }
  const asU32 = (values: Float32Array<ArrayBuffer>) => new Uint32Array(values.buffer, values.byteOffset, values.length);

  // ---------------------------------------------------------------- categorical
  interface CategoricalCase {
    agents: number;
    /** Rows per agent (fewer at large A: SwiftShader walks every logit on the CPU). */
    rows: number;
    actions: number;
    masked: boolean;
    /** Row stride and offset of the logits in a wider network output, and of the gradient. */
    logits: { stride: number; offset: number };
    grad: { stride: number; offset: number };
  }
  const B = 123;
  const categoricalCases: CategoricalCase[] = [
    { agents: 2, rows: 17, actions: 1, masked: false, logits: { stride: 1, offset: 0 }, grad: { stride: 1, offset: 0 } },
    { agents: 2, rows: 17, actions: 1, masked: true, logits: { stride: 2, offset: 1 }, grad: { stride: 3, offset: 2 } },
    { agents: 1, rows: B, actions: 3, masked: false, logits: { stride: 3, offset: 0 }, grad: { stride: 3, offset: 0 } },
    { agents: 3, rows: B, actions: 5, masked: true, logits: { stride: 8, offset: 2 }, grad: { stride: 7, offset: 1 } },
    { agents: 1, rows: 37, actions: 301, masked: false, logits: { stride: 301, offset: 0 }, grad: { stride: 301, offset: 0 } },
    { agents: 2, rows: 19, actions: 301, masked: true, logits: { stride: 305, offset: 3 }, grad: { stride: 303, offset: 1 } },
    { agents: 1, rows: 29, actions: MAX_DISCRETE_ACTIONS, masked: false, logits: { stride: 1027, offset: 2 }, grad: { stride: 1025, offset: 1 } },
    { agents: 2, rows: 13, actions: MAX_DISCRETE_ACTIONS, masked: true, logits: { stride: 1024, offset: 0 }, grad: { stride: 1024, offset: 0 } },
  ];

  /**
   * Fresh logits (in a wide buffer), masks (every third row unmasked, one row past row 0 allowing
   * nothing), allowed actions (action 0 for the row allowing nothing), per-row data.
   */
  function categoricalInputs(c: CategoricalCase) {
    const rows = c.agents * c.rows;
    const blockedRow = c.masked ? 1 + Math.floor(random() * (rows - 1)) : -1;
    const wide = f32(rows * c.logits.stride, -3, 3);
    const logits = Array.from({ length: rows }, (_, r) => Array.from(wide.subarray(r * c.logits.stride + c.logits.offset, r * c.logits.stride + c.logits.offset + c.actions)));
    const masks = Array.from({ length: rows }, (_, r) => {
      if (!c.masked) return undefined;
      if (r === blockedRow) return new Array<number>(c.actions).fill(0);
      if (r % 3 === 0) return new Array<number>(c.actions).fill(1);
      const m = Array.from({ length: c.actions }, () => (random() < 0.4 ? 0 : 1));
      if (!m.includes(1)) m[Math.floor(random() * c.actions)] = 1;
      return m;
    });
    const maskWords = c.masked ? Uint32Array.from(masks.flatMap((m) => m!)) : new Uint32Array(1);
    const actions = Uint32Array.from(masks, (m) => {
      const allowed = Array.from({ length: c.actions }, (_, a) => a).filter((a) => !m || m[a] === 1);
      return allowed.length === 0 ? 0 : allowed[Math.floor(random() * allowed.length)]!;
    });
    return { rows, wide, logits, masks, maskWords, actions, blocked: (r: number) => r === blockedRow };
  }
  /** A short name of a test case: G, A or D, mask, slices. */
const describeCase = (c: object) =>
  Object.entries(c)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? `${(v as { stride: number }).stride}/${(v as { offset: number }).offset}` : v}`)
    .join(' ');

  describe.each(categoricalCases)('categorical %o', (c) => {
    it('evaluate: log p of the taken action and entropy per row', async () => {
      const input = categoricalInputs(c);
      const head = categoricalEvaluateKernel({ rows: input.rows, actions: c.actions, logits: c.logits, masked: c.masked });
      const out = await run(head, {
        logits: input.wide,
        mask: input.maskWords,
        actions: input.actions,
        log_probs: nanArray(input.rows),
        entropies: nanArray(input.rows),
      });
      // A row allowing nothing has no distribution in the reference: exactly log 0 and no entropy.
      const drawn = input.logits.flatMap((_, r) => (input.blocked(r) ? [] : [r]));
      input.logits.forEach((_, r) => {
        if (input.blocked(r)) expect([out.log_probs![r], out.entropies![r]], `seed ${seed}: row ${r} allows nothing`).toEqual([GPU_LOG_ZERO, 0]);
      });
      const refLogp = drawn.map((r) => categoricalLogProb(input.logits[r]!, input.masks[r], input.actions[r]!));
      const refEntropy = drawn.map((r) => categoricalEntropy(input.logits[r]!, input.masks[r]));
      expectClose(`categorical evaluate log p ${describeCase(c)}`, drawn.map((r) => out.log_probs![r]!), refLogp, describeCase(c));
      expectClose(`categorical evaluate entropy ${describeCase(c)}`, drawn.map((r) => out.entropies![r]!), refEntropy, describeCase(c));
    });

    it('backward: dL/dlogits from per-row dL/dlogp and dL/dH; masked exactly 0; padding untouched', async () => {
      const input = categoricalInputs(c);
      const gLogp = f32(input.rows, -2, 2);
      const gEntropy = f32(input.rows, -1, 1);
      const head = categoricalBackwardKernel({ rows: input.rows, actions: c.actions, logits: c.logits, masked: c.masked, grad: c.grad });
      const out = await run(head, {
        logits: input.wide,
        mask: input.maskWords,
        actions: input.actions,
        log_prob_grads: gLogp,
        entropy_grads: gEntropy,
        logit_grads: nanArray(input.rows * c.grad.stride),
      });
      const grads = out.logit_grads!;
      const gpuSlice: number[] = [];
      const ref: number[] = [];
      let maskedNonZero = 0;
      let paddingWritten = 0;
      input.logits.forEach((l, r) => {
        const m = input.masks[r];
        const none = new Array<number>(c.actions).fill(0);
        const lp = input.blocked(r) ? none : categoricalLogProbGrad(l, m, input.actions[r]!);
        const h = input.blocked(r) ? none : categoricalEntropyGrad(l, m);
        for (let j = 0; j < c.grad.stride; j += 1) {
          const value = grads[r * c.grad.stride + j]!;
          const a = j - c.grad.offset;
          if (a < 0 || a >= c.actions) {
            if (!Number.isNaN(value)) paddingWritten += 1;
            continue;
          }
          gpuSlice.push(value);
          ref.push(gLogp[r]! * lp[a]! + gEntropy[r]! * h[a]!);
          if (m && m[a] === 0 && !Object.is(value, 0) && !Object.is(value, -0)) maskedNonZero += 1;
        }
      });
      expect(paddingWritten, `seed ${seed}: gradient padding outside the slice written`).toBe(0);
      expect(maskedNonZero, `seed ${seed}: masked actions with nonzero gradient`).toBe(0);
      expectClose(`categorical backward ${describeCase(c)}`, gpuSlice, ref, describeCase(c));
    });

    it('sample: the reference sampler draw for draw, never a masked action, log p = evaluate, no mask error', async () => {
      const input = categoricalInputs(c);
      const head = categoricalSampleKernel({ rows: input.rows, actions: c.actions, logits: c.logits, masked: c.masked });
      const evaluate = categoricalEvaluateKernel({ rows: input.rows, actions: c.actions, logits: c.logits, masked: c.masked });
      let mismatches = 0;
      let unexplained = 0;
      let maskedChosen = 0;
      let worstEvaluateGap = 0;
      const STEPS = 4;
      for (let step = 0; step < STEPS; step += 1) {
        const params = freshParams();
        // Unmasked, the block is never written: poison must survive. Masked, it counts the row allowing nothing.
        const errorsBefore = c.masked ? NO_MASK_ERRORS : [POISON_U32, 5, 6, 7];
        const maskErrors = maskErrorsOf(input.masks);
        const errorsAfter = maskErrors ? [maskErrors.count, maskErrors.firstRow, 0, 0] : errorsBefore;
        const out = await run(
          head,
          { logits: input.wide, mask: input.maskWords, actions: new Uint32Array(input.rows).fill(POISON_U32), log_probs: nanArray(input.rows), mask_errors: Uint32Array.from(errorsBefore) },
          params,
        );
        expect(Array.from(asU32(out.mask_errors!)), `seed ${seed}: mask errors`).toEqual(errorsAfter);
        const actions = asU32(out.actions!);
        const gpuLogp: number[] = [];
        const refLogp: number[] = [];
        for (let r = 0; r < input.rows; r += 1) {
          const action = actions[r]!;
          expect(action, `seed ${seed}, row ${r}: action unwritten or out of range`).toBeLessThan(c.actions);
          if (input.blocked(r)) {
            expect([action, out.log_probs![r]], `seed ${seed}, row ${r} allows nothing`).toEqual([0, GPU_LOG_ZERO]);
            continue;
          }
          const m = input.masks[r];
          if (m && m[action] === 0) {
            maskedChosen += 1;
            continue;
          }
          const u = uniformFromBits(rngBlock(params, r)[0]);
          // The reference sampler over the masked logits (masked → -Infinity is how softmax drops them).
          const masked = input.logits[r]!.map((l, a) => (m && m[a] === 0 ? -Infinity : l));
          if (action !== categoricalSample(input.logits[r]!, m, u)) {
            mismatches += 1;
            if (cdfBoundaryDistance(masked, u) >= 1e-5) unexplained += 1;
          }
          gpuLogp.push(out.log_probs![r]!);
          refLogp.push(categoricalLogProb(input.logits[r]!, m, action));
        }
        expectClose(`categorical sample log p ${describeCase(c)}`, gpuLogp, refLogp, describeCase(c));
        const evaluated = await run(evaluate, { logits: input.wide, mask: input.maskWords, actions, log_probs: nanArray(input.rows), entropies: nanArray(input.rows) });
        for (let r = 0; r < input.rows; r += 1) worstEvaluateGap = Math.max(worstEvaluateGap, Math.abs(evaluated.log_probs![r]! - out.log_probs![r]!));
      }
      expect(maskedChosen, `seed ${seed}: masked actions sampled`).toBe(0);
      expect(unexplained, `seed ${seed}: samples unlike the reference away from a CDF boundary`).toBe(0);
      // u lands within the f32 error (a few 1e-6) of one of the A - 1 boundaries about
      // draws·(A - 1)·2·3e-6 times: a handful at A = 1 024; the bound leaves margin.
      expect(mismatches, `seed ${seed}: samples unlike the reference`).toBeLessThanOrEqual(2 + Math.ceil(STEPS * input.rows * (c.actions - 1) * 2e-5));
      // Same arithmetic in both kernels: equal up to the compiler's freedom (fma contraction).
      expect(worstEvaluateGap, `seed ${seed}: sampled log p vs evaluate kernel`).toBeLessThan(1e-6);
      errors.push(`categorical sample vs evaluate log p max |gap| ${describeCase(c)}: ${worstEvaluateGap.toExponential(2)}`);
    });

    it('KL(old ‖ new) per row and its gradient w.r.t. the new logits (accumulated onto prior contents)', async () => {
      const input = categoricalInputs(c);
      const old = f32(input.rows * c.actions, -3, 3);
      const oldRows = Array.from({ length: input.rows }, (_, r) => Array.from(old.subarray(r * c.actions, (r + 1) * c.actions)));
      const klHead = klCategoricalKernel({ rows: input.rows, actions: c.actions, logits: c.logits, masked: c.masked });
      const kl = await run(klHead, { old_logits: old, logits: input.wide, mask: input.maskWords, kl: nanArray(input.rows) });
      const refKl = input.logits.map((l, r) => (input.blocked(r) ? 0 : categoricalKl(oldRows[r]!, l, input.masks[r])));
      expectClose(`categorical KL ${describeCase(c)}`, kl.kl!, refKl, describeCase(c));

      const gKl = f32(input.rows, -2, 2);
      const prior = f32(input.rows * c.grad.stride, -1, 1);
      const backward = klCategoricalBackwardKernel({ rows: input.rows, actions: c.actions, logits: c.logits, masked: c.masked, grad: c.grad, accumulate: true });
      const out = await run(backward, { old_logits: old, logits: input.wide, mask: input.maskWords, kl_grads: gKl, logit_grads: prior });
      const gpuAll = Array.from(out.logit_grads!);
      const refAll = Array.from(prior, Number);
      let maskedChanged = 0;
      input.logits.forEach((l, r) => {
        const g = input.blocked(r) ? new Array<number>(c.actions).fill(0) : categoricalKlGrad(oldRows[r]!, l, input.masks[r]);
        for (let a = 0; a < c.actions; a += 1) {
          const index = r * c.grad.stride + c.grad.offset + a;
          refAll[index] = prior[index]! + gKl[r]! * g[a]!;
          if (input.masks[r]?.[a] === 0 && gpuAll[index] !== prior[index]) maskedChanged += 1;
        }
      });
      expect(maskedChanged, `seed ${seed}: masked gradients changed by the KL backward`).toBe(0);
      expectClose(`categorical KL backward (accumulate) ${describeCase(c)}`, gpuAll, refAll, describeCase(c));
    });
  });

  it('sample: a row that allows no action is counted (lowest row kept), gets action 0 and log 0; a row allowing one action always takes it', async () => {
    // G = 3 agents of B = 123 rows, logits a slice of wider rows; 2–4 rows masked entirely at random
    // odd positions past row 0, a quarter of the rows allowing exactly one action.
    const actions = 5;
    const slice = { stride: 7, offset: 1 };
    const rows = 3 * B;
    const wide = f32(rows * slice.stride, -3, 3);
    const logits = Array.from({ length: rows }, (_, r) => Array.from(wide.subarray(r * slice.stride + slice.offset, r * slice.stride + slice.offset + actions)));
    const blocked = new Set<number>();
    const count = 2 + Math.floor(random() * 3);
    while (blocked.size < count) blocked.add(1 + 2 * Math.floor(random() * ((rows - 1) / 2)));
    const single = new Set<number>();
    const masks = Array.from({ length: rows }, (_, r) => {
      if (blocked.has(r)) return new Array<number>(actions).fill(0);
      if (random() < 0.25) {
        single.add(r);
        const only = Math.floor(random() * actions);
        return Array.from({ length: actions }, (_, a) => (a === only ? 1 : 0));
      }
      const m = Array.from({ length: actions }, () => (random() < 0.4 ? 0 : 1));
      if (!m.includes(1)) m[Math.floor(random() * actions)] = 1;
      return m;
    });
    const head = categoricalSampleKernel({ rows, actions, logits: slice, masked: true });
    const context = `seed ${seed}, rows allowing nothing ${[...blocked].sort((x, y) => x - y)}`;
    let mismatches = 0;
    for (let step = 0; step < 3; step += 1) {
      const params = freshParams();
      const out = await run(
        head,
        { logits: wide, mask: Uint32Array.from(masks.flat()), actions: new Uint32Array(rows).fill(POISON_U32), log_probs: nanArray(rows), mask_errors: Uint32Array.from(NO_MASK_ERRORS) },
        params,
      );
      const ref = categoricalSampleBatch(logits, masks, Array.from({ length: rows }, (_, r) => uniformFromBits(rngBlock(params, r)[0])));
      expect(decodeMaskErrors(asU32(out.mask_errors!)), `${context}: mask errors`).toEqual(ref.maskErrors);
      expect(ref.maskErrors!.firstRow, `${context}: test setup`).toBe(Math.min(...blocked));
      const gpuActions = asU32(out.actions!);
      for (let r = 0; r < rows; r += 1) {
        if (blocked.has(r) || single.has(r)) {
          // Exact: action 0 and the f32 "log 0"; or the only allowed action, log p = (l - l) - log 1 = 0.
          expect([gpuActions[r], out.log_probs![r]], `${context}: row ${r} (mask ${masks[r]})`).toEqual([ref.actions[r], ref.logProbs[r]]);
          if (single.has(r)) expect(masks[r]![gpuActions[r]!], `${context}: row ${r} took a masked action`).toBe(1);
        } else if (gpuActions[r] !== ref.actions[r]) {
          mismatches += 1;
        }
      }
      const drawn = ref.logProbs.flatMap((lp, r) => (blocked.has(r) || gpuActions[r] !== ref.actions[r] ? [] : [r]));
      expectClose('categorical sample log p beside rows that allow nothing', drawn.map((r) => out.log_probs![r]!), drawn.map((r) => ref.logProbs[r]!), context);
    }
    // Rows near a CDF boundary may round either way (as in the sample test above).
    expect(mismatches, `${context}: samples unlike the reference`).toBeLessThanOrEqual(2);
  });

  it('categorical: KL = 0 at old = new, H = log A at uniform logits (A = 4 and 1 024), log p = -1e30 for a masked taken action', async () => {
    const rows = 5;
    for (const actions of [4, MAX_DISCRETE_ACTIONS]) {
      const logits = new Float32Array(rows * actions).fill(0.75);
      const kl = await run(klCategoricalKernel({ rows, actions }), { old_logits: logits, logits, mask: new Uint32Array(1), kl: nanArray(rows) });
      const evaluated = await run(categoricalEvaluateKernel({ rows, actions }), {
        logits,
        mask: new Uint32Array(1),
        actions: Uint32Array.from({ length: rows }, (_, r) => (r * 7) % actions),
        log_probs: nanArray(rows),
        entropies: nanArray(rows),
      });
      for (let r = 0; r < rows; r += 1) {
        expect(Math.abs(kl.kl![r]!), `A = ${actions}`).toBeLessThan(1e-7);
        expect(evaluated.entropies![r]!, `A = ${actions}`).toBeCloseTo(Math.log(actions), 5);
        expect(evaluated.log_probs![r]!, `A = ${actions}`).toBeCloseTo(-Math.log(actions), 5);
      }
    }
    const logits = new Float32Array(rows * 4).fill(0.75);
    // A masked or out-of-range taken action is the caller's bug: log p = -1e30 ("log 0"), no stray read.
    const masked = await run(categoricalEvaluateKernel({ rows: 3, actions: 4, masked: true }), {
      logits: logits.slice(0, 12),
      mask: Uint32Array.from([1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1]),
      actions: Uint32Array.from([1, 7, 2]),
      log_probs: nanArray(3),
      entropies: nanArray(3),
    });
    expect(Array.from(masked.log_probs!)).toEqual([-1e30, -1e30, expect.closeTo(-Math.log(3), 6)].map((v) => (typeof v === 'number' ? Math.fround(v) : v)));
    expect(masked.entropies![0]!).toBeCloseTo(Math.log(3), 6);
  });

  // ---------------------------------------------------------------- Gaussian
  interface GaussianCase {
    agents: number;
    dims: number;
    learned: boolean;
    mean: { stride: number; offset: number };
    grad: { stride: number; offset: number };
  }
  const gaussianCases: GaussianCase[] = [
    { agents: 1, dims: 3, learned: true, mean: { stride: 3, offset: 0 }, grad: { stride: 3, offset: 0 } },
    { agents: 3, dims: 5, learned: true, mean: { stride: 9, offset: 3 }, grad: { stride: 6, offset: 1 } },
    { agents: 3, dims: 5, learned: false, mean: { stride: 5, offset: 0 }, grad: { stride: 5, offset: 0 } },
    // Wide boxes: 17 (MuJoCo Humanoid's actuators, a partial Philox block) and MAX_ACTION_SIZE = 64.
    { agents: 2, dims: 17, learned: true, mean: { stride: 20, offset: 2 }, grad: { stride: 19, offset: 1 } },
    { agents: 1, dims: MAX_ACTION_SIZE, learned: true, mean: { stride: MAX_ACTION_SIZE, offset: 0 }, grad: { stride: MAX_ACTION_SIZE, offset: 0 } },
    { agents: 2, dims: 63, learned: false, mean: { stride: 65, offset: 1 }, grad: { stride: 63, offset: 0 } },
  ];

  /**
   * Fresh means (in a wide buffer) and log-stds: learned ones in a parameter buffer laid out by a
   * real MlpLayout (extras.logStd), fixed ones in a D-float buffer. Actions near the mean.
   */
  function gaussianInputs(c: GaussianCase) {
    const rows = c.agents * B;
    const layout = mlpLayout({ inputSize: 7, hiddenSizes: [33], activation: 'tanh', heads: [{ name: 'policy', size: c.dims, gain: 0.01 }], extras: { logStd: c.dims } });
    const source: LogStdSource = c.learned ? learnedLogStd(layout) : FIXED_LOG_STD;
    const logStdBuffer = c.learned ? f32(c.agents * layout.parametersPerAgent, -1, 0.5) : f32(c.dims, -1, 0.5);
    const logStd = (agent: number) => Array.from({ length: c.dims }, (_, d) => logStdBuffer[agent * source.agentStride + source.offset + d]!);
    const wide = f32(rows * c.mean.stride, -2, 2);
    const means = Array.from({ length: rows }, (_, r) => Array.from(wide.subarray(r * c.mean.stride + c.mean.offset, r * c.mean.stride + c.mean.offset + c.dims)));
    const actionValues = new Float32Array(rows * c.dims);
    means.forEach((m, r) => m.forEach((mu, d) => (actionValues[r * c.dims + d] = mu + Math.exp(logStd(Math.floor(r / B))[d]!) * uniform(-2.5, 2.5))));
    const actions = means.map((_, r) => Array.from(actionValues.subarray(r * c.dims, (r + 1) * c.dims)));
    const config = { agents: c.agents, rowsPerAgent: B, actionDims: c.dims, mean: c.mean, logStd: source };
    return { rows, layout, source, logStdBuffer, logStd, wide, means, actionValues, actions, config };
  }

  describe.each(gaussianCases)('Gaussian %o', (c) => {
    it('evaluate: log π summed over dims and entropy per row', async () => {
      const input = gaussianInputs(c);
      const out = await run(gaussianEvaluateKernel(input.config), {
        mean: input.wide,
        log_std: input.logStdBuffer,
        actions: input.actionValues,
        log_probs: nanArray(input.rows),
        entropies: nanArray(input.rows),
      });
      const agentOf = (r: number) => Math.floor(r / B);
      expectClose(`gaussian evaluate log p ${describeCase(c)}`, out.log_probs!, input.means.map((m, r) => gaussianLogProb(input.actions[r]!, m, input.logStd(agentOf(r)))), describeCase(c));
      expectClose(`gaussian evaluate entropy ${describeCase(c)}`, out.entropies!, input.means.map((_, r) => gaussianEntropy(input.logStd(agentOf(r)))), describeCase(c));
    });

    it('sample: μ + σ·ε with ε from Philox, log p = evaluate of the same action', async () => {
      const input = gaussianInputs(c);
      const params = freshParams();
      const out = await run(gaussianSampleKernel(input.config), { mean: input.wide, log_std: input.logStdBuffer, actions: nanArray(input.rows * c.dims), log_probs: nanArray(input.rows) }, params);
      let outside = 0;
      for (let r = 0; r < input.rows; r += 1) {
        const s = input.logStd(Math.floor(r / B));
        for (let d = 0; d < c.dims; d += 1) {
          const block = rngBlock({ ...params, draw: (params.draw + Math.floor(d / 4)) >>> 0 }, r);
          const k = d % 4 < 2 ? 0 : 2;
          const u1 = uniformFromBits(block[k]!);
          const noise = normalPair(u1, uniformFromBits(block[k + 1]!))[d % 2]!;
          // rng.test.ts's bound on |ε_f32 - ε_f64|, scaled by σ, plus rounding of μ + σε.
          const tolerance = Math.exp(s[d]!) * (2 ** -10 + Math.sqrt(-2 * Math.log(u1)) * (2 ** -11 + 2 ** -20)) + 1e-6 * (1 + Math.abs(input.means[r]![d]!));
          const error = Math.abs(out.actions![r * c.dims + d]! - (input.means[r]![d]! + Math.exp(s[d]!) * noise));
          if (!(error <= tolerance)) outside += 1;
        }
      }
      expect(outside, `seed ${seed}: sampled actions unlike μ + σ·ε(reference) or unwritten`).toBe(0);
      const sampled = Array.from({ length: input.rows }, (_, r) => Array.from(out.actions!.subarray(r * c.dims, (r + 1) * c.dims), Number));
      const refLogp = sampled.map((a, r) => gaussianLogProb(a, input.means[r]!, input.logStd(Math.floor(r / B))));
      expectClose(`gaussian sample log p ${describeCase(c)}`, out.log_probs!, refLogp, describeCase(c));
      const evaluated = await run(gaussianEvaluateKernel(input.config), { mean: input.wide, log_std: input.logStdBuffer, actions: out.actions!, log_probs: nanArray(input.rows), entropies: nanArray(input.rows) });
      let gap = 0;
      for (let r = 0; r < input.rows; r += 1) gap = Math.max(gap, Math.abs(evaluated.log_probs![r]! - out.log_probs![r]!));
      expect(gap, `seed ${seed}: sampled log p vs evaluate kernel`).toBeLessThan(1e-5);
      errors.push(`gaussian sample vs evaluate log p max |gap| ${describeCase(c)}: ${gap.toExponential(2)}`);
    });

    it('backward: dL/dμ per element and dL/dlog σ reduced per agent into the gradient buffer', async () => {
      const input = gaussianInputs(c);
      const gLogp = f32(input.rows, -2, 2);
      const gEntropy = f32(input.rows, -1, 1);
      const out = await run(gaussianBackwardKernel({ ...input.config, grad: c.grad }), {
        mean: input.wide,
        log_std: input.logStdBuffer,
        actions: input.actionValues,
        log_prob_grads: gLogp,
        entropy_grads: gEntropy,
        mean_grads: nanArray(input.rows * c.grad.stride),
        log_std_terms: nanArray(input.rows * c.dims),
      });
      const refMean: number[] = [];
      const gpuMean: number[] = [];
      let paddingWritten = 0;
      const refLogStd = new Float64Array(c.agents * c.dims);
      input.means.forEach((m, r) => {
        const agent = Math.floor(r / B);
        const g = gaussianLogProbGrad(input.actions[r]!, m, input.logStd(agent));
        for (let j = 0; j < c.grad.stride; j += 1) {
          const d = j - c.grad.offset;
          const value = out.mean_grads![r * c.grad.stride + j]!;
          if (d < 0 || d >= c.dims) {
            if (!Number.isNaN(value)) paddingWritten += 1;
            continue;
          }
          gpuMean.push(value);
          refMean.push(gLogp[r]! * g.mean[d]!);
          refLogStd[agent * c.dims + d] = refLogStd[agent * c.dims + d]! + gLogp[r]! * g.logStd[d]! + gEntropy[r]!; // ∂H/∂s = 1
        }
      });
      expect(paddingWritten, `seed ${seed}: mean-gradient padding written`).toBe(0);
      expectClose(`gaussian backward dμ ${describeCase(c)}`, gpuMean, refMean, describeCase(c));
      if (!c.learned) return; // a fixed σ has no gradient

      // The reduction into a poisoned parameter-gradient buffer: only the logStd slots change.
      const P = input.layout.parametersPerAgent;
      const reduced = await run(gaussianLogStdReduceKernel({ agents: c.agents, rowsPerAgent: B, actionDims: c.dims, target: input.source }), {
        log_std_terms: out.log_std_terms!,
        grads: nanArray(c.agents * P),
      });
      const gpuLogStd: number[] = [];
      let othersWritten = 0;
      for (let i = 0; i < c.agents * P; i += 1) {
        const agent = Math.floor(i / P);
        const d = (i % P) - input.source.offset;
        if (d >= 0 && d < c.dims) gpuLogStd[agent * c.dims + d] = reduced.grads![i]!;
        else if (!Number.isNaN(reduced.grads![i]!)) othersWritten += 1;
      }
      expect(othersWritten, `seed ${seed}: gradient entries outside the logStd slot written`).toBe(0);
      expectClose(`gaussian backward dlogσ ${describeCase(c)}`, gpuLogStd, refLogStd, describeCase(c));
    });

    it('KL(old ‖ new) per row and its gradient w.r.t. the new mean and log-std', async () => {
      const input = gaussianInputs(c);
      const oldMean = f32(input.rows * c.dims, -2, 2);
      // The old log-std: a snapshot of the parameters (same layout) or another fixed vector.
      const oldLogStdBuffer = input.logStdBuffer.map((s) => s + uniform(-0.3, 0.3));
      const oldLogStd = (agent: number) => Array.from({ length: c.dims }, (_, d) => oldLogStdBuffer[agent * input.source.agentStride + input.source.offset + d]!);
      const oldMeans = Array.from({ length: input.rows }, (_, r) => Array.from(oldMean.subarray(r * c.dims, (r + 1) * c.dims), Number));
      const config = { ...input.config, oldLogStd: input.source };
      const kl = await run(klGaussianKernel(config), { old_mean: oldMean, old_log_std: oldLogStdBuffer, mean: input.wide, log_std: input.logStdBuffer, kl: nanArray(input.rows) });
      const agentOf = (r: number) => Math.floor(r / B);
      const refKl = input.means.map((m, r) => gaussianKl(oldMeans[r]!, oldLogStd(agentOf(r)), m, input.logStd(agentOf(r))));
      expectClose(`gaussian KL ${describeCase(c)}`, kl.kl!, refKl, describeCase(c));

      const gKl = f32(input.rows, -2, 2);
      const out = await run(klGaussianBackwardKernel({ ...config, grad: c.grad }), {
        old_mean: oldMean,
        old_log_std: oldLogStdBuffer,
        mean: input.wide,
        log_std: input.logStdBuffer,
        kl_grads: gKl,
        mean_grads: nanArray(input.rows * c.grad.stride),
        log_std_terms: nanArray(input.rows * c.dims),
      });
      const gpuMean: number[] = [];
      const refMean: number[] = [];
      const refLogStd = new Float64Array(c.agents * c.dims);
      input.means.forEach((m, r) => {
        const g = gaussianKlGrad(oldMeans[r]!, oldLogStd(agentOf(r)), m, input.logStd(agentOf(r)));
        for (let d = 0; d < c.dims; d += 1) {
          gpuMean.push(out.mean_grads![r * c.grad.stride + c.grad.offset + d]!);
          refMean.push(gKl[r]! * g.mean[d]!);
          refLogStd[agentOf(r) * c.dims + d] = refLogStd[agentOf(r) * c.dims + d]! + gKl[r]! * g.logStd[d]!;
        }
      });
      expectClose(`gaussian KL backward dμ ${describeCase(c)}`, gpuMean, refMean, describeCase(c));
      if (!c.learned) return;
      const P = input.layout.parametersPerAgent;
      const prior = f32(c.agents * P, -1, 1);
      const reduced = await run(gaussianLogStdReduceKernel({ agents: c.agents, rowsPerAgent: B, actionDims: c.dims, target: input.source, accumulate: true }), {
        log_std_terms: out.log_std_terms!,
        grads: prior,
      });
      const gpuLogStd: number[] = [];
      const refAccumulated: number[] = [];
      for (let agent = 0; agent < c.agents; agent += 1) {
        for (let d = 0; d < c.dims; d += 1) {
          const index = agent * P + input.source.offset + d;
          gpuLogStd.push(reduced.grads![index]!);
          refAccumulated.push(prior[index]! + refLogStd[agent * c.dims + d]!);
        }
      }
      expectClose(`gaussian KL backward dlogσ (accumulate) ${describeCase(c)}`, gpuLogStd, refAccumulated, describeCase(c));
    });
  });

  it('Gaussian samples have per-dim mean μ and variance σ² within 4 standard errors (G = 2 × 30 000 rows)', async () => {
    const agents = 2;
    const rowsPerAgent = 30_000;
    const dims = 5; // two Philox draws per row
    const mu = [0.5, -1, 2, 0, 3];
    const logStdBuffer = f32(agents * dims, -1, 0.7); // a fixed per-agent vector: agentStride = dims
    const mean = new Float32Array(agents * rowsPerAgent * dims);
    for (let r = 0; r < agents * rowsPerAgent; r += 1) mean.set(mu, r * dims);
    const params = freshParams();
    const out = await run(
      gaussianSampleKernel({ agents, rowsPerAgent, actionDims: dims, logStd: { agentStride: dims, offset: 0 } }),
      { mean, log_std: logStdBuffer, actions: nanArray(mean.length), log_probs: nanArray(agents * rowsPerAgent) },
      params,
    );
    for (let agent = 0; agent < agents; agent += 1) {
      for (let d = 0; d < dims; d += 1) {
        const values = Float64Array.from({ length: rowsPerAgent }, (_, b) => out.actions![((agent * rowsPerAgent + b) * dims + d)]!);
        const { mean: m, variance } = meanAndVariance(values);
        const sigma2 = Math.exp(2 * logStdBuffer[agent * dims + d]!);
        const where = `seed ${seed}, params ${JSON.stringify(params)}, agent ${agent}, dim ${d}`;
        expect(Math.abs(m - mu[d]!), `${where}: |mean - μ|`).toBeLessThan(4 * Math.sqrt(sigma2 / rowsPerAgent));
        // Var of the sample variance of a normal: 2σ⁴/n.
        expect(Math.abs(variance - sigma2), `${where}: |variance - σ²|`).toBeLessThan(4 * sigma2 * Math.sqrt(2 / rowsPerAgent));
      }
    }
  });

  it('log-std reduction stays accurate at B = 10 000 (workgroups of 256, 64 and 100, G = 2)', async () => {
    const agents = 2;
    const rowsPerAgent = 10_000;
    const dims = 3;
    // Terms like g·(z² - 1) + c: a nonzero mean, so the sum is large next to each term's rounding.
    const terms = Float32Array.from({ length: agents * rowsPerAgent * dims }, () => 0.3 + uniform(-1, 1) * uniform(0, 3));
    const target = { agentStride: 17, offset: 9 };
    const ref = new Float64Array(agents * dims);
    for (let r = 0; r < agents * rowsPerAgent; r += 1) {
      for (let d = 0; d < dims; d += 1) {
        const i = Math.floor(r / rowsPerAgent) * dims + d;
        ref[i] = ref[i]! + terms[r * dims + d]!;
      }
    }
    // 100: not a power of two (the tree folds the lanes past 64 in first).
    for (const workgroupSize of [256, 64, 100]) {
      const out = await run(gaussianLogStdReduceKernel({ agents, rowsPerAgent, actionDims: dims, target, workgroupSize }), { log_std_terms: terms, grads: nanArray(agents * 17) });
      const gpuValues = Array.from({ length: agents * dims }, (_, i) => out.grads![Math.floor(i / dims) * 17 + 9 + (i % dims)]!);
      expectClose(`log-std reduce B=10000 workgroup ${workgroupSize}`, gpuValues, ref, `workgroup ${workgroupSize}`);
      const written = Array.from(out.grads!).filter((v) => !Number.isNaN(v)).length;
      expect(written, 'only the logStd slots are written').toBe(agents * dims);
    }
  });

  it('rejects bad sizes with errors naming the field, the value and what is valid', () => {
    expect(() => categoricalEvaluateKernel({ rows: 10, actions: 0 })).toThrow(/categoricalEvaluate\.actions must be an integer in \[1, 1024\] \(got 0\)/);
    expect(() => categoricalSampleKernel({ rows: 10, actions: 1025 })).toThrow(/categoricalSample\.actions .*got 1025/);
    expect(() => klCategoricalBackwardKernel({ rows: 10, actions: 1025 })).toThrow(/klCategoricalBackward\.actions must be an integer in \[1, 1024\] \(got 1025\)/);
    expect(categoricalBackwardKernel({ rows: 10, actions: MAX_DISCRETE_ACTIONS }).spec.constants?.ACTIONS).toBe(1024);
    expect(() => categoricalBackwardKernel({ rows: 0, actions: 3 })).toThrow(/categoricalBackward\.rows must be a positive integer \(got 0\)/);
    expect(() => categoricalEvaluateKernel({ rows: 10, actions: 5, logits: { stride: 6, offset: 2 } })).toThrow(/logits: offset 2 \+ width 5 must not exceed stride 6/);
    expect(() => klCategoricalBackwardKernel({ rows: 10, actions: 3, grad: { stride: 2 } })).toThrow(/grad: offset 0 \+ width 3/);
    expect(() => categoricalEvaluateKernel({ rows: 2 ** 31, actions: 4 })).toThrow(/does not fit a u32/);
    const layout = mlpLayout({ inputSize: 3, hiddenSizes: [4], activation: 'relu', heads: [{ name: 'policy', size: 2, gain: 0.01 }] });
    expect(() => learnedLogStd(layout)).toThrow(/no extras\.logStd slot \(extras: none\)/);
    expect(() => gaussianEvaluateKernel({ agents: 1, rowsPerAgent: 1.5, actionDims: 2, logStd: FIXED_LOG_STD })).toThrow(/rowsPerAgent must be a positive integer \(got 1\.5\)/);
    expect(() => gaussianEvaluateKernel({ agents: 2, rowsPerAgent: 4, actionDims: 3, logStd: { agentStride: 4, offset: 2 } })).toThrow(/offset 2 \+ actionDims 3 must not exceed agentStride 4/);
    expect(() => gaussianLogStdReduceKernel({ agents: 1, rowsPerAgent: 5, actionDims: 1, target: { agentStride: 4, offset: 0 }, workgroupSize: 0 })).toThrow(/gaussianLogStdReduce\.workgroupSize must be a positive integer \(got 0\)/);
    expect(() => gaussianLogStdReduceKernel({ agents: 1, rowsPerAgent: 5, actionDims: 1, target: FIXED_LOG_STD })).toThrow(/target\.agentStride must be a positive integer/);
  });

  it('reports the observed errors', () => {
    console.log(`[heads] seed ${seed}; relative errors (max|gpu - ref| / max(1e-3, max|ref|)):\n  ${errors.join('\n  ')}`);
    expect(errors.length).toBeGreaterThan(0);
  });
});
