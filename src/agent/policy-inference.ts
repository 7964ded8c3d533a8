/**
 * Batched policy inference on the GPU: the Agent's `act()` for a game loop. One call uploads the
 * observations (and an action mask), records normalise → actor forward (→ critic forward) → head
 * (sample or mode) → copies into one staging buffer, submits once and maps that buffer once.
 *
 * Reused kernels. The observation normaliser's kernel with UPDATE = 0 (src/normalise: the path that
 * normalises final observations without counting them), the layer-wise MLP forward
 * (createMlpPasses), the categorical and Gaussian samplers and the Gaussian evaluate kernel of
 * src/nn/heads. The only new kernel is the masked greedy categorical action,
 * shaders/agent/categorical_argmax.wgsl.
 *
 * Batch size. Everything is allocated, compiled and bound once for `maxBatch` rows; a call of
 * `batch` rows dispatches only those: the MLP forward runs a prefix of its rows (the `rows` option
 * of encodeForward, one invocation per (row, 4 outputs), row-major), the head kernels one
 * invocation per row, and only those rows are copied and read back. The exception is the
 * normaliser, one workgroup per observation dim looping over all maxBatch rows (OBS·maxBatch
 * subtractions; rows past the batch hold an earlier call's finite observations, or zeros).
 *
 * Randomness. Call k (counted from 0 over the calls that reached the GPU) samples row r with Philox
 * key (seed, INFERENCE_STREAM) and counter (draw, r, 0, k): the samplers' ordinary keying with
 * iteration = k, so every call draws fresh numbers, reproducibly from the seed.
 *
 * Box actions. The sampler's action μ + σ·ε is unclipped (its log-probability is the one returned,
 * as in the rollout); the returned actions are clipped to [low, high] on the host after readback,
 * which also handles infinite bounds without a sentinel (a bound f32 cannot hold comes back as its
 * nearest f32, as the array is f32). The greedy action is μ, clipped the same
 * way; its log-probability Σ_d log N(μ_d; μ_d, σ_d²) is the evaluate kernel's.
 *
 * Concurrency. Two staging buffers: a call takes a free one, encodes and submits synchronously
 * (so the shared work buffers are written and read in queue order), and frees it after mapping.
 * A third concurrent call waits for a free slot, holding a private copy of its inputs meanwhile.
 *
 * Masks. A row whose mask allows no action is found by the head kernel itself (the MaskErrors
 * block of shaders/nn/categorical_common.wgsl, cleared before the head and copied into the same
 * staging buffer), so the check adds no submit and no readback, and is the same one a trainer's
 * rollout will make on masks its envs write; the call then rejects naming the lowest such row,
 * after its GPU work, and the next call is unaffected (it draws with the next Philox iteration, as
 * every call that reached the GPU does).
 *
 * Parameters arrive per call (the trainer owns and updates them). Bind groups over them are made
 * the first time a buffer is seen and cached, so a trainer that keeps its parameter buffers (as
 * every trainer here does) makes no GPU object after the first call. A [G][P] buffer is accepted;
 * agent 0's parameters are used (as are agent 0's normaliser records).
 */
import { BufferSet, createBuffer, destroyBuffer, gpuCounters } from '../gpu/buffers';
import { dispatchGroups } from '../gpu/dispatch';
import { createKernel, type Kernel, type KernelSpec, type SizedKernel } from '../gpu/kernel';
import { MAX_ACTION_SIZE } from '../envs/contract';
import type { ActionSpace } from '../envs/types';
import {
  MASK_ERRORS_BYTES,
  clearMaskErrors,
  decodeMaskErrors,
  gaussianEvaluateKernel,
  gaussianSampleKernel,
  learnedLogStd,
} from '../nn/heads';
import { createMlpPasses, type MlpPasses } from '../nn/mlp';
import type { MlpLayout } from '../nn/mlp-spec';
import { normaliseObservationsKernel, RUNNING_MOMENTS_BYTES } from '../normalise/running-normalisers';
import { MAX_DISCRETE_ACTIONS } from '../rng/categories';
import { categoricalRowConstants } from '../nn/heads';
import { branchHeadConfig, multiCategoricalSampleKernels, multiCategoricalWidth } from '../nn/heads-multi-discrete';
import { actionBranches, checkMultiDiscrete, policyOutputWidth } from '../envs/action-branches';
import { encodeRngParams, RNG_PARAMS_BYTES } from '../rng/params';
import categoricalArgmaxWgsl from '../../shaders/agent/categorical_argmax.wgsl';
import categoricalCommonWgsl from '../../shaders/nn/categorical_common.wgsl';
import categoricalAccumulateWgsl from '../../shaders/nn/categorical_accumulate.wgsl';
import categoricalActionsWgsl from '../../shaders/nn/categorical_actions.wgsl';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';

