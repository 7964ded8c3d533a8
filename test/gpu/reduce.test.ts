/**
 * Segmented moments (src/gpu/reduce.ts) against float64 sums of the same f32 values.
 *
 * Error normalisation: count and nonfinite exact; Σx as |gpu − ref| / Σ|x| (the condition of the
 * sum: a relative error against |Σx| is meaningless when Σx cancels); Σx², min, max and M2 as
 * |gpu − ref| / |ref|; mean as |gpu − ref| / (|mean| + std) (so a mean near zero is measured
 * against the spread). Outputs are poisoned with NaN bits first; every record must be written.
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, readBufferOnce } from '../../src/gpu/index';
import { createSegmentedMoments, decodeMoments, resolveSegmentLayout, SEGMENT_STATS_BYTES, type SegmentLayout } from '../../src/gpu/reduce';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

const TOLERANCE = 1e-5;
const NAN_BITS = 0x7fc00000;
const seed = freshSeed();
const random = seededRandom(seed);
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

interface Reference {
  count: number;
  nonfinite: number;
  sum: number;
  sumAbs: number;
  sumSquares: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
}

function referenceMoments(values: readonly number[]): Reference {
  const finite = values.filter(Number.isFinite);
  const n = finite.length;
  let sum = 0;
  let sumAbs = 0;
  let sumSquares = 0;
  for (const x of finite) {
    sum += x;
    sumAbs += Math.abs(x);
    sumSquares += x * x;
  }
  const mean = n > 0 ? sum / n : 0;
  let m2 = 0;
  for (const x of finite) m2 += (x - mean) ** 2;
  return {
    count: n,
    nonfinite: values.length - n,
    sum,
    sumAbs,
    sumSquares,
    mean,
    m2,
    min: n > 0 ? finite.reduce((a, b) => Math.min(a, b), Infinity) : 0,
    max: n > 0 ? finite.reduce((a, b) => Math.max(a, b), -Infinity) : 0,
  };
}

/** Element positions of segment s, as the layout defines them. */
function positions(segments: number, layout: SegmentLayout): number[][] {
  const r = resolveSegmentLayout(segments, layout);
  return Array.from({ length: segments }, (_, s) =>
    Array.from({ length: r.segmentLength }, (_, j) => r.offset + s * r.segmentStride + Math.floor(j / r.width) * r.rowStride + (j % r.width)),
  );
}

