/**
 * The policy-gradient surrogate's gradient through the whole network, on the GPU, against the
 * float64 reference, at 10 000 rows: the batch reduction of the parameter gradient is where float32
 * error hides. The surrogate is REINFORCE's with an entropy bonus,
 *   L(θ) = −(1/B) Σ_r [ Â_r · log π_θ(a_r | s_r) + c · H(π_θ(· | s_r)) ],
 * so the loss kernel's per-row coefficients are ∂L/∂log p[r] = −Â_r/B and ∂L/∂H[r] = −c/B; the
 * categorical head turns them into ∂L/∂logits and the MLP's backward pass into ∂L/∂θ.
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, createKernel, readBufferOnce } from '../../src/gpu/index';
import { categoricalBackwardKernel } from '../../src/nn/heads';
import { createMlpPasses } from '../../src/nn/mlp';
import { actorSpec, mlpLayout, type MlpLayout } from '../../src/nn/mlp-spec';
import { categoricalEntropy, categoricalEntropyGrad, categoricalLogProb, categoricalLogProbGrad } from '../reference/heads';
import { mlpBackward, mlpForward } from '../reference/mlp';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom as generator } from '../support/random';

const ENTROPY_COEF = 0.01;
const seed = freshSeed();


interface Batch {
  params: Float32Array<ArrayBuffer>;
  inputs: Float32Array<ArrayBuffer>[];
  actions: Uint32Array<ArrayBuffer>;
  advantages: Float32Array<ArrayBuffer>;
}

function randomBatch(layout: MlpLayout, rows: number, random: () => number): Batch {
  const params = new Float32Array(layout.parametersPerAgent);
  for (const layer of layout.layers) {
    const scale = 1.5 / Math.sqrt(layer.inputSize);
    for (let i = 0; i < layer.weight.length; i += 1) params[layer.weight.offset + i] = (random() * 2 - 1) * scale;
    for (let i = 0; i < layer.bias.length; i += 1) params[layer.bias.offset + i] = (random() * 2 - 1) * 0.1;
  }
  const inputSize = layout.spec.inputSize;
  const actionCount = layout.spec.heads[0]!.size;
  return {
    params,
    inputs: Array.from({ length: rows }, () => Float32Array.from({ length: inputSize }, () => random() * 4 - 2)),
    actions: Uint32Array.from({ length: rows }, () => Math.floor(random() * actionCount)),
    advantages: Float32Array.from({ length: rows }, () => random() * 4 - 2),
  };
}

/** The reference surrogate L(θ) and its gradient, in float64. */
function referenceSurrogate(layout: MlpLayout, batch: Batch, params: ArrayLike<number> = batch.params) {
  const rows = batch.inputs.length;
  const forward = mlpForward(layout, params, batch.inputs);
  const logits = forward.outputs.policy!;
  let loss = 0;
  const logitGrads = logits.map((logitRow, r) => {
    const row = Array.from(logitRow);
    const a = batch.actions[r]!;
    loss -= (batch.advantages[r]! * categoricalLogProb(row, undefined, a) + ENTROPY_COEF * categoricalEntropy(row)) / rows;
    const dLogp = categoricalLogProbGrad(row, undefined, a);
    const dEntropy = categoricalEntropyGrad(row);
    return dLogp.map((g, j) => (-batch.advantages[r]! * g - ENTROPY_COEF * dEntropy[j]!) / rows);
  });
  const { paramGrad } = mlpBackward(layout, params, batch.inputs, forward, { policy: logitGrads });
  return { loss, paramGrad };
}

