/**
 * The loss kernels (src/losses/losses.ts) on a real device against the float64 reference
 * (test/reference/losses.ts), on fresh random inputs at odd sizes, every output poisoned with NaN
 * and checked written. Normalisation: for a per-row tensor, max_r |gpu − ref| / max_r |ref|
 * (< 1e-4 for the gradient coefficients, < 1e-5 for the loss terms); trajectory weights are positive
 * and compared element by element, |gpu − ref| / ref < 1e-5. The reference reads the same
 * f32-rounded inputs the GPU does.
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, createKernel, readBufferOnce } from '../../src/gpu/index';
import { LOSS_COEFFICIENT, LOSS_COEFFICIENT_WORDS, LOSS_TERM, LOSS_TERM_COUNT, entropyBonusKernel, klPenaltyKernel, minibatchRowsPerAgent, packLossCoefficients, surrogateLossKernel, trajectoryWeightsKernel, valueLossKernel, type LossCoefficients, type SurrogateObjective } from '../../src/losses/index';
import type { SizedKernel } from '../../src/gpu/kernel';
import { minibatchLosses, trajectoryWeights, type Coefficients, type RowTerms } from '../reference/losses';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import commonWgsl from '../../shaders/losses/common.wgsl';

const seed = freshSeed();
const random = seededRandom(seed);
const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
const f32 = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => uniform(lo, hi));

type Arrays = Record<string, Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>;

/** Runs one sized kernel over `inputs` (written) and `outputs` (poisoned with NaN; sizes in words); returns the outputs. */
async function runKernel(gpu: ReturnType<ReturnType<typeof useGpu>>, sized: SizedKernel, inputs: Arrays, outputs: Record<string, number | Float32Array<ArrayBuffer>>) {
  const { device } = gpu;
  const kernel = await createKernel(device, sized.spec);
  const declarations: Record<string, { size: number }> = {};
  for (const [name, data] of Object.entries(inputs)) declarations[name] = { size: Math.max(4, data.byteLength) };
  for (const [name, size] of Object.entries(outputs)) declarations[name] = { size: 4 * (typeof size === 'number' ? size : size.length) };
  const set = new BufferSet(device, sized.spec.label, declarations);
  try {
    return await gpuStep(gpu, sized.spec.label, async () => {
      for (const [name, data] of Object.entries(inputs)) device.queue.writeBuffer(set.buffers[name]!, 0, data);
      for (const [name, size] of Object.entries(outputs)) {
        const initial = typeof size === 'number' ? new Float32Array(size).fill(Number.NaN) : size;
        device.queue.writeBuffer(set.buffers[name]!, 0, initial);
      }
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      kernel.dispatch(pass, kernel.bind(set.buffers), sized.invocations);
      pass.end();
      device.queue.submit([encoder.finish()]);
      const result: Record<string, Float32Array> = {};
      for (const name of Object.keys(outputs)) result[name] = new Float32Array(await readBufferOnce(device, set.buffers[name]!));
      return result;
    });
  } finally {
    set.destroy();
  }
}

/** max|gpu − ref| / max|ref|; any NaN in gpu (unwritten poison) gives Infinity. */
function relativeError(gpu: ArrayLike<number>, reference: ArrayLike<number>): number {
  let maxError = 0;
  let maxReference = 0;
  for (let i = 0; i < reference.length; i += 1) {
    if (Number.isNaN(gpu[i]!)) return Infinity;
    maxError = Math.max(maxError, Math.abs(gpu[i]! - reference[i]!));
    maxReference = Math.max(maxReference, Math.abs(reference[i]!));
  }
  return maxError / Math.max(maxReference, 1e-30);
}

function column(terms: Float32Array, c: number, rows: number): Float32Array {
  return terms.subarray(c * rows, (c + 1) * rows);
}