describe(`segmented moments on the GPU (seed ${seed})`, () => {
  const gpu = useGpu();

  async function run(
    name: string,
    data: Float32Array<ArrayBuffer>,
    segments: number,
    layout: SegmentLayout,
    indices?: Uint32Array,
  ): Promise<{ worst: Record<string, number> }> {
    const { device } = gpu();
    const outputOffset = 1;
    const reduction = await createSegmentedMoments(device, { segments, layout, gather: indices !== undefined, outputOffset, label: `test.${name}` });
    const set = new BufferSet(device, `test.${name}`, {
      values: { size: data.byteLength },
      indices: { size: indices ? indices.byteLength : 4 },
      output: { size: SEGMENT_STATS_BYTES * (segments + 2) },
    });
    try {
      device.queue.writeBuffer(set.buffers.values, 0, data as Float32Array<ArrayBuffer>);
      if (indices) device.queue.writeBuffer(set.buffers.indices, 0, indices as Uint32Array<ArrayBuffer>);
      device.queue.writeBuffer(set.buffers.output, 0, new Uint32Array((SEGMENT_STATS_BYTES / 4) * (segments + 2)).fill(NAN_BITS));
      await gpuStep(gpu(), name, async () => {
        const encoder = device.createCommandEncoder();
        reduction.encode(encoder, { values: set.buffers.values, output: set.buffers.output, ...(indices ? { indices: set.buffers.indices } : {}) });
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
      });
      const bytes = await readBufferOnce(device, set.buffers.output);
      const words = new Uint32Array(bytes);
      // Records outside [outputOffset, outputOffset + segments) are untouched.
      expect(words[0]).toBe(NAN_BITS);
      expect(words[(SEGMENT_STATS_BYTES / 4) * (segments + 1)]).toBe(NAN_BITS);
      const got = decodeMoments(bytes, segments, outputOffset);
      const worst: Record<string, number> = { sum: 0, sumSquares: 0, mean: 0, m2: 0, minmax: 0 };
      positions(segments, layout).forEach((where, s) => {
        const values = where.map((p) => (indices ? (indices[p]! < data.length ? data[indices[p]!]! : NaN) : data[p]!));
        const ref = referenceMoments(values);
        const g = got[s]!;
        expect(g.count, `segment ${s} count`).toBe(ref.count);
        expect(g.nonfinite, `segment ${s} nonfinite`).toBe(ref.nonfinite);
        const std = ref.count > 0 ? Math.sqrt(ref.m2 / ref.count) : 0;
        const errors = {
          sum: Math.abs(g.sum - ref.sum) / Math.max(ref.sumAbs, 1e-30),
          sumSquares: Math.abs(g.sumSquares - ref.sumSquares) / Math.max(ref.sumSquares, 1e-30),
          mean: Math.abs(g.mean - ref.mean) / Math.max(Math.abs(ref.mean) + std, 1e-30),
          m2: ref.m2 === 0 ? Math.abs(g.m2) : Math.abs(g.m2 - ref.m2) / ref.m2,
          minmax: Math.max(Math.abs(g.min - ref.min), Math.abs(g.max - ref.max)) / Math.max(Math.abs(ref.min), Math.abs(ref.max), 1e-30),
        };
        for (const [k, e] of Object.entries(errors)) {
          expect(Number.isNaN(e), `segment ${s} ${k} is NaN`).toBe(false);
          worst[k] = Math.max(worst[k]!, e);
        }
      });
      console.log(`[reduce] ${name}: worst relative errors ${JSON.stringify(Object.fromEntries(Object.entries(worst).map(([k, v]) => [k, Number(v.toExponential(2))])))}`);
      for (const [k, e] of Object.entries(worst)) expect(e, `${name}: ${k}`).toBeLessThan(TOLERANCE);
      return { worst };
    } finally {
      set.destroy();
      reduction.destroy();
    }
  }

  it('10^6 values with a large mean (10³ ± 1): Σx, Σx², mean and M2 to < 1e-5', async () => {
    const n = 1_000_000;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i += 1) data[i] = 1000 + normal();
    // A naive f32 Σx² − (Σx)²/n would lose ~6 digits here; Chan's update must not.
    await run('large-mean-1e6', data, 1, { kind: 'contiguous', length: n });
  });

  it('10^6 values spread over signs, several contiguous segments of odd length, offset', async () => {
    const n = 1_000_003;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i += 1) data[i] = 5 * normal() + (random() < 0.001 ? 300 : 0);
    await run('contiguous-odd', data, 7, { kind: 'contiguous', length: 142_857, offset: 4 });
  });

  it('per-agent segments of a [T][N] buffer (T = 123, N = 21, G = 3; T = 1 000, N = 1; T = 5, N = 4 099)', async () => {
    for (const [T, N, G] of [[123, 21, 3], [1000, 1, 1], [5, 4099, 1], [5, 4098, 6]] as const) {
      const data = new Float32Array(T * N);
      for (let i = 0; i < data.length; i += 1) data[i] = (i % N) * 10 + normal();
      await run(`agents-${T}x${N}-G${G}`, data, G, { kind: 'agents', steps: T, envs: N });
    }
  });

  it('skips NaN and ±Inf, counting them; a segment with no finite value reads count 0', async () => {
    const T = 37;
    const N = 8;
    const data = new Float32Array(T * N);
    for (let i = 0; i < data.length; i += 1) data[i] = random() < 0.3 ? [NaN, Infinity, -Infinity][i % 3]! : normal();
    // Agent 3 (envs 6, 7) has only NaN.
    for (let t = 0; t < T; t += 1) data[t * N + 6] = data[t * N + 7] = NaN;
    await run('nonfinite', data, 4, { kind: 'agents', steps: T, envs: N });
  });

  it('through an index list: per-minibatch segments of a permutation, with a large mean', async () => {
    const n = 4 * 3 * 331;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i += 1) data[i] = 100 + 0.01 * normal();
    const permutation = Uint32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [permutation[i], permutation[j]] = [permutation[j]!, permutation[i]!];
    }
    await run('gather', data, 12, { kind: 'contiguous', length: 331 }, permutation);
  });

  it('rejects bad layouts with a clear error', () => {
    expect(() => resolveSegmentLayout(4, { kind: 'agents', steps: 5, envs: 6 })).toThrow(/envs must be a multiple of segments \(agents\) = 4 \(got 6\)/);
    expect(() => resolveSegmentLayout(0, { kind: 'contiguous', length: 5 })).toThrow(/segments must be a positive integer \(got 0\)/);
    expect(() => resolveSegmentLayout(1, { kind: 'contiguous', length: 2.5 })).toThrow(/length must be a positive integer/);
  });
});
