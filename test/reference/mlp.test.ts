/**
 * The float64 MLP reference against central finite differences: for a scalar loss
 * L = Σ_heads Σ_r Σ_j c[head][r][j]·y[head][r][j], mlpBackward's ∂L/∂θ and ∂L/∂x, and mlpTangent's
 * directional derivative, agree with (f(θ + h·e) − f(θ − h·e)) / 2h to a relative error < 1e-6
 * (normalised by max(1e-3, max |FD value|) per tensor). Relu nets are drawn with every
 * pre-activation at least 1e-2 from the kink, so the FD step (1e-5) never crosses it.
 */
import { describe, expect, it } from 'vitest';
import { mlpLayout, type Activation, type MlpLayout, type MlpSpec } from '../../src/nn/mlp-spec';
import { mlpBackward, mlpForward, mlpTangent, type Rows } from './mlp';
import { freshSeed, seededRandom as makeRandom } from '../support/random';

const STEP = 1e-5;
const TOLERANCE = 1e-6;


interface Case {
  layout: MlpLayout;
  params: Float64Array;
  inputs: Float64Array[];
  weights: Record<string, Float64Array[]>;
  seed: number;
}

function drawCase(spec: MlpSpec, rows: number, seed: number): Case {
  const layout = mlpLayout(spec);
  const random = makeRandom(seed);
  const signed = () => 2 * random() - 1;
  for (let attempt = 0; attempt < 1000; attempt += 1) {
    const params = new Float64Array(layout.parametersPerAgent);
    for (const layer of layout.layers) {
      const scale = 1.5 / Math.sqrt(layer.inputSize);
      for (let i = 0; i < layer.weight.length; i += 1) params[layer.weight.offset + i] = scale * signed();
      for (let i = 0; i < layer.bias.length; i += 1) params[layer.bias.offset + i] = 0.3 * signed();
    }
    const inputs = Array.from({ length: rows }, () => Float64Array.from({ length: spec.inputSize }, signed));
    const forward = mlpForward(layout, params, inputs);
    const nearKink = layout.layers.some(
      (layer, l) => layer.activation === 'relu' && forward.preActivations[l]!.some((z) => z.some((v) => Math.abs(v) < 1e-2)),
    );
    if (nearKink) continue;
    const weights: Record<string, Float64Array[]> = {};
    for (const head of spec.heads) {
      weights[head.name] = Array.from({ length: rows }, () => Float64Array.from({ length: head.size }, signed));
    }
    return { layout, params, inputs, weights, seed };
  }
  throw new Error(`no draw kept relu pre-activations away from 0 (seed ${seed})`);
}

