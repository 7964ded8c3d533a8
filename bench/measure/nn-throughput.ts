/**
 * MLP forward and backward throughput on the GPU, with FLOPs counted analytically from the layout
 * and the batch: forward 2·B·Σ in·out; backward 2·B·Σ (in + 1)·out for the parameter gradients
 * plus 2·B·Σ in·out for the input gradients of every layer that feeds another (not the first).
 * Activations and bias adds are not counted: the figure is comparable with a matmul's 2·M·N·K.
 */
import { BufferSet } from '../../src/gpu/buffers';
import { createMlpPasses } from '../../src/nn/mlp';
import { mlpLayout, type MlpSpec } from '../../src/nn/mlp-spec';
import { initialParameters } from '../../src/nn/init';
import { sample, timeSubmitted, type Repetition, type Samples } from './timing';

export interface NnCase {
  readonly spec: MlpSpec;
  readonly batch: number;
}

export interface NnThroughputReport {
  readonly batch: number;
  readonly hiddenSizes: readonly number[];
  readonly forwardFlops: number;
  readonly backwardFlops: number;
  readonly forwardMilliseconds: Samples;
  readonly backwardMilliseconds: Samples;
  readonly forwardGflops: number;
  readonly backwardGflops: number;
}

/** Floating-point operations of one forward and one backward pass over `batch` rows. */
export function mlpFlops(spec: MlpSpec, batch: number): { forward: number; backward: number } {
  const { layers } = mlpLayout(spec);
  const forward = layers.reduce((sum, l) => sum + 2 * batch * l.inputSize * l.outputSize, 0);
  const paramGrads = layers.reduce((sum, l) => sum + 2 * batch * (l.inputSize + 1) * l.outputSize, 0);
  const inputGrads = layers.filter((l) => l.inputLayer >= 0).reduce((sum, l) => sum + 2 * batch * l.inputSize * l.outputSize, 0);
  return { forward, backward: paramGrads + inputGrads };
}

/**
 * Times `passesPerSubmit` forward passes (then as many backward passes) per submit, so the submit's
 * own cost is amortised; reports the median per pass.
 */
export async function measureMlpThroughput(
  device: GPUDevice,
  nnCase: NnCase,
  repetition: Repetition,
  passesPerSubmit = 1,
): Promise<NnThroughputReport> {
  const { spec, batch } = nnCase;
  const layout = mlpLayout(spec);
  const passes = await createMlpPasses(device, layout, { agents: 1, rowsPerAgent: batch, label: 'bench.mlp' });
  const headGrads: Record<string, { size: number }> = {};
  for (const head of spec.heads) headGrads[`grad.${head.name}`] = { size: batch * head.size * 4 };
  const buffers = new BufferSet(device, 'bench.mlp', {
    params: { size: layout.parametersPerAgent * 4 },
    paramGrads: { size: layout.parametersPerAgent * 4 },
    inputs: { size: batch * spec.inputSize * 4 },
    ...headGrads,
  });
  try {
    const b = buffers.buffers as Record<string, GPUBuffer>;
    device.queue.writeBuffer(b.params!, 0, initialParameters(layout, 1));
    const inputs = new Float32Array(batch * spec.inputSize);
    for (let i = 0; i < inputs.length; i += 1) inputs[i] = Math.random() * 2 - 1;
    device.queue.writeBuffer(b.inputs!, 0, inputs);
    const grads = Object.fromEntries(spec.heads.map((h) => [h.name, b[`grad.${h.name}`]!]));
    const forward = () => {
      const encoder = device.createCommandEncoder({ label: 'bench.mlp.forward' });
      for (let i = 0; i < passesPerSubmit; i += 1) passes.encodeForward(encoder, { params: b.params!, inputs: b.inputs! });
      return encoder.finish();
    };
    const backward = () => {
      const encoder = device.createCommandEncoder({ label: 'bench.mlp.backward' });
      for (let i = 0; i < passesPerSubmit; i += 1) {
        passes.encodeBackward(encoder, { params: b.params!, inputs: b.inputs!, headGrads: grads, paramGrads: b.paramGrads! });
      }
      return encoder.finish();
    };
    const forwardMilliseconds = perPass(
      await sample(repetition, () => {
        const commands = forward();
        return timeSubmitted(device.queue, () => device.queue.submit([commands]));
      }),
      passesPerSubmit,
    );
    const backwardMilliseconds = perPass(
      await sample(repetition, () => {
        const commands = backward();
        return timeSubmitted(device.queue, () => device.queue.submit([commands]));
      }),
      passesPerSubmit,
    );
    const flops = mlpFlops(spec, batch);
    return {
      batch,
      hiddenSizes: spec.hiddenSizes,
      forwardFlops: flops.forward,
      backwardFlops: flops.backward,
      forwardMilliseconds,
      backwardMilliseconds,
      forwardGflops: flops.forward / (forwardMilliseconds.median * 1e6),
      backwardGflops: flops.backward / (backwardMilliseconds.median * 1e6),
    };
  } finally {
    passes.destroy();
    buffers.destroy();
  }
}

function perPass(samples: Samples, passes: number): Samples {
  const scale = (v: number) => v / passes;
  return { median: scale(samples.median), min: scale(samples.min), max: scale(samples.max), values: samples.values.map(scale) };
}
