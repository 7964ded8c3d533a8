/**
 * The Philox RNG kernels on a real device against the float64/BigInt reference
 * (test/reference/philox.ts): raw bits and uniforms bit for bit, normals within WGSL's stated
 * precision, distributions against analytic moments, and categorical sampling by chi-square per
 * row. Keys are drawn fresh each run and printed with any failure. Every output buffer is poisoned
 * before its dispatch and has a poisoned tail past the end that must survive (bounds checks).
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, createKernel, readBufferOnce, type KernelSpec } from '../../src/gpu/index';
import {
  RNG_NORMAL,
  RNG_PARAMS_BYTES,
  RNG_RANDOM_BITS,
  RNG_UNIFORM,
  categoricalSpec,
  encodeRngParams,
  writeRngParams,
  type RngParams,
} from '../../src/rng/index';
import { cdfBoundaryDistance, normalPair, rngBlock, sampleCategorical, softmax, uniformFromBits } from '../reference/philox';
import { chiSquareCritical, chiSquareStatistic, meanAndVariance } from '../support/statistics';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

const POISON_U32 = 0xdeadbeef;
const POISON_F32_BITS = new Uint32Array(new Float32Array([Number.NaN]).buffer)[0]!;
// Past the last block: covers the extra invocations of the largest workgroup (256 blocks × 4 words).
const TAIL_WORDS = 4 * 256;

/** A random key and counter, all five words drawn from one fresh seed (printed, for SEED to replay). */
const freshParams = (): RngParams => {
  const random = seededRandom(freshSeed());
  const randomU32 = () => Math.floor(random() * 2 ** 32) >>> 0;
  return { seed: randomU32(), stream: randomU32(), iteration: randomU32(), step: randomU32(), draw: randomU32() };
};
const describeParams = (params: RngParams) => `RngParams ${JSON.stringify(params)}`;

