/**
 * A CPU copy of a policy, for a game that acts inside its frame callback and cannot await the GPU:
 * `act()` is synchronous and returns at once. It runs what Agent.act() runs on the GPU (the
 * observation normaliser, the actor's forward pass, the head: greedy or sampled, masked, with
 * log-probabilities) on a snapshot of the parameters taken when it was made; `refresh()` takes a
 * new one. Greedy discrete actions are the GPU's (the same argmax of the same float32 logits, up to
 * rounding in the last bits of the logits); sampled ones follow the same distribution from a CPU
 * stream of their own (Philox4x32-10, key (seed, CPU_INFERENCE_STREAM), counter (call, row, block)):
 * reproducible from the seed, but not the GPU's draws.
 *
 * Buffers (inputs, activations, results) are allocated for the largest batch seen and reused, so a
 * call at a batch size already seen allocates only its result object: the arrays it holds are views
 * into the policy's buffers, which the next act() overwrites (copy what must outlive the frame).
 */
import { philox4x32Into, uniformFromBits } from '../rng/philox-cpu';
import { gaussianLogDensity, logSumExpBelow, maskedArgmax, sampleMasked, type MaskLike } from './cpu-policy-heads';
import { checkSnapshot, snapshotFromCheckpoint, type CpuPolicyShape, type CpuPolicySnapshot } from './cpu-policy-snapshot';
import type { Checkpoint } from '../train/checkpoint';
import type { ActionSpace } from '../envs/types';
import type { ActOptions, ActResult } from './policy-inference';

/** The Philox stream of the CPU policy's draws ('CPU'), apart from the GPU act()'s. */
export const CPU_INFERENCE_STREAM = 0x435055;

/** Options of a {@link CpuPolicy}. */
export interface CpuPolicyOptions {
  /** Key of the sampled actions' Philox stream, a u32 (Agent.policy() default: the training seed). */
  readonly seed?: number;
  /** Where refresh() gets a fresh snapshot (Agent.policy() passes one reading the agent's live parameters). */
  readonly source?: () => Promise<CpuPolicySnapshot>;
  /**
   * agent.policy() only: the agent refreshes this copy after each iteration train() reports,
   * before the statistics reach the game (one small readback per iteration), for as long as the
   * game holds the policy. Default false: refresh() on request.
   */
  readonly follow?: boolean;
}

/** Options of {@link CpuPolicy.act}: Agent.act()'s, without values (the CPU policy holds the actor only). */
export type CpuActOptions = Pick<ActOptions, 'deterministic' | 'actionMask' | 'logProbs' | 'policyOutputs'>;

/**
 * What {@link CpuPolicy.act} returns: Agent.act()'s arrays and shapes ({@link ActResult}: actions
 * [batch] discrete, [batch][K] multi-discrete, [batch][D] clipped box, a hybrid's [batch][D] and
 * discreteActions [batch][K]), as views into the policy's buffers that the next act() overwrites.
 */
export type CpuActResult = Pick<ActResult, 'actions' | 'discreteActions' | 'logProbs' | 'policyOutputs'>;

const OPTION_NAMES = ['deterministic', 'actionMask', 'logProbs', 'policyOutputs'] as const;

/** A boolean option, false when absent. */
function flag(options: CpuActOptions, name: 'deterministic' | 'logProbs' | 'policyOutputs'): boolean {
  const value = options[name];
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`cpuPolicy.act options.${name} must be a boolean (got ${String(value)})`);
  return value === true;
}

/**
 * A policy acting synchronously on the CPU. Made by {@link Agent.policy} (a snapshot of the agent's
 * current policy, refreshed on request: `refresh()`), from a checkpoint
 * ({@link CpuPolicy.fromCheckpoint}), or from a snapshot. `act(observations)` takes [batch][OBS]
 * row-major observations and returns at once.
 */