/** The Philox stream of act()'s stochastic draws ('INF'). */
export const INFERENCE_STREAM = 0x494e46;

/** Staging buffers: one call maps while the next submits. */
const STAGING_SLOTS = 2;
const FLOAT = 4;
const WORKGROUP = 64;

export interface PolicyInferenceConfig {
  /** The actor: a 'policy' head of logits (discrete) or means (box) and, for a box, extras.logStd. */
  readonly actor: MlpLayout;
  /** Optional critic for values: a 'value' head of size 1. Without it, an actor with a 'value' head (shared torso) gives values. */
  readonly critic?: MlpLayout;
  /** Box actions are clipped to [low, high] in the returned actions. */
  readonly actionSpace: ActionSpace;
  /** The largest batch (rows) act() accepts; buffers are sized for it once. */
  readonly maxBatch: number;
  /** The running observation normaliser's statistics (agent 0's RunningMoments records, see src/normalise), if training used one. */
  readonly observationNormaliser?: { readonly moments: GPUBuffer; readonly clip: number; readonly epsilon: number };
  /** Philox key of the stochastic draws (stream INFERENCE_STREAM), a u32. */
  readonly seed: number;
  readonly label?: string;
}

/** Options of Agent.act(): greedy or sampled actions, a mask, and what else to return. */
export interface ActOptions {
  /** Argmax (discrete) or the Gaussian mean (box) instead of a sample; default false. */
  readonly deterministic?: boolean;
  /**
   * [batch][n] row-major, 1 / true = allowed (discrete only): a Uint8Array, a Uint32Array (an env's
   * `masks` buffer read back, or a host env's `latest.masks`) or booleans; a row that allows no
   * action rejects the call, naming the row. Agent.act() on an env with action masks requires it;
   * null there acts over every action.
   */
  readonly actionMask?: Uint8Array | Uint32Array | readonly boolean[] | null;
  /** Also return log π(a|s) of the returned actions. */
  readonly logProbs?: boolean;
  /** Also return V(s) (needs a critic, or an actor with a 'value' head). */
  readonly values?: boolean;
  /** Also return the policy head's outputs: unmasked logits or Gaussian means. */
  readonly policyOutputs?: boolean;
}

/** What Agent.act() returns: one action per observation row, and what the options asked for. */
export interface ActResult {
  /** [batch] discrete, [batch][K] multi-discrete (one action per branch), [batch][A] box (clipped to bounds). */
  readonly actions: Uint32Array | Float32Array;
  /** log π(a|s) of the returned (for box: the unclipped sample's) action under the MASKED distribution. */
  readonly logProbs?: Float32Array;
  /** V(s). */
  readonly values?: Float32Array;
  /** Logits [batch][n] or [batch][Σ nvec] (unmasked; multi-discrete: the branches side by side) or means [batch][A]: what an ONNX export of the policy outputs. */
  readonly policyOutputs?: Float32Array;
}

export interface PolicyParameters {
  readonly actor: GPUBuffer;
  readonly critic?: GPUBuffer;
}

export interface PolicyInference {
  /** Observations [batch][OBS] row-major, 0 ≤ batch ≤ maxBatch; rejects bad input before any GPU work. */
  act(parameters: PolicyParameters, observations: Float32Array, options?: ActOptions): Promise<ActResult>;
  /** Frees every GPU object it made; act() afterwards throws. Calls in flight finish or reject. */
  destroy(): void;
}

/**
 * Greedy categorical action and its log-probability. Bindings: logits, mask (u32, read when MASKED),
 * actions (u32), log_probs, mask_errors (MaskErrors, src/nn/heads.ts). One invocation per row.
 */
export const CATEGORICAL_ARGMAX: KernelSpec = {
  label: 'agent.categorical_argmax',
  parts: [
    dispatchWgsl,
    categoricalCommonWgsl,
    categoricalActionsWgsl,
    categoricalAccumulateWgsl,
    categoricalArgmaxWgsl,
  ],
  workgroupSize: WORKGROUP,
};

/** CATEGORICAL_ARGMAX for `rows` rows of dense logits over `actions` actions. */
export function categoricalArgmaxKernel(config: { rows: number; actions: number; masked?: boolean }): SizedKernel {
  const { rows, actions } = config;
  if (!Number.isInteger(actions) || actions < 1 || actions > MAX_DISCRETE_ACTIONS) {
    throw new RangeError(`categoricalArgmax.actions must be an integer in [1, ${MAX_DISCRETE_ACTIONS}] (got ${actions})`);
  }
  return categoricalArgmaxKernels({ rows, nvec: [actions], masked: config.masked ?? false })[0]!;
}

