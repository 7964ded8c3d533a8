/**
 * The optimiser on the GPU: Adam (torch.optim.Adam) or plain SGD over one flat parameter buffer
 * [G][P], with per-agent global gradient-norm clipping (torch.nn.utils.clip_grad_norm_), learning
 * rate, on/off flag and step count, all in GPU buffers. Nothing is read back: clipping is a
 * reduction followed by a scale inside the update, the learning rate is read by the kernel at each
 * step (a schedule writes it between iterations, or a kernel writes it on the GPU), and Adam's t
 * advances on the GPU, so many updates can be encoded in one submit.
 *
 * Every buffer is allocated by createOptimizer; encodeStep only records dispatches (bind groups are
 * cached per parameters/gradients buffer pair).
 */
import { BufferSet } from '../gpu/buffers';
import { createKernel, type Kernel } from '../gpu/kernel';
import {
  AGENT_STATE_WORDS,
  OPTIM_PARAMS_BYTES,
  STEP_COEFFICIENTS_WORDS,
  gradNormChunks,
  gradNormPartialSpec,
  prepareStepSpec,
  updateSpec,
} from './optimizer-kernels';

export type OptimizerKind = 'adam' | 'sgd';

export interface OptimizerConfig {
  /** 'adam' (torch.optim.Adam, no weight decay) or 'sgd' (θ ← θ − lr·g, no momentum). */
  readonly kind: OptimizerKind;
  /** G: independent parameter sets, each with its own learning rate, step count and clipping. */
  readonly agents: number;
  /** P: floats per agent (MlpLayout.parametersPerAgent). */
  readonly parametersPerAgent: number;
  /** Initial learning rate, one for every agent or one per agent; default 2.5e-4 (CleanRL PPO). */
  readonly learningRate?: number | readonly number[];
  /** Adam's first-moment decay; default 0.9. */
  readonly beta1?: number;
  /** Adam's second-moment decay; default 0.999. */
  readonly beta2?: number;
  /** Adam's ε; default 1e-5 as CleanRL uses (torch's default is 1e-8). */
  readonly epsilon?: number;
  /** Clip each agent's gradient to this global L2 norm; ≤ 0 or absent: no clipping. CleanRL uses 0.5. */
  readonly maxGradNorm?: number;
  /** Compute ‖g‖² per agent (buffers.gradNormSquared) even without clipping; default: only when clipping. */
  readonly trackGradNorm?: boolean;
  /** Prefix of every GPU object's label; default 'optimizer'. */
  readonly label?: string;
}

/** A validated config with every default filled in. */
export interface ResolvedOptimizerConfig {
  readonly kind: OptimizerKind;
  readonly agents: number;
  readonly parametersPerAgent: number;
  readonly learningRate: readonly number[];
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** 0 when clipping is off. */
  readonly maxGradNorm: number;
  readonly trackGradNorm: boolean;
  readonly label: string;
}

/** The buffers a step reads and writes, exposed so other kernels can write them on the GPU. */
export interface OptimizerBuffers {
  /** f32 [G], read at every step. */
  readonly learningRate: GPUBuffer;
  /** u32 [G]; 0 = skip this agent's update entirely (t, moments and parameters untouched). */
  readonly active: GPUBuffer;
  /** f32 [G]: ‖g‖₂² of the last step's gradients, before clipping; written only when trackGradNorm. */
  readonly gradNormSquared: GPUBuffer;
  /** [G] × { step: u32, 1 − β1^step: f32, 1 − β2^step: f32 } (shaders/optim/common.wgsl AgentState). */
  readonly agentState: GPUBuffer;
  /** [G] × StepCoefficients of the last step (scratch between prepare and update). */
  readonly coefficients: GPUBuffer;
  /** f32 [G·chunks]: per-chunk Σ g² (scratch). */
  readonly partialSums: GPUBuffer;
  /** f32 [G][P], Adam only. */
  readonly firstMoment?: GPUBuffer;
  readonly secondMoment?: GPUBuffer;
}

export interface OptimizerStepBuffers {
  /** f32 [G][P] (at least), updated in place. */
  readonly parameters: GPUBuffer;
  /** f32 [G][P] (at least), read only; must be complete when the step runs. */
  readonly gradients: GPUBuffer;
}

