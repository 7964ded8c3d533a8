/**
 * Float64 reference of the running normalisers (src/normalise), in gymnasium's words:
 * RunningMeanStd (gymnasium/wrappers/utils.py: mean 0, var 1, count 1e-4, batch moments merged by
 * update_mean_var_count_from_moments), the vector NormalizeObservation (update with the batch,
 * then (x − mean)/√(var + ε)) and NormalizeReward (R ← R·γ·(1 − terminated) + r, update with the
 * batch of R, r/√(var + ε)), each followed by CleanRL's clip to ±10. Plain loops, one agent.
 */

/** gymnasium's RunningMeanStd over `dims` independent statistics. */
export class RunningMeanStd {
  readonly mean: number[];
  readonly variance: number[];
  count = 1e-4;

  constructor(readonly dims: number) {
    this.mean = new Array<number>(dims).fill(0);
    this.variance = new Array<number>(dims).fill(1);
  }

  /** Merges a batch of rows ([B][dims]) with the parallel-variance formula (Chan et al.). */
  update(batch: readonly (readonly number[])[]): void {
    const b = batch.length;
    const total = this.count + b;
    for (let d = 0; d < this.dims; d += 1) {
      let sum = 0;
      for (const row of batch) sum += row[d]!;
      const batchMean = sum / b;
      let squares = 0;
      for (const row of batch) squares += (row[d]! - batchMean) ** 2;
      const batchVariance = squares / b;
      const delta = batchMean - this.mean[d]!;
      const m2 = this.variance[d]! * this.count + batchVariance * b + (delta * delta * this.count * b) / total;
      this.mean[d] = this.mean[d]! + (delta * b) / total;
      this.variance[d] = m2 / total;
    }
    this.count = total;
  }
}

const clip = (x: number, bound: number) => Math.min(bound, Math.max(-bound, x));

/** NormalizeObservation (vector form) + clip: updates `rms` with the batch, returns it and the finals normalised. */
export function normaliseObservationsReference(
  rms: RunningMeanStd,
  observations: readonly (readonly number[])[],
  finalObservations: readonly (readonly number[])[],
  options: { update?: boolean; epsilon?: number; clip?: number } = {},
): { normalised: number[][]; normalisedFinal: number[][] } {
  const epsilon = options.epsilon ?? 1e-8;
  const bound = options.clip ?? 10;
  if (options.update !== false) rms.update(observations);
  const apply = (row: readonly number[]) => row.map((x, d) => clip((x - rms.mean[d]!) / Math.sqrt(rms.variance[d]! + epsilon), bound));
  return { normalised: observations.map(apply), normalisedFinal: finalObservations.map(apply) };
}

/** NormalizeReward (vector form) + clip for one agent's envs: R per env and the running statistics of R. */
export class RewardScalerReference {
  readonly rms = new RunningMeanStd(1);
  readonly returns: number[];

  constructor(
    envs: number,
    readonly gamma: number,
    readonly options: { update?: boolean; epsilon?: number; clip?: number } = {},
  ) {
    this.returns = new Array<number>(envs).fill(0);
  }

  /** One step: R ← R·γ·(1 − terminated) + r, update with {R}, then r/√(var + ε) clipped. */
  step(rewards: readonly number[], terminated: readonly (number | boolean)[]): number[] {
    rewards.forEach((r, n) => {
      this.returns[n] = this.returns[n]! * this.gamma * (terminated[n] ? 0 : 1) + r;
    });
    if (this.options.update !== false) this.rms.update(this.returns.map((R) => [R]));
    const scale = Math.sqrt(this.rms.variance[0]! + (this.options.epsilon ?? 1e-8));
    return rewards.map((r) => clip(r / scale, this.options.clip ?? 10));
  }
}
