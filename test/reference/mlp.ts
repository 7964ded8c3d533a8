/**
 * Float64 plain-loop reference of the MLP passes (the oracle for test/gpu/mlp.test.ts): forward,
 * backward (reverse mode) and tangent (forward mode), for one agent's parameter block laid out by
 * MlpLayout (src/nn/mlp-spec.ts). Checked by central finite differences in test/reference/mlp.test.ts.
 *
 * Notation, per dense layer ℓ with input x (the network input or the output of layer
 * `inputLayer`): z = W·x + b (W[out][in] row-major), a = f(z), f ∈ {tanh, relu, identity}.
 */
import type { DenseLayer, LayerActivation, MlpLayout } from '../../src/nn/mlp-spec';

/** One batch of vectors: rows[r][i]. */
export type Rows = readonly ArrayLike<number>[];

export interface MlpForwardResult {
  /** Pre-activations z per layer (index as layout.layers), [B][outputSize]. */
  readonly preActivations: Float64Array[][];
  /** Post-activations a = f(z) per layer, [B][outputSize]; a head's is its output. */
  readonly activations: Float64Array[][];
  /** Each head's outputs, [B][size] (the same arrays as its layer's activations). */
  readonly outputs: Record<string, Float64Array[]>;
}

export interface MlpBackwardResult {
  /** ∂L/∂θ in the layout of `params` (summed over the batch); padding and extras stay 0. */
  readonly paramGrad: Float64Array;
  /** ∂L/∂x per row, [B][inputSize]. */
  readonly inputGrad: Float64Array[];
}

export function activate(kind: LayerActivation, z: number): number {
  if (kind === 'tanh') return Math.tanh(z);
  if (kind === 'relu') return z > 0 ? z : 0;
  return z;
}

/** f'(z) written through a = f(z), as the kernels compute it: tanh' = 1 − a², relu' = [a > 0]. */
export function activationSlope(kind: LayerActivation, a: number): number {
  if (kind === 'tanh') return 1 - a * a;
  if (kind === 'relu') return a > 0 ? 1 : 0;
  return 1;
}

function layerInput(layer: DenseLayer, inputs: Rows, activations: readonly Float64Array[][], row: number): ArrayLike<number> {
  return layer.inputLayer < 0 ? inputs[row]! : activations[layer.inputLayer]![row]!;
}

function checkShapes(layout: MlpLayout, params: ArrayLike<number>, inputs: Rows): void {
  if (params.length < layout.parametersPerAgent) {
    throw new RangeError(`params has ${params.length} values; one agent's block needs ${layout.parametersPerAgent}`);
  }
  inputs.forEach((row, r) => {
    if (row.length !== layout.spec.inputSize) {
      throw new RangeError(`inputs[${r}] has ${row.length} values; the network takes ${layout.spec.inputSize}`);
    }
  });
}

/** Forward pass of one agent's network over a batch. */
export function mlpForward(layout: MlpLayout, params: ArrayLike<number>, inputs: Rows): MlpForwardResult {
  checkShapes(layout, params, inputs);
  const preActivations: Float64Array[][] = [];
  const activations: Float64Array[][] = [];
  for (const layer of layout.layers) {
    const z: Float64Array[] = [];
    const a: Float64Array[] = [];
    for (let r = 0; r < inputs.length; r += 1) {
      const x = layerInput(layer, inputs, activations, r);
      const zr = new Float64Array(layer.outputSize);
      const ar = new Float64Array(layer.outputSize);
      for (let o = 0; o < layer.outputSize; o += 1) {
        let sum = params[layer.bias.offset + o]!;
        const w = layer.weight.offset + o * layer.inputSize;
        for (let i = 0; i < layer.inputSize; i += 1) sum += params[w + i]! * x[i]!;
        zr[o] = sum;
        ar[o] = activate(layer.activation, sum);
      }
      z.push(zr);
      a.push(ar);
    }
    preActivations.push(z);
    activations.push(a);
  }
  const outputs: Record<string, Float64Array[]> = {};
  for (const [head, index] of Object.entries(layout.headLayer)) outputs[head] = activations[index]!;
  return { preActivations, activations, outputs };
}

/**
 * Reverse mode: given ∂L/∂y for every head output (headOutputGrads[head][r][j]), returns ∂L/∂θ
 * summed over the batch and ∂L/∂x per row. Per layer, from the heads down:
 *   δ = ∂L/∂a ⊙ f'(a)   (δ = ∂L/∂z),
 *   ∂L/∂W[o][i] += δ[o]·x[i],  ∂L/∂b[o] += δ[o],  ∂L/∂x[i] += Σ_o δ[o]·W[o][i],
 * with the heads' contributions to the shared last hidden layer added.
 */