export interface Optimizer {
  readonly config: ResolvedOptimizerConfig;
  readonly buffers: OptimizerBuffers;
  /** Dispatches per step: 2, or 3 when the gradient norm is computed. */
  readonly dispatchesPerStep: number;
  /**
   * Records one update: into `target` if it is a compute pass, else into a new compute pass of the
   * encoder. Reads lr and active when it runs, so steps encoded together see GPU-written values.
   */
  encodeStep(target: GPUCommandEncoder | GPUComputePassEncoder, step: OptimizerStepBuffers): void;
  /** Writes the learning rate (one value for all agents, or one per agent) through the queue. */
  setLearningRate(values: number | readonly number[]): void;
  /** Writes the active flags (one for all agents, or one per agent) through the queue. */
  setActive(values: boolean | readonly boolean[]): void;
  /** Records zeroing of moments and step counts (a fresh optimiser; lr and active are kept). */
  encodeReset(encoder: GPUCommandEncoder): void;
  destroy(): void;
}

const DEFAULTS = { learningRate: 2.5e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-5 } as const;

function fail(field: string, value: unknown, valid: string): never {
  const shown = Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
  throw new RangeError(`optimizer.${field} must be ${valid} (got ${shown})`);
}

/** One value per agent from a scalar or an array, each checked by `valid`. */
function perAgent<T>(field: string, values: T | readonly T[], agents: number, check: (v: T) => boolean, valid: string): T[] {
  const list = Array.isArray(values) ? (values as readonly T[]) : Array.from({ length: agents }, () => values as T);
  if (list.length !== agents) fail(field, values, `one value or ${agents} values (one per agent)`);
  list.forEach((v, g) => {
    if (!check(v)) fail(`${field}[${g}]`, v, valid);
  });
  return [...list];
}

const isLearningRate = (v: number) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Checks a config and fills in defaults; throws RangeError naming the field, value and valid range. */
export function resolveOptimizerConfig(config: OptimizerConfig): ResolvedOptimizerConfig {
  const { kind, agents, parametersPerAgent } = config;
  if (kind !== 'adam' && kind !== 'sgd') fail('kind', kind, "'adam' or 'sgd'");
  if (!Number.isInteger(agents) || agents < 1) fail('agents', agents, 'a positive integer');
  if (!Number.isInteger(parametersPerAgent) || parametersPerAgent < 1) {
    fail('parametersPerAgent', parametersPerAgent, 'a positive integer');
  }
  if (agents * parametersPerAgent > 0xffffffff) {
    fail('agents × parametersPerAgent', agents * parametersPerAgent, 'below 2^32 (kernels index with u32)');
  }
  const learningRate = perAgent('learningRate', config.learningRate ?? DEFAULTS.learningRate, agents, isLearningRate, 'a finite number ≥ 0');
  const beta = (field: 'beta1' | 'beta2') => {
    const value = config[field] ?? DEFAULTS[field];
    if (typeof value !== 'number' || !(value >= 0 && value < 1)) fail(field, value, 'a number in [0, 1)');
    return value;
  };
  const beta1 = beta('beta1');
  const beta2 = beta('beta2');
  const epsilon = config.epsilon ?? DEFAULTS.epsilon;
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0) fail('epsilon', epsilon, 'a finite number > 0');
  const maxGradNorm = config.maxGradNorm ?? 0;
  if (typeof maxGradNorm !== 'number' || Number.isNaN(maxGradNorm) || maxGradNorm === Infinity) {
    fail('maxGradNorm', maxGradNorm, 'a finite number (≤ 0: no clipping)');
  }
  const clipping = maxGradNorm > 0;
  const trackGradNorm = config.trackGradNorm ?? clipping;
  if (typeof trackGradNorm !== 'boolean') fail('trackGradNorm', trackGradNorm, 'a boolean');
  if (clipping && !trackGradNorm) fail('trackGradNorm', trackGradNorm, 'true (or absent) when maxGradNorm > 0: clipping needs the norm');
  return Object.freeze({
    kind,
    agents,
    parametersPerAgent,
    learningRate: Object.freeze(learningRate),
    beta1,
    beta2,
    epsilon,
    maxGradNorm: clipping ? maxGradNorm : 0,
    trackGradNorm,
    label: config.label ?? 'optimizer',
  });
}

