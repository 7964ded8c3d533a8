import { describe, expect, it } from 'vitest';
import { initialParameters, orthogonalMatrix } from '../../src/nn/init';
import { actorSpec, criticSpec, mlpLayout, multiplyAddsPerRow, type MlpSpec } from '../../src/nn/mlp-spec';
import { normalStream } from '../../src/rng/philox-cpu';

describe('mlpLayout', () => {
  it('lays out W[out][in] then bias per layer, 4-float aligned, heads after the torso, extras last', () => {
    const layout = mlpLayout({
      inputSize: 7,
      hiddenSizes: [33, 64],
      activation: ['tanh', 'relu'],
      heads: [
        { name: 'policy', size: 3, gain: 0.01 },
        { name: 'value', size: 1, gain: 1 },
      ],
      extras: { logStd: 3 },
    });
    const slots = layout.layers.flatMap((l) => [l.weight, l.bias]).concat(Object.values(layout.extras));
    let expectedOffset = 0;
    for (const slot of slots) {
      expect(slot.offset).toBe(expectedOffset);
      expect(slot.offset % 4).toBe(0);
      expectedOffset = Math.ceil((slot.offset + slot.length) / 4) * 4;
    }
    expect(layout.parametersPerAgent).toBe(expectedOffset);
    expect(layout.layers.map((l) => [l.name, l.inputSize, l.outputSize, l.activation, l.inputLayer])).toEqual([
      ['hidden0', 7, 33, 'tanh', -1],
      ['hidden1', 33, 64, 'relu', 0],
      ['policy', 64, 3, 'identity', 1],
      ['value', 64, 1, 'identity', 1],
    ]);
    expect(layout.headLayer).toEqual({ policy: 2, value: 3 });
    expect(multiplyAddsPerRow(layout)).toBe(7 * 33 + 33 * 64 + 64 * 3 + 64);
  });

  it.each<[string, MlpSpec, RegExp]>([
    ['zero input', { ...actorSpec(0, 2) }, /mlp.inputSize must be a positive integer \(got 0\)/],
    ['negative hidden', { ...actorSpec(4, 2), hiddenSizes: [64, -3] }, /mlp.hiddenSizes\[1\] must be a positive integer \(got -3\)/],
    ['fractional head', actorSpec(4, 2.5), /mlp.heads\[0\].size must be a positive integer \(got 2.5\)/],
    ['too wide', { ...actorSpec(4, 2), hiddenSizes: [5000] }, /mlp.hiddenSizes\[0\] must be at most 4096, the widest layer the kernels take \(got 5000\)/],
    ['bad activation', { ...actorSpec(4, 2), activation: 'gelu' as 'tanh' }, /mlp.activation\[0\] must be 'tanh' or 'relu' \(got gelu\)/],
    ['no heads', { ...actorSpec(4, 2), heads: [] }, /mlp.heads must name at least one output head/],
    ['a head named like a hidden layer', { ...actorSpec(4, 2), heads: [{ name: 'hidden1', size: 2, gain: 1 }] }, /mlp.heads\[0\].name must be a unique identifier other than hidden0…hidden1 \(got 'hidden1'\)/],
  ])('rejects %s', (_, spec, message) => {
    expect(() => mlpLayout(spec)).toThrow(message);
  });
});

describe('orthogonal initialisation', () => {
  it('gives orthonormal rows (wide) or columns (tall), times the gain', () => {
    for (const [rows, cols] of [
      [33, 7],
      [5, 64],
      [64, 64],
    ] as const) {
      const gain = 1.7;
      const w = orthogonalMatrix(rows, cols, gain, normalStream(1, 2, rows * 100 + cols, rows * cols));
      const small = Math.min(rows, cols);
      for (let i = 0; i < small; i += 1) {
        for (let j = 0; j < small; j += 1) {
          let dot = 0;
          // Wide: rows are orthonormal; tall: columns are.
          for (let k = 0; k < Math.max(rows, cols); k += 1) {
            dot += rows <= cols ? w[i * cols + k]! * w[j * cols + k]! : w[k * cols + i]! * w[k * cols + j]!;
          }
          expect(dot).toBeCloseTo(i === j ? gain * gain : 0, 10);
        }
      }
    }
  });

  it('is seeded: same seed same parameters, agents independent of how many there are, zero biases', () => {
    const layout = mlpLayout({ ...actorSpec(4, 2), extras: { logStd: 2 } });
    const one = initialParameters(layout, 42, 1);
    const three = initialParameters(layout, 42, 3);
    expect(Array.from(three.subarray(0, layout.parametersPerAgent))).toEqual(Array.from(one));
    expect(Array.from(initialParameters(layout, 42, 1))).toEqual(Array.from(one));
    expect(initialParameters(layout, 43, 1)[0]).not.toBe(one[0]);
    expect(three[layout.parametersPerAgent]).not.toBe(three[0]);
    for (const layer of layout.layers) expect(Array.from(one.subarray(layer.bias.offset, layer.bias.offset + layer.bias.length)).every((b) => b === 0)).toBe(true);
    const logStd = layout.extras.logStd!;
    expect(Array.from(one.subarray(logStd.offset, logStd.offset + logStd.length))).toEqual([0, 0]);
    // The policy head is scaled by 0.01: its rows have norm 0.01.
    const head = layout.layers[layout.headLayer.policy!]!;
    let norm = 0;
    for (let i = 0; i < head.inputSize; i += 1) norm += one[head.weight.offset + i]! ** 2;
    expect(Math.sqrt(norm)).toBeCloseTo(0.01, 6);
    expect(() => initialParameters(layout, -1)).toThrow(/seed must be an integer in \[0, 4294967295\] \(got -1\)/);
    expect(criticSpec(4).heads[0]!.gain).toBe(1);
  });
});
