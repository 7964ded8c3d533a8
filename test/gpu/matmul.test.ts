/**
 * The runtime's matmul and vec4-copy kernels on a real device.
 *
 * Matmul is compared with the float64 reference (test/reference/matmul.ts) at odd sizes that cut
 * through the 64×64 tiles and 16-deep K steps, on fresh random inputs in [-1, 1). The relative
 * error of C[i][j] is |gpu − reference| / Σ_k |A[i][k]|·|B[k][j]|: normalised by the scale of a
 * float32 dot product's rounding error (≤ K·2⁻²⁴ of it, 4.6e-6 at K = 77), not by |C[i][j]|, which
 * cancellation can make arbitrarily small. It must stay below 1e-5. Inputs come from a fresh seed
 * each run, printed with any failure (test/support/random.ts).
 *
 * Every output buffer is poisoned with NaN before the run and has a poisoned tail past the end that
 * must survive (bounds checks on the stores), and the inputs carry NaN tails, bound with them, that
 * would reach C if the kernel read past the end of a row of A or B.
 */
import { describe, expect, it } from 'vitest';
import {
  BufferSet,
  COPY_VEC4,
  createKernel,
  dispatchGroups,
  matmulInvocations,
  matmulSpec,
  readBufferOnce,
  type MatmulShape,
} from '../../src/gpu/index';
import { matmulErrorScale, matmulReference } from '../reference/matmul';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

/** NaN elements after each buffer's live range. */
const TAIL = 64;
const TOLERANCE = 1e-5;

/** Float32 values uniform in [-1, 1) from `random`, followed by a tail of `tailValue`. */
function randomWithTail(random: () => number, length: number, tailValue = Number.NaN): Float32Array<ArrayBuffer> {
  const values = new Float32Array(length + TAIL).fill(tailValue);
  for (let i = 0; i < length; i += 1) values[i] = random() * 2 - 1;
  return values;
}

describe('matmul reference', () => {
  it('matches a hand-computed 2×3·3×2 product', () => {
    // [1 2 3; 4 5 6]·[7 8; 9 10; 11 12] = [1·7+2·9+3·11, 1·8+2·10+3·12; 4·7+5·9+6·11, 4·8+5·10+6·12]
    const a = [1, 2, 3, 4, 5, 6];
    const b = [7, 8, 9, 10, 11, 12];
    expect(Array.from(matmulReference(a, b, { m: 2, k: 3, n: 2 }))).toEqual([58, 64, 139, 154]);
  });

  it('scales errors by Σ|a|·|b|, which cancellation does not shrink', () => {
    // [1 -1]·[1; 1] = 0, while the products it sums have magnitude 1 + 1.
    expect(Array.from(matmulReference([1, -1], [1, 1], { m: 1, k: 2, n: 1 }))).toEqual([0]);
    expect(Array.from(matmulErrorScale([1, -1], [1, 1], { m: 1, k: 2, n: 1 }))).toEqual([2]);
  });

  it('rejects inputs that do not match the shape', () => {
    expect(() => matmulReference([1, 2], [1], { m: 1, k: 2, n: 1 })).toThrow(/k·n = 2/);
  });
});

