/**
 * The rollout's action samplers (./kernels.ts), compiled once with their per-step bind groups: the
 * Gaussian sampler of a box (or of a hybrid space's box, first), then one sampler per categorical
 * branch (src/nn/heads-multi-discrete.ts), each after the first adding its log p to the row's. They
 * read the actor's policy output and write the env's actions buffer in place, over rows [from, to)
 * of the N (all of them, or a pipelined JavaScript env's halves: ./host-halves.ts).
 */
import { createKernel, type Kernel } from '../gpu/kernel';
import type { MlpPasses } from '../nn/mlp';
import { RNG_PARAMS_BYTES } from '../rng/params';
import { policySampleCategoricalKernels, policySampleGaussianKernel, type SampledRows } from './kernels';
import type { RolloutShape } from './rollout-shape';
import { sampleGroupCache, type RolloutSampler, type SampleBindings } from './sample-groups';

/** The buffers the samplers bind besides the actor's output and parameters. */
export interface SamplerBuffers {
  /** T uniform slots of RngParams, `slotBytes` apart. */
  readonly stepParams: GPUBuffer;
  readonly slotBytes: number;
  readonly seedBuffer: GPUBuffer;
  /** log π of the step's actions [N]. */
  readonly stepLogProbs: GPUBuffer;
  /** Bound as the mask of an unmasked rollout (never read). */
  readonly unusedMask: GPUBuffer;
  readonly maskErrors: GPUBuffer;
}

export interface RolloutSamplers {
  /** The specs over a range of rows (the pipelined halves compile their own). */
  readonly samplersOf: (rows: SampledRows) => RolloutSampler[];
  readonly bindings: SampleBindings;
  /** The per-step bind groups of every sampler for a parameter buffer. */
  groups(actorParams: GPUBuffer): GPUBindGroup[][];
  /** Records the samplers of `step` over all N rows, in order. */
  dispatch(pass: GPUComputePassEncoder, groups: GPUBindGroup[][], step: number): void;
}

export async function createRolloutSamplers(device: GPUDevice, shape: RolloutShape, buffers: SamplerBuffers, actorPasses: MlpPasses): Promise<RolloutSamplers> {
  const { env, steps, label, masked } = shape;
  const e = env.buffers;
  const samplersOf = (rows?: SampledRows): RolloutSampler[] => [
    ...(shape.continuousDims > 0 ? [gaussianSampler(shape, rows)] : []),
    ...(shape.branches.length > 0 ? categoricalSamplers(shape, rows) : []),
  ];
  const samples = samplersOf();
  const stepParamsOf = (step: number) => ({ buffer: buffers.stepParams, offset: step * buffers.slotBytes, size: RNG_PARAMS_BYTES });
  // The Gaussian sampler also reads the actor's parameters (the log-std).
  const bindings: SampleBindings = (step, actorParams, kind): Record<string, GPUBuffer | GPUBufferBinding> => {
    const common = { params: stepParamsOf(step), agent_seeds: buffers.seedBuffer, actions: e.actions, log_probs: buffers.stepLogProbs };
    if (kind === 'gaussian') return { ...common, mean: actorPasses.outputs.policy!, log_std: actorParams };
    return { ...common, logits: actorPasses.outputs.policy!, mask: masked ? e.masks! : buffers.unusedMask, mask_errors: buffers.maskErrors };
  };
  const kernels: Kernel[] = [];
  for (const [b, sample] of samples.entries()) {
    kernels.push(await createKernel(device, { ...sample.spec, label: `${label}.sample${samples.length > 1 ? `[${b}]` : ''}` }));
  }
  const caches = kernels.map((kernel, b) => sampleGroupCache(kernel, samples[b]!.kind, steps, bindings, `${label}.sample.${b}`));
  return {
    samplersOf,
    bindings,
    groups: (actorParams) => caches.map((cache) => cache(actorParams)),
    // Each sampler after the first adds its log p to those before it: the dispatches run in order.
    dispatch: (pass, groups, step) => kernels.forEach((kernel, b) => kernel.dispatch(pass, groups[b]![step]!, samples[b]!.invocations)),
  };
}

/** The Gaussian sampler of a box, or of a hybrid space's first D dims (means the first D outputs of a row, actions the first D words). */
function gaussianSampler(shape: RolloutShape, rows: SampledRows | undefined): RolloutSampler {
  const { G, B, continuousDims: D, actor, logStdSlot, policySize, A } = shape;
  const logStd = { agentStride: actor.parametersPerAgent, offset: logStdSlot!.offset };
  return { kind: 'gaussian', ...policySampleGaussianKernel({ agents: G, envsPerAgent: B, actionDims: D, logStd, rows, rowWidths: { outputs: policySize, actions: A } }) };
}

/**
 * One sampler per categorical branch; a hybrid space's read the logits after the D means, write the
 * words after the D floats, draw after the Gaussian's ⌈D/4⌉ Philox blocks and add to its log p.
 */
function categoricalSamplers(shape: RolloutShape, rows: SampledRows | undefined): RolloutSampler[] {
  const { G, B, continuousDims: D, branches, masked, policySize, A } = shape;
  const hybrid = D > 0 ? { hybrid: { logits: { stride: policySize, offset: D }, actions: { stride: A, offset: D }, firstDraw: 4 * Math.ceil(D / 4) } } : {};
  return policySampleCategoricalKernels({ agents: G, envsPerAgent: B, nvec: branches, masked, rows, ...hybrid }).map((s) => ({ kind: 'categorical', ...s }));
}
