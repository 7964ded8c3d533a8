/** Random parameters for GPU tests of whole networks (not an initialiser: a spread of weights that exercises every path). */
import type { MlpLayout } from '../../src/nn/mlp-spec';

/** G agents' parameters: weights U(±2/√in), biases U(±0.2), a learned log-std U(−0.5, 0.5); padding 0. */
export function randomParameters(layout: MlpLayout, agents: number, random: () => number): Float32Array<ArrayBuffer> {
  const P = layout.parametersPerAgent;
  const params = new Float32Array(agents * P);
  for (let g = 0; g < agents; g += 1) {
    for (const layer of layout.layers) {
      const scale = 2 / Math.sqrt(layer.inputSize);
      for (let i = 0; i < layer.weight.length; i += 1) params[g * P + layer.weight.offset + i] = (random() * 2 - 1) * scale;
      for (let i = 0; i < layer.bias.length; i += 1) params[g * P + layer.bias.offset + i] = (random() * 2 - 1) * 0.2;
    }
    const logStd = layout.extras.logStd;
    if (logStd) for (let i = 0; i < logStd.length; i += 1) params[g * P + logStd.offset + i] = -0.5 + random();
  }
  return params;
}