describe('matmul kernel', () => {
  const gpu = useGpu();

  /**
   * Runs C = A·B on the device; returns C followed by its tail. `grid` dispatches that many
   * workgroups over x and y instead of the spec's one row, as a split dispatch would.
   */
  async function runMatmul(
    shape: MatmulShape,
    a: Float32Array<ArrayBuffer>,
    b: Float32Array<ArrayBuffer>,
    grid?: [number, number],
  ) {
    const { device } = gpu();
    const spec = matmulSpec(shape);
    const kernel = await createKernel(device, spec);
    const buffers = new BufferSet(device, 'test.matmul', {
      a: { size: a.byteLength },
      b: { size: b.byteLength },
      c: { size: (shape.m * shape.n + TAIL) * 4 },
    });
    try {
      return await gpuStep(gpu(), `matmul ${JSON.stringify(shape)}`, async () => {
        device.queue.writeBuffer(buffers.buffers.a, 0, a);
        device.queue.writeBuffer(buffers.buffers.b, 0, b);
        device.queue.writeBuffer(buffers.buffers.c, 0, new Float32Array(shape.m * shape.n + TAIL).fill(Number.NaN));
        const encoder = device.createCommandEncoder({ label: 'test.matmul' });
        const pass = encoder.beginComputePass({ label: 'test.matmul' });
        // Whole buffers, tails included: a read or write past the end lands on NaN, not on nothing.
        const bindGroup = kernel.bind(buffers.buffers);
        if (grid) {
          pass.setPipeline(kernel.pipeline);
          pass.setBindGroup(0, bindGroup);
          pass.dispatchWorkgroups(...grid);
        } else {
          kernel.dispatch(pass, bindGroup, matmulInvocations(shape));
        }
        pass.end();
        device.queue.submit([encoder.finish()]);
        return new Float32Array(await readBufferOnce(device, buffers.buffers.c));
      });
    } finally {
      buffers.destroy();
    }
  }

  // A real split needs more than 65 535 tiles (a 1 GiB C), so `grid` lays small dispatches over
  // two dimensions, with workgroups past the last tile, to check how the kernel flattens them.
  it.each([
    // Partial tile in every direction, K shorter than one step.
    { m: 123, k: 7, n: 33 },
    // One row into a second tile, K exactly four steps, N one vec4 and one column; two tiles as a
    // 1×3 grid, one workgroup past the last tile.
    { m: 65, k: 64, n: 5, grid: [1, 3] as [number, number] },
    { m: 1, k: 1, n: 1 },
    // Three tiles down, three across (the last a few columns wide), K = 4 steps and 13 more; nine
    // tiles as a 4×3 grid.
    { m: 130, k: 77, n: 131, grid: [4, 3] as [number, number] },
    // Exactly one tile and one step: no bounds check trips.
    { m: 64, k: 16, n: 64 },
  ])('C = A·B at M=$m, K=$k, N=$n', async ({ grid, ...shape }) => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const a = randomWithTail(random, shape.m * shape.k);
    const b = randomWithTail(random, shape.k * shape.n);
    const c = await runMatmul(shape, a, b, grid);

    const liveA = a.subarray(0, shape.m * shape.k);
    const liveB = b.subarray(0, shape.k * shape.n);
    const expected = matmulReference(liveA, liveB, shape);
    const scale = matmulErrorScale(liveA, liveB, shape);
    let unwritten = 0;
    let worst = { error: 0, index: -1 };
    for (let i = 0; i < expected.length; i += 1) {
      const got = c[i]!;
      if (Number.isNaN(got)) {
        unwritten += 1;
        continue;
      }
      const error = scale[i]! > 0 ? Math.abs(got - expected[i]!) / scale[i]! : got === 0 ? 0 : Infinity;
      if (error > worst.error) worst = { error, index: i };
    }
    const where = `seed ${seed}: worst at row ${Math.floor(worst.index / shape.n)}, column ${worst.index % shape.n}`;
    expect(unwritten, `seed ${seed}: elements of C still NaN`).toBe(0);
    expect(worst.error, where).toBeLessThan(TOLERANCE);
    expect(Array.from(c.subarray(expected.length)).every(Number.isNaN), `seed ${seed}: tail past C written`).toBe(true);
  });

  it('rejects shapes that are not positive integers, naming the dimension', () => {
    expect(() => matmulSpec({ m: 0, k: 7, n: 33 })).toThrow(/m must be a positive integer \(got 0\)/);
    expect(() => matmulInvocations({ m: 4, k: 2.5, n: 3 })).toThrow(/k must be a positive integer/);
  });
});

describe('copy_vec4 kernel', () => {
  const gpu = useGpu();

  it.each([
    { vec4s: 1, workgroupSize: COPY_VEC4.workgroupSize },
    { vec4s: 12_345, workgroupSize: COPY_VEC4.workgroupSize },
    // 100 003 workgroups of 1: split over two dimensions, 31 067 invocations past the end.
    { vec4s: 100_003, workgroupSize: 1 },
  ])('copies $vec4s vec4s bit for bit with workgroups of $workgroupSize', async ({ vec4s, workgroupSize }) => {
    const { device } = gpu();
    const maxPerDimension = device.limits.maxComputeWorkgroupsPerDimension;
    if (Math.ceil(vec4s / workgroupSize) > maxPerDimension) {
      expect(dispatchGroups(vec4s, workgroupSize, maxPerDimension)[1]).toBeGreaterThan(1);
    }
    const kernel = await createKernel(device, { ...COPY_VEC4, workgroupSize, constants: { N: vec4s } });
    const floats = 4 * vec4s;
    // Not NaN: a copy of the source's tail must not look like the untouched poison.
    const seed = freshSeed();
    const source = randomWithTail(seededRandom(seed), floats, Number.POSITIVE_INFINITY);
    const buffers = new BufferSet(device, 'test.copy-vec4', {
      src: { size: source.byteLength },
      dst: { size: (floats + TAIL) * 4 },
    });
    try {
      const copied = await gpuStep(gpu(), 'copy_vec4', async () => {
        device.queue.writeBuffer(buffers.buffers.src, 0, source);
        device.queue.writeBuffer(buffers.buffers.dst, 0, new Float32Array(floats + TAIL).fill(Number.NaN));
        const encoder = device.createCommandEncoder({ label: 'test.copy-vec4' });
        const pass = encoder.beginComputePass({ label: 'test.copy-vec4' });
        kernel.dispatch(pass, kernel.bind(buffers.buffers), vec4s);
        pass.end();
        device.queue.submit([encoder.finish()]);
        return new Uint32Array(await readBufferOnce(device, buffers.buffers.dst));
      });
      const sourceBits = new Uint32Array(source.buffer, 0, floats);
      const poisonBits = new Uint32Array(new Float32Array([Number.NaN]).buffer)[0]!;
      let wrong = 0;
      for (let i = 0; i < floats; i += 1) if (copied[i] !== sourceBits[i]) wrong += 1;
      expect(wrong, `seed ${seed}: elements not copied bit for bit`).toBe(0);
      expect(Array.from(copied.subarray(floats)).every((bits) => bits === poisonBits), 'tail past dst written').toBe(true);
    } finally {
      buffers.destroy();
    }
  });
});