/** The uniform OptimParams block (shaders/optim/common.wgsl). */
function encodeOptimParams(config: ResolvedOptimizerConfig): Float32Array<ArrayBuffer> {
  const data = new Float32Array(OPTIM_PARAMS_BYTES / 4);
  // 1 − β in float64, then rounded once (see common.wgsl).
  data.set([config.beta1, config.beta2, 1 - config.beta1, 1 - config.beta2, config.epsilon, config.maxGradNorm]);
  return data;
}

interface StepBindGroups {
  gradNorm?: GPUBindGroup;
  update: GPUBindGroup;
}

/**
 * Creates an optimiser for G agents of P floats: compiles its kernels and allocates every buffer it
 * will use (moments, state, learning rate, flags, norm scratch). All agents start active at the
 * configured learning rate with t = 0.
 */
export async function createOptimizer(device: GPUDevice, config: OptimizerConfig): Promise<Optimizer> {
  const resolved = resolveOptimizerConfig(config);
  const { kind, agents, parametersPerAgent, label } = resolved;
  const chunks = resolved.trackGradNorm ? gradNormChunks(parametersPerAgent) : 0;
  const gradNormKernelSpec = chunks > 0 ? gradNormPartialSpec(agents, parametersPerAgent) : undefined;

  // One after another: createKernel's error scopes are a per-device stack, so concurrent compiles
  // could pin one kernel's compile error on another.
  const gradNormKernel: Kernel | undefined = gradNormKernelSpec ? await createKernel(device, gradNormKernelSpec) : undefined;
  const prepareKernel = await createKernel(device, prepareStepSpec(agents, chunks));
  const updateKernel = await createKernel(device, updateSpec(kind, agents, parametersPerAgent));

  const parameterBytes = 4 * agents * parametersPerAgent;
  const moments = kind === 'adam' ? { firstMoment: { size: parameterBytes }, secondMoment: { size: parameterBytes } } : {};
  const set = new BufferSet(device, label, {
    params: { size: OPTIM_PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
    learningRate: { size: 4 * agents },
    active: { size: 4 * agents },
    gradNormSquared: { size: 4 * agents },
    agentState: { size: 4 * AGENT_STATE_WORDS * agents },
    coefficients: { size: 4 * STEP_COEFFICIENTS_WORDS * agents },
    partialSums: { size: 4 * agents * Math.max(1, chunks) },
    ...moments,
  } as Record<string, { size: number; usage?: GPUBufferUsageFlags }>);
  const b = set.buffers as Record<string, GPUBuffer>;
  const buffers: OptimizerBuffers = {
    learningRate: b.learningRate!,
    active: b.active!,
    gradNormSquared: b.gradNormSquared!,
    agentState: b.agentState!,
    coefficients: b.coefficients!,
    partialSums: b.partialSums!,
    ...(kind === 'adam' ? { firstMoment: b.firstMoment!, secondMoment: b.secondMoment! } : {}),
  };
  const paramsBuffer = b.params!;

  device.queue.writeBuffer(paramsBuffer, 0, encodeOptimParams(resolved));
  let destroyed = false;
  const assertAlive = () => {
    if (destroyed) throw new Error(`optimizer '${label}' was destroyed`);
  };

  const setLearningRate = (values: number | readonly number[]) => {
    assertAlive();
    const list = perAgent('learningRate', values, agents, isLearningRate, 'a finite number ≥ 0');
    device.queue.writeBuffer(buffers.learningRate, 0, new Float32Array(list));
  };
  const setActive = (values: boolean | readonly boolean[]) => {
    assertAlive();
    const list = perAgent('active', values, agents, (v) => typeof v === 'boolean', 'a boolean');
    device.queue.writeBuffer(buffers.active, 0, new Uint32Array(list.map((v) => (v ? 1 : 0))));
  };
  setLearningRate(resolved.learningRate);
  setActive(true);
  // Zeroed at creation by WebGPU; written explicitly so the state's meaning does not rest on it.
  device.queue.writeBuffer(buffers.agentState, 0, new Uint32Array(AGENT_STATE_WORDS * agents));

  const prepareBindGroup = prepareKernel.bind(
    {
      params: paramsBuffer,
      partial_sums: buffers.partialSums,
      learning_rate: buffers.learningRate,
      active_flags: buffers.active,
      agent_state: buffers.agentState,
      grad_norm_squared: buffers.gradNormSquared,
      coefficients: buffers.coefficients,
    },
    `${label}.prepare_step`,
  );

  // Bind groups per (parameters, gradients) pair, made on first use: encodeStep creates nothing
  // after that. WeakMaps let a destroyed caller buffer take its bind groups with it.
  const bindGroupCache = new WeakMap<GPUBuffer, WeakMap<GPUBuffer, StepBindGroups>>();
  const checkStepBuffer = (name: string, buffer: GPUBuffer) => {
    if (buffer.size < parameterBytes) {
      throw new RangeError(
        `optimizer '${label}': ${name} buffer '${buffer.label}' holds ${buffer.size} bytes; ` +
          `${agents} agents × ${parametersPerAgent} floats need at least ${parameterBytes}`,
      );
    }
    if (!(buffer.usage & GPUBufferUsage.STORAGE)) {
      throw new RangeError(`optimizer '${label}': ${name} buffer '${buffer.label}' lacks STORAGE usage`);
    }
  };
  const bindGroupsFor = ({ parameters, gradients }: OptimizerStepBuffers): StepBindGroups => {
    let byGradients = bindGroupCache.get(parameters);
    if (!byGradients) bindGroupCache.set(parameters, (byGradients = new WeakMap()));
    const cached = byGradients.get(gradients);
    if (cached) return cached;
    checkStepBuffer('parameters', parameters);
    checkStepBuffer('gradients', gradients);
    if (parameters === gradients) throw new RangeError(`optimizer '${label}': parameters and gradients must be different buffers`);
    const range = (buffer: GPUBuffer): GPUBufferBinding => ({ buffer, offset: 0, size: parameterBytes });
    const update =
      kind === 'adam'
        ? updateKernel.bind(
            {
              params: paramsBuffer,
              coefficients: buffers.coefficients,
              gradients: range(gradients),
              parameters: range(parameters),
              first_moment: buffers.firstMoment!,
              second_moment: buffers.secondMoment!,
            },
            `${label}.adam_update`,
          )
        : updateKernel.bind(
            { coefficients: buffers.coefficients, gradients: range(gradients), parameters: range(parameters) },
            `${label}.sgd_update`,
          );
    const gradNorm = gradNormKernel?.bind(
      { gradients: range(gradients), partial_sums: buffers.partialSums },
      `${label}.grad_norm_partial`,
    );
    const groups: StepBindGroups = gradNorm ? { gradNorm, update } : { update };
    byGradients.set(gradients, groups);
    return groups;
  };

  const encodeStep = (target: GPUCommandEncoder | GPUComputePassEncoder, step: OptimizerStepBuffers) => {
    assertAlive();
    const groups = bindGroupsFor(step);
    const ownPass = !('dispatchWorkgroups' in target);
    const pass = ownPass ? (target as GPUCommandEncoder).beginComputePass({ label: `${label}.step` }) : target;
    if (gradNormKernel && groups.gradNorm) {
      gradNormKernel.dispatch(pass, groups.gradNorm, agents * chunks * gradNormKernel.spec.workgroupSize);
    }
    prepareKernel.dispatch(pass, prepareBindGroup, agents * prepareKernel.spec.workgroupSize);
    updateKernel.dispatch(pass, groups.update, agents * parametersPerAgent);
    if (ownPass) pass.end();
  };

  return {
    config: resolved,
    buffers,
    dispatchesPerStep: gradNormKernel ? 3 : 2,
    encodeStep,
    setLearningRate,
    setActive,
    encodeReset(encoder) {
      assertAlive();
      encoder.clearBuffer(buffers.agentState);
      if (buffers.firstMoment) encoder.clearBuffer(buffers.firstMoment);
      if (buffers.secondMoment) encoder.clearBuffer(buffers.secondMoment);
    },
    destroy() {
      destroyed = true;
      set.destroy();
    },
  };
}