/**
 * CATEGORICAL_ARGMAX once per branch of a multi-discrete head of dense logits [rows][Σ nvec]: the
 * greedy action of a product of independent categoricals is each branch's own argmax, written to
 * word b of u32 [rows][K], and log_probs holds the sum of the branches' log p. One branch ([n]) is
 * the plain categorical argmax.
 */
export function categoricalArgmaxKernels(config: { rows: number; nvec: readonly number[]; masked?: boolean }): SizedKernel[] {
  const { rows } = config;
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`categoricalArgmax.rows must be a positive integer (got ${rows})`);
  multiCategoricalWidth('categoricalArgmax', config.nvec);
  return config.nvec.map((_, b) => {
    const branch = branchHeadConfig('categoricalArgmax', { rows, nvec: config.nvec, masked: config.masked ?? false }, b);
    return {
      spec: {
        ...CATEGORICAL_ARGMAX,
        constants: categoricalRowConstants('categoricalArgmax', branch),
      },
      invocations: rows,
    };
  });
}

/** Representative specs for the kernel catalogue. */
export function policyInferenceKernelExamples(): KernelSpec[] {
  return [categoricalArgmaxKernel({ rows: 37, actions: 3, masked: true }).spec, categoricalArgmaxKernels({ rows: 37, nvec: [2, 3], masked: true })[1]!.spec];
}

// ---- validation ------------------------------------------------------------------------------

const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? `an array of ${value.length}` : typeof value === 'object' ? (value as object).constructor?.name ?? 'an object' : String(value);

function isBuffer(value: unknown): value is GPUBuffer {
  return typeof value === 'object' && value !== null && typeof (value as GPUBuffer).size === 'number' && typeof (value as GPUBuffer).usage === 'number';
}

interface Shape {
  readonly observationSize: number;
  /** A categorical policy: discrete, or multi-discrete (one categorical per branch). */
  readonly discrete: boolean;
  /** The categorical branches: [n] (discrete) or nvec (multi-discrete); empty for a box. */
  readonly branches: readonly number[];
  /** n, Σ nvec (logits) or A (box means): the policy head's width. */
  readonly policyWidth: number;
  /** Words of one row's action: 1 (discrete), K (multi-discrete) or A (box). */
  readonly actionWidth: number;
  readonly maxBatch: number;
  readonly low?: Float64Array;
  readonly high?: Float64Array;
  /** Where values come from: the critic, the actor's own 'value' head, or nowhere. */
  readonly valueSource: 'critic' | 'actor' | null;
}

