/**
 * The fused small-MLP forward (src/nn/mlp-fused.ts) on a real device against the float64 reference
 * (test/reference/mlp.ts mlpForward) and against the layer-wise forward (src/nn/mlp.ts), on fresh
 * random parameters (different per agent) and inputs at odd sizes: batch 123, input 7, hidden
 * [33, 64], heads of 3 and 5, G = 1 and G = 3, tanh and relu; and shapes the layer table and the
 * 16-row tiles must handle (no hidden layer, four hidden layers, a head of 70 units, one row,
 * agents of 2 rows; B = 123 and 37 are not multiples of 16 or 4, so every agent ends in a short
 * tile with a partial row group, and G > 1 checks that tiles never mix agents).
 *
 * Relative error of a tensor = max |gpu − ref| / max(1e-3, max |ref|), per agent and per head.
 * The outputs buffer is poisoned with NaN first: every head element must be written, and the
 * alignment padding between head blocks must stay poisoned (nothing writes past a block).
 * The seed is printed with any failure.
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, gpuCounters, readBufferOnce } from '../../src/gpu/index';
import { createMlpPasses } from '../../src/nn/mlp';
import { FUSED_TILE_ROWS, MAX_FUSED_WIDTH, createMlpFusedForward, fusedForwardUnsupported, rolloutForwardPath } from '../../src/nn/mlp-fused';
import { mlpLayout, type Activation, type MlpLayout, type MlpSpec } from '../../src/nn/mlp-spec';
import { mlpForward } from '../reference/mlp';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import mlpFusedForwardWgsl from '../../shaders/nn/mlp_fused_forward.wgsl';

const TOLERANCE = 1e-4;
/** Fused vs layer-wise: both f32, the same per-output sums up to the vec4 kernel's grouping. */
const LAYERWISE_TOLERANCE = 2e-6;

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 1e-3;
  for (let i = 0; i < expected.length; i += 1) {
    if (Number.isNaN(actual[i]!)) return Number.POSITIVE_INFINITY;
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

const net = (activation: Activation | Activation[], hiddenSizes: number[] = [33, 64], headSizes: number[] = [3, 5], inputSize = 7): MlpSpec => ({
  inputSize,
  hiddenSizes,
  activation,
  heads: headSizes.map((size, i) => ({ name: ['policy', 'value', 'aux'][i]!, size, gain: 1 })),
});

/** Random f32 parameters: weights U(±1.5/√in), biases U(±0.3), per agent; padding 0. */
function randomParams(layout: MlpLayout, agents: number, random: () => number): Float32Array<ArrayBuffer> {
  const params = new Float32Array(agents * layout.parametersPerAgent);
  for (let g = 0; g < agents; g += 1) {
    const base = g * layout.parametersPerAgent;
    for (const layer of layout.layers) {
      const scale = 1.5 / Math.sqrt(layer.inputSize);
      for (let i = 0; i < layer.weight.length; i += 1) params[base + layer.weight.offset + i] = scale * (2 * random() - 1);
      for (let i = 0; i < layer.bias.length; i += 1) params[base + layer.bias.offset + i] = 0.3 * (2 * random() - 1);
    }
  }
  return params;
}

const randomArray = (length: number, random: () => number) => Float32Array.from({ length }, () => 2 * random() - 1);
const rowsOf = (data: Float32Array, width: number, first: number, count: number) =>
  Array.from({ length: count }, (_, r) => data.subarray((first + r) * width, (first + r + 1) * width));

describe('fused MLP forward on the GPU vs the float64 reference and the layer-wise forward', () => {
  const gpu = useGpu();

  async function runCase(spec: MlpSpec, agents: number, rowsPerAgent: number) {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const where = `seed ${seed}, G=${agents}, B=${rowsPerAgent}, ${JSON.stringify(spec.hiddenSizes)} ${JSON.stringify(spec.activation)}`;
    const layout = mlpLayout(spec);
    const P = layout.parametersPerAgent;
    const rows = agents * rowsPerAgent;
    const params = randomParams(layout, agents, random);
    const inputs = randomArray(rows * spec.inputSize, random);

    const fused = await createMlpFusedForward(device, layout, { agents, rowsPerAgent, label: 'test.fused' });
    const layerwise = await createMlpPasses(device, layout, { agents, rowsPerAgent, label: 'test.layerwise' });
    const caller = new BufferSet(device, 'test.fused-caller', { params: { size: params.byteLength }, inputs: { size: inputs.byteLength } });
    try {
      const got = await gpuStep(gpu(), where, async () => {
        device.queue.writeBuffer(caller.buffers.params, 0, params);
        device.queue.writeBuffer(caller.buffers.inputs, 0, inputs);
        device.queue.writeBuffer(fused.outputBuffer, 0, new Float32Array(fused.outputBuffer.size / 4).fill(Number.NaN));
        const created = gpuCounters(device).buffersCreated;
        const encoder = device.createCommandEncoder({ label: 'test.fused' });
        fused.encodeForward(encoder, { params: caller.buffers.params, inputs: caller.buffers.inputs });
        layerwise.encodeForward(encoder, { params: caller.buffers.params, inputs: caller.buffers.inputs });
        device.queue.submit([encoder.finish()]);
        expect(gpuCounters(device).buffersCreated, 'buffers created by encoding').toBe(created);
        const layerwiseOutputs: Record<string, Float32Array> = {};
        for (const head of spec.heads) layerwiseOutputs[head.name] = new Float32Array(await readBufferOnce(device, layerwise.outputs[head.name]!));
        return { all: new Float32Array(await readBufferOnce(device, fused.outputBuffer)), layerwise: layerwiseOutputs };
      });

      // Every float outside the head blocks (alignment padding) stays poisoned.
      const written = new Uint8Array(got.all.length);
      let worstReference = 0;
      let worstLayerwise = 0;
      for (const head of spec.heads) {
        const slice = fused.outputs[head.name]!;
        const start = (slice.offset ?? 0) / 4;
        expect(slice.size, `${head.name} slice size`).toBe(rows * head.size * 4);
        expect((slice.offset ?? 0) % device.limits.minStorageBufferOffsetAlignment, `${head.name} slice offset aligned`).toBe(0);
        written.fill(1, start, start + rows * head.size);
        const out = got.all.subarray(start, start + rows * head.size);
        expect(out.every((v) => !Number.isNaN(v)), `${where}: every output of ${head.name} written`).toBe(true);
        const vsLayerwise = relativeError(out, got.layerwise[head.name]!.subarray(0, rows * head.size));
        expect(vsLayerwise, `${where}: ${head.name} fused vs layer-wise`).toBeLessThan(LAYERWISE_TOLERANCE);
        worstLayerwise = Math.max(worstLayerwise, vsLayerwise);
        for (let g = 0; g < agents; g += 1) {
          const forward = mlpForward(layout, params.subarray(g * P, (g + 1) * P), rowsOf(inputs, spec.inputSize, g * rowsPerAgent, rowsPerAgent));
          const want = forward.outputs[head.name]!.flatMap((row) => [...row]);
          const error = relativeError(out.subarray(g * rowsPerAgent * head.size, (g + 1) * rowsPerAgent * head.size), want);
          expect(error, `${where}: agent ${g} outputs of ${head.name}`).toBeLessThan(TOLERANCE);
          worstReference = Math.max(worstReference, error);
        }
      }
      got.all.forEach((v, i) => {
        if (!written[i]) expect(v, `${where}: padding float ${i} of the outputs buffer was written`).toBeNaN();
      });
      return { vsReference: worstReference, vsLayerwise: worstLayerwise };
    } finally {
      caller.destroy();
      layerwise.destroy();
      fused.destroy();
    }
  }

  const CASES: [string, MlpSpec, number, number][] = [
    ['hidden [33, 64] tanh, G = 1', net('tanh'), 1, 123],
    ['hidden [33, 64] tanh, G = 3', net('tanh'), 3, 123],
    ['hidden [33, 64] relu, G = 1', net('relu'), 1, 123],
    ['hidden [33, 64] relu, G = 3', net('relu'), 3, 123],
    ['hidden [33, 64] tanh then relu, G = 3', net(['tanh', 'relu']), 3, 123],
    ['no hidden layer, G = 3', net('tanh', []), 3, 123],
    ['four hidden layers [5, 64, 17, 9] relu/tanh, three heads incl. one of 70, G = 2', net(['relu', 'tanh', 'relu', 'tanh'], [5, 64, 17, 9], [70, 1, 6], 64), 2, 37],
    ["CleanRL's 64-64 tanh actor (input 4, 2 actions), one row", net('tanh', [64, 64], [2], 4), 1, 1],
    ['hidden [33, 64] relu, G = 3 × 2 rows (tiles shorter than a row group)', net('relu'), 3, 2],
  ];

  it.each(CASES)('%s: outputs match the reference (< 1e-4) and the layer-wise forward', async (name, spec, agents, rowsPerAgent) => {
    const errors = await runCase(spec, agents, rowsPerAgent);
    console.log(`[mlp-fused] ${name}: max relative error vs reference ${errors.vsReference.toPrecision(2)}, vs layer-wise ${errors.vsLayerwise.toPrecision(2)}`);
  });

  it('sets the NaN flag on a NaN or Inf input, and not on finite inputs', async () => {
    const { device } = gpu();
    const layout = mlpLayout(net('relu'));
    const rowsPerAgent = 123;
    const fused = await createMlpFusedForward(device, layout, { agents: 3, rowsPerAgent, nanFlagIndex: 2 });
    const caller = new BufferSet(device, 'test.fused-nan', {
      params: { size: 3 * layout.parametersPerAgent * 4 },
      inputs: { size: 3 * rowsPerAgent * 7 * 4 },
      flags: { size: 4 * 4 },
    });
    const { params, inputs, flags } = caller.buffers;
    const random = seededRandom(freshSeed());
    try {
      const flagAfter = async (bad: number | null) =>
        gpuStep(gpu(), `nan flag (${bad})`, async () => {
          const x = randomArray(3 * rowsPerAgent * 7, random);
          if (bad !== null) x[(2 * rowsPerAgent + 57) * 7 + 5] = bad; // agent 2, row 57
          device.queue.writeBuffer(params, 0, randomParams(layout, 3, random));
          device.queue.writeBuffer(inputs, 0, x);
          device.queue.writeBuffer(flags, 0, new Uint32Array(4));
          const encoder = device.createCommandEncoder();
          fused.encodeForward(encoder, { params, inputs, flags });
          device.queue.submit([encoder.finish()]);
          return [...new Uint32Array(await readBufferOnce(device, flags))];
        });
      expect(await flagAfter(null)).toEqual([0, 0, 0, 0]);
      expect(await flagAfter(Number.NaN)).toEqual([0, 0, 1, 0]);
      expect(await flagAfter(Number.POSITIVE_INFINITY)).toEqual([0, 0, 1, 0]);
      expect(await flagAfter(Number.NEGATIVE_INFINITY)).toEqual([0, 0, 1, 0]);
      expect(await flagAfter(3.0e38)).toEqual([0, 0, 0, 0]); // large but finite
    } finally {
      caller.destroy();
      fused.destroy();
    }
  });

  it('bounds widths by the WGSL constant and rejects wider specs and bad options clearly', async () => {
    const { device } = gpu();
    // The tile size is the vec4 of rows in the WGSL; its workgroup memory at the widest network fits.
    expect(mlpFusedForwardWgsl.code).toMatch(new RegExp(`const TILE_ROWS: u32 = ${FUSED_TILE_ROWS}u;`));
    expect(2 * MAX_FUSED_WIDTH * FUSED_TILE_ROWS * 4).toBeLessThanOrEqual(device.limits.maxComputeWorkgroupStorageSize);
    const created = gpuCounters(device).buffersCreated;
    const wideHidden = mlpLayout(net('tanh', [33, MAX_FUSED_WIDTH + 1]));
    expect(fusedForwardUnsupported(wideHidden)).toMatch(/hiddenSizes\[1\] is 65, beyond MAX_FUSED_WIDTH = 64.*use the layer-wise passes \(createMlpPasses\)/);
    await expect(createMlpFusedForward(device, wideHidden, { agents: 1, rowsPerAgent: 4 })).rejects.toThrow(
      /mlp.hiddenSizes\[1\] is 65, beyond MAX_FUSED_WIDTH = 64 of the fused forward kernel; use the layer-wise passes/,
    );
    const wideInput = mlpLayout(net('tanh', [8], [2], 100));
    await expect(createMlpFusedForward(device, wideInput, { agents: 1, rowsPerAgent: 4 })).rejects.toThrow(/mlp.inputSize is 100, beyond MAX_FUSED_WIDTH = 64/);
    expect(fusedForwardUnsupported(mlpLayout(net('tanh', [64, 64], [200], 64)))).toBeNull();
    // The measured choice as a rule: layer-wise on software adapters and for wide nets.
    const small = mlpLayout(net('tanh', [64, 64], [2], 4));
    expect(rolloutForwardPath({ isSoftware: true }, small)).toBe('layerwise');
    expect(rolloutForwardPath({ isSoftware: false }, small)).toBe('fused');
    expect(rolloutForwardPath({ isSoftware: false }, wideHidden)).toBe('layerwise');
    const layout = mlpLayout(net('tanh'));
    await expect(createMlpFusedForward(device, layout, { agents: 0, rowsPerAgent: 4 })).rejects.toThrow(/agents must be a positive integer \(got 0\)/);
    await expect(createMlpFusedForward(device, layout, { agents: 1, rowsPerAgent: 1.5 })).rejects.toThrow(/rowsPerAgent must be a positive integer \(got 1.5\)/);
    await expect(createMlpFusedForward(device, layout, { agents: 1, rowsPerAgent: 4, nanFlagIndex: -1 })).rejects.toThrow(/nanFlagIndex must be a non-negative integer \(got -1\)/);
    expect(gpuCounters(device).buffersCreated, 'buffers created by rejected configurations').toBe(created);

    const fused = await createMlpFusedForward(device, layout, { agents: 2, rowsPerAgent: 5 });
    const caller = new BufferSet(device, 'test.fused-bad', { short: { size: layout.parametersPerAgent * 4 }, inputs: { size: 10 * 7 * 4 } });
    try {
      const encoder = device.createCommandEncoder();
      expect(() => fused.encodeForward(encoder, { params: caller.buffers.short, inputs: caller.buffers.inputs })).toThrow(
        new RegExp(`params \\('test.fused-bad.short'\\) has ${layout.parametersPerAgent * 4} bytes; it must hold 2 agents × ${layout.parametersPerAgent} floats`),
      );
      encoder.finish();
    } finally {
      caller.destroy();
      fused.destroy();
    }
    expect(() => fused.encodeForward(device.createCommandEncoder(), { params: caller.buffers.short, inputs: caller.buffers.inputs })).toThrow(/after destroy/);
  });
});
