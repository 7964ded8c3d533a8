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
 * Hybrid actions (src/envs/types.ts HybridSpace: D floats and K branches per row). The head is the
 * box's Gaussian over the first D policy outputs, then the K branches over the logits after them,
 * composed as the rollout composes them: the Gaussian writes the first D words of each action row
 * (D + K words) and log p, each branch writes its word after the floats and adds its log p, and
 * the branch samplers draw from the Philox words after the Gaussian's ⌈D/4⌉ blocks, so the
 * continuous and the discrete draws are independent. Greedy: the means (read back from the policy
 * output, as a box's are) and each branch's masked argmax. The readback's D + K word rows are split
 * on the host into the continuous part (clipped as a box's) and the branch indices (ActResult).
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
import type { ActionSpace, BoxSpace } from '../envs/types';
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
import { branchHeadConfig, multiCategoricalSampleKernels, multiCategoricalWidth, type MultiCategoricalHeadConfig } from '../nn/heads-multi-discrete';
import { checkMultiDiscrete } from '../envs/action-branches';
import type { PolicyKind } from '../train/policy-kind';
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
  /**
   * The actor: a 'policy' head of logits (discrete, multi-discrete), means (box) or the D means then
   * the Σ nvec logits (hybrid), and for a box or hybrid space extras.logStd of its D continuous dims.
   */
  readonly actor: MlpLayout;
  /** Optional critic for values: a 'value' head of size 1. Without it, an actor with a 'value' head (shared torso) gives values. */
  readonly critic?: MlpLayout;
  /** Box actions (a hybrid space's continuous part too) are clipped to [low, high] in the returned actions. */
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
  /** Argmax (discrete: each branch's), the Gaussian mean (box), or both (hybrid) instead of a sample; default false. */
  readonly deterministic?: boolean;
  /**
   * [batch][n] row-major, 1 / true = allowed: n actions (discrete), or Σ nvec (multi-discrete and
   * hybrid: the branches' masks side by side, branch 0 first; a hybrid space's continuous dims have
   * none). A Uint8Array, a Uint32Array (an env's `masks` buffer read back, or a host env's
   * `latest.masks`) or booleans; a row that allows no action (of one of its branches) rejects the
   * call, naming the row. A box has no mask. Agent.act() on an env with action masks requires it;
   * null there acts over every action.
   */
  readonly actionMask?: Uint8Array | Uint32Array | readonly boolean[] | null;
  /** Also return log π(a|s) of the returned actions. */
  readonly logProbs?: boolean;
  /** Also return V(s) (needs a critic, or an actor with a 'value' head). */
  readonly values?: boolean;
  /** Also return the policy head's outputs: unmasked logits, Gaussian means, or a hybrid policy's means then logits. */
  readonly policyOutputs?: boolean;
}

/**
 * What Agent.act() returns: one action per observation row, and what the options asked for.
 *
 * | action space  | `actions`                                   | `discreteActions`          |
 * | ------------- | ------------------------------------------- | -------------------------- |
 * | discrete      | Uint32Array [batch]                         | absent                     |
 * | multiDiscrete | Uint32Array [batch][K], one per branch      | absent                     |
 * | box           | Float32Array [batch][D], clipped to bounds  | absent                     |
 * | hybrid        | Float32Array [batch][D], clipped to bounds  | Uint32Array [batch][K]     |
 *
 * A hybrid action's two parts come apart, each in its own element type, rather than as the env's
 * rows of D + K words (a float's bits then u32 words, unreadable as either array type): row r's
 * continuous dims are actions[r·D … r·D + D − 1] and its branch b is discreteActions[r·K + b].
 */
export interface ActResult {
  /**
   * [batch] discrete, [batch][K] multi-discrete (one action per branch), [batch][D] box (clipped to
   * bounds), or a hybrid space's continuous part [batch][D] (clipped to its box's bounds).
   */
  readonly actions: Uint32Array | Float32Array;
  /** A hybrid space's branch actions [batch][K] (branch b of row r at r·K + b, within the mask); absent for every other space. */
  readonly discreteActions?: Uint32Array;
  /**
   * log π(a|s) of the returned action under the MASKED distribution; for a box or a hybrid space's
   * continuous part, of the unclipped sample (a hybrid's: its Gaussian's plus its branches').
   */
  readonly logProbs?: Float32Array;
  /** V(s). */
  readonly values?: Float32Array;
  /**
   * Logits [batch][n] or [batch][Σ nvec] (unmasked; multi-discrete: the branches side by side), means
   * [batch][D], or a hybrid policy's D means then Σ nvec logits [batch][D + Σ nvec]: what an ONNX
   * export of the policy outputs ('logits', 'logits_b', 'mean').
   */
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
 * CATEGORICAL_ARGMAX once per branch of a multi-discrete head of logits [rows][Σ nvec] (dense, or
 * the `logits` slice of each row): the greedy action of a product of independent categoricals is
 * each branch's own argmax, written to word b of the row's `actions` slice (default u32 [rows][K]),
 * and log_probs holds the sum of the branches' log p (added to what is there with `addToRows`: a
 * hybrid head's Gaussian log-density). One branch ([n]) is the plain categorical argmax.
 */
export function categoricalArgmaxKernels(config: Omit<MultiCategoricalHeadConfig, 'firstDraw'>): SizedKernel[] {
  const { rows } = config;
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`categoricalArgmax.rows must be a positive integer (got ${rows})`);
  multiCategoricalWidth('categoricalArgmax', config.nvec);
  return config.nvec.map((_, b) => {
    const branch = branchHeadConfig('categoricalArgmax', { ...config, masked: config.masked ?? false }, b);
    return {
      spec: {
        ...CATEGORICAL_ARGMAX,
        constants: categoricalRowConstants('categoricalArgmax', branch),
      },
      invocations: rows,
    };
  });
}

/** Representative specs for the kernel catalogue: dense, per branch, and a hybrid head's branch (a slice of each row, log p added). */
export function policyInferenceKernelExamples(): KernelSpec[] {
  return [
    categoricalArgmaxKernel({ rows: 37, actions: 3, masked: true }).spec,
    categoricalArgmaxKernels({ rows: 37, nvec: [2, 3], masked: true })[1]!.spec,
    categoricalArgmaxKernels({ rows: 37, nvec: [4, 1, 3], masked: true, logits: { stride: 11, offset: 3 }, actions: { stride: 6, offset: 3 }, addToRows: true })[2]!.spec,
  ];
}

// ---- validation ------------------------------------------------------------------------------

const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? `an array of ${value.length}` : typeof value === 'object' ? (value as object).constructor?.name ?? 'an object' : String(value);

function isBuffer(value: unknown): value is GPUBuffer {
  return typeof value === 'object' && value !== null && typeof (value as GPUBuffer).size === 'number' && typeof (value as GPUBuffer).usage === 'number';
}

/** The head an action space needs: its distribution, its categorical branches and its continuous dims with their bounds. */
interface ActionShape {
  readonly kind: PolicyKind;
  /** The categorical branches: [n] (discrete) or nvec (multi-discrete, hybrid); empty for a box. */
  readonly branches: readonly number[];
  /** D: the Gaussian's dims (box, hybrid); 0 for a categorical policy. */
  readonly continuousDims: number;
  /** The continuous dims' bounds (box, hybrid). */
  readonly low?: Float64Array;
  readonly high?: Float64Array;
}

interface Shape extends ActionShape {
  readonly observationSize: number;
  /** D + Σ nvec: the policy head's width (the means, then the logits). */
  readonly policyWidth: number;
  /** Words of one row's action, D + K: 1 (discrete), K (multi-discrete), D (box) or D + K (hybrid). */
  readonly actionWidth: number;
  /** Σ nvec: words of a mask row; 0 for a box, which has no mask. */
  readonly maskWidth: number;
  readonly maxBatch: number;
  /** Where values come from: the critic, the actor's own 'value' head, or nowhere. */
  readonly valueSource: 'critic' | 'actor' | null;
}

const SPACE_FORMS =
  "{ kind: 'discrete', n }, { kind: 'multiDiscrete', nvec }, { kind: 'box', size, low, high } or { kind: 'hybrid', continuous: { kind: 'box', size, low, high }, nvec }";

/** A box's size (at most `maxSize`, named by `limit`) and its bounds; `what` names the box in errors. */
function checkBox(what: string, box: BoxSpace, maxSize: number, limit: string): Required<Pick<ActionShape, 'continuousDims' | 'low' | 'high'>> {
  if (!box || typeof box !== 'object') throw new TypeError(`${what} must be a box { kind: 'box', size, low, high } (got ${kindOf(box)})`);
  const size = box.size;
  if (!Number.isInteger(size) || size < 1 || size > maxSize) throw new RangeError(`${what}.size must be an integer in [1, ${maxSize}] (${limit}) (got ${String(size)})`);
  const bounds = (name: 'low' | 'high') => {
    const values = box[name];
    if (!values || values.length !== size) {
      throw new RangeError(`${what}.${name} must hold ${size} bounds, one per action dim (got ${values ? values.length : kindOf(values)})`);
    }
    return Float64Array.from(values, (v, d) => {
      if (typeof v !== 'number' || Number.isNaN(v)) throw new RangeError(`${what}.${name}[${d}] must be a number (got ${String(v)})`);
      return v;
    });
  };
  const low = bounds('low');
  const high = bounds('high');
  low.forEach((l, d) => {
    if (!(l <= high[d]!)) throw new RangeError(`${what}: low[${d}] = ${l} must not exceed high[${d}] = ${high[d]}`);
  });
  return { continuousDims: size, low, high };
}

function checkActionSpace(actionSpace: ActionSpace): ActionShape {
  const what = 'policyInference.actionSpace';
  const kinds: readonly string[] = ['discrete', 'multiDiscrete', 'box', 'hybrid'];
  if (!actionSpace || !kinds.includes(actionSpace.kind)) throw new TypeError(`${what} must be ${SPACE_FORMS} (got ${kindOf(actionSpace)})`);
  if (actionSpace.kind === 'discrete') {
    const n = actionSpace.n;
    if (!Number.isInteger(n) || n < 1 || n > MAX_DISCRETE_ACTIONS) throw new RangeError(`${what}.n must be an integer in [1, ${MAX_DISCRETE_ACTIONS}] (got ${String(n)})`);
    return { kind: 'categorical', branches: [n], continuousDims: 0 };
  }
  if (actionSpace.kind === 'multiDiscrete') return { kind: 'categorical', branches: checkMultiDiscrete('policyInference', actionSpace.nvec), continuousDims: 0 };
  if (actionSpace.kind === 'box') return { kind: 'gaussian', branches: [], ...checkBox(what, actionSpace, MAX_ACTION_SIZE, 'MAX_ACTION_SIZE') };
  const branches = checkMultiDiscrete('policyInference', actionSpace.nvec);
  // A row holds the D floats and the K branch words, at most MAX_ACTION_SIZE in all.
  const limit = `MAX_ACTION_SIZE ${MAX_ACTION_SIZE} less the ${branches.length} branch words of a row`;
  return { kind: 'hybrid', branches, ...checkBox(`${what}.continuous`, actionSpace.continuous, MAX_ACTION_SIZE - branches.length, limit) };
}

/** The actor's 'policy' head and log-std against what the action space needs. */
function checkPolicyHead(actor: MlpLayout, space: ActionShape, policyWidth: number): void {
  const D = space.continuousDims;
  const logits = space.branches.reduce((sum, n) => sum + n, 0);
  const logStd = actor.extras.logStd;
  if (D > 0 && (!logStd || logStd.length !== D)) {
    const dims = space.kind === 'gaussian' ? `a box of ${D} dims` : `the ${D} continuous dims of a hybrid space`;
    throw new RangeError(`policyInference.actor must have extras.logStd of ${D} values for ${dims} (got ${logStd ? logStd.length : 'none'})`);
  }
  if (policyWidth !== D + logits) {
    const parts = space.kind === 'categorical' ? 'logits' : space.kind === 'gaussian' ? 'means' : `${D} means, then ${logits} logits`;
    throw new RangeError(`policyInference.actor's 'policy' head has ${policyWidth} outputs; the action space needs ${D + logits} (${parts})`);
  }
}

function checkCritic(config: PolicyInferenceConfig, observationSize: number): Shape['valueSource'] {
  const { actor, critic } = config;
  if (critic) {
    if (!critic.spec || !critic.headLayer) throw new TypeError(`policyInference.critic must be an MlpLayout (got ${kindOf(critic)})`);
    const valueLayer = critic.headLayer.value;
    if (valueLayer === undefined || critic.layers[valueLayer]!.outputSize !== 1) {
      throw new RangeError(`policyInference.critic must have a 'value' head of size 1 (heads: ${critic.spec.heads.map((h) => `${h.name}[${h.size}]`).join(', ')})`);
    }
    if (critic.spec.inputSize !== observationSize) {
      throw new RangeError(`policyInference.critic takes ${critic.spec.inputSize} inputs; the actor takes ${observationSize} (they read the same observations)`);
    }
    return 'critic';
  }
  return actor.headLayer.value !== undefined && actor.layers[actor.headLayer.value]!.outputSize === 1 ? 'actor' : null;
}

function checkNormaliser(config: PolicyInferenceConfig, observationSize: number): void {
  const normaliser = config.observationNormaliser;
  if (!normaliser) return;
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

function checkConfig(config: PolicyInferenceConfig): Shape {
  const { actor } = config;
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
  const space = checkActionSpace(config.actionSpace);
  checkPolicyHead(actor, space, policyWidth);
  const valueSource = checkCritic(config, observationSize);
  checkNormaliser(config, observationSize);
  const maskWidth = space.branches.reduce((sum, n) => sum + n, 0);
  return { ...space, observationSize, policyWidth, actionWidth: space.continuousDims + space.branches.length, maskWidth, maxBatch, valueSource };
}

const OPTION_NAMES = new Set(['deterministic', 'actionMask', 'logProbs', 'values', 'policyOutputs']);

interface Request {
  readonly rows: number;
  readonly observations: Float32Array;
  /** u32 [rows][Σ nvec], 1 = allowed; null when no mask was given. */
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
  const given = options.actionMask;
  const mask = given === undefined || given === null ? null : checkMask(shape, rows, given);
  return { rows, observations, mask, ...flags, actor, critic };
}

/** The mask as u32 [rows][Σ nvec]; a row that allows no action is found on the GPU (see the file comment). */
function checkMask(shape: Shape, rows: number, given: NonNullable<ActOptions['actionMask']>): Uint32Array<ArrayBuffer> {
  if (shape.maskWidth === 0) throw new RangeError(`act options.actionMask applies to discrete actions only (this policy's actions are a box of ${shape.actionWidth})`);
  const n = shape.maskWidth;
  // What a mask row covers, for the messages: a hybrid space's continuous dims have no mask entries.
  const entries = shape.kind === 'hybrid' ? `Σ nvec = ${n} branch actions (the continuous dims have no mask)` : `${n} actions`;
  const isBytes = given instanceof Uint8Array || given instanceof Uint32Array;
  if (!isBytes && !Array.isArray(given)) {
    throw new TypeError(`act options.actionMask must be a Uint8Array, a Uint32Array or an array of booleans, [batch][${n}] (got ${kindOf(given)})`);
  }
  if (given.length !== rows * n) {
    throw new RangeError(`act options.actionMask has ${given.length} entries; ${rows} rows × ${entries} need ${rows * n}`);
  }
  const mask = new Uint32Array(rows * n);
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
  return mask;
}

// ---- the head ------------------------------------------------------------------------------------

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

/** The buffers the head binds: the actor's policy output [maxBatch][D + Σ nvec] and act()'s own. */
interface HeadBuffers {
  readonly policy: GPUBuffer;
  readonly actions: GPUBuffer;
  readonly logProbs: GPUBuffer;
  readonly rngParams: GPUBuffer;
  /** The Gaussian evaluate kernel's (unread) entropies. */
  readonly entropies?: GPUBuffer;
  readonly mask?: GPUBuffer;
  readonly maskErrors?: GPUBuffer;
}

/** One part of the head (the Gaussian, or the categorical branches): what it records for a sampled and for a greedy call. */
interface HeadPart {
  sample(pass: GPUComputePassEncoder, request: Request): void;
  greedy(pass: GPUComputePassEncoder, request: Request): void;
}

/**
 * The Gaussian over the first D outputs of each policy row, its actions in the first D words of
 * each action row; log p written (a hybrid head's branches add theirs after it).
 */
async function gaussianPart(device: GPUDevice, actor: MlpLayout, shape: Shape, b: HeadBuffers, label: string): Promise<HeadPart> {
  const { maxBatch, continuousDims, policyWidth, actionWidth } = shape;
  const head = { agents: 1, rowsPerAgent: maxBatch, actionDims: continuousDims, logStd: learnedLogStd(actor), mean: { stride: policyWidth } };
  const [sample, evaluate] = await Promise.all([
    createKernel(device, { ...gaussianSampleKernel({ ...head, actions: { stride: actionWidth } }).spec, label: `${label}.sample` }),
    // Greedy: the action is μ itself, so the evaluate kernel reads its actions where the means are.
    createKernel(device, { ...gaussianEvaluateKernel({ ...head, actions: { stride: policyWidth } }).spec, label: `${label}.mode-log-prob` }),
  ]);
  // The learned log-std is read from the actor's parameters, which arrive per call.
  const sampleGroups = new PerBufferBindGroups((params) =>
    sample.bind({ params: b.rngParams, mean: b.policy, log_std: params, actions: b.actions, log_probs: b.logProbs }, `${label}.sample`),
  );
  const modeGroups = new PerBufferBindGroups((params) =>
    evaluate.bind({ mean: b.policy, log_std: params, actions: b.policy, log_probs: b.logProbs, entropies: b.entropies! }, `${label}.mode-log-prob`),
  );
  return {
    sample: (pass, request) => sample.dispatch(pass, sampleGroups.get(request.actor), request.rows),
    // Without logProbs nothing reads log_probs, so a hybrid head's branches then add to a stale value.
    greedy(pass, request) {
      if (request.logProbs) evaluate.dispatch(pass, modeGroups.get(request.actor), request.rows);
    },
  };
}

/**
 * The categorical branches over the Σ nvec logits after the D means of each policy row (D = 0 but
 * for a hybrid head): four variants (sample / greedy × unmasked / masked), each one kernel per
 * branch bound once over owned buffers, dispatched in order (a later branch, or every branch of a
 * hybrid head, adds its log p). Branch b's action goes to word D + b of the action row, and a
 * sampler draws it from uniform word 4·⌈D/4⌉ + b of the row's draw: past the Gaussian's blocks.
 */
async function categoricalPart(device: GPUDevice, shape: Shape, b: HeadBuffers, label: string): Promise<HeadPart & { readonly workgroupSize: number }> {
  const { maxBatch, continuousDims: D, policyWidth, actionWidth, branches } = shape;
  const head: MultiCategoricalHeadConfig = {
    rows: maxBatch,
    nvec: branches,
    logits: { stride: policyWidth, offset: D },
    actions: { stride: actionWidth, offset: D },
    addToRows: D > 0,
    firstDraw: 4 * Math.ceil(D / 4),
  };
  const outputs = { logits: b.policy, mask: b.mask!, actions: b.actions, log_probs: b.logProbs, mask_errors: b.maskErrors! };
  let workgroupSize = 1;
  const variant = async (kind: 'sample' | 'argmax', masked: boolean) => {
    const sizedKernels = kind === 'sample' ? multiCategoricalSampleKernels({ ...head, masked }) : categoricalArgmaxKernels({ ...head, masked });
    const name = `${label}.${kind}${masked ? '-masked' : ''}`;
    return Promise.all(
      sizedKernels.map(async (sized) => {
        const kernel = await createKernel(device, { ...sized.spec, label: name });
        workgroupSize = Math.max(workgroupSize, sized.spec.workgroupSize);
        return { kernel, group: kernel.bind(kind === 'sample' ? { params: b.rngParams, ...outputs } : outputs, name) };
      }),
    );
  };
  const [sample, sampleMasked, argmax, argmaxMasked] = await Promise.all([variant('sample', false), variant('sample', true), variant('argmax', false), variant('argmax', true)]);
  const run = (pass: GPUComputePassEncoder, rows: number, chosen: typeof sample) => {
    for (const branch of chosen) branch.kernel.dispatch(pass, branch.group, rows);
  };
  return {
    workgroupSize,
    sample: (pass, request) => run(pass, request.rows, request.mask ? sampleMasked : sample),
    greedy: (pass, request) => run(pass, request.rows, request.mask ? argmaxMasked : argmax),
  };
}

interface Normalise {
  readonly kernel: Kernel;
  readonly group: GPUBindGroup;
  readonly invocations: number;
}

/** The normaliser's kernel with UPDATE = 0: the statistics are read, never counted (as final observations are in training). */
async function createNormalise(device: GPUDevice, config: PolicyInferenceConfig, shape: Shape, buffers: Readonly<Record<string, GPUBuffer>>, label: string): Promise<Normalise> {
  const normaliser = config.observationNormaliser!;
  const B = shape.maxBatch;
  const sized = normaliseObservationsKernel({
    agents: 1,
    envsPerAgent: B,
    observationSize: shape.observationSize,
    update: false,
    clip: normaliser.clip,
    epsilon: normaliser.epsilon,
    workgroupSize: Math.min(WORKGROUP, 2 ** Math.ceil(Math.log2(B))),
  });
  const kernel = await createKernel(device, { ...sized.spec, label: `${label}.normalise` });
  const group = kernel.bind(
    {
      observations: buffers.observations!,
      final_observations: buffers.observations!,
      statistics: normaliser.moments,
      normalised_observations: buffers.normalisedObservations!,
      normalised_final_observations: buffers.normalisedUnused!,
    },
    `${label}.normalise`,
  );
  return { kernel, group, invocations: sized.invocations };
}

/** act()'s own buffers, sized for maxBatch rows. */
function bufferDeclarations(shape: Shape, normalised: boolean): Record<string, { size: number; usage?: GPUBufferUsageFlags }> {
  const { maxBatch: B, observationSize: OBS } = shape;
  const declarations: Record<string, { size: number; usage?: GPUBufferUsageFlags }> = {
    observations: { size: B * OBS * FLOAT },
    actions: { size: B * shape.actionWidth * FLOAT },
    logProbs: { size: B * FLOAT },
    rngParams: { size: RNG_PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
  };
  if (normalised) {
    declarations.normalisedObservations = { size: B * OBS * FLOAT };
    // The normalise kernel also writes a normalised copy of its final observations: bound to the
    // same raw observations, that copy is not needed, but a writable binding must not alias.
    declarations.normalisedUnused = { size: B * OBS * FLOAT };
  }
  if (shape.maskWidth > 0) {
    declarations.mask = { size: B * shape.maskWidth * FLOAT };
    declarations.maskErrors = { size: MASK_ERRORS_BYTES };
  }
  if (shape.continuousDims > 0) declarations.entropies = { size: B * FLOAT };
  return declarations;
}

/**
 * Checks the config, allocates every buffer for maxBatch rows, compiles the kernels and makes the
 * bind groups over its own buffers. Throws (RangeError / TypeError naming the field) before any GPU work.
 */
export async function createPolicyInference(device: GPUDevice, config: PolicyInferenceConfig): Promise<PolicyInference> {
  const shape = checkConfig(config);
  const label = config.label ?? 'policy-inference';
  const { maxBatch: B, actionWidth, policyWidth: W } = shape;
  const set = new BufferSet(device, label, bufferDeclarations(shape, config.observationNormaliser !== undefined));
  const b = set.buffers;
  const stagingBytes = B * (actionWidth + 2 + W) * FLOAT + (shape.maskWidth > 0 ? MASK_ERRORS_BYTES : 0);
  const staging: GPUBuffer[] = [];
  const owned: { destroy(): void }[] = [set];
  const release = () => {
    for (const buffer of staging) destroyBuffer(device, buffer);
    for (const o of owned) o.destroy();
  };
  try {
    for (let slot = 0; slot < STAGING_SLOTS; slot += 1) {
      staging.push(createBuffer(device, { label: `${label}.staging${slot}`, size: stagingBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }));
    }
    const passOptions = { agents: 1, rowsPerAgent: B };
    const actorPasses = await createMlpPasses(device, config.actor, { ...passOptions, label: `${label}.actor` });
    owned.push(actorPasses);
    let criticPasses: MlpPasses | undefined;
    if (config.critic) {
      criticPasses = await createMlpPasses(device, config.critic, { ...passOptions, label: `${label}.critic` });
      owned.push(criticPasses);
    }
    const normalise = config.observationNormaliser ? await createNormalise(device, config, shape, b, label) : undefined;
    const head: HeadBuffers = { policy: actorPasses.outputs.policy!, actions: b.actions!, logProbs: b.logProbs!, rngParams: b.rngParams!, entropies: b.entropies, mask: b.mask, maskErrors: b.maskErrors };
    // The Gaussian first: it writes log p, which the branches then add to.
    const gaussian = shape.continuousDims > 0 ? await gaussianPart(device, config.actor, shape, head, label) : undefined;
    const categorical = shape.maskWidth > 0 ? await categoricalPart(device, shape, head, label) : undefined;
    const inference = new Inference({
      device,
      config,
      shape,
      label,
      seed: config.seed,
      buffers: b,
      staging,
      release,
      actorPasses,
      criticPasses,
      normalise,
      parts: [gaussian, categorical].filter((part) => part !== undefined),
      headWorkgroupSize: categorical?.workgroupSize ?? 1,
    });
    // A plain object of closures, as before the class: act and destroy work detached from it too.
    return { act: (parameters, observations, options) => inference.act(parameters, observations, options), destroy: () => inference.destroy() };
  } catch (error) {
    release();
    throw error;
  }
}

// ---- the inference object ----------------------------------------------------------------------

interface Section {
  readonly name: 'actions' | 'logProbs' | 'values' | 'policyOutputs' | 'maskErrors';
  readonly source: GPUBuffer;
  readonly bytes: number;
}

/** What createPolicyInference made, for the object that runs the calls. */
interface InferenceParts {
  readonly device: GPUDevice;
  readonly config: PolicyInferenceConfig;
  readonly shape: Shape;
  readonly label: string;
  /** Read once: a caller's later change to its config object changes nothing here. */
  readonly seed: number;
  readonly buffers: Readonly<Record<string, GPUBuffer | undefined>>;
  readonly staging: readonly GPUBuffer[];
  readonly release: () => void;
  readonly actorPasses: MlpPasses;
  readonly criticPasses: MlpPasses | undefined;
  readonly normalise: Normalise | undefined;
  /** Run in order: the Gaussian (box, hybrid), then the categorical branches (discrete, multi-discrete, hybrid). */
  readonly parts: readonly HeadPart[];
  /** The largest workgroup of the mask-reading kernels. */
  readonly headWorkgroupSize: number;
}

/** out[r][i] = source[r·stride + offset + i] for each row r of out ([rows][width]). */
function copyColumns<T extends Float32Array | Uint32Array>(out: T, source: T, rows: number, stride: number, offset: number): T {
  const width = out.length / rows;
  for (let r = 0; r < rows; r += 1) out.set(source.subarray(r * stride + offset, r * stride + offset + width), r * width);
  return out;
}

class Inference implements PolicyInference {
  /** Mask rows that allow every action, written past the batch (see upload). */
  private readonly allAllowed: Uint32Array<ArrayBuffer>;
  private readonly valuesBuffer: GPUBuffer | undefined;
  private readonly free: number[] = Array.from({ length: STAGING_SLOTS }, (_, i) => i);
  private readonly waiting: ((slot: number) => void)[] = [];
  private calls = 0;
  private destroyed = false;

  constructor(private readonly made: InferenceParts) {
    this.allAllowed = new Uint32Array(made.shape.maxBatch * made.shape.maskWidth).fill(1);
    const source = made.shape.valueSource;
    this.valuesBuffer = source === 'critic' ? made.criticPasses!.outputs.value! : source === 'actor' ? made.actorPasses.outputs.value! : undefined;
  }

  async act(parameters: PolicyParameters, observations: Float32Array, options: ActOptions = {}): Promise<ActResult> {
    this.alive();
    let request = checkRequest(this.made.config, this.made.shape, parameters, observations, options);
    if (request.rows === 0) return this.empty(request);
    let slot = this.free.shift();
    if (slot === undefined) {
      // The caller may reuse its arrays once act() returns its promise: keep a copy while waiting.
      request = { ...request, observations: request.observations.slice(0, request.rows * this.made.shape.observationSize) };
      slot = await new Promise<number>((resolve) => this.waiting.push(resolve));
    }
    try {
      this.alive();
      const { device } = this.made;
      const { commands, sections } = this.encode(request, slot);
      device.queue.submit([commands]);
      const total = sections.reduce((sum, s) => sum + s.bytes, 0);
      const counters = gpuCounters(device);
      counters.readbacks += 1;
      counters.bytesReadBack += total;
      const buffer = this.made.staging[slot]!;
      await buffer.mapAsync(GPUMapMode.READ, 0, total);
      try {
        return this.decode(sections, buffer.getMappedRange(0, total), request);
      } finally {
        buffer.unmap();
      }
    } finally {
      this.freeSlot(slot);
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.made.release();
  }

  private alive(): void {
    if (this.destroyed) throw new Error(`policy inference '${this.made.label}': act() after destroy()`);
  }

  private freeSlot(slot: number): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }

  /** Uploads the call's inputs (the mask rows past the batch made all-allowed) and its Philox iteration. */
  private upload(request: Request): void {
    const { device, shape, buffers: b, seed } = this.made;
    const queue = device.queue;
    queue.writeBuffer(b.observations!, 0, request.observations.buffer, request.observations.byteOffset, request.rows * shape.observationSize * FLOAT);
    if (request.mask) {
      queue.writeBuffer(b.mask!, 0, request.mask);
      // The head's workgroups also run rows past the batch (up to maxBatch): they must find an
      // allowed action there, not an earlier call's mask or the buffer's zeros, or they would be
      // counted as rows that allow nothing.
      const [x, y] = dispatchGroups(request.rows, this.made.headWorkgroupSize, device.limits.maxComputeWorkgroupsPerDimension);
      const covered = Math.min(shape.maxBatch, x * y * this.made.headWorkgroupSize);
      if (covered > request.rows) queue.writeBuffer(b.mask!, request.rows * shape.maskWidth * FLOAT, this.allAllowed, 0, (covered - request.rows) * shape.maskWidth);
      clearMaskErrors(queue, b.maskErrors!);
    }
    queue.writeBuffer(b.rngParams!, 0, encodeRngParams({ seed, stream: INFERENCE_STREAM, iteration: this.calls % 2 ** 32, step: 0, draw: 0 }));
    this.calls += 1;
  }

  /** Records the whole call into one encoder; returns the staging sections in order. */
  private encode(request: Request, slot: number): { commands: GPUCommandBuffer; sections: Section[] } {
    const { device, shape, buffers: b, label, actorPasses, criticPasses, normalise } = this.made;
    const { rows } = request;
    this.upload(request);
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

    const pass = encoder.beginComputePass({ label: `${label}.head` });
    for (const part of this.made.parts) (request.deterministic ? part.greedy : part.sample)(pass, request);
    pass.end();

    const policy = actorPasses.outputs.policy!;
    const sections: Section[] = [];
    // A greedy box action is its mean, read from the policy output: no action rows then.
    if (!(request.deterministic && shape.maskWidth === 0)) sections.push({ name: 'actions', source: b.actions!, bytes: rows * shape.actionWidth * FLOAT });
    if (request.logProbs) sections.push({ name: 'logProbs', source: b.logProbs!, bytes: rows * FLOAT });
    if (request.values) sections.push({ name: 'values', source: this.valuesBuffer!, bytes: rows * FLOAT });
    if (request.policyOutputs || (request.deterministic && shape.continuousDims > 0)) {
      sections.push({ name: 'policyOutputs', source: policy, bytes: rows * shape.policyWidth * FLOAT });
    }
    if (request.mask) sections.push({ name: 'maskErrors', source: b.maskErrors!, bytes: MASK_ERRORS_BYTES });
    let offset = 0;
    for (const s of sections) {
      encoder.copyBufferToBuffer(s.source, 0, this.made.staging[slot]!, offset, s.bytes);
      offset += s.bytes;
    }
    return { commands: encoder.finish(), sections };
  }

  private decode(sections: Section[], bytes: ArrayBuffer, request: Request): ActResult {
    const read: Partial<Record<Section['name'], ArrayBuffer>> = {};
    let offset = 0;
    for (const s of sections) {
      const at = offset;
      offset += s.bytes;
      if (s.name === 'maskErrors') this.throwIfMaskedOut(new Uint32Array(bytes, at, MASK_ERRORS_BYTES / 4), request.rows);
      else read[s.name] = bytes.slice(at, offset);
    }
    return {
      ...this.actionsOf(read, request),
      ...(read.logProbs && { logProbs: new Float32Array(read.logProbs) }),
      ...(read.values && { values: new Float32Array(read.values) }),
      ...(request.policyOutputs && { policyOutputs: new Float32Array(read.policyOutputs!) }),
    };
  }

  private throwIfMaskedOut(words: Uint32Array, rows: number): void {
    const errors = decodeMaskErrors(words);
    if (!errors) return;
    const { shape } = this.made;
    const others = errors.count > 1 ? ` (and ${errors.count - 1} more of the ${rows} rows)` : '';
    throw new RangeError(
      shape.branches.length > 1
        ? `act options.actionMask row ${errors.firstRow} masks every action of one of its branches [${shape.branches.join(', ')}]${others}; ` +
            'each branch of each row must allow at least one action'
        : `act options.actionMask row ${errors.firstRow} masks every action (all ${shape.maskWidth} of its entries are 0)${others}; ` +
            'each row must allow at least one action',
    );
  }

  /**
   * The returned actions from the readback: the branch words, and the continuous part (the sample
   * in the action rows, or the greedy mean in the policy output rows) clipped to its bounds.
   */
  private actionsOf(read: Partial<Record<Section['name'], ArrayBuffer>>, request: Request): Pick<ActResult, 'actions' | 'discreteActions'> {
    const { continuousDims: D, branches, actionWidth, policyWidth, low, high } = this.made.shape;
    const { rows } = request;
    if (D === 0) return { actions: new Uint32Array(read.actions!) };
    const continuous = request.deterministic
      ? copyColumns(new Float32Array(rows * D), new Float32Array(read.policyOutputs!), rows, policyWidth, 0)
      : copyColumns(new Float32Array(rows * D), new Float32Array(read.actions!), rows, actionWidth, 0);
    for (let i = 0; i < continuous.length; i += 1) continuous[i] = Math.min(Math.max(continuous[i]!, low![i % D]!), high![i % D]!);
    if (branches.length === 0) return { actions: continuous };
    return { actions: continuous, discreteActions: copyColumns(new Uint32Array(rows * branches.length), new Uint32Array(read.actions!), rows, actionWidth, D) };
  }

  private empty(request: Request): ActResult {
    const { continuousDims: D, maskWidth } = this.made.shape;
    return {
      actions: D === 0 ? new Uint32Array(0) : new Float32Array(0),
      ...(D > 0 && maskWidth > 0 && { discreteActions: new Uint32Array(0) }),
      ...(request.logProbs && { logProbs: new Float32Array(0) }),
      ...(request.values && { values: new Float32Array(0) }),
      ...(request.policyOutputs && { policyOutputs: new Float32Array(0) }),
    };
  }
}