function checkConfig(config: PolicyInferenceConfig): Shape {
  const { actor, critic, actionSpace } = config;
  if (!actor || !actor.spec || !actor.headLayer) throw new TypeError(`policyInference.actor must be an MlpLayout (mlpLayout(spec)) (got ${kindOf(actor)})`);
  const observationSize = actor.spec.inputSize;
  const policyLayer = actor.headLayer.policy;
  if (policyLayer === undefined) {
    throw new RangeError(`policyInference.actor must have a 'policy' head (heads: ${Object.keys(actor.headLayer).join(', ')})`);
  }
  const policyWidth = actor.layers[policyLayer]!.outputSize;
  const maxBatch = config.maxBatch;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`policyInference.maxBatch must be a positive integer (got ${String(maxBatch)})`);
  if (!Number.isInteger(config.seed) || config.seed < 0 || config.seed > 0xffffffff) {
    throw new RangeError(`policyInference.seed must be an integer in [0, 4294967295] (got ${String(config.seed)})`);
  }
  let low: Float64Array | undefined;
  let high: Float64Array | undefined;
  if (!actionSpace || (actionSpace.kind !== 'discrete' && actionSpace.kind !== 'multiDiscrete' && actionSpace.kind !== 'box')) {
    throw new TypeError(
      `policyInference.actionSpace must be { kind: 'discrete', n }, { kind: 'multiDiscrete', nvec } or { kind: 'box', size, low, high } (got ${kindOf(actionSpace)})`,
    );
  }
  if (actionSpace.kind === 'multiDiscrete') checkMultiDiscrete('policyInference', actionSpace.nvec);
  const discrete = actionSpace.kind !== 'box';
  const actions = policyOutputWidth(actionSpace);
  if (actionSpace.kind === 'discrete') {
    if (!Number.isInteger(actions) || actions < 1 || actions > MAX_DISCRETE_ACTIONS) {
      throw new RangeError(`policyInference.actionSpace.n must be an integer in [1, ${MAX_DISCRETE_ACTIONS}] (got ${String(actions)})`);
    }
  } else if (actionSpace.kind === 'box') {
    if (!Number.isInteger(actions) || actions < 1 || actions > MAX_ACTION_SIZE) {
      throw new RangeError(`policyInference.actionSpace.size must be an integer in [1, ${MAX_ACTION_SIZE}] (MAX_ACTION_SIZE) (got ${String(actions)})`);
    }
    const bounds = (name: 'low' | 'high') => {
      const values = actionSpace[name];
      if (!values || values.length !== actions) {
        throw new RangeError(`policyInference.actionSpace.${name} must hold ${actions} bounds, one per action dim (got ${values ? values.length : kindOf(values)})`);
      }
      return Float64Array.from(values, (v, d) => {
        if (typeof v !== 'number' || Number.isNaN(v)) throw new RangeError(`policyInference.actionSpace.${name}[${d}] must be a number (got ${String(v)})`);
        return v;
      });
    };
    low = bounds('low');
    high = bounds('high');
    low.forEach((l, d) => {
      if (!(l <= high![d]!)) throw new RangeError(`policyInference.actionSpace: low[${d}] = ${l} must not exceed high[${d}] = ${high![d]}`);
    });
    if (!actor.extras.logStd || actor.extras.logStd.length !== actions) {
      throw new RangeError(
        `policyInference.actor must have extras.logStd of ${actions} values for a box of ${actions} dims (got ${actor.extras.logStd ? actor.extras.logStd.length : 'none'})`,
      );
    }
  }
  if (policyWidth !== actions) {
    throw new RangeError(
      `policyInference.actor's 'policy' head has ${policyWidth} outputs; the action space needs ${actions} (${discrete ? 'logits' : 'means'})`,
    );
  }
  let valueSource: Shape['valueSource'] = null;
  if (critic) {
    if (!critic.spec || !critic.headLayer) throw new TypeError(`policyInference.critic must be an MlpLayout (got ${kindOf(critic)})`);
    const valueLayer = critic.headLayer.value;
    if (valueLayer === undefined || critic.layers[valueLayer]!.outputSize !== 1) {
      throw new RangeError(`policyInference.critic must have a 'value' head of size 1 (heads: ${critic.spec.heads.map((h) => `${h.name}[${h.size}]`).join(', ')})`);
    }
    if (critic.spec.inputSize !== observationSize) {
      throw new RangeError(`policyInference.critic takes ${critic.spec.inputSize} inputs; the actor takes ${observationSize} (they read the same observations)`);
    }
    valueSource = 'critic';
  } else if (actor.headLayer.value !== undefined && actor.layers[actor.headLayer.value]!.outputSize === 1) {
    valueSource = 'actor';
  }
  const normaliser = config.observationNormaliser;
  if (normaliser) {
    if (!isBuffer(normaliser.moments)) throw new TypeError(`policyInference.observationNormaliser.moments must be a GPUBuffer (got ${kindOf(normaliser.moments)})`);
    const need = observationSize * RUNNING_MOMENTS_BYTES;
    if (normaliser.moments.size < need) {
      throw new RangeError(
        `policyInference.observationNormaliser.moments ('${normaliser.moments.label}') has ${normaliser.moments.size} bytes; it must hold ${observationSize} RunningMoments records = ${need} bytes`,
      );
    }
    if (!(normaliser.moments.usage & GPUBufferUsage.STORAGE)) {
      throw new RangeError(`policyInference.observationNormaliser.moments ('${normaliser.moments.label}') must have STORAGE usage`);
    }
    for (const field of ['clip', 'epsilon'] as const) {
      const v = normaliser[field];
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
        throw new RangeError(`policyInference.observationNormaliser.${field} must be a finite number > 0 (got ${String(v)})`);
      }
    }
  }
  const branches = actionBranches(actionSpace);
  return { observationSize, discrete, branches, policyWidth, actionWidth: discrete ? branches.length : actions, maxBatch, low, high, valueSource };
}

const OPTION_NAMES = new Set(['deterministic', 'actionMask', 'logProbs', 'values', 'policyOutputs']);

interface Request {
  readonly rows: number;
  readonly observations: Float32Array;
  /** u32 [rows][n], 1 = allowed; null when no mask was given. */
  readonly mask: Uint32Array<ArrayBuffer> | null;
  readonly deterministic: boolean;
  readonly logProbs: boolean;
  readonly values: boolean;
  readonly policyOutputs: boolean;
  readonly actor: GPUBuffer;
  readonly critic: GPUBuffer | undefined;
}

