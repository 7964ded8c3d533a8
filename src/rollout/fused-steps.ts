/**
 * The fused rollout step: a step of a WGSL env under a categorical policy in one dispatch
 * (shaders/rollout/rollout_fused_categorical.wgsl: the observation, the actor's forward pass, the
 * draw, the env step with its auto-reset and the step's record, one invocation per env), then after
 * the T steps one dispatch that unpacks the per-step scalars into the transition fields and one copy
 * that leaves the env's observations where the layer-wise steps would. Per rollout: T + 1
 * dispatches and 1 copy, against 6 dispatches and 9 copies per step for the layer-wise steps
 * (./rollout.ts).
 *
 * The record is the layer-wise one to float32 rounding (bit for bit on SwiftShader): same draws,
 * same summation order in the forward pass, the same env functions and auto-reset
 * (test/gpu/rollout-fused.test.ts). A rollout qualifies when its env is a WGSL env with one
 * discrete action (at most MAX_FUSED_UNITS) and no masks, metrics or policy seat, nothing is
 * normalised, and the actor's input and hidden layers are at most MAX_FUSED_UNITS wide
 * (MAX_FUSED_LAYERS − 1 of them); ./fused-steps-choice.ts decides, and says why not.
 */
import { BufferSet } from '../gpu/buffers';
import { createKernel, type Kernel, type KernelSpec } from '../gpu/kernel';
import { envWrapperParts } from '../envs/kernels';
import { splitPoint } from '../gpu/split-point';
import { RNG_PARAMS_BYTES } from '../rng/params';
import { ACTIVATION_CODE } from '../nn/mlp-kernels';
import { actorSpec, mlpLayout, type MlpLayout } from '../nn/mlp-spec';
import type { EnvDescriptor } from '../envs/types';
import { MAX_FUSED_LAYERS } from './fused-steps-choice';
import type { RolloutShape } from './rollout-shape';
import type { Transitions } from './transitions';
import activationWgsl from '../../shaders/nn/activation.wgsl';
import categoricalCommonWgsl from '../../shaders/nn/categorical_common.wgsl';
import fusedStepRecordWgsl from '../../shaders/rollout/fused_step_record.wgsl';
import rolloutFusedCategoricalWgsl from '../../shaders/rollout/rollout_fused_categorical.wgsl';
import rolloutFusedUnpackWgsl from '../../shaders/rollout/rollout_fused_unpack.wgsl';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';

/**
 * Envs per workgroup. 32 fills a warp on NVIDIA hardware and still splits N = 64 over two
 * workgroups, which SwiftShader runs on two cores. Measured on CartPole (N = 64, T = 128) with
 * this kernel's first form, which looped over the T steps in one dispatch: 141 ms a rollout at 16
 * or 32 envs per workgroup, 204 ms at 64 (one workgroup, one core); N = 4 took 13–16 ms at every
 * size from 2 to 64.
 */
export const FUSED_WORKGROUP_SIZE = 32;

/** u32 words of the FusedNetwork uniform: MAX_FUSED_LAYERS layers of 8. */
const NETWORK_WORDS = 8 * MAX_FUSED_LAYERS;
/** Bytes of a StepRecord (6 words: log p, reward, terminated, truncated, episode return and length). */
const RECORD_BYTES = 24;

/** What sizes the fused step kernel: the env (its body and step limit), the actor, T, and N envs of B per agent. */
export interface FusedStepShape {
  readonly descriptor: EnvDescriptor;
  readonly maxEpisodeSteps: number;
  readonly actor: MlpLayout;
  readonly steps: number;
  readonly B: number;
  readonly N: number;
}

/** The fused step kernel for a rollout shape. */
export function rolloutFusedSpec(shape: FusedStepShape, workgroupSize = FUSED_WORKGROUP_SIZE): KernelSpec {
  const { descriptor: d, actor } = shape;
  const actions = d.actionSpace.kind === 'discrete' ? d.actionSpace.n : 0;
  return {
    label: `rollout.fused.${d.id}`,
    parts: [...envWrapperParts(d), activationWgsl, categoricalCommonWgsl, fusedStepRecordWgsl, rolloutFusedCategoricalWgsl],
    workgroupSize,
    constants: {
      NUM_ENVS: shape.N,
      MAX_EPISODE_STEPS: shape.maxEpisodeSteps,
      STEPS: shape.steps,
      ROWS_PER_AGENT: shape.B,
      PARAMS_PER_AGENT: actor.parametersPerAgent,
      HIDDEN_LAYERS: actor.spec.hiddenSizes.length,
      VEC4_LAYERS: fusedLayers(actor).reduce((bits, layer, l) => bits | (layer.inputSize % 4 === 0 ? 1 << l : 0), 0),
      ROWS: 1,
      ACTIONS: actions,
      LOGITS_STRIDE: actions,
      MASK_STRIDE: actions,
    },
  };
}

/** The unpack kernel for T × N elements. */
export function rolloutUnpackSpec(elements: number): KernelSpec {
  return { label: 'rollout.fused_unpack', parts: [dispatchWgsl, fusedStepRecordWgsl, rolloutFusedUnpackWgsl], workgroupSize: 64, constants: { ELEMENTS: elements } };
}

/** The layers the fused kernel runs: the actor's hidden layers, then its policy head. */
const fusedLayers = (actor: MlpLayout) => [...actor.layers.slice(0, actor.spec.hiddenSizes.length), actor.layers[actor.headLayer.policy!]!];