describe('surrogate gradient through the network', () => {
  const gpu = useGpu();
  const layout = mlpLayout(actorSpec(7, 5, [64, 64]));

  it('the float64 reference gradient matches central finite differences of the reference loss', () => {
    const random = generator(seed);
    const batch = randomBatch(layout, 9, random);
    const params = Float64Array.from(batch.params);
    const { paramGrad } = referenceSurrogate(layout, batch, params);
    const h = 1e-6;
    for (let k = 0; k < 25; k += 1) {
      const i = Math.floor(random() * layout.parametersPerAgent);
      const saved = params[i]!;
      params[i] = saved + h;
      const plus = referenceSurrogate(layout, batch, params).loss;
      params[i] = saved - h;
      const minus = referenceSurrogate(layout, batch, params).loss;
      params[i] = saved;
      const numeric = (plus - minus) / (2 * h);
      expect(Math.abs(numeric - paramGrad[i]!), `seed ${seed}, parameter ${i}`).toBeLessThan(1e-6 * Math.max(1e-3, Math.abs(numeric)) + 1e-10);
    }
  });

  it('GPU ∂L/∂θ at 10 000 rows matches the float64 reference to < 1e-4', async () => {
    const { device } = gpu();
    const rows = 10_000;
    const actionCount = 5;
    const batch = randomBatch(layout, rows, generator(seed ^ 0x5eed));
    const passes = await createMlpPasses(device, layout, { agents: 1, rowsPerAgent: rows, label: 'surrogate' });
    const head = categoricalBackwardKernel({ rows, actions: actionCount });
    const headKernel = await createKernel(device, head.spec);
    const P = layout.parametersPerAgent;
    const buffers = new BufferSet(device, 'surrogate', {
      params: { size: P * 4 },
      inputs: { size: rows * 7 * 4 },
      actions: { size: rows * 4 },
      logProbGrads: { size: rows * 4 },
      entropyGrads: { size: rows * 4 },
      logitGrads: { size: rows * actionCount * 4 },
      paramGrads: { size: P * 4 },
      unusedMask: { size: 4 },
    });
    const b = buffers.buffers;
    const flatInputs = new Float32Array(rows * 7);
    batch.inputs.forEach((row, r) => flatInputs.set(row, r * 7));
    // The loss kernel's per-row coefficients (src/losses/losses.ts computes these on the GPU).
    const logProbGrads = Float32Array.from(batch.advantages, (advantage) => -advantage / rows);
    const entropyGrads = new Float32Array(rows).fill(-ENTROPY_COEF / rows);

    const gradient = await gpuStep(gpu(), 'surrogate gradient', async () => {
      device.queue.writeBuffer(b.params, 0, batch.params);
      device.queue.writeBuffer(b.inputs, 0, flatInputs);
      device.queue.writeBuffer(b.actions, 0, batch.actions);
      device.queue.writeBuffer(b.logProbGrads, 0, logProbGrads);
      device.queue.writeBuffer(b.entropyGrads, 0, entropyGrads);
      device.queue.writeBuffer(b.paramGrads, 0, new Float32Array(P).fill(Number.NaN));
      const encoder = device.createCommandEncoder();
      passes.encodeForward(encoder, { params: b.params, inputs: b.inputs });
      const pass = encoder.beginComputePass();
      const group = headKernel.bind({
        logits: passes.outputs.policy!,
        mask: b.unusedMask,
        actions: b.actions,
        log_prob_grads: b.logProbGrads,
        entropy_grads: b.entropyGrads,
        logit_grads: b.logitGrads,
      });
      headKernel.dispatch(pass, group, head.invocations);
      pass.end();
      passes.encodeBackward(encoder, { params: b.params, inputs: b.inputs, headGrads: { policy: b.logitGrads }, paramGrads: b.paramGrads });
      device.queue.submit([encoder.finish()]);
      return new Float32Array(await readBufferOnce(device, b.paramGrads));
    });
    passes.destroy();
    buffers.destroy();

    const { paramGrad } = referenceSurrogate(layout, batch);
    let maxReference = 0;
    let maxError = 0;
    for (const layer of layout.layers) {
      for (const slot of [layer.weight, layer.bias]) {
        for (let i = slot.offset; i < slot.offset + slot.length; i += 1) {
          expect(Number.isNaN(gradient[i]!), `${slot.name} element ${i - slot.offset} unwritten`).toBe(false);
          maxReference = Math.max(maxReference, Math.abs(paramGrad[i]!));
          maxError = Math.max(maxError, Math.abs(gradient[i]! - paramGrad[i]!));
        }
      }
    }
    const relative = maxError / Math.max(1e-3, maxReference);
    console.log(`[surrogate gradient] B=${rows}: max|Δ| / max|ref| = ${relative.toExponential(2)} (seed ${seed})`);
    expect(relative, `seed ${seed}`).toBeLessThan(1e-4);
  });
});
