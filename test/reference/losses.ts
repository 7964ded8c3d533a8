/**
 * Float64 plain-loop reference for the loss kernels (shaders/losses/*.wgsl): one row at a time, then
 * a mean over each agent's M minibatch rows. Every loss is L = (1/M) Σ_r ℓ_r; each function returns
 * the per-row value ℓ_r and the per-row coefficients the head backward kernels consume, which carry
 * the 1/M (and the loss's coefficient):
 *
 *   weighted (REINFORCE)  ℓ = −w·log π                          ∂L/∂log π = −w/M      (w detached)
 *   clone (BC)            ℓ = −log π                            ∂L/∂log π = −1/M
 *   importance            ℓ = −r·Â,  r = exp(log π − log π_old)  ∂L/∂log π = −r·Â/M
 *   clip (PPO)            ℓ = −min(r·Â, clip(r, 1−ε, 1+ε)·Â)    ∂L/∂log π = −r·Â/M, except exactly 0
 *                         when (Â > 0 and r > 1+ε) or (Â < 0 and r < 1−ε) (strict: at r = 1 ± ε the
 *                         two branches are equal and the unclipped gradient is used, as torch does)
 *   trajectory            ℓ = −ρ̄·Â·log π, ρ̄ the (capped) trajectory weight, detached
 *                                                               ∂L/∂log π = −ρ̄·Â/M
 *   kl penalty            ℓ = β·KL                              ∂L/∂KL = β/M
 *   entropy bonus         ℓ = −c·H                              ∂L/∂H = −c/M
 *   value                 ℓ = ½(V − R)²                         ∂L/∂V = c_v·(V − R)/M
 *   value, clipped        ℓ = ½ max((V − R)², (V_c − R)²), V_c = V_old + clip(V − V_old, −ε_v, ε_v)
 *                         ∂L/∂V = c_v/M · (V − R) when (V − R)² ≥ (V_c − R)², else
 *                                 c_v/M · (V_c − R)·[|V − V_old| ≤ ε_v]
 *
 * The value loss's statistic is ½·mean(...) without c_v (CleanRL's v_loss); its gradient carries c_v.
 * The KL-penalised surrogate −(r·Â − β·KL) is `importance` plus `kl penalty`.
 *
 * Trajectory weights over a rollout [T][N] (time-major): a trajectory segment of env n is a maximal
 * run of steps s..e with no episode end (terminated or truncated) at s..e−1, ending at a done step or
 * at t = T−1; a segment that starts at t = 0 began in an earlier rollout and only its steps inside
 * this rollout enter. log ρ = Σ_{t' in segment} (log π_new − log π_old); with `perDecision` the sum
 * runs over the segment's steps t' ≤ t only (per-decision IS). ρ̄ = min(exp(log ρ), cap).
 */

export type SurrogateObjective = 'weighted' | 'clone' | 'importance' | 'clip' | 'trajectory';

/** One minibatch row of a surrogate loss. */
export interface SurrogateRow {
  logProb: number;
  oldLogProb: number;
  /** Â (or the REINFORCE weight w); ignored by 'clone'. */
  advantage: number;
  /** ρ̄ for 'trajectory'. */
  trajectoryWeight?: number;
}

export interface SurrogateRowResult {
  /** ℓ_r. */
  loss: number;
  /** ∂ℓ_r/∂ log π (without 1/M). */
  dLogProb: number;
  ratio: number;
  /** k3: (r − 1) − log r. */
  approxKl: number;
  /** |r − 1| > ε. */
  clipped: boolean;
  /** The importance weight the statistics' ESS uses: r (importance, clip), ρ̄ (trajectory), else 1. */
  weight: number;
}

export function surrogateRow(objective: SurrogateObjective, row: SurrogateRow, clip: number): SurrogateRowResult {
  const logRatio = row.logProb - row.oldLogProb;
  const ratio = Math.exp(logRatio);
  const a = row.advantage;
  let loss: number;
  let dLogProb: number;
  let weight = 1;
  switch (objective) {
    case 'weighted':
      loss = -a * row.logProb;
      dLogProb = -a;
      break;
    case 'clone':
      loss = -row.logProb;
      dLogProb = -1;
      break;
    case 'importance':
      loss = -ratio * a;
      dLogProb = -ratio * a;
      weight = ratio;
      break;
    case 'clip': {
      const clippedRatio = Math.min(Math.max(ratio, 1 - clip), 1 + clip);
      loss = -Math.min(ratio * a, clippedRatio * a);
      const flat = (a > 0 && ratio > 1 + clip) || (a < 0 && ratio < 1 - clip);
      dLogProb = flat ? 0 : -ratio * a;
      weight = ratio;
      break;
    }
    case 'trajectory': {
      const rho = row.trajectoryWeight;
      if (rho === undefined) throw new RangeError("surrogateRow: 'trajectory' needs trajectoryWeight");
      loss = -rho * a * row.logProb;
      dLogProb = -rho * a;
      weight = rho;
      break;
    }
  }
  return { loss, dLogProb, ratio, approxKl: Math.expm1(logRatio) - logRatio, clipped: Math.abs(ratio - 1) > clip, weight };
}

export interface ValueRowResult {
  /** ℓ_r without c_v. */
  loss: number;
  /** ∂ℓ_r/∂V without c_v and 1/M. */
  dValue: number;
}