function checkParameterBuffer(field: string, buffer: unknown, layout: MlpLayout): GPUBuffer {
  if (!isBuffer(buffer)) throw new TypeError(`${field} must be a GPUBuffer (got ${kindOf(buffer)})`);
  const need = layout.parametersPerAgent * FLOAT;
  if (buffer.size < need) throw new RangeError(`${field} ('${buffer.label}') has ${buffer.size} bytes; the network's parameters need ${layout.parametersPerAgent} floats = ${need} bytes`);
  if (!(buffer.usage & GPUBufferUsage.STORAGE)) throw new RangeError(`${field} ('${buffer.label}') must have STORAGE usage`);
  return buffer;
}

function checkRequest(config: PolicyInferenceConfig, shape: Shape, parameters: PolicyParameters, observations: Float32Array, options: ActOptions): Request {
  if (typeof options !== 'object' || options === null) throw new TypeError(`act options must be an object (got ${kindOf(options)})`);
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.has(name)) throw new RangeError(`act options: unknown option '${name}' (valid: ${[...OPTION_NAMES].join(', ')})`);
  }
  const flags = { deterministic: false, logProbs: false, values: false, policyOutputs: false };
  for (const name of Object.keys(flags) as (keyof typeof flags)[]) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`act options.${name} must be a boolean (got ${kindOf(value)})`);
    flags[name] = value ?? false;
  }
  if (typeof parameters !== 'object' || parameters === null) throw new TypeError(`act parameters must be { actor: GPUBuffer, critic?: GPUBuffer } (got ${kindOf(parameters)})`);
  const actor = checkParameterBuffer('act parameters.actor', parameters.actor, config.actor);
  let critic: GPUBuffer | undefined;
  if (flags.values) {
    if (shape.valueSource === null) {
      throw new RangeError("act options.values: this policy has no critic (config.critic) and its actor has no 'value' head of size 1");
    }
    if (shape.valueSource === 'critic') critic = checkParameterBuffer('act parameters.critic', parameters.critic, config.critic!);
  }

  const OBS = shape.observationSize;
  if (!(observations instanceof Float32Array)) throw new TypeError(`act observations must be a Float32Array of [batch][${OBS}] values (got ${kindOf(observations)})`);
  if (observations.length % OBS !== 0) {
    throw new RangeError(`act observations has ${observations.length} values, not a multiple of the observation size ${OBS}`);
  }
  const rows = observations.length / OBS;
  if (rows > shape.maxBatch) throw new RangeError(`act observations holds ${rows} rows; at most maxBatch = ${shape.maxBatch} are accepted`);
  for (let i = 0; i < observations.length; i += 1) {
    if (!Number.isFinite(observations[i]!)) {
      throw new RangeError(`act observations[${i}] (row ${Math.floor(i / OBS)}, dim ${i % OBS}) must be finite (got ${observations[i]})`);
    }
  }

  let mask: Uint32Array<ArrayBuffer> | null = null;
  const given = options.actionMask;
  if (given !== undefined && given !== null) {
    if (!shape.discrete) throw new RangeError(`act options.actionMask applies to discrete actions only (this policy's actions are a box of ${shape.actionWidth})`);
    const n = shape.policyWidth;
    const isBytes = given instanceof Uint8Array || given instanceof Uint32Array;
    if (!isBytes && !Array.isArray(given)) {
      throw new TypeError(`act options.actionMask must be a Uint8Array, a Uint32Array or an array of booleans, [batch][${n}] (got ${kindOf(given)})`);
    }
    if (given.length !== rows * n) {
      throw new RangeError(`act options.actionMask has ${given.length} entries; ${rows} rows × ${n} actions need ${rows * n}`);
    }
    mask = new Uint32Array(rows * n);
    // A row that allows no action is found on the GPU (see the file comment).
    for (let r = 0; r < rows; r += 1) {
      for (let a = 0; a < n; a += 1) {
        const i = r * n + a;
        const v = given[i];
        if (isBytes ? v !== 0 && v !== 1 : typeof v !== 'boolean') {
          throw new RangeError(`act options.actionMask[${i}] (row ${r}, action ${a}) must be ${isBytes ? '0 or 1' : 'a boolean'} (got ${String(v)})`);
        }
        mask[i] = v ? 1 : 0;
      }
    }
  }
  return { rows, observations, mask, ...flags, actor, critic };
}

// ---- the inference object ----------------------------------------------------------------------

/** A bind group over a per-call buffer, made the first time that buffer is seen. */
class PerBufferBindGroups {
  private readonly groups = new WeakMap<GPUBuffer, GPUBindGroup>();
  constructor(private readonly make: (buffer: GPUBuffer) => GPUBindGroup) {}
  get(buffer: GPUBuffer): GPUBindGroup {
    let group = this.groups.get(buffer);
    if (!group) this.groups.set(buffer, (group = this.make(buffer)));
    return group;
  }
}