export function mlpBackward(
  layout: MlpLayout,
  params: ArrayLike<number>,
  inputs: Rows,
  forward: MlpForwardResult,
  headOutputGrads: Readonly<Record<string, Rows>>,
): MlpBackwardResult {
  checkShapes(layout, params, inputs);
  const rows = inputs.length;
  const paramGrad = new Float64Array(layout.parametersPerAgent);
  // ∂L/∂a per layer and row, filled by the layers above; index -1 (the input) lives in inputGrad.
  const outputGrad: Float64Array[][] = layout.layers.map((layer) =>
    Array.from({ length: rows }, () => new Float64Array(layer.outputSize)),
  );
  const inputGrad = Array.from({ length: rows }, () => new Float64Array(layout.spec.inputSize));
  for (const [head, index] of Object.entries(layout.headLayer)) {
    const grads = headOutputGrads[head];
    if (!grads || grads.length !== rows) throw new RangeError(`headOutputGrads.${head} must have ${rows} rows`);
    grads.forEach((g, r) => outputGrad[index]![r]!.set(Array.from(g)));
  }
  // Layers are stored hidden-first then heads, and every layer reads an earlier one: walking the
  // list backwards visits each layer after all its consumers.
  for (let l = layout.layers.length - 1; l >= 0; l -= 1) {
    const layer = layout.layers[l]!;
    const target = layer.inputLayer < 0 ? inputGrad : outputGrad[layer.inputLayer]!;
    for (let r = 0; r < rows; r += 1) {
      const x = layerInput(layer, inputs, forward.activations, r);
      const a = forward.activations[l]![r]!;
      const gradA = outputGrad[l]![r]!;
      for (let o = 0; o < layer.outputSize; o += 1) {
        const delta = gradA[o]! * activationSlope(layer.activation, a[o]!);
        paramGrad[layer.bias.offset + o] = paramGrad[layer.bias.offset + o]! + delta;
        const w = layer.weight.offset + o * layer.inputSize;
        for (let i = 0; i < layer.inputSize; i += 1) {
          paramGrad[w + i] = paramGrad[w + i]! + delta * x[i]!;
          const t = target[r]!;
          t[i] = t[i]! + delta * params[w + i]!;
        }
      }
    }
  }
  return { paramGrad, inputGrad };
}

/**
 * Forward mode: the directional derivative d/dε y(θ + ε·v) of every head's outputs, v = `direction`
 * in the layout of `params` (the inputs do not move). Per layer:
 *   ż = Ẇ·x + W·ẋ + ḃ,  ȧ = f'(a) ⊙ ż,  with ẋ = 0 for the network input.
 */
export function mlpTangent(
  layout: MlpLayout,
  params: ArrayLike<number>,
  direction: ArrayLike<number>,
  inputs: Rows,
): { tangents: Float64Array[][]; outputs: Record<string, Float64Array[]> } {
  checkShapes(layout, params, inputs);
  checkShapes(layout, direction, inputs);
  const forward = mlpForward(layout, params, inputs);
  const tangents: Float64Array[][] = [];
  layout.layers.forEach((layer, l) => {
    const t: Float64Array[] = [];
    for (let r = 0; r < inputs.length; r += 1) {
      const x = layerInput(layer, inputs, forward.activations, r);
      const dx = layer.inputLayer < 0 ? null : tangents[layer.inputLayer]![r]!;
      const a = forward.activations[l]![r]!;
      const tr = new Float64Array(layer.outputSize);
      for (let o = 0; o < layer.outputSize; o += 1) {
        let dz = direction[layer.bias.offset + o]!;
        const w = layer.weight.offset + o * layer.inputSize;
        for (let i = 0; i < layer.inputSize; i += 1) {
          dz += direction[w + i]! * x[i]!;
          if (dx) dz += params[w + i]! * dx[i]!;
        }
        tr[o] = activationSlope(layer.activation, a[o]!) * dz;
      }
      t.push(tr);
    }
    tangents.push(t);
  });
  const outputs: Record<string, Float64Array[]> = {};
  for (const [head, index] of Object.entries(layout.headLayer)) outputs[head] = tangents[index]!;
  return { tangents, outputs };
}