export function valueRow(value: number, target: number, oldValue: number, clipped: boolean, valueClip: number): ValueRowResult {
  const d = value - target;
  if (!clipped) return { loss: 0.5 * d * d, dValue: d };
  const delta = value - oldValue;
  const vc = oldValue + Math.min(Math.max(delta, -valueClip), valueClip);
  const dc = vc - target;
  if (d * d >= dc * dc) return { loss: 0.5 * d * d, dValue: d };
  return { loss: 0.5 * dc * dc, dValue: Math.abs(delta) <= valueClip ? dc : 0 };
}

/** Per-agent coefficients (the GPU's LossCoefficients record). */
export interface Coefficients {
  clip: number;
  valueClip: number;
  entropy: number;
  value: number;
  klBeta: number;
}

/** Columns the loss kernels write per row (src/losses/layout.ts LOSS_TERM). */
export interface RowTerms {
  surrogate: number;
  entropy: number;
  klPenalty: number;
  valueLoss: number;
  approxKl: number;
  clipped: number;
  weight: number;
  weightSquared: number;
}

export interface MinibatchInputs {
  /** Rows are agent-major: row r belongs to agent floor(r / M). */
  agents: number;
  rowsPerAgent: number;
  logProbs: ArrayLike<number>;
  oldLogProbs: ArrayLike<number>;
  advantages: ArrayLike<number>;
  trajectoryWeights?: ArrayLike<number>;
  entropies?: ArrayLike<number>;
  kl?: ArrayLike<number>;
  values?: ArrayLike<number>;
  returns?: ArrayLike<number>;
  oldValues?: ArrayLike<number>;
  coefficients: readonly Coefficients[];
}

export interface MinibatchLosses {
  /** Per-agent L_π + β·mean KL (the surrogate plus the KL penalty when present). */
  policyLoss: number[];
  /** Per-agent total L = L_π + β·KL − c·H̄ + c_v·L_V over the parts present. */
  totalLoss: number[];
  logProbGrads: number[];
  entropyGrads: number[];
  klGrads: number[];
  valueGrads: number[];
  terms: RowTerms[];
}

export interface LossParts {
  objective: SurrogateObjective;
  entropy?: boolean;
  klPenalty?: boolean;
  value?: 'plain' | 'clipped';
}

/** Every loss part over one minibatch, in float64. */
export function minibatchLosses(parts: LossParts, input: MinibatchInputs): MinibatchLosses {
  const { agents, rowsPerAgent: m } = input;
  const rows = agents * m;
  const policyLoss = new Array<number>(agents).fill(0);
  const totalLoss = new Array<number>(agents).fill(0);
  const out: MinibatchLosses = {
    policyLoss,
    totalLoss,
    logProbGrads: [],
    entropyGrads: [],
    klGrads: [],
    valueGrads: [],
    terms: [],
  };
  for (let r = 0; r < rows; r += 1) {
    const g = Math.floor(r / m);
    const c = input.coefficients[g]!;
    const s = surrogateRow(
      parts.objective,
      {
        logProb: input.logProbs[r]!,
        oldLogProb: input.oldLogProbs[r]!,
        advantage: input.advantages[r]!,
        trajectoryWeight: input.trajectoryWeights?.[r],
      },
      c.clip,
    );
    const terms: RowTerms = {
      surrogate: s.loss,
      entropy: 0,
      klPenalty: 0,
      valueLoss: 0,
      approxKl: s.approxKl,
      clipped: s.clipped ? 1 : 0,
      weight: s.weight,
      weightSquared: s.weight * s.weight,
    };
    out.logProbGrads.push(s.dLogProb / m);
    policyLoss[g]! += s.loss / m;
    totalLoss[g]! += s.loss / m;
    if (parts.klPenalty) {
      const kl = input.kl![r]!;
      terms.klPenalty = c.klBeta * kl;
      out.klGrads.push(c.klBeta / m);
      policyLoss[g]! += (c.klBeta * kl) / m;
      totalLoss[g]! += (c.klBeta * kl) / m;
    }
    if (parts.entropy) {
      const h = input.entropies![r]!;
      terms.entropy = h;
      out.entropyGrads.push(-c.entropy / m);
      totalLoss[g]! -= (c.entropy * h) / m;
    }
    if (parts.value) {
      const v = valueRow(input.values![r]!, input.returns![r]!, input.oldValues![r]!, parts.value === 'clipped', c.valueClip);
      terms.valueLoss = v.loss;
      out.valueGrads.push((c.value * v.dValue) / m);
      totalLoss[g]! += (c.value * v.loss) / m;
    }
    out.terms.push(terms);
  }
  return out;
}

/** Trajectory weights ρ̄ over a rollout [T][N] (see the header). */
export function trajectoryWeights(
  steps: number,
  envs: number,
  logProbs: ArrayLike<number>,
  oldLogProbs: ArrayLike<number>,
  terminated: ArrayLike<number>,
  truncated: ArrayLike<number>,
  options: { cap?: number; perDecision?: boolean } = {},
): number[] {
  const cap = options.cap ?? Infinity;
  const weights = new Array<number>(steps * envs).fill(Number.NaN);
  for (let n = 0; n < envs; n += 1) {
    let start = 0;
    let sum = 0;
    for (let t = 0; t < steps; t += 1) {
      const i = t * envs + n;
      sum += logProbs[i]! - oldLogProbs[i]!;
      if (options.perDecision) weights[i] = Math.min(Math.exp(sum), cap);
      const done = terminated[i] !== 0 || truncated[i] !== 0;
      if (done || t === steps - 1) {
        if (!options.perDecision) {
          const w = Math.min(Math.exp(sum), cap);
          for (let u = start; u <= t; u += 1) weights[u * envs + n] = w;
        }
        start = t + 1;
        sum = 0;
      }
    }
  }
  return weights;
}