/** Per-agent coefficients, random within ranges, as both the packed buffer and the reference records. */
function randomCoefficients(agents: number): { packed: Float32Array<ArrayBuffer>; reference: Coefficients[] } {
  const records: LossCoefficients[] = Array.from({ length: agents }, () => ({
    clipCoef: uniform(0.05, 0.3),
    valueClipCoef: uniform(0.1, 0.5),
    entCoef: uniform(0, 0.05),
    vfCoef: uniform(0.25, 1),
    klBeta: uniform(0, 3),
  }));
  const packed = packLossCoefficients(agents, records);
  const reference = Array.from({ length: agents }, (_, g) => {
    const at = (k: number) => packed[g * LOSS_COEFFICIENT_WORDS + k]!;
    return { clip: at(LOSS_COEFFICIENT.clip), valueClip: at(LOSS_COEFFICIENT.valueClip), entropy: at(LOSS_COEFFICIENT.entropy), value: at(LOSS_COEFFICIENT.value), klBeta: at(LOSS_COEFFICIENT.klBeta) };
  });
  return { packed, reference };
}

const TERM_NAMES = Object.keys(LOSS_TERM) as (keyof typeof LOSS_TERM)[];

describe('loss kernels vs the float64 reference', () => {
  const gpu = useGpu();

  const shapes = [
    { agents: 3, batchPerAgent: 369, minibatches: 3 },
    { agents: 1, batchPerAgent: 4099, minibatches: 1 },
  ];
  const objectives: SurrogateObjective[] = ['weighted', 'clone', 'importance', 'clip', 'trajectory'];

  it.each(shapes.flatMap((shape) => objectives.map((objective) => [objective, shape.agents, shape.batchPerAgent / shape.minibatches, shape] as const)))(
    'surrogate %s, G = %i, M = %i: ∂L/∂log π and terms',
    async (objective, agents, m, shape) => {
      const rows = agents * m;
      const { packed, reference } = randomCoefficients(agents);
      const oldLogProbs = f32(rows, -3, -0.05);
      // Ratios in about [0.6, 1.6]: both sides of every clip bound.
      const logProbs = Float32Array.from(oldLogProbs, (x) => x + uniform(-0.5, 0.5));
      const advantages = f32(rows, -2, 2);
      const weights = f32(rows, 0.1, 4);
      const sized = surrogateLossKernel({ ...shape, objective });
      const out = await runKernel(
        gpu(),
        sized,
        { log_probs: logProbs, old_log_probs: oldLogProbs, advantages, trajectory_weights: weights, coefficients: packed },
        { log_prob_grads: rows, terms: LOSS_TERM_COUNT * rows },
      );
      const ref = minibatchLosses({ objective }, { agents, rowsPerAgent: m, logProbs, oldLogProbs, advantages, trajectoryWeights: weights, coefficients: reference });
      const what = `seed ${seed}`;
      expect(relativeError(out.log_prob_grads!, ref.logProbGrads), what).toBeLessThan(1e-4);
      for (const name of ['surrogate', 'approxKl', 'weight', 'weightSquared'] as const) {
        const expected = ref.terms.map((t: RowTerms) => t[name]);
        expect(relativeError(column(out.terms!, LOSS_TERM[name], rows), expected), `${name}, ${what}`).toBeLessThan(1e-5);
      }
      // clipfrac's indicator may differ only where |r − 1| is within f32 rounding of ε.
      const clipped = column(out.terms!, LOSS_TERM.clipped, rows);
      ref.terms.forEach((t, r) => {
        if (clipped[r] !== t.clipped) {
          const c = reference[Math.floor(r / m)]!.clip;
          expect(Math.abs(Math.abs(Math.exp(logProbs[r]! - oldLogProbs[r]!) - 1) - c), `clipped[${r}], ${what}`).toBeLessThan(1e-6);
        }
      });
      // The other loss kernels' columns are untouched (poison remains).
      for (const name of ['entropy', 'klPenalty', 'valueLoss'] as const) {
        expect(column(out.terms!, LOSS_TERM[name], rows).every(Number.isNaN), `${name} column written by the surrogate`).toBe(true);
      }
    },
  );

  it.each([false, true])('value loss (clipped %s), entropy bonus and KL penalty, G = 3, M = 123', async (clipped) => {
    const agents = 3;
    const shape = { agents, batchPerAgent: 246, minibatches: 2 };
    const m = 123;
    const rows = agents * m;
    const { packed, reference } = randomCoefficients(agents);
    const oldValues = f32(rows, -2, 2);
    const values = Float32Array.from(oldValues, (v) => v + uniform(-0.8, 0.8));
    const returns = f32(rows, -3, 3);
    const entropies = f32(rows, 0, 2);
    const kl = f32(rows, 0, 0.1);
    const ref = minibatchLosses(
      { objective: 'clone', entropy: true, klPenalty: true, value: clipped ? 'clipped' : 'plain' },
      { agents, rowsPerAgent: m, logProbs: new Float32Array(rows), oldLogProbs: new Float32Array(rows), advantages: new Float32Array(rows), entropies, kl, values, returns, oldValues, coefficients: reference },
    );
    const value = await runKernel(gpu(), valueLossKernel({ ...shape, clipped }), { values, returns, old_values: oldValues, coefficients: packed }, { value_grads: rows, terms: LOSS_TERM_COUNT * rows });
    expect(relativeError(value.value_grads!, ref.valueGrads), `seed ${seed}`).toBeLessThan(1e-4);
    expect(relativeError(column(value.terms!, LOSS_TERM.valueLoss, rows), ref.terms.map((t) => t.valueLoss)), `seed ${seed}`).toBeLessThan(1e-5);
    const entropy = await runKernel(gpu(), entropyBonusKernel(shape), { entropies, coefficients: packed }, { entropy_grads: rows, terms: LOSS_TERM_COUNT * rows });
    expect(relativeError(entropy.entropy_grads!, ref.entropyGrads), `seed ${seed}`).toBeLessThan(1e-4);
    expect(relativeError(column(entropy.terms!, LOSS_TERM.entropy, rows), ref.terms.map((t) => t.entropy))).toBeLessThan(1e-5);
    const penalty = await runKernel(gpu(), klPenaltyKernel(shape), { kl, coefficients: packed }, { kl_grads: rows, terms: LOSS_TERM_COUNT * rows });
    expect(relativeError(penalty.kl_grads!, ref.klGrads), `seed ${seed}`).toBeLessThan(1e-4);
    expect(relativeError(column(penalty.terms!, LOSS_TERM.klPenalty, rows), ref.terms.map((t) => t.klPenalty))).toBeLessThan(1e-5);
  });

  it('approx_kl (k3) keeps its relative accuracy near r = 1, where PPO lives', async () => {
    // |log r| ≤ 0.02 and |log π_old| ≥ 0.05: log π − log π_old is exact in f32 (Sterbenz), so the
    // reference sees the GPU's own x and the error is k3's alone. exp(x) − 1 − x in f32 would lose
    // about three digits here.
    const rows = 1001;
    const oldLogProbs = f32(rows, -3, -0.05);
    const logProbs = Float32Array.from(oldLogProbs, (x) => x + uniform(-0.02, 0.02));
    const sized = surrogateLossKernel({ agents: 1, batchPerAgent: rows, minibatches: 1, objective: 'clip' });
    const out = await runKernel(gpu(), sized, { log_probs: logProbs, old_log_probs: oldLogProbs, advantages: new Float32Array(rows), trajectory_weights: new Float32Array(1), coefficients: packLossCoefficients(1) }, { log_prob_grads: rows, terms: LOSS_TERM_COUNT * rows });
    const k3 = column(out.terms!, LOSS_TERM.approxKl, rows);
    let worst = 0;
    for (let r = 0; r < rows; r += 1) {
      const x = logProbs[r]! - oldLogProbs[r]!;
      const expected = Math.expm1(x) - x;
      if (expected > 0) worst = Math.max(worst, Math.abs(k3[r]! - expected) / expected);
    }
    expect(worst, `seed ${seed}`).toBeLessThan(1e-5);
  });

  it('accumulating terms adds to what is there', async () => {
    const agents = 1;
    const rows = 77;
    const { packed } = randomCoefficients(agents);
    const entropies = f32(rows, 0, 2);
    const previous = f32(LOSS_TERM_COUNT * rows, -1, 1);
    const out = await runKernel(gpu(), entropyBonusKernel({ agents, batchPerAgent: rows, minibatches: 1, accumulateTerms: true }), { entropies, coefficients: packed }, { entropy_grads: rows, terms: previous });
    const got = column(out.terms!, LOSS_TERM.entropy, rows);
    const expected = Array.from({ length: rows }, (_, r) => previous[LOSS_TERM.entropy * rows + r]! + entropies[r]!);
    expect(relativeError(got, expected)).toBeLessThan(1e-6);
    // Other columns keep their values.
    expect(Array.from(column(out.terms!, LOSS_TERM.surrogate, rows))).toEqual(Array.from(column(previous, LOSS_TERM.surrogate, rows)));
  });

  it('PPO-clip gradient is exactly 0 just past r = 1 ± ε on the flat side and −r·Â/M at the bound (GPU f32)', async () => {
    // Agents 0–3 have one row each (M = 1, so coefficient = −r·Â). Rows pass through twice: once to
    // learn the GPU's own f32 ratio r, then with ε chosen so that 1 ± ε equals r exactly in f32, or
    // is one f32 step inside it.
    const agents = 8;
    const shape = { agents, batchPerAgent: 1, minibatches: 1 };
    const logProbs = Float32Array.from([0.15, 0.15, -0.2, -0.2, 0.15, 0.15, -0.2, -0.2]);
    const oldLogProbs = new Float32Array(agents);
    const advantages = Float32Array.from([1.5, 1.5, -0.7, -0.7, -1.5, -1.5, 0.7, 0.7]);
    const probe = await runKernel(gpu(), surrogateLossKernel({ ...shape, objective: 'clip' }), { log_probs: logProbs, old_log_probs: oldLogProbs, advantages, trajectory_weights: new Float32Array(1), coefficients: packLossCoefficients(agents) }, { log_prob_grads: agents, terms: LOSS_TERM_COUNT * agents });
    const ratio = Array.from(column(probe.terms!, LOSS_TERM.weight, agents));
    // The neighbouring f32 of x towards 1 (ratios here are in (0.5, 2), so r − 1 and 1 − r are exact).
    const towardsOne = (x: number) => {
      const bits = new Float32Array([x]);
      new Uint32Array(bits.buffer)[0]! += x > 1 ? -1 : 1;
      return bits[0]!;
    };
    const eps: number[] = [];
    for (let g = 0; g < agents; g += 1) {
      const upper = ratio[g]! > 1;
      // Even rows: the bound 1 ± ε is r itself; odd rows: the next f32 towards 1, so r is strictly past it.
      const bound = g % 2 === 0 ? ratio[g]! : towardsOne(ratio[g]!);
      const e = Math.fround(upper ? bound - 1 : 1 - bound);
      expect(Math.fround(upper ? 1 + e : 1 - e), 'bound must be exact in f32').toBe(bound);
      eps.push(e);
    }
    const out = await runKernel(gpu(), surrogateLossKernel({ ...shape, objective: 'clip' }), { log_probs: logProbs, old_log_probs: oldLogProbs, advantages, trajectory_weights: new Float32Array(1), coefficients: packLossCoefficients(agents, eps.map((clipCoef) => ({ clipCoef }))) }, { log_prob_grads: agents, terms: LOSS_TERM_COUNT * agents });
    const grads = Array.from(out.log_prob_grads!);
    for (let g = 0; g < agents; g += 1) {
      const flatSide = (advantages[g]! > 0 && ratio[g]! > 1) || (advantages[g]! < 0 && ratio[g]! < 1);
      const pastBound = g % 2 === 1;
      const what = `row ${g}: r = ${ratio[g]}, Â = ${advantages[g]}, ε = ${eps[g]}`;
      if (flatSide && pastBound) expect(Object.is(grads[g], 0) || Object.is(grads[g], -0), what).toBe(true);
      else expect(grads[g], what).toBeCloseTo(-ratio[g]! * advantages[g]!, 6);
    }
    // Rows 0–3 are on the flat side; rows 4–7 (the other sign of Â) keep the gradient at and past the bound.
    expect(grads.slice(4).every((v) => v !== 0)).toBe(true);
  });

  const rolloutShapes = [
    [123, 7],
    [1000, 1],
    [5, 4099],
  ] as const;
  it.each(rolloutShapes.flatMap(([t, n]) => [[t, n, 'whole', undefined], [t, n, 'perDecision', 2.5], [t, n, 'whole', 1.3]] as const))(
    'trajectory weights T = %i, N = %i, %s, cap %s',
    async (steps, envs, mode, cap) => {
      const count = steps * envs;
      const oldLogProbs = f32(count, -3, -0.1);
      const logProbs = Float32Array.from(oldLogProbs, (x) => x + uniform(-0.08, 0.08));
      const terminated = Uint32Array.from({ length: count }, () => (random() < 0.02 ? 1 : 0));
      const truncated = Uint32Array.from({ length: count }, () => (random() < 0.01 ? 1 : 0));
      const perDecision = mode === 'perDecision';
      const out = await runKernel(gpu(), trajectoryWeightsKernel({ steps, envs, cap, perDecision }), { log_probs: logProbs, old_log_probs: oldLogProbs, terminated, truncated }, { weights: count });
      const ref = trajectoryWeights(steps, envs, logProbs, oldLogProbs, terminated, truncated, { cap, perDecision });
      let worst = 0;
      for (let i = 0; i < count; i += 1) {
        const error = Math.abs(out.weights![i]! - ref[i]!) / ref[i]!;
        worst = Number.isNaN(error) ? Infinity : Math.max(worst, error);
      }
      expect(worst, `seed ${seed}`).toBeLessThan(1e-5);
    },
  );
});