describe('Philox RNG kernels', () => {
  const gpu = useGpu();

  /** Runs a 4-words-per-block kernel over `count` blocks and returns its output words (tail checked). */
  async function runBlocks(
    spec: KernelSpec,
    count: number,
    params: RngParams,
    workgroupSize = spec.workgroupSize,
  ): Promise<Uint32Array> {
    const { device } = gpu();
    const kernel = await createKernel(device, { ...spec, workgroupSize, constants: { COUNT: count } });
    const outputName = kernel.bindings[1]!.name;
    const poison = outputName === 'bits' ? POISON_U32 : POISON_F32_BITS;
    const length = 4 * count;
    const buffers = new BufferSet(device, `test.${spec.label}`, {
      params: { size: RNG_PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
      output: { size: 4 * (length + TAIL_WORDS) },
    });
    try {
      const bytes = await gpuStep(gpu(), spec.label, async () => {
        writeRngParams(device, buffers.buffers.params, params);
        device.queue.writeBuffer(buffers.buffers.output, 0, new Uint32Array(length + TAIL_WORDS).fill(poison));
        const encoder = device.createCommandEncoder({ label: spec.label });
        const pass = encoder.beginComputePass({ label: spec.label });
        // The whole buffer is bound, tail included, so a missing bounds check would write the tail.
        kernel.dispatch(pass, kernel.bind({ params: buffers.buffers.params, [outputName]: buffers.buffers.output }), count);
        pass.end();
        device.queue.submit([encoder.finish()]);
        return readBufferOnce(device, buffers.buffers.output);
      });
      const all = new Uint32Array(bytes);
      const tailWritten = all.subarray(length).filter((w) => w !== poison).length;
      expect(tailWritten, `${describeParams(params)}: ${spec.label} wrote words past COUNT`).toBe(0);
      return all.slice(0, length);
    } finally {
      buffers.destroy();
    }
  }

  /** The reference's words for blocks [0, count), computed once per params object. */
  const referenceCache = new WeakMap<RngParams, Uint32Array>();
  function referenceWords(params: RngParams, count: number): Uint32Array {
    const cached = referenceCache.get(params);
    if (cached && cached.length >= 4 * count) return cached.subarray(0, 4 * count);
    const words = new Uint32Array(4 * count);
    for (let block = 0; block < count; block += 1) words.set(rngBlock(params, block), 4 * block);
    referenceCache.set(params, words);
    return words;
  }

  const mismatches = (actual: Uint32Array, expected: Uint32Array) => {
    let wrong = 0;
    for (let i = 0; i < expected.length; i += 1) if (actual[i] !== expected[i]) wrong += 1;
    return wrong;
  };

  it("random_bits gives Random123's known answer for counter 0, key 0", async () => {
    // The one published Philox4x32-10 vector reachable as (seed, stream, iteration, step, draw, row).
    const zero: RngParams = { seed: 0, stream: 0, iteration: 0, step: 0, draw: 0 };
    const words = await runBlocks(RNG_RANDOM_BITS, 1, zero);
    expect([...words].map((w) => w.toString(16).padStart(8, '0')).join(' ')).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
  });

  it('random_bits matches the reference bit for bit (10^5 words)', async () => {
    const params = freshParams();
    const words = await runBlocks(RNG_RANDOM_BITS, 25_000, params);
    expect(mismatches(words, referenceWords(params, 25_000)), `${describeParams(params)}: words unlike the reference`).toBe(0);
  });

  // One key for the uniform and normal distribution tests; the reference is computed once.
  const distributionParams = freshParams();
  const DISTRIBUTION_BLOCKS = 250_000; // 10^6 values

  it('uniform is bit-exact, strictly inside (0, 1), with mean and variance within 4 SE (10^6 draws)', async () => {
    const params = distributionParams;
    const words = await runBlocks(RNG_UNIFORM, DISTRIBUTION_BLOCKS, params);
    const values = new Float32Array(words.buffer);
    const reference = referenceWords(params, DISTRIBUTION_BLOCKS);
    let wrong = 0;
    let outside = 0;
    for (let i = 0; i < values.length; i += 1) {
      const u = values[i]!;
      if (u !== uniformFromBits(reference[i]!)) wrong += 1;
      if (!(u > 0 && u < 1)) outside += 1; // NaN (unwritten poison) counts as outside
    }
    const context = describeParams(params);
    expect(wrong, `${context}: uniforms unlike uniformFromBits(reference)`).toBe(0);
    expect(outside, `${context}: uniforms outside (0, 1) or unwritten`).toBe(0);

    const n = values.length;
    const { mean, variance } = meanAndVariance(values);
    // Var(U) = 1/12; Var((U - 1/2)^2) = 1/80 - 1/144 = 1/180.
    expect(Math.abs(mean - 0.5), `${context}: |mean - 1/2|`).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance - 1 / 12), `${context}: |variance - 1/12|`).toBeLessThan(4 * Math.sqrt(1 / 180 / n));
  });

  it('normal matches float64 Box–Muller within WGSL precision, with N(0, 1) moments within 4 SE (10^6 draws)', async () => {
    const params = distributionParams;
    const words = await runBlocks(RNG_NORMAL, DISTRIBUTION_BLOCKS, params);
    const values = new Float32Array(words.buffer);
    const reference = referenceWords(params, DISTRIBUTION_BLOCKS);
    // Error budget of r·cos θ in f32 (WGSL §"Floating Point Accuracy"): log is within 2^-21
    // absolutely on [0.5, 2] (3 ULP elsewhere), so r² = -2 ln u1 is off by at most 2^-20 and
    // r = sqrt(r²) by at most sqrt(2^-20) = 2^-10 (sqrt's own few ULP and the 3-ULP log are far
    // smaller); cos and sin are within 2^-11 absolutely on [-π, π], scaled by r; θ's own rounding
    // adds under 2^-20·r. Hence |gpu - float64| ≤ 2^-10 + r·(2^-11 + 2^-20), at most 0.004.
    let worst = 0;
    let outside = 0;
    for (let block = 0; block < DISTRIBUTION_BLOCKS; block += 1) {
      for (const pair of [0, 2]) {
        const i = 4 * block + pair;
        const u1 = uniformFromBits(reference[i]!);
        const expected = normalPair(u1, uniformFromBits(reference[i + 1]!));
        const r = Math.sqrt(-2 * Math.log(u1));
        const tolerance = 2 ** -10 + r * (2 ** -11 + 2 ** -20);
        for (const k of [0, 1]) {
          const error = Math.abs(values[i + k]! - expected[k]!); // NaN poison fails the comparison
          if (!(error <= tolerance)) outside += 1;
          else worst = Math.max(worst, error);
        }
      }
    }
    const context = `${describeParams(params)}; worst error within tolerance ${worst}`;
    expect(outside, `${context}: normals beyond tolerance or unwritten`).toBe(0);
    console.log(`[rng] normal: max |gpu - float64| = ${worst.toExponential(2)} over ${values.length} draws`);

    const n = values.length;
    const { mean, variance } = meanAndVariance(values);
    expect(Math.abs(mean), `${context}: |mean|`).toBeLessThan(4 * Math.sqrt(1 / n));
    expect(Math.abs(variance - 1), `${context}: |variance - 1|`).toBeLessThan(4 * Math.sqrt(2 / n));
  });

  it('gives different streams for different seeds or streams, and the same stream for the same key', async () => {
    const params = freshParams();
    const blocks = 25_000;
    const first = await runBlocks(RNG_RANDOM_BITS, blocks, params);
    const again = await runBlocks(RNG_RANDOM_BITS, blocks, params);
    const otherSeed = await runBlocks(RNG_RANDOM_BITS, blocks, { ...params, seed: (params.seed + 1) >>> 0 });
    const otherStream = await runBlocks(RNG_RANDOM_BITS, blocks, { ...params, stream: (params.stream ^ 1) >>> 0 });
    const context = describeParams(params);
    expect(mismatches(again, first), `${context}: words that changed between two runs`).toBe(0);
    // Independent streams agree on a word with probability 2^-32: about 2e-5 coincidences in 10^5.
    expect(4 * blocks - mismatches(otherSeed, first), `${context}: words shared with seed + 1`).toBeLessThanOrEqual(2);
    expect(4 * blocks - mismatches(otherStream, first), `${context}: words shared with stream ^ 1`).toBeLessThanOrEqual(2);
  });

  it('does not depend on dispatch shape (workgroups of 1, split over two dimensions; 64; 256)', async () => {
    const params = freshParams();
    // 70 001 workgroups of 1 exceed 65 535 per dimension, so that dispatch is split over x and y.
    const blocks = 70_001;
    const by64 = await runBlocks(RNG_RANDOM_BITS, blocks, params, 64);
    const by256 = await runBlocks(RNG_RANDOM_BITS, blocks, params, 256);
    const by1 = await runBlocks(RNG_RANDOM_BITS, blocks, params, 1);
    const context = describeParams(params);
    expect(mismatches(by64, referenceWords(params, blocks)), `${context}: workgroups of 64 unlike the reference`).toBe(0);
    expect(mismatches(by256, by64), `${context}: workgroups of 256 unlike 64`).toBe(0);
    expect(mismatches(by1, by64), `${context}: workgroups of 1 unlike 64`).toBe(0);
  });

  describe('categorical sampling', () => {
    const ROWS = 7;
    const CATEGORIES = 5;
    // One dispatch per rollout step, as the engine samples actions: row r's k-th sample uses step
    // base + k. The smallest nonzero probability below is 0.0117: about 230 expected draws.
    const DISPATCHES = 20_000;
    // Masked actions get a large negative finite logit (WGSL does not promise -inf arithmetic).
    const MASKED = -1e30;
    const ROW_LOGITS: readonly (readonly number[])[] = [
      [0, 0, 0, 0, 0], // row 0 first: TF.js's sampler was biased for batch row 0 (seen in TF.js 4.22's WebGPU backend)
      [1, 2, 3, 4, 5],
      [MASKED, 0.5, -0.5, 1.5, 0],
      [2, -1, 0, -3e38, 1], // masked near f32's lowest value
      [100, 100.5, 99, 101, 100], // exp(101) overflows f32: the max must be subtracted first
      [-3, 0, -2, -1, -4],
      [0, MASKED, MASKED, MASKED, 0.25],
    ];
    // Per-row false-alarm probability of the chi-square test: with 7 rows, about 7e-6 a run.
    const P_VALUE = 1e-6;
    // A float32 sampler may choose differently from the float64 one only when u is this close to a
    // CDF boundary: WGSL's exp is within 3 + 2|x| ULP (x ≥ -4 for every unmasked logit here: 11
    // ULP, 1.3e-6 relative), and the sums and u·Σ add a few 2^-24: under 3e-6 of the total in
    // all; 1e-5 leaves margin.
    const BOUNDARY_EPSILON = 1e-5;

    it(`matches softmax per row by chi-square (p = ${P_VALUE}) and the reference sampler draw for draw`, async () => {
      const { device } = gpu();
      const kernel = await createKernel(device, categoricalSpec(ROWS, CATEGORIES));
      const base = freshParams();
      const paramsStride = device.limits.minUniformBufferOffsetAlignment;
      const actionsStride = device.limits.minStorageBufferOffsetAlignment;
      const logits = Float32Array.from(ROW_LOGITS.flat());
      // The reference samples from the same f32 logits the kernel reads.
      const rowLogits = ROW_LOGITS.map((_, row) => Array.from(logits.subarray(row * CATEGORIES, (row + 1) * CATEGORIES)));
      const stepParams = (k: number): RngParams => ({ ...base, step: (base.step + k) >>> 0 });

      // createBuffer holds a whole uniform buffer to maxUniformBufferBindingSize (64 KiB), so the
      // per-dispatch params go through one buffer of slots rewritten between submits.
      const slots = Math.min(DISPATCHES, Math.floor(device.limits.maxUniformBufferBindingSize / paramsStride));
      const buffers = new BufferSet(device, 'test.rng.categorical', {
        params: { size: slots * paramsStride, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
        logits: { size: logits.byteLength },
        actions: { size: DISPATCHES * actionsStride },
      });
      let words: Uint32Array;
      try {
        const bytes = await gpuStep(gpu(), 'categorical', async () => {
          device.queue.writeBuffer(buffers.buffers.logits, 0, logits);
          device.queue.writeBuffer(buffers.buffers.actions, 0, new Uint32Array((DISPATCHES * actionsStride) / 4).fill(POISON_U32));
          for (let first = 0; first < DISPATCHES; first += slots) {
            const paramsWords = new Uint32Array((slots * paramsStride) / 4);
            const last = Math.min(first + slots, DISPATCHES);
            for (let k = first; k < last; k += 1) {
              paramsWords.set(encodeRngParams(stepParams(k)), ((k - first) * paramsStride) / 4);
            }
            // Queue writes are ordered with submits: this chunk's dispatches read this chunk's params.
            device.queue.writeBuffer(buffers.buffers.params, 0, paramsWords);
            const encoder = device.createCommandEncoder({ label: 'test.rng.categorical' });
            const pass = encoder.beginComputePass();
            for (let k = first; k < last; k += 1) {
              const bindGroup = kernel.bind({
                params: { buffer: buffers.buffers.params, offset: (k - first) * paramsStride, size: RNG_PARAMS_BYTES },
                logits: buffers.buffers.logits,
                actions: { buffer: buffers.buffers.actions, offset: k * actionsStride, size: 4 * ROWS },
              });
              kernel.dispatch(pass, bindGroup, ROWS);
            }
            pass.end();
            device.queue.submit([encoder.finish()]);
          }
          return readBufferOnce(device, buffers.buffers.actions);
        });
        words = new Uint32Array(bytes);
      } finally {
        buffers.destroy();
      }

      const counts = ROW_LOGITS.map(() => new Array<number>(CATEGORIES).fill(0));
      let invalid = 0;
      let overwritten = 0;
      let mismatches = 0;
      let unexplained = 0;
      for (let k = 0; k < DISPATCHES; k += 1) {
        const slot = words.subarray((k * actionsStride) / 4, ((k + 1) * actionsStride) / 4);
        for (let i = ROWS; i < slot.length; i += 1) if (slot[i] !== POISON_U32) overwritten += 1;
        for (let row = 0; row < ROWS; row += 1) {
          const action = slot[row]!;
          if (!(action < CATEGORIES)) {
            invalid += 1; // includes unwritten poison
            continue;
          }
          counts[row]![action]! += 1;
          const u = uniformFromBits(rngBlock(stepParams(k), row)[0]);
          if (action !== sampleCategorical(rowLogits[row]!, u)) {
            mismatches += 1;
            if (cdfBoundaryDistance(rowLogits[row]!, u) >= BOUNDARY_EPSILON) unexplained += 1;
          }
        }
      }
      const context = describeParams(base);
      expect(invalid, `${context}: actions unwritten or ≥ ${CATEGORIES}`).toBe(0);
      expect(overwritten, `${context}: words written past ROWS`).toBe(0);
      // Every disagreement must sit on a boundary. How many: u lands within the f32 error (3e-6)
      // of one of ≤ 4 boundaries in about 7·20 000·4·2·3e-6 ≈ 3.4 draws; 20 is far past that.
      expect(unexplained, `${context}: choices unlike the float64 sampler away from a CDF boundary`).toBe(0);
      expect(mismatches, `${context}: choices unlike the float64 sampler`).toBeLessThanOrEqual(20);
      console.log(`[rng] categorical: ${mismatches} of ${ROWS * DISPATCHES} draws differ from the float64 sampler`);

      rowLogits.forEach((row, r) => {
        const probabilities = softmax(row);
        const expected = probabilities.map((p) => p * DISPATCHES);
        const observed = counts[r]!;
        const possible = probabilities.filter((p) => p > 0).length;
        const statistic = chiSquareStatistic(observed, expected);
        const critical = chiSquareCritical(P_VALUE, possible - 1);
        const rowContext = `${context}; row ${r} counts ${observed.join(' ')} vs expected ${expected.map((e) => e.toFixed(1)).join(' ')}`;
        probabilities.forEach((p, action) => {
          if (p === 0) expect(observed[action], `${rowContext}: masked action ${action} chosen`).toBe(0);
        });
        expect(statistic, `${rowContext}: χ² ${statistic.toFixed(2)} ≥ ${critical.toFixed(2)}`).toBeLessThan(critical);
      });
    });
  });

  it('checks RngParams fields are u32 integers, naming the field', () => {
    const params = freshParams();
    expect(() => encodeRngParams({ ...params, seed: 1.5 })).toThrow(/RngParams\.seed .*got 1\.5/);
    expect(() => encodeRngParams({ ...params, step: -1 })).toThrow(/RngParams\.step/);
    expect(() => encodeRngParams({ ...params, draw: 2 ** 32 })).toThrow(/RngParams\.draw/);
    expect(() => categoricalSpec(7, 1025)).toThrow(/categories must be an integer in \[1, 1024\] \(got 1025\)/);
    expect([...encodeRngParams({ seed: 1, stream: 2, iteration: 3, step: 4, draw: 5 })]).toEqual([1, 2, 3, 4, 5, 0, 0, 0]);
  });
});
