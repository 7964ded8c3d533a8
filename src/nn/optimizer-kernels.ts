/**
 * The optimiser's kernels (shaders/optim/) and the byte layouts of their records. One optimiser
 * step is two or three dispatches:
 *   optim.grad_norm_partial  (only when the gradient norm is needed) Σ g² per chunk of each agent
 *   optim.prepare_step       one workgroup per agent: ‖g‖², clip scale, step count t, coefficients
 *   optim.adam_update | optim.sgd_update   one invocation per parameter
 * Build the specs with the functions below, which check sizes; the constants here are also what
 * test/support/kernel-catalogue.ts lists.
 */
import type { KernelSpec } from '../gpu/kernel';
import adamUpdateWgsl from '../../shaders/optim/adam_update.wgsl';
import commonWgsl from '../../shaders/optim/common.wgsl';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import gradNormPartialWgsl from '../../shaders/optim/grad_norm_partial.wgsl';
import prepareStepWgsl from '../../shaders/optim/prepare_step.wgsl';
import reduceWgsl from '../../shaders/common/reduce.wgsl';
import sgdUpdateWgsl from '../../shaders/optim/sgd_update.wgsl';

/** OptimParams (shaders/optim/common.wgsl): six f32, padded to 32 bytes. */
export const OPTIM_PARAMS_BYTES = 32;
/** AgentState: step u32, bias_correction1 f32, bias_correction2 f32. */
export const AGENT_STATE_WORDS = 3;
/** StepCoefficients: enabled u32, clip_scale, learning_rate, step_size, inv_sqrt_bias_correction2. */
export const STEP_COEFFICIENTS_WORDS = 5;

/** Squares each invocation adds serially before the workgroup tree in optim.grad_norm_partial. */
export const GRAD_NORM_ITEMS_PER_THREAD = 8;

function checkCount(what: string, field: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what}: ${field} must be a positive integer (got ${value})`);
  }
}

const common = commonWgsl;
const reduce = reduceWgsl;
const dispatch = dispatchWgsl;

/** Σ g² over chunks of each agent's gradients; bindings: gradients (read), partial_sums. */
export const OPTIM_GRAD_NORM_PARTIAL: KernelSpec = {
  label: 'optim.grad_norm_partial',
  parts: [dispatch, reduce, gradNormPartialWgsl],
  workgroupSize: 256,
};

/** Per-agent norm, clip scale, step count and coefficients; one workgroup per agent. */
export const OPTIM_PREPARE_STEP: KernelSpec = {
  label: 'optim.prepare_step',
  parts: [dispatch, common, reduce, prepareStepWgsl],
  workgroupSize: 64,
};

/** torch.optim.Adam's update of θ, m, v; one invocation per parameter. */
export const OPTIM_ADAM_UPDATE: KernelSpec = {
  label: 'optim.adam_update',
  parts: [dispatch, common, adamUpdateWgsl],
  workgroupSize: 64,
};

/** θ ← θ − lr·clip_scale·g; one invocation per parameter. */
export const OPTIM_SGD_UPDATE: KernelSpec = {
  label: 'optim.sgd_update',
  parts: [dispatch, common, sgdUpdateWgsl],
  workgroupSize: 64,
};

const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/**
 * The workgroup size for optim.grad_norm_partial at P floats per agent: 256, or the smallest power
 * of two covering P at GRAD_NORM_ITEMS_PER_THREAD each when P is small, so that many agents of a
 * few parameters (a CEM population, say) do not idle 255 of 256 invocations through the tree.
 */
export function gradNormWorkgroupSize(parametersPerAgent: number): number {
  return Math.min(OPTIM_GRAD_NORM_PARTIAL.workgroupSize, nextPowerOfTwo(Math.ceil(parametersPerAgent / GRAD_NORM_ITEMS_PER_THREAD)));
}

/** The workgroup size for optim.prepare_step with `chunks` partial sums per agent: ≤ 64, ≥ 1. */
export function prepareStepWorkgroupSize(chunks: number): number {
  return Math.min(OPTIM_PREPARE_STEP.workgroupSize, nextPowerOfTwo(chunks));
}

/** Partial sums per agent that optim.grad_norm_partial writes for `parametersPerAgent` floats. */
export function gradNormChunks(
  parametersPerAgent: number,
  workgroupSize = gradNormWorkgroupSize(parametersPerAgent),
  itemsPerThread = GRAD_NORM_ITEMS_PER_THREAD,
): number {
  return Math.ceil(parametersPerAgent / (workgroupSize * itemsPerThread));
}

/** OPTIM_GRAD_NORM_PARTIAL sized for G agents of P floats; dispatch G·chunks·workgroupSize invocations. */
export function gradNormPartialSpec(
  agents: number,
  parametersPerAgent: number,
  workgroupSize = gradNormWorkgroupSize(parametersPerAgent),
  itemsPerThread = GRAD_NORM_ITEMS_PER_THREAD,
): KernelSpec {
  const what = 'optim.grad_norm_partial';
  checkCount(what, 'agents', agents);
  checkCount(what, 'parametersPerAgent', parametersPerAgent);
  checkCount(what, 'itemsPerThread', itemsPerThread);
  checkCount(what, 'workgroupSize', workgroupSize);
  return {
    ...OPTIM_GRAD_NORM_PARTIAL,
    workgroupSize,
    constants: {
      AGENTS: agents,
      PARAMETERS_PER_AGENT: parametersPerAgent,
      CHUNKS: gradNormChunks(parametersPerAgent, workgroupSize, itemsPerThread),
      ITEMS_PER_THREAD: itemsPerThread,
    },
  };
}

/** OPTIM_PREPARE_STEP for G agents with `chunks` partial sums each (0: no norm); dispatch G·workgroupSize. */
export function prepareStepSpec(agents: number, chunks: number, workgroupSize = prepareStepWorkgroupSize(chunks)): KernelSpec {
  const what = 'optim.prepare_step';
  checkCount(what, 'agents', agents);
  if (!Number.isInteger(chunks) || chunks < 0) {
    throw new RangeError(`${what}: chunks must be a non-negative integer (got ${chunks})`);
  }
  checkCount(what, 'workgroupSize', workgroupSize);
  return { ...OPTIM_PREPARE_STEP, workgroupSize, constants: { AGENTS: agents, CHUNKS: chunks } };
}

/** OPTIM_ADAM_UPDATE or OPTIM_SGD_UPDATE for G agents of P floats; dispatch G·P invocations. */
export function updateSpec(kind: 'adam' | 'sgd', agents: number, parametersPerAgent: number): KernelSpec {
  const base = kind === 'adam' ? OPTIM_ADAM_UPDATE : OPTIM_SGD_UPDATE;
  checkCount(base.label, 'agents', agents);
  checkCount(base.label, 'parametersPerAgent', parametersPerAgent);
  return { ...base, constants: { AGENTS: agents, PARAMETERS_PER_AGENT: parametersPerAgent } };
}

/** One spec of each optimiser kernel, at representative sizes (for test/support/kernel-catalogue.ts). */
export function optimizerKernelExamples(): KernelSpec[] {
  const agents = 3;
  const parametersPerAgent = 4099;
  return [
    gradNormPartialSpec(agents, parametersPerAgent),
    prepareStepSpec(agents, gradNormChunks(parametersPerAgent)),
    updateSpec('adam', agents, parametersPerAgent),
    updateSpec('sgd', agents, parametersPerAgent),
  ];
}