describe('loss kernels: bad input', () => {
  it('rejects ε ≤ 0, negative coefficients, minibatches that do not divide the batch, cap ≤ 0', () => {
    expect(() => packLossCoefficients(2, { clipCoef: 0 })).toThrow(/clipCoef must be a finite number > 0 \(got 0\)/);
    expect(() => packLossCoefficients(2, [{}, { valueClipCoef: -0.1 }])).toThrow(/lossCoefficients\[1\]\.valueClipCoef/);
    expect(() => packLossCoefficients(1, { entCoef: -0.01 })).toThrow(/entCoef must be a finite number ≥ 0/);
    expect(() => packLossCoefficients(1, { vfCoef: Number.NaN })).toThrow(/vfCoef/);
    expect(() => packLossCoefficients(1, { klBeta: -1 })).toThrow(/klBeta/);
    expect(() => packLossCoefficients(3, [{}, {}])).toThrow(/expected one record or 3/);
    expect(() => minibatchRowsPerAgent(128, 3)).toThrow(/3 minibatches do not divide 128 rows per agent/);
    expect(() => surrogateLossKernel({ agents: 1, batchPerAgent: 100, minibatches: 7, objective: 'clip' })).toThrow(/do not divide/);
    expect(() => surrogateLossKernel({ agents: 1, batchPerAgent: 100, minibatches: 4, objective: 'ppo' as SurrogateObjective })).toThrow(/objective must be one of/);
    expect(() => valueLossKernel({ agents: 0, batchPerAgent: 100, minibatches: 4 })).toThrow(/agents must be a positive integer/);
    expect(() => trajectoryWeightsKernel({ steps: 10, envs: 2, cap: 0 })).toThrow(/cap must be a finite number > 0/);
    expect(() => trajectoryWeightsKernel({ steps: 10, envs: 2, cap: -1 })).toThrow(/cap/);
    expect(() => trajectoryWeightsKernel({ steps: 10, envs: 2, cap: Infinity })).toThrow(/cap/);
    expect(() => trajectoryWeightsKernel({ steps: 0, envs: 2 })).toThrow(/steps must be a positive integer/);
  });

  it('the WGSL term columns and coefficient offsets agree with the TS layout', async () => {
    const common = commonWgsl.code;
    for (const name of TERM_NAMES) {
      const wgslName = `TERM_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
      expect(common, wgslName).toMatch(new RegExp(`const ${wgslName}: u32 = ${LOSS_TERM[name]}u;`));
    }
    const fields = [...common.matchAll(/^\s+(\w+): f32,/gm)].map((m) => m[1]);
    expect(fields.length).toBe(LOSS_COEFFICIENT_WORDS);
    expect(fields.indexOf('clip')).toBe(LOSS_COEFFICIENT.clip);
    expect(fields.indexOf('value_clip')).toBe(LOSS_COEFFICIENT.valueClip);
    expect(fields.indexOf('entropy')).toBe(LOSS_COEFFICIENT.entropy);
    expect(fields.indexOf('value')).toBe(LOSS_COEFFICIENT.value);
    expect(fields.indexOf('kl_beta')).toBe(LOSS_COEFFICIENT.klBeta);
  });
});
