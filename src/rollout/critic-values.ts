/**
 * The critic's values of a whole rollout, after its T steps: its parameters do not change during
 * collection, so batched passes give V(s_t) for every t ≤ T (values, lastValues) and the truncation
 * bootstraps V(final observation) with the same values as T per-step passes.
 *
 * G = 1: one pass over observations [T + 1][N], a second over finalObservations (its row T unused).
 * A population (G > 1): the record is time-major [T + 1][N] while the MLP passes give agent g the
 * rows g·R … g·R + R − 1, so a gather (critic_rows_gather.wgsl) copies observations and final
 * observations into agent-major order [G][2][T + 1][B], one pass of R = 2·(T + 1)·B rows per agent
 * values both, and a scatter (critic_values_scatter.wgsl) writes them back in [T][N] order.
 */
import { createKernel } from '../gpu/kernel';
import type { MlpPasses } from '../nn/mlp';
import { criticRowsGatherKernel, criticValuesScatterKernel } from './kernels';
import type { RolloutShape } from './rollout-shape';
import type { Transitions } from './transitions';

export interface CriticValues {
  /** Records the critic's passes over the recorded observations and the copies into values, lastValues and finalValues. */
  encode(encoder: GPUCommandEncoder, criticParams: GPUBuffer): void;
}

export async function createCriticValues(
  device: GPUDevice,
  shape: RolloutShape,
  buffers: { readonly transitions: Transitions; readonly criticInput: GPUBuffer | undefined },
  criticPasses: MlpPasses,
): Promise<CriticValues> {
  const { steps, label, N, G, OBS } = shape;
  const t = buffers.transitions.buffers;
  const values = criticPasses.outputs.value!;
  if (G === 1) {
    const rowBytes = 4 * N;
    return {
      encode(encoder, criticParams) {
        criticPasses.encodeForward(encoder, { params: criticParams, inputs: t.observations });
        encoder.copyBufferToBuffer(values, 0, t.values, 0, steps * rowBytes);
        encoder.copyBufferToBuffer(values, steps * rowBytes, t.lastValues, 0, rowBytes);
        criticPasses.encodeForward(encoder, { params: criticParams, inputs: t.finalObservations });
        encoder.copyBufferToBuffer(values, 0, t.finalValues, 0, steps * rowBytes);
      },
    };
  }
  const gather = criticRowsGatherKernel({ steps, envs: N, agents: G, observationSize: OBS });
  const scatter = criticValuesScatterKernel({ steps, envs: N, agents: G });
  const gatherKernel = await createKernel(device, { ...gather.spec, label: `${label}.critic-gather` });
  const scatterKernel = await createKernel(device, { ...scatter.spec, label: `${label}.critic-scatter` });
  const criticInput = buffers.criticInput!;
  const gatherGroup = gatherKernel.bind({ observations: t.observations, final_observations: t.finalObservations, destination: criticInput }, `${label}.critic-gather`);
  const scatterGroup = scatterKernel.bind({ critic_values: values, values: t.values, last_values: t.lastValues, final_values: t.finalValues }, `${label}.critic-scatter`);
  return {
    encode(encoder, criticParams) {
      const pass = encoder.beginComputePass({ label: `${label}.critic-gather` });
      gatherKernel.dispatch(pass, gatherGroup, gather.invocations);
      pass.end();
      criticPasses.encodeForward(encoder, { params: criticParams, inputs: criticInput });
      const back = encoder.beginComputePass({ label: `${label}.critic-scatter` });
      scatterKernel.dispatch(back, scatterGroup, scatter.invocations);
      back.end();
    },
  };
}