interface Section {
  readonly name: 'actions' | 'logProbs' | 'values' | 'policyOutputs' | 'maskErrors';
  readonly source: GPUBuffer;
  readonly bytes: number;
}

/**
 * Checks the config, allocates every buffer for maxBatch rows, compiles the kernels and makes the
 * bind groups over its own buffers. Throws (RangeError / TypeError naming the field) before any GPU work.
 */
export async function createPolicyInference(device: GPUDevice, config: PolicyInferenceConfig): Promise<PolicyInference> {
  const shape = checkConfig(config);
  const label = config.label ?? 'policy-inference';
  const { observationSize: OBS, maxBatch: B, policyWidth: W, actionWidth, discrete } = shape;
  const normaliser = config.observationNormaliser;
  // Read once: a caller's later change to its config object changes nothing here.
  const seed = config.seed;

  const declarations: Record<string, { size: number; usage?: GPUBufferUsageFlags }> = {
    observations: { size: B * OBS * FLOAT },
    actions: { size: B * actionWidth * FLOAT },
    logProbs: { size: B * FLOAT },
    rngParams: { size: RNG_PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
  };
  if (normaliser) {
    declarations.normalisedObservations = { size: B * OBS * FLOAT };
    // The normalise kernel also writes a normalised copy of its final observations: bound to the
    // same raw observations, that copy is not needed, but a writable binding must not alias.
    declarations.normalisedUnused = { size: B * OBS * FLOAT };
  }
  if (discrete) {
    declarations.mask = { size: B * W * FLOAT };
    declarations.maskErrors = { size: MASK_ERRORS_BYTES };
  } else declarations.entropies = { size: B * FLOAT };
  const set = new BufferSet(device, label, declarations);
  const b = set.buffers;

  const stagingBytes = B * (actionWidth + 2 + W) * FLOAT + (discrete ? MASK_ERRORS_BYTES : 0);
  const staging: GPUBuffer[] = [];
  const owned: { destroy(): void }[] = [set];
  const release = () => {
    for (const buffer of staging) destroyBuffer(device, buffer);
    for (const o of owned) o.destroy();
  };

  let actorPasses: MlpPasses;
  let criticPasses: MlpPasses | undefined;
  let normalise: { kernel: Kernel; group: GPUBindGroup; invocations: number } | undefined;
  /** Records the head for one call; returns the buffer that then holds its actions. */
  let encodeHead: (pass: GPUComputePassEncoder, request: Request) => GPUBuffer;
  let headWorkgroupSize = 1;
  try {
    for (let slot = 0; slot < STAGING_SLOTS; slot += 1) {
      staging.push(createBuffer(device, { label: `${label}.staging${slot}`, size: stagingBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }));
    }
    const passOptions = { agents: 1, rowsPerAgent: B };
    actorPasses = await createMlpPasses(device, config.actor, { ...passOptions, label: `${label}.actor` });
    owned.push(actorPasses);
    if (config.critic) {
      criticPasses = await createMlpPasses(device, config.critic, { ...passOptions, label: `${label}.critic` });
      owned.push(criticPasses);
    }
    if (normaliser) {
      // UPDATE = 0: the statistics are read, never counted (as final observations are in training).
      const sized = normaliseObservationsKernel({
        agents: 1,
        envsPerAgent: B,
        observationSize: OBS,
        update: false,
        clip: normaliser.clip,
        epsilon: normaliser.epsilon,
        workgroupSize: Math.min(WORKGROUP, 2 ** Math.ceil(Math.log2(B))),
      });
      const kernel = await createKernel(device, { ...sized.spec, label: `${label}.normalise` });
      const group = kernel.bind(
        {
          observations: b.observations!,
          final_observations: b.observations!,
          statistics: normaliser.moments,
          normalised_observations: b.normalisedObservations!,
          normalised_final_observations: b.normalisedUnused!,
        },
        `${label}.normalise`,
      );
      normalise = { kernel, group, invocations: sized.invocations };
    }
    const policy = actorPasses.outputs.policy!;
    if (discrete) {
      const outputs = { logits: policy, mask: b.mask!, actions: b.actions!, log_probs: b.logProbs!, mask_errors: b.maskErrors! };
      // Four variants (sample / greedy × unmasked / masked), each bound once over owned buffers;
      // each is one kernel per branch of a multi-discrete policy, dispatched in order (branch b > 0
      // adds its log p), sampling branch b from word b of the row's draw.
      const head = { rows: B, nvec: shape.branches };
      const variant = async (kind: 'sample' | 'argmax', masked: boolean) => {
        const sizedKernels = kind === 'sample' ? multiCategoricalSampleKernels({ ...head, masked }) : categoricalArgmaxKernels({ ...head, masked });
        const name = `${label}.${kind}${masked ? '-masked' : ''}`;
        return Promise.all(
          sizedKernels.map(async (sized) => {
            const kernel = await createKernel(device, { ...sized.spec, label: name });
            headWorkgroupSize = Math.max(headWorkgroupSize, sized.spec.workgroupSize);
            return { kernel, group: kernel.bind(kind === 'sample' ? { params: b.rngParams!, ...outputs } : outputs, name) };
          }),
        );
      };
      const [sample, sampleMasked, argmax, argmaxMasked] = await Promise.all([
        variant('sample', false),
        variant('sample', true),
        variant('argmax', false),
        variant('argmax', true),
      ]);
      encodeHead = (pass, request) => {
        const chosen = request.deterministic ? (request.mask ? argmaxMasked : argmax) : request.mask ? sampleMasked : sample;
        for (const branch of chosen) branch.kernel.dispatch(pass, branch.group, request.rows);
        return b.actions!;
      };
    } else {
      const gaussian = { agents: 1, rowsPerAgent: B, actionDims: W, logStd: learnedLogStd(config.actor) };
      const [sample, evaluate] = await Promise.all([
        createKernel(device, { ...gaussianSampleKernel(gaussian).spec, label: `${label}.sample` }),
        createKernel(device, { ...gaussianEvaluateKernel(gaussian).spec, label: `${label}.mode-log-prob` }),
      ]);
      // The learned log-std is read from the actor's parameters, which arrive per call.
      const sampleGroups = new PerBufferBindGroups((actor) =>
        sample.bind({ params: b.rngParams!, mean: policy, log_std: actor, actions: b.actions!, log_probs: b.logProbs! }, `${label}.sample`),
      );
      // Greedy: the action is μ itself; its log-density is the evaluate kernel's at a = μ.
      const modeGroups = new PerBufferBindGroups((actor) =>
        evaluate.bind({ mean: policy, log_std: actor, actions: policy, log_probs: b.logProbs!, entropies: b.entropies! }, `${label}.mode-log-prob`),
      );
      encodeHead = (pass, request) => {
        if (!request.deterministic) {
          sample.dispatch(pass, sampleGroups.get(request.actor), request.rows);
          return b.actions!;
        }
        if (request.logProbs) evaluate.dispatch(pass, modeGroups.get(request.actor), request.rows);
        return policy;
      };
    }
  } catch (error) {
    release();
    throw error;
  }

  /** Mask rows that allow every action, written past the batch (see encode). */
  const allAllowed = new Uint32Array(discrete ? B * W : 0).fill(1);
  const valuesBuffer = shape.valueSource === 'critic' ? criticPasses!.outputs.value! : shape.valueSource === 'actor' ? actorPasses.outputs.value! : undefined;
  const free: number[] = Array.from({ length: STAGING_SLOTS }, (_, i) => i);
  const waiting: ((slot: number) => void)[] = [];
  const freeSlot = (slot: number) => {
    const next = waiting.shift();
    if (next) next(slot);
    else free.push(slot);
  };
  let calls = 0;
  let destroyed = false;
  const alive = () => {
    if (destroyed) throw new Error(`policy inference '${label}': act() after destroy()`);
  };

  /** Records the whole call into one encoder; returns the staging sections in order. */
  function encode(request: Request, slot: number): { commands: GPUCommandBuffer; sections: Section[] } {
    const { rows } = request;
    const queue = device.queue;
    queue.writeBuffer(b.observations!, 0, request.observations.buffer, request.observations.byteOffset, rows * OBS * FLOAT);
    if (request.mask) {
      queue.writeBuffer(b.mask!, 0, request.mask);
      // The head's workgroups also run rows past the batch (up to maxBatch): they must find an
      // allowed action there, not an earlier call's mask or the buffer's zeros, or they would be
      // counted as rows that allow nothing.
      const [x, y] = dispatchGroups(rows, headWorkgroupSize, device.limits.maxComputeWorkgroupsPerDimension);
      const covered = Math.min(B, x * y * headWorkgroupSize);
      if (covered > rows) queue.writeBuffer(b.mask!, rows * W * FLOAT, allAllowed, 0, (covered - rows) * W);
      clearMaskErrors(queue, b.maskErrors!);
    }
    queue.writeBuffer(b.rngParams!, 0, encodeRngParams({ seed, stream: INFERENCE_STREAM, iteration: calls % 2 ** 32, step: 0, draw: 0 }));
    calls += 1;

    const encoder = device.createCommandEncoder({ label: `${label}.act` });
    let inputs = b.observations!;
    if (normalise) {
      const pass = encoder.beginComputePass({ label: `${label}.normalise` });
      normalise.kernel.dispatch(pass, normalise.group, normalise.invocations);
      pass.end();
      inputs = b.normalisedObservations!;
    }
    actorPasses.encodeForward(encoder, { params: request.actor, inputs, rows });
    if (request.values && criticPasses) criticPasses.encodeForward(encoder, { params: request.critic!, inputs, rows });

    const policy = actorPasses.outputs.policy!;
    const pass = encoder.beginComputePass({ label: `${label}.head` });
    const actionSource = encodeHead(pass, request);
    pass.end();

    const sections: Section[] = [{ name: 'actions', source: actionSource, bytes: rows * actionWidth * FLOAT }];
    if (request.logProbs) sections.push({ name: 'logProbs', source: b.logProbs!, bytes: rows * FLOAT });
    if (request.values) sections.push({ name: 'values', source: valuesBuffer!, bytes: rows * FLOAT });
    if (request.policyOutputs) sections.push({ name: 'policyOutputs', source: policy, bytes: rows * W * FLOAT });
    if (request.mask) sections.push({ name: 'maskErrors', source: b.maskErrors!, bytes: MASK_ERRORS_BYTES });
    let offset = 0;
    for (const s of sections) {
      encoder.copyBufferToBuffer(s.source, 0, staging[slot]!, offset, s.bytes);
      offset += s.bytes;
    }
    return { commands: encoder.finish(), sections };
  }

  function decode(sections: Section[], bytes: ArrayBuffer, rows: number): ActResult {
    const result: { -readonly [K in keyof ActResult]: ActResult[K] } = { actions: new Uint32Array(0) };
    let offset = 0;
    for (const s of sections) {
      const at = offset;
      offset += s.bytes;
      if (s.name === 'maskErrors') {
        const errors = decodeMaskErrors(new Uint32Array(bytes, at, MASK_ERRORS_BYTES / 4));
        if (errors) {
          const others = errors.count > 1 ? ` (and ${errors.count - 1} more of the ${rows} rows)` : '';
          throw new RangeError(
            (shape.branches.length > 1
              ? `act options.actionMask row ${errors.firstRow} masks every action of one of its branches [${shape.branches.join(', ')}]${others}; ` +
                'each branch of each row must allow at least one action'
              : `act options.actionMask row ${errors.firstRow} masks every action (all ${W} of its entries are 0)${others}; ` +
                'each row must allow at least one action'),
          );
        }
        continue;
      }
      const slice = bytes.slice(at, offset);
      if (s.name === 'actions') result.actions = discrete ? new Uint32Array(slice) : clipToBounds(new Float32Array(slice));
      else result[s.name] = new Float32Array(slice);
    }
    return result;
  }

  function clipToBounds(actions: Float32Array): Float32Array {
    const { low, high } = shape;
    for (let i = 0; i < actions.length; i += 1) {
      const d = i % actionWidth;
      actions[i] = Math.min(Math.max(actions[i]!, low![d]!), high![d]!);
    }
    return actions;
  }

  function empty(request: Request): ActResult {
    return {
      actions: discrete ? new Uint32Array(0) : new Float32Array(0),
      ...(request.logProbs && { logProbs: new Float32Array(0) }),
      ...(request.values && { values: new Float32Array(0) }),
      ...(request.policyOutputs && { policyOutputs: new Float32Array(0) }),
    };
  }

  return {
    async act(parameters, observations, options = {}) {
      alive();
      let request = checkRequest(config, shape, parameters, observations, options);
      if (request.rows === 0) return empty(request);
      let slot = free.shift();
      if (slot === undefined) {
        // The caller may reuse its arrays once act() returns its promise: keep a copy while waiting.
        request = { ...request, observations: request.observations.slice(0, request.rows * OBS) };
        slot = await new Promise<number>((resolve) => waiting.push(resolve));
      }
      try {
        alive();
        const { commands, sections } = encode(request, slot);
        device.queue.submit([commands]);
        const total = sections.reduce((sum, s) => sum + s.bytes, 0);
        const counters = gpuCounters(device);
        counters.readbacks += 1;
        counters.bytesReadBack += total;
        const buffer = staging[slot]!;
        await buffer.mapAsync(GPUMapMode.READ, 0, total);
        try {
          return decode(sections, buffer.getMappedRange(0, total), request.rows);
        } finally {
          buffer.unmap();
        }
      } finally {
        freeSlot(slot);
      }
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      release();
    },
  };
}
