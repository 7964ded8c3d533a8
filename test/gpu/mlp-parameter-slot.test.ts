/**
 * MLP passes on a ParameterSlot (src/nn/mlp.ts): a network stored inside a wider buffer, agent g's
 * block at g·agentStride + offset (a trainer's joint vector [G][actor | critic]), against the same
 * passes on a buffer of the network alone. Random parameters and inputs, odd sizes (input 7,
 * hidden [13, 8], heads 3 and 1; G = 3 × 11 rows), widths that take the scalar and the vec4 dense
 * kernels: the outputs and every weight and bias gradient equal bit for bit, and the gradient
 * buffer's words outside the network's blocks keep the NaN they were poisoned with. A slot that does
 * not fit its stride is refused, naming it.
 */
import { describe, expect, it } from 'vitest';
import { createBufferWithData, readBufferOnce } from '../../src/gpu/index';
import { createMlpPasses } from '../../src/nn/mlp';
import { mlpLayout } from '../../src/nn/mlp-spec';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

const G = 3;
const ROWS = 11;

describe('MLP passes on a parameter slot', () => {
  const gpu = useGpu();

  it('read and write the network inside a wider buffer as they do its own buffer', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const layout = mlpLayout({
      inputSize: 7,
      hiddenSizes: [13, 8],
      activation: 'tanh',
      heads: [
        { name: 'policy', size: 3, gain: 0.01 },
        { name: 'value', size: 1, gain: 1 },
      ],
    });
    const P = layout.parametersPerAgent;
    // A joint vector: 12 floats of another network first, the network, then 8 more per agent.
    const slot = { agentStride: 12 + P + 8, offset: 12 };
    const own = Float32Array.from({ length: G * P }, () => 2 * random() - 1);
    const joint = Float32Array.from({ length: G * slot.agentStride }, () => 2 * random() - 1);
    for (let g = 0; g < G; g += 1) joint.set(own.subarray(g * P, (g + 1) * P), g * slot.agentStride + slot.offset);
    const inputs = Float32Array.from({ length: G * ROWS * 7 }, () => 2 * random() - 1);
    const headGrads = { policy: Float32Array.from({ length: G * ROWS * 3 }, () => 2 * random() - 1), value: Float32Array.from({ length: G * ROWS }, () => 2 * random() - 1) };

    const run = async (params: Float32Array<ArrayBuffer>, parameterSlot?: typeof slot) => {
      const passes = await createMlpPasses(device, layout, { agents: G, rowsPerAgent: ROWS, ...(parameterSlot ? { parameterSlot } : {}), label: 'test.slot' });
      const buffers = {
        params: createBufferWithData(device, 'test.params', params),
        grads: createBufferWithData(device, 'test.grads', new Float32Array(params.length).fill(Number.NaN)),
        inputs: createBufferWithData(device, 'test.inputs', inputs),
        policy: createBufferWithData(device, 'test.policy-grads', headGrads.policy),
        value: createBufferWithData(device, 'test.value-grads', headGrads.value),
      };
      try {
        return await gpuStep(gpu(), 'slot passes', async () => {
          const encoder = device.createCommandEncoder();
          passes.encodeForward(encoder, { params: buffers.params, inputs: buffers.inputs });
          passes.encodeBackward(encoder, { params: buffers.params, inputs: buffers.inputs, headGrads: { policy: buffers.policy, value: buffers.value }, paramGrads: buffers.grads });
          device.queue.submit([encoder.finish()]);
          return {
            policy: new Float32Array(await readBufferOnce(device, passes.outputs.policy!)),
            value: new Float32Array(await readBufferOnce(device, passes.outputs.value!)),
            grads: new Float32Array(await readBufferOnce(device, buffers.grads)),
          };
        });
      } finally {
        passes.destroy();
        Object.values(buffers).forEach((b) => b.destroy());
      }
    };

    const alone = await run(own);
    const inSlot = await run(joint, slot);
    expect([...inSlot.policy], `policy outputs, seed ${seed}`).toEqual([...alone.policy]);
    expect([...inSlot.value], `value outputs, seed ${seed}`).toEqual([...alone.value]);
    let written = 0;
    for (let g = 0; g < G; g += 1) {
      for (const layer of layout.layers) {
        for (const tensor of [layer.weight, layer.bias]) {
          const a = alone.grads.subarray(g * P + tensor.offset, g * P + tensor.offset + tensor.length);
          const at = g * slot.agentStride + slot.offset + tensor.offset;
          expect([...inSlot.grads.subarray(at, at + tensor.length)], `agent ${g} ${layer.name} gradient, seed ${seed}`).toEqual([...a]);
          written += tensor.length;
        }
      }
    }
    // Nothing outside the network's tensors was written (the other networks' words, the padding).
    const finite = inSlot.grads.filter((x) => !Number.isNaN(x)).length;
    expect(finite, `gradient words written, seed ${seed}`).toBe(written);
  });

  it('refuses a slot that does not hold the network inside its stride', async () => {
    const { device } = gpu();
    const layout = mlpLayout({ inputSize: 4, hiddenSizes: [8], activation: 'tanh', heads: [{ name: 'value', size: 1, gain: 1 }] });
    const P = layout.parametersPerAgent;
    await expect(createMlpPasses(device, layout, { agents: 1, rowsPerAgent: 2, parameterSlot: { agentStride: P, offset: 4 } })).rejects.toThrow(
      new RegExp(`parameterSlot must hold the network's ${P} floats inside each agent's stride, both multiples of 4 \\(got agentStride ${P}, offset 4\\)`),
    );
    await expect(createMlpPasses(device, layout, { agents: 1, rowsPerAgent: 2, parameterSlot: { agentStride: P + 6, offset: 2 } })).rejects.toThrow(/parameterSlot/);
  });
});
