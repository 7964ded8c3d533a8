/**
 * The workgroup reductions of shaders/common/reduce.wgsl against float64 references, on fresh random
 * values, at odd element counts and workgroup sizes that are powers of two or not (the tree folds
 * the lanes past a power of two in first). A probe kernel, written here and including the module,
 * gives each workgroup the next WORKGROUP_SIZE values (one per invocation; the last workgroup's lanes
 * past the end contribute nothing) and runs every tree in turn on the same arrays, so a tree that
 * let a lane overwrite the total before another had read it would show. Two lanes, the first and
 * the last, write what they got: every lane must get the total.
 *
 * Errors: a sum against the sum of magnitudes of its terms (its condition), tolerance 1e-6 (the tree
 * adds ⌈log2 W⌉ ≤ 8 roundings of 2^-24 to each term); counts and max exact.
 * A dispatch of more than 65 535 workgroups is split over x and y (src/gpu/dispatch.ts): the probe's
 * sum-only entry point indexes workgroups by workgroup_index (shaders/common/dispatch.wgsl), and
 * every one of them must be written with its own sum.
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, createBufferWithData, createKernel, dispatchGroups, readBufferOnce, type KernelSpec } from '../../src/gpu/index';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import reduceWgsl from '../../shaders/common/reduce.wgsl';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

const PROBE_WGSL = `
override WORKGROUP_SIZE: u32;
override COUNT: u32;
const RECORD: u32 = 10u;

@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read_write> results: array<u32>;

fn value_of(i: u32) -> f32 {
  var x = 0.0;
  if (i < COUNT) {
    x = values[i];
  }
  return x;
}

// Per workgroup, two records (lane 0's, the last lane's) of RECORD words:
// sum; sum2 (x, x²); sum4 (x, |x|, present, x³); positives (u32); max (lanes past the end: -3.4e38).
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let group = workgroup_index(workgroup_id, workgroups);
  if (group * WORKGROUP_SIZE >= COUNT) {
    return;
  }
  let i = group * WORKGROUP_SIZE + lane;
  let present = i < COUNT;
  let x = value_of(i);
  let sum = workgroup_sum(x, lane);
  let max_x = workgroup_max(select(-3.4e38, x, present), lane);
  let sum2 = workgroup_sum2(vec2f(x, x * x), lane);
  let sum4 = workgroup_sum4(vec4f(x, abs(x), select(0.0, 1.0, present), x * x * x), lane);
  let positives = workgroup_sum_u32(select(0u, 1u, present && x > 0.0), lane);
  // Lane 0 writes the first record, the last lane the second (one lane writes both at size 1).
  for (var record = 0u; record < 2u; record += 1u) {
    if (lane == select(0u, WORKGROUP_SIZE - 1u, record == 1u)) {
      let base = (group * 2u + record) * RECORD;
      results[base] = bitcast<u32>(sum);
      results[base + 1u] = bitcast<u32>(sum2.x);
      results[base + 2u] = bitcast<u32>(sum2.y);
      results[base + 3u] = bitcast<u32>(sum4.x);
      results[base + 4u] = bitcast<u32>(sum4.y);
      results[base + 5u] = bitcast<u32>(sum4.z);
      results[base + 6u] = bitcast<u32>(sum4.w);
      results[base + 7u] = positives;
      results[base + 8u] = bitcast<u32>(max_x);
      results[base + 9u] = 1u;
    }
  }
}

// One f32 per workgroup: the sum of its values.
@compute @workgroup_size(WORKGROUP_SIZE)
fn sum_only(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let group = workgroup_index(workgroup_id, workgroups);
  if (group * WORKGROUP_SIZE >= COUNT) {
    return;
  }
  let sum = workgroup_sum(value_of(group * WORKGROUP_SIZE + lane), lane);
  if (lane == 0u) {
    results[group] = bitcast<u32>(sum);
  }
}
`;

const RECORD = 10;
const TOLERANCE = 1e-6;
const NAN_BITS = 0x7fc00000;
const seed = freshSeed();
const random = seededRandom(seed);
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

const probeSpec = (workgroupSize: number, count: number, entryPoint = 'main'): KernelSpec => ({
  label: `test.workgroup_reduce.${entryPoint}`,
  parts: [dispatchWgsl, reduceWgsl, { name: 'test/workgroup_reduce_probe.wgsl', code: PROBE_WGSL }],
  workgroupSize,
  constants: { COUNT: count },
  entryPoint,
});

/** A nonzero mean and a spread, so that sums cancel partly and max is not always positive. */
function freshValues(count: number): Float32Array<ArrayBuffer> {
  const offset = normal() * 2;
  return Float32Array.from({ length: count }, () => offset + normal() * 3);
}

/** float64 sums of f(x) and of |f(x)| over values[start, end). */
function reference(values: Float32Array, start: number, end: number, f: (x: number) => number): { sum: number; magnitude: number } {
  let sum = 0;
  let magnitude = 0;
  for (let i = start; i < end; i += 1) {
    const y = f(values[i]!);
    sum += y;
    magnitude += Math.abs(y);
  }
  return { sum, magnitude };
}

