/**
 * The GPU records the loss kernels share (shaders/losses/common.wgsl mirrors them): the per-agent
 * coefficient record, the per-row statistics terms, and the minibatch size. Defined once here; the
 * WGSL constants must agree (a test reads them from the WGSL text).
 */

/** Words of one agent's LossCoefficients record (f32 [G][8]). */
export const LOSS_COEFFICIENT_WORDS = 8;

/**
 * Word offsets inside one agent's LossCoefficients record. A kernel that changes a coefficient on
 * the GPU (adaptive KL β) writes f32 word `g·LOSS_COEFFICIENT_WORDS + LOSS_COEFFICIENT.klBeta`.
 */
export const LOSS_COEFFICIENT = {
  /** PPO clip ε; also the clipfrac threshold. */
  clip: 0,
  /** ε_v of the clipped value loss. */
  valueClip: 1,
  /** ent_coef c of the entropy bonus −c·H. */
  entropy: 2,
  /** vf_coef c_v of the value loss. */
  value: 3,
  /** β of the KL penalty β·KL. */
  klBeta: 4,
} as const;

/** One agent's loss coefficients; each field defaults to CleanRL PPO's value. */
export interface LossCoefficients {
  /** Surrogate clipping coefficient ε > 0; default 0.2. */
  readonly clipCoef?: number;
  /** Value clipping coefficient ε_v > 0; default 0.2 (CleanRL clips the value with clip_coef). */
  readonly valueClipCoef?: number;
  /** Entropy coefficient c ≥ 0; default 0.01. */
  readonly entCoef?: number;
  /** Value-loss coefficient c_v ≥ 0; default 0.5. */
  readonly vfCoef?: number;
  /** KL penalty β ≥ 0; default 0 (initial β of an adaptive penalty; PPO paper uses 1). */
  readonly klBeta?: number;
}

export const DEFAULT_LOSS_COEFFICIENTS: Required<LossCoefficients> = {
  clipCoef: 0.2,
  valueClipCoef: 0.2,
  entCoef: 0.01,
  vfCoef: 0.5,
  klBeta: 0,
};

function checkCoefficient(field: string, value: number, positive: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (positive ? value <= 0 : value < 0)) {
    throw new RangeError(`${field} must be a finite number ${positive ? '> 0' : '≥ 0'} (got ${String(value)})`);
  }
  return value;
}

/**
 * Packs per-agent coefficients (one record for every agent, or one per agent) into the f32 [G][8]
 * LossCoefficients buffer contents, after checking each: ε and ε_v > 0; ent_coef, vf_coef, β ≥ 0.
 */
export function packLossCoefficients(
  agents: number,
  coefficients: LossCoefficients | readonly LossCoefficients[] = {},
): Float32Array<ArrayBuffer> {
  if (!Number.isInteger(agents) || agents < 1) throw new RangeError(`agents must be a positive integer (got ${agents})`);
  const list = Array.isArray(coefficients) ? (coefficients as readonly LossCoefficients[]) : null;
  if (list && list.length !== agents) {
    throw new RangeError(`loss coefficients: expected one record or ${agents} (one per agent), got ${list.length}`);
  }
  const data = new Float32Array(agents * LOSS_COEFFICIENT_WORDS);
  for (let g = 0; g < agents; g += 1) {
    const c = { ...DEFAULT_LOSS_COEFFICIENTS, ...(list ? list[g] : (coefficients as LossCoefficients)) };
    const at = (field: string) => (list ? `lossCoefficients[${g}].${field}` : `lossCoefficients.${field}`);
    const base = g * LOSS_COEFFICIENT_WORDS;
    data[base + LOSS_COEFFICIENT.clip] = checkCoefficient(at('clipCoef'), c.clipCoef, true);
    data[base + LOSS_COEFFICIENT.valueClip] = checkCoefficient(at('valueClipCoef'), c.valueClipCoef, true);
    data[base + LOSS_COEFFICIENT.entropy] = checkCoefficient(at('entCoef'), c.entCoef, false);
    data[base + LOSS_COEFFICIENT.value] = checkCoefficient(at('vfCoef'), c.vfCoef, false);
    data[base + LOSS_COEFFICIENT.klBeta] = checkCoefficient(at('klBeta'), c.klBeta, false);
  }
  return data;
}

/**
 * Columns of the per-row statistics terms, a f32 [LOSS_TERM_COUNT][G·M] buffer: column c of minibatch
 * row r at c·G·M + r, so each (column, agent) is one contiguous segment of M values. Each loss kernel
 * writes (or, accumulating, adds to) its own columns only.
 */
export const LOSS_TERM = {
  /** surrogate.wgsl: the surrogate's per-row loss ℓ. */
  surrogate: 0,
  /** entropy_bonus.wgsl: H[r]. */
  entropy: 1,
  /** kl_penalty.wgsl: β·KL[r]. */
  klPenalty: 2,
  /** value_loss.wgsl: ½(V − R)² or its clipped form, without vf_coef. */
  valueLoss: 3,
  /** surrogate.wgsl: k3 = (r − 1) − log r. */
  approxKl: 4,
  /** surrogate.wgsl: 1 when |r − 1| > ε, else 0. */
  clipped: 5,
  /** surrogate.wgsl: the importance weight w (r, ρ̄, or 1). */
  weight: 6,
  /** surrogate.wgsl: w². */
  weightSquared: 7,
} as const;

export const LOSS_TERM_COUNT = 8;

/**
 * M, the rows of one agent's minibatch: batchPerAgent / minibatches, which must divide evenly
 * (CleanRL computes minibatch_size = batch_size // num_minibatches and assumes it does).
 */
export function minibatchRowsPerAgent(batchPerAgent: number, minibatches: number): number {
  if (!Number.isInteger(batchPerAgent) || batchPerAgent < 1) {
    throw new RangeError(`batchPerAgent must be a positive integer (got ${batchPerAgent})`);
  }
  if (!Number.isInteger(minibatches) || minibatches < 1) {
    throw new RangeError(`minibatches must be a positive integer (got ${minibatches})`);
  }
  if (batchPerAgent % minibatches !== 0) {
    throw new RangeError(
      `minibatches must divide the batch: ${minibatches} minibatches do not divide ${batchPerAgent} rows per agent ` +
        `(divisors near it: ${nearDivisors(batchPerAgent, minibatches).join(', ')})`,
    );
  }
  return batchPerAgent / minibatches;
}

function nearDivisors(n: number, around: number): number[] {
  const found: number[] = [];
  for (let d = 1; d <= n && found.length < 64; d += 1) if (n % d === 0) found.push(d);
  return found.sort((a, b) => Math.abs(a - around) - Math.abs(b - around)).slice(0, 3).sort((a, b) => a - b);
}