export class CpuPolicy {
  private shape: CpuPolicyShape;
  private readonly seed: number;
  private readonly source: (() => Promise<CpuPolicySnapshot>) | undefined;
  private calls = 0;
  private capacity = -1;
  private inputs = new Float32Array(0);
  private continuous = new Float32Array(0);
  private discrete = new Uint32Array(0);
  private logProbs = new Float32Array(0);
  /** The views of the last batch size, reused while it repeats. */
  private views: { rows: number; actions: Float32Array | Uint32Array; discrete: Uint32Array | undefined; logProbs: Float32Array; outputs: Float32Array } | null = null;
  private readonly flags = { deterministic: false, logProbs: false, policyOutputs: false };
  private readonly bits = new Uint32Array(4);
  private word = 4;
  private block = 0;
  private row = 0;
  /** Box–Muller's second normal, kept for the next draw (in a typed array: a field holding a float would be boxed on each write). */
  private readonly spareNormal = new Float64Array(1);
  private hasSpareNormal = false;

  /** Checks `snapshot` (head against action space, parameters, statistics) and copies what it needs. */
  constructor(snapshot: CpuPolicySnapshot, options: CpuPolicyOptions = {}) {
    this.shape = checkSnapshot(snapshot);
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`cpuPolicy.seed must be an integer in [0, 4294967295] (got ${String(seed)})`);
    this.seed = seed;
    this.source = options.source;
  }

  /**
   * The CPU policy of one agent (`agent`, default 0) of a checkpoint (decodeCheckpoint(bytes)): no
   * GPU needed, so a game can ship a trained checkpoint and act with it anywhere. Sampling is keyed
   * by the checkpoint's seed unless `options.seed` says otherwise; without a source, refresh() throws.
   */
  static fromCheckpoint(checkpoint: Checkpoint, options: CpuPolicyOptions & { readonly agent?: number } = {}): CpuPolicy {
    const { agent, ...rest } = options;
    return new CpuPolicy(snapshotFromCheckpoint(checkpoint, agent), { seed: checkpoint.seed >>> 0, ...rest });
  }

  /** Floats per observation row. */
  get observationSize(): number {
    return this.shape.observationSize;
  }

  /** The env's action space. */
  get actionSpace(): ActionSpace {
    return this.shape.actionSpace;
  }

  /** Replaces the parameters and statistics by a fresh snapshot from the policy's source (the agent's current policy). */
  async refresh(): Promise<void> {
    if (!this.source) throw new Error('cpuPolicy.refresh(): this policy was made from a snapshot without a source; make it with agent.policy() to refresh it');
    this.replace(await this.source());
  }

  /**
   * Replaces the parameters and statistics by `snapshot` (an agent refreshing the policies that
   * follow it reads one snapshot for all).
   * @internal
   */
  replace(snapshot: CpuPolicySnapshot): void {
    this.shape = checkSnapshot(snapshot);
    this.capacity = -1;
    this.views = null;
  }

  /**
   * Actions for `observations` ([batch][OBS] row-major, float32 values) under the snapshot, at once:
   * sampled, or greedy with `deterministic` (argmax of the masked logits; the Gaussian mean clipped
   * to the box; a hybrid both). Options and results as Agent.act()'s; the result's arrays are views
   * that the next call overwrites. Throws on bad input, naming the field, the value and what is valid.
   */
  act(observations: ArrayLike<number>, options: CpuActOptions = {}): CpuActResult {
    const flags = this.checkOptions(options);
    const rows = this.normalise(observations);
    const mask = this.checkMask(options.actionMask, rows);
    const { mlp, parameters, continuousDims: D } = this.shape;
    const outputs = mlp.forward(parameters, this.inputs, rows);
    this.reserve(rows);
    for (let r = 0; r < rows; r += 1) {
      this.startRow(r);
      // Each part adds its log p to the row's float32 entry, as the GPU's head kernels do.
      this.logProbs[r] = 0;
      if (D > 0) this.gaussianRow(outputs, r, flags.deterministic);
      this.branchesRow(outputs, r, mask, flags.deterministic);
    }
    this.calls += 1;
    return this.result(rows, outputs, flags.logProbs, flags.policyOutputs);
  }

  // ---- input ---------------------------------------------------------------------------------------

  /** Checks the options into `flags` (one object, reused: a call allocates nothing here). */
  private checkOptions(options: CpuActOptions): { readonly deterministic: boolean; readonly logProbs: boolean; readonly policyOutputs: boolean } {
    if (typeof options !== 'object' || options === null) throw new TypeError(`cpuPolicy.act options must be an object (got ${String(options)})`);
    for (const name in options) {
      if (!(OPTION_NAMES as readonly string[]).includes(name)) {
        const why = name === 'values' ? ': the CPU policy holds the actor only; values need Agent.act()' : '';
        throw new RangeError(`cpuPolicy.act options: unknown option '${name}' (valid: ${OPTION_NAMES.join(', ')})${why}`);
      }
    }
    this.flags.deterministic = flag(options, 'deterministic');
    this.flags.logProbs = flag(options, 'logProbs');
    this.flags.policyOutputs = flag(options, 'policyOutputs');
    return this.flags;
  }

  /** Writes the (normalised) float32 observations into `inputs`; returns the rows. */
  private normalise(observations: ArrayLike<number>): number {
    const OBS = this.shape.observationSize;
    if (observations === null || typeof observations !== 'object' || typeof observations.length !== 'number') {
      throw new TypeError(`cpuPolicy.act observations must be an array of [batch][${OBS}] numbers (got ${String(observations)})`);
    }
    if (observations.length % OBS !== 0) throw new RangeError(`cpuPolicy.act observations has ${observations.length} values, not a multiple of the observation size ${OBS}`);
    const count = observations.length;
    if (this.inputs.length < count) this.inputs = new Float32Array(count);
    const normaliser = this.shape.normaliser;
    for (let i = 0; i < count; i += 1) {
      const x = observations[i]!;
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new RangeError(`cpuPolicy.act observations[${i}] (row ${Math.floor(i / OBS)}, dim ${i % OBS}) must be a finite number (got ${String(x)})`);
      }
      if (!normaliser) {
        this.inputs[i] = x;
        continue;
      }
      // running_moments_normalise in float32, operation for operation: clamp((x − μ)/√(σ² + ε), ±clip).
      const d = i % OBS;
      const std = Math.fround(Math.sqrt(Math.fround(normaliser.variance[d]! + normaliser.epsilon)));
      const y = Math.fround(Math.fround(Math.fround(x) - normaliser.mean[d]!) / std);
      this.inputs[i] = Math.min(Math.max(y, -normaliser.clip), normaliser.clip);
    }
    return count / OBS;
  }

  /** The mask as given (checked: its type, length and 0/1 values), or null; required on an env with masks, as Agent.act() requires it. */
  private checkMask(given: CpuActOptions['actionMask'], rows: number): MaskLike | null {
    const { maskWidth: n, actionMasks } = this.shape;
    if (given === undefined && actionMasks) {
      throw new RangeError(`cpuPolicy.act: this env has action masks: pass its legal actions as options.actionMask ([batch][${n}], 1 = legal), or actionMask: null to choose among every action`);
    }
    if (given === undefined || given === null) return null;
    if (n === 0) throw new RangeError(`cpuPolicy.act options.actionMask applies to discrete actions only (this policy's actions are a box of ${this.shape.continuousDims})`);
    const isWords = given instanceof Uint8Array || given instanceof Uint32Array;
    if (!isWords && !Array.isArray(given)) throw new TypeError(`cpuPolicy.act options.actionMask must be a Uint8Array, a Uint32Array or an array of booleans, [batch][${n}] (got ${String(given)})`);
    if (given.length !== rows * n) throw new RangeError(`cpuPolicy.act options.actionMask has ${given.length} entries; ${rows} rows × ${n} actions need ${rows * n}`);
    for (let i = 0; i < given.length; i += 1) {
      const v = given[i];
      if (isWords ? v !== 0 && v !== 1 : typeof v !== 'boolean') {
        throw new RangeError(`cpuPolicy.act options.actionMask[${i}] (row ${Math.floor(i / n)}, action ${i % n}) must be ${isWords ? '0 or 1' : 'a boolean'} (got ${String(v)})`);
      }
    }
    return given;
  }

  // ---- the head ------------------------------------------------------------------------------------

  /** The Gaussian part of row r (actions clipped; log p of the unclipped sample, or of the mean, added to logProbs[r]). */
  private gaussianRow(outputs: Float32Array, r: number, deterministic: boolean): void {
    const { continuousDims: D, mlp, parameters, logStdOffset, low, high } = this.shape;
    let logP = 0;
    for (let d = 0; d < D; d += 1) {
      const mean = outputs[r * mlp.outputSize + d]!;
      const logStd = parameters[logStdOffset + d]!;
      const action = deterministic ? mean : Math.fround(mean + Math.exp(logStd) * this.normal());
      logP += gaussianLogDensity(action, mean, logStd);
      this.continuous[r * D + d] = Math.min(Math.max(action, low[d]!), high[d]!);
    }
    this.logProbs[r] = this.logProbs[r]! + logP;
  }

  /** Each branch's action of row r, written to its word; their log p added to logProbs[r]. */
  private branchesRow(outputs: Float32Array, r: number, mask: MaskLike | null, deterministic: boolean): void {
    const { continuousDims: D, branches, mlp, maskWidth } = this.shape;
    let logP = 0;
    let offset = r * mlp.outputSize + D;
    let maskOffset = r * maskWidth;
    for (let b = 0; b < branches.length; b += 1) {
      const n = branches[b]!;
      const best = maskedArgmax(outputs, offset, n, mask, maskOffset);
      if (best < 0) {
        const which = branches.length > 1 ? `every action of its branch ${b} (nvec [${branches.join(', ')}])` : `every action (all ${n} of its entries are 0)`;
        throw new RangeError(`cpuPolicy.act options.actionMask row ${r} masks ${which}; each row must allow at least one action${branches.length > 1 ? ' per branch' : ''}`);
      }
      const max = outputs[offset + best]!;
      const logSum = logSumExpBelow(outputs, offset, n, mask, maskOffset, max);
      const action = deterministic ? best : sampleMasked(outputs, offset, n, mask, maskOffset, max, logSum, this.uniform());
      logP += outputs[offset + action]! - max - logSum;
      this.discrete[r * branches.length + b] = action;
      offset += n;
      maskOffset += n;
    }
    if (branches.length > 0) this.logProbs[r] = this.logProbs[r]! + logP;
  }

  // ---- randomness ------------------------------------------------------------------------------------

  /** Row r's draws start at Philox block 0 of counter (call, r, block, call / 2³²). */
  private startRow(r: number): void {
    this.row = r;
    this.block = 0;
    this.word = 4;
    this.hasSpareNormal = false;
  }

  /** The next uniform in (0, 1) of the row's stream. */
  private uniform(): number {
    if (this.word === 4) {
      philox4x32Into(this.bits, 0, this.calls >>> 0, this.row, this.block, Math.floor(this.calls / 2 ** 32), this.seed, CPU_INFERENCE_STREAM);
      this.block += 1;
      this.word = 0;
    }
    return uniformFromBits(this.bits[this.word++]!);
  }

  /** The next standard normal of the row's stream (Box–Muller in float64, a pair per two uniforms). */
  private normal(): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return this.spareNormal[0]!;
    }
    const radius = Math.sqrt(-2 * Math.log(this.uniform()));
    const angle = 2 * Math.PI * (this.uniform() - 0.5);
    this.spareNormal[0] = radius * Math.sin(angle);
    this.hasSpareNormal = true;
    return radius * Math.cos(angle);
  }

  // ---- output ----------------------------------------------------------------------------------------

  /** Grows the result buffers to `rows` rows. */
  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const { continuousDims: D, branches } = this.shape;
    this.capacity = rows;
    this.continuous = new Float32Array(rows * D);
    this.discrete = new Uint32Array(rows * branches.length);
    this.logProbs = new Float32Array(rows);
    this.views = null;
  }

  /** The result object over views of the first `rows` rows, the views reused while the batch size repeats. */
  private result(rows: number, outputs: Float32Array, logProbs: boolean, policyOutputs: boolean): CpuActResult {
    const { continuousDims: D, branches } = this.shape;
    if (this.views?.rows !== rows || this.views.outputs !== outputs) {
      const discrete = this.discrete.subarray(0, rows * branches.length);
      const actions = D > 0 ? this.continuous.subarray(0, rows * D) : discrete;
      this.views = { rows, actions, discrete: D > 0 && branches.length > 0 ? discrete : undefined, logProbs: this.logProbs.subarray(0, rows), outputs };
    }
    const views = this.views;
    const result: { -readonly [K in keyof CpuActResult]: CpuActResult[K] } = { actions: views.actions };
    if (views.discrete) result.discreteActions = views.discrete;
    if (logProbs) result.logProbs = views.logProbs;
    if (policyOutputs) result.policyOutputs = views.outputs;
    return result;
  }
}