function loss(c: Case, params: ArrayLike<number>, inputs: Rows): number {
  const { outputs } = mlpForward(c.layout, params, inputs);
  let sum = 0;
  for (const [head, ys] of Object.entries(outputs)) {
    ys.forEach((y, r) => y.forEach((v, j) => (sum += c.weights[head]![r]![j]! * v)));
  }
  return sum;
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-3;
  for (let i = 0; i < expected.length; i += 1) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

const spec = (inputSize: number, hiddenSizes: number[], activation: Activation | Activation[], heads: number[]): MlpSpec => ({
  inputSize,
  hiddenSizes,
  activation,
  heads: heads.map((size, i) => ({ name: `head${i}`, size, gain: 1 })),
});

const CASES: [string, MlpSpec][] = [
  ['tanh, one head', spec(3, [5, 4], 'tanh', [3])],
  ['relu, one head', spec(3, [5, 4], 'relu', [2])],
  ['mixed tanh/relu, two heads on a shared torso', spec(4, [6, 5], ['tanh', 'relu'], [3, 1])],
  ['no hidden layer, two heads', spec(5, [], 'tanh', [2, 3])],
];

describe('MLP float64 reference vs central finite differences', () => {
  it.each(CASES)('%s: backward ∂L/∂θ and ∂L/∂x', (_, s) => {
    const c = drawCase(s, 4, freshSeed());
    const forward = mlpForward(c.layout, c.params, c.inputs);
    const { paramGrad, inputGrad } = mlpBackward(c.layout, c.params, c.inputs, forward, c.weights);

    const fdParams = new Float64Array(c.layout.parametersPerAgent);
    for (const layer of c.layout.layers) {
      for (const slot of [layer.weight, layer.bias]) {
        for (let i = slot.offset; i < slot.offset + slot.length; i += 1) {
          const plus = Float64Array.from(c.params);
          const minus = Float64Array.from(c.params);
          plus[i] = plus[i]! + STEP;
          minus[i] = minus[i]! - STEP;
          fdParams[i] = (loss(c, plus, c.inputs) - loss(c, minus, c.inputs)) / (2 * STEP);
        }
        const got = paramGrad.subarray(slot.offset, slot.offset + slot.length);
        const want = fdParams.subarray(slot.offset, slot.offset + slot.length);
        expect(relativeError(got, want), `seed ${c.seed}: ${slot.name}`).toBeLessThan(TOLERANCE);
      }
    }
    // Padding between tensors is not a parameter: its gradient stays exactly 0.
    expect(paramGrad.every((g, i) => g === 0 || fdParams[i] !== 0)).toBe(true);

    c.inputs.forEach((row, r) => {
      const fd = row.map((_, i) => {
        const plus = c.inputs.map((x) => Float64Array.from(x));
        const minus = c.inputs.map((x) => Float64Array.from(x));
        plus[r]![i] = plus[r]![i]! + STEP;
        minus[r]![i] = minus[r]![i]! - STEP;
        return (loss(c, c.params, plus) - loss(c, c.params, minus)) / (2 * STEP);
      });
      expect(relativeError(inputGrad[r]!, fd), `seed ${c.seed}: inputGrad row ${r}`).toBeLessThan(TOLERANCE);
    });
  });

  it.each(CASES)('%s: tangent = d/dε y(θ + ε·v)', (_, s) => {
    const c = drawCase(s, 4, freshSeed());
    const random = makeRandom(c.seed ^ 0x5bd1e995);
    const direction = new Float64Array(c.layout.parametersPerAgent);
    for (const layer of c.layout.layers) {
      for (const slot of [layer.weight, layer.bias]) {
        for (let i = slot.offset; i < slot.offset + slot.length; i += 1) direction[i] = 2 * random() - 1;
      }
    }
    const { outputs } = mlpTangent(c.layout, c.params, direction, c.inputs);
    const plus = mlpForward(c.layout, c.params.map((p, i) => p + STEP * direction[i]!), c.inputs).outputs;
    const minus = mlpForward(c.layout, c.params.map((p, i) => p - STEP * direction[i]!), c.inputs).outputs;
    for (const head of Object.keys(outputs)) {
      const got = outputs[head]!.flatMap((row) => [...row]);
      const want = plus[head]!.flatMap((row, r) => [...row].map((v, j) => (v - minus[head]![r]![j]!) / (2 * STEP)));
      expect(relativeError(got, want), `seed ${c.seed}: tangent of ${head}`).toBeLessThan(TOLERANCE);
    }
  });

  it('a hand-computed 1-1-1 tanh net', () => {
    // x = 0.5, hidden: z = 2·0.5 + 0.1 = 1.1, a = tanh(1.1); head: y = −3a + 0.2.
    const layout = mlpLayout(spec(1, [1], 'tanh', [1]));
    const params = new Float64Array(layout.parametersPerAgent);
    params[layout.layers[0]!.weight.offset] = 2;
    params[layout.layers[0]!.bias.offset] = 0.1;
    params[layout.layers[1]!.weight.offset] = -3;
    params[layout.layers[1]!.bias.offset] = 0.2;
    const forward = mlpForward(layout, params, [[0.5]]);
    const a = Math.tanh(1.1);
    expect(forward.outputs.head0![0]![0]).toBeCloseTo(-3 * a + 0.2, 14);
    const { paramGrad, inputGrad } = mlpBackward(layout, params, [[0.5]], forward, { head0: [[1]] });
    const slope = 1 - a * a;
    expect(paramGrad[layout.layers[1]!.weight.offset]).toBeCloseTo(a, 14);
    expect(paramGrad[layout.layers[1]!.bias.offset]).toBeCloseTo(1, 14);
    expect(paramGrad[layout.layers[0]!.weight.offset]).toBeCloseTo(-3 * slope * 0.5, 14);
    expect(paramGrad[layout.layers[0]!.bias.offset]).toBeCloseTo(-3 * slope, 14);
    expect(inputGrad[0]![0]).toBeCloseTo(-3 * slope * 2, 14);
  });
});