describe(`workgroup reductions, shaders/common/reduce.wgsl (seed ${seed})`, () => {
  const gpu = useGpu();

  /** Runs `spec` over `values`; returns the results buffer (u32 words), poisoned with NaN bits first. */
  async function runProbe(spec: KernelSpec, values: Float32Array<ArrayBuffer>, resultWords: number, groups: number): Promise<Uint32Array> {
    const { device } = gpu();
    const kernel = await createKernel(device, spec);
    const buffers = new BufferSet(device, spec.label, { results: { size: 4 * resultWords } });
    const input = createBufferWithData(device, `${spec.label}.values`, values);
    try {
      return await gpuStep(gpu(), spec.label, async () => {
        device.queue.writeBuffer(buffers.buffers.results, 0, new Uint32Array(resultWords).fill(NAN_BITS));
        const encoder = device.createCommandEncoder({ label: spec.label });
        const pass = encoder.beginComputePass();
        kernel.dispatch(pass, kernel.bind({ values: input, results: buffers.buffers.results }), groups * spec.workgroupSize);
        pass.end();
        device.queue.submit([encoder.finish()]);
        return new Uint32Array(await readBufferOnce(device, buffers.buffers.results));
      });
    } finally {
      buffers.destroy();
      input.destroy();
    }
  }

  const cases = [1, 7, 123, 4097].flatMap((count) => [1, 64, 96, 100, 256].map((workgroupSize) => ({ count, workgroupSize })));

  it.each(cases)('$count values, workgroups of $workgroupSize', async ({ count, workgroupSize }) => {
    const values = freshValues(count);
    const groups = Math.ceil(count / workgroupSize);
    const words = await runProbe(probeSpec(workgroupSize, count), values, groups * 2 * RECORD + 1, groups);
    const floats = new Float32Array(words.buffer);
    let worst = 0;
    for (let g = 0; g < groups; g += 1) {
      const [start, end] = [g * workgroupSize, Math.min(count, (g + 1) * workgroupSize)];
      const x = reference(values, start, end, (v) => v);
      const squares = reference(values, start, end, (v) => v * v);
      const cubes = reference(values, start, end, (v) => v * v * v);
      const positives = values.subarray(start, end).filter((v) => v > 0).length;
      const max = values.subarray(start, end).reduce((a, b) => Math.max(a, b), -Infinity);
      for (const lane of [0, 1]) {
        const at = (word: number) => (g * 2 + lane) * RECORD + word;
        const where = `workgroup ${g}, ${lane === 0 ? 'lane 0' : 'last lane'}`;
        expect(words[at(9)], `${where}: written`).toBe(1);
        const sums: [string, number, { sum: number; magnitude: number }][] = [
          ['sum', floats[at(0)]!, x],
          ['sum2.x', floats[at(1)]!, x],
          ['sum2.y (x²)', floats[at(2)]!, squares],
          ['sum4.x', floats[at(3)]!, x],
          ['sum4.y (|x|)', floats[at(4)]!, { sum: x.magnitude, magnitude: x.magnitude }],
          ['sum4.w (x³)', floats[at(6)]!, cubes],
        ];
        for (const [name, got, want] of sums) {
          const error = Math.abs(got - want.sum) / Math.max(want.magnitude, Number.MIN_VALUE);
          worst = Math.max(worst, error);
          expect(error, `${where}: ${name} = ${got}, float64 ${want.sum}`).toBeLessThanOrEqual(TOLERANCE);
        }
        // The channels are the same additions as workgroup_sum, component by component.
        expect(words[at(1)], `${where}: sum2.x has sum's bits`).toBe(words[at(0)]);
        expect(words[at(3)], `${where}: sum4.x has sum's bits`).toBe(words[at(0)]);
        expect(floats[at(5)], `${where}: present lanes`).toBe(end - start);
        expect(words[at(7)], `${where}: positive values`).toBe(positives);
        expect(floats[at(8)], `${where}: max`).toBe(max);
      }
    }
    expect(words[groups * 2 * RECORD], 'nothing written past the last workgroup').toBe(NAN_BITS);
    console.log(`[workgroup reduce] ${count} values, workgroups of ${workgroupSize}: worst sum error ${worst.toExponential(2)} of Σ|terms|`);
  });

  it('a dispatch of more than 65 535 workgroups, split over x and y: every workgroup its own sum', async () => {
    const workgroupSize = 7;
    const maxPerDimension = gpu().device.limits.maxComputeWorkgroupsPerDimension;
    const count = (maxPerDimension + 2) * workgroupSize - 3;
    const groups = Math.ceil(count / workgroupSize);
    expect(dispatchGroups(count, workgroupSize, maxPerDimension)[1], 'the dispatch has a second row').toBeGreaterThan(1);
    const values = freshValues(count);
    const words = await runProbe(probeSpec(workgroupSize, count, 'sum_only'), values, groups + 1, groups);
    const sums = new Float32Array(words.buffer);
    // The worst workgroup (an unwritten one reads NaN and counts as infinitely wrong).
    let worst = { error: 0, group: -1, got: 0, want: 0 };
    for (let g = 0; g < groups; g += 1) {
      const want = reference(values, g * workgroupSize, Math.min(count, (g + 1) * workgroupSize), (v) => v);
      const error = Math.abs(sums[g]! - want.sum) / Math.max(want.magnitude, Number.MIN_VALUE);
      const measured = Number.isNaN(error) ? Infinity : error;
      if (measured > worst.error) worst = { error: measured, group: g, got: sums[g]!, want: want.sum };
    }
    expect(worst.error, `workgroup ${worst.group} of ${groups}: sum ${worst.got}, float64 ${worst.want}`).toBeLessThanOrEqual(TOLERANCE);
    expect(words[groups], 'nothing written past the last workgroup').toBe(NAN_BITS);
    console.log(`[workgroup reduce] ${groups} workgroups of ${workgroupSize} (split over y): worst sum error ${worst.error.toExponential(2)}`);
  });
});