/** The FusedNetwork words: the actor's hidden layers, then its policy head. */
export function fusedNetworkWords(actor: MlpLayout): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(NETWORK_WORDS);
  fusedLayers(actor).forEach((layer, l) => {
    words.set([layer.inputSize, layer.outputSize, layer.weight.offset, layer.bias.offset, ACTIVATION_CODE[layer.activation]], 8 * l);
  });
  return words;
}

export interface FusedSteps {
  /** Records the T steps: every transition field but the critic's values. */
  encode(encoder: GPUCommandEncoder, actorParams: GPUBuffer): void;
  destroy(): void;
}

/** What the fused steps read besides the env: the record, the agents' seeds, and the T slots of RngParams. */
export interface FusedStepBuffers {
  readonly transitions: Transitions;
  readonly seedBuffer: GPUBuffer;
  /** The rollout's T uniform slots of RngParams (iteration, step, stream), `slotBytes` apart. */
  readonly stepParams: GPUBuffer;
  readonly slotBytes: number;
}

/** Compiles the fused steps of `shape` (which must qualify) over `buffers.transitions`: the named steps below. */
export async function createFusedSteps(device: GPUDevice, shape: RolloutShape, buffers: FusedStepBuffers): Promise<FusedSteps> {
  const { env, steps, N } = shape;
  const owned = new BufferSet(device, `${shape.label}.fused`, {
    records: { size: RECORD_BYTES * steps * N },
    network: { size: 4 * NETWORK_WORDS, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
  });
  try {
    const [step, unpack] = await Promise.all([
      createKernel(device, rolloutFusedSpec({ ...shape, descriptor: env.descriptor, maxEpisodeSteps: env.maxEpisodeSteps })),
      createKernel(device, rolloutUnpackSpec(steps * N)),
    ]);
    device.queue.writeBuffer(owned.buffers.network, 0, fusedNetworkWords(shape.actor));
    return {
      encode: fusedStepsEncoder(shape, buffers, owned.buffers, step, unpack),
      destroy: () => owned.destroy(),
    };
  } catch (error) {
    owned.destroy();
    throw error;
  }
}

/** Records the T step dispatches (a pass and a split point each), the unpack, and s_T back into the env's observations. */
function fusedStepsEncoder(
  shape: RolloutShape,
  buffers: FusedStepBuffers,
  owned: { readonly records: GPUBuffer; readonly network: GPUBuffer },
  step: Kernel,
  unpack: Kernel,
): FusedSteps['encode'] {
  const { env, steps, N, OBS, label } = shape;
  const e = env.buffers;
  const t = buffers.transitions.buffers;
  const { records, network } = owned;
  const common = {
    wrapper: e.wrapperParams,
    env_params: e.envParams,
    network,
    agent_seeds: buffers.seedBuffer,
    states: e.states,
    episode_progress: e.episodeProgress,
    observations: t.observations,
    final_observations: t.finalObservations,
    actions: t.actions,
    records,
  };
  // One bind group per step (its RngParams slot), per parameter buffer, made on first use.
  const groups = new Map<GPUBuffer, GPUBindGroup[]>();
  const groupsFor = (actor: GPUBuffer) => {
    let perStep = groups.get(actor);
    if (!perStep) {
      const slot = (k: number) => ({ buffer: buffers.stepParams, offset: k * buffers.slotBytes, size: RNG_PARAMS_BYTES });
      perStep = Array.from({ length: steps }, (_, k) => step.bind({ ...common, actor, step_params: slot(k) }, `${label}.fused-step.${k}`));
      groups.set(actor, perStep);
    }
    return perStep;
  };
  const fields = { log_probs: t.logProbs, rewards: t.rewards, terminated: t.terminated, truncated: t.truncated, episode_returns: t.episodeReturns, episode_lengths: t.episodeLengths };
  const unpackGroup = unpack.bind({ records, ...fields }, `${label}.fused-unpack`);
  return (encoder, actorParams) => {
    const perStep = groupsFor(actorParams);
    for (let k = 0; k < steps; k += 1) {
      const pass = encoder.beginComputePass({ label: `${label}.fused-step` });
      step.dispatch(pass, perStep[k]!, N);
      pass.end();
      // Where a paced loop may let a frame go by, as after each layer-wise step.
      splitPoint(encoder);
    }
    const pass = encoder.beginComputePass({ label: `${label}.fused-unpack` });
    unpack.dispatch(pass, unpackGroup, steps * N);
    pass.end();
    // s_T, where the env's next step (or an evaluation) reads it.
    encoder.copyBufferToBuffer(t.observations, 4 * steps * N * OBS, e.observations, 0, 4 * N * OBS);
  };
}

/** The fused step over `envs` (discrete, unmasked bodies) for odd sizes, a population, and the unpack (catalogue). */
export function fusedStepKernelExamples(envs: readonly EnvDescriptor[]): KernelSpec[] {
  return [
    ...envs.map((descriptor, i) => {
      const actions = descriptor.actionSpace.kind === 'discrete' ? descriptor.actionSpace.n : 1;
      const actor = mlpLayout(actorSpec(descriptor.observationSpace.size, actions, i % 2 === 0 ? [13, 64] : [8]));
      return rolloutFusedSpec({ descriptor, maxEpisodeSteps: descriptor.maxEpisodeSteps, actor, steps: 29, B: 7, N: i % 2 === 0 ? 7 : 21 });
    }),
    rolloutUnpackSpec(29 * 7),
  ];
}
