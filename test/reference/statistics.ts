/**
 * Float64 plain-loop reference for the statistics block (src/losses/statistics.ts,
 * shaders/losses/rollout_terms.wgsl, shaders/losses/statistics_finalise.wgsl). NaN = does not apply.
 * Alongside each statistic it returns `scale`, the magnitude its float32 error is measured against:
 * for a mean, the mean |summand| (a mean of ± terms can be near 0 while its summands are not); for
 * ratios (ess, explained variance) and counts, |value|.
 */
import type { StatisticName } from '../../src/losses/statistics';

export interface StatisticsParts {
  entropy: boolean;
  klPenalty: boolean;
  valueLoss: boolean;
  critic: boolean;
  gradNorm: boolean;
}

export interface StatisticsReferenceInput {
  agents: number;
  steps: number;
  envs: number;
  /** M. */
  rowsPerAgent: number;
  updates: number;
  /** [8][G·M] as the loss kernels leave them (accumulated over `updates`). */
  lossTerms: ArrayLike<number>;
  returns: ArrayLike<number>;
  values: ArrayLike<number>;
  terminated: ArrayLike<number>;
  truncated: ArrayLike<number>;
  episodeReturns: ArrayLike<number>;
  episodeLengths: ArrayLike<number>;
  gradNormSquared: ArrayLike<number>;
  klBeta: ArrayLike<number>;
  parts: StatisticsParts;
}

export type StatisticsRecord = Record<StatisticName, { value: number; scale: number }>;

function meanOf(values: number[]): { value: number; scale: number } {
  let sum = 0;
  let abs = 0;
  for (const v of values) {
    sum += v;
    abs += Math.abs(v);
  }
  return { value: sum / values.length, scale: abs / values.length };
}

function variance(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
}

const exact = (value: number) => ({ value, scale: Math.abs(value) });
const NONE = { value: Number.NaN, scale: 0 };

export function statisticsReference(input: StatisticsReferenceInput): StatisticsRecord[] {
  const { agents, steps, envs, rowsPerAgent: m, updates, parts } = input;
  const rows = agents * m;
  const perAgentEnvs = envs / agents;
  return Array.from({ length: agents }, (_, g) => {
    const columnRows = (c: number) => Array.from({ length: m }, (_, i) => input.lossTerms[c * rows + g * m + i]!);
    const columnMean = (c: number) => {
      const r = meanOf(columnRows(c));
      return { value: r.value / updates, scale: r.scale / updates };
    };
    const surrogate = columnMean(0);
    const penalty = columnMean(2);
    const policy = parts.klPenalty ? { value: surrogate.value + penalty.value, scale: surrogate.scale + penalty.scale } : surrogate;
    const w = columnRows(6);
    const w2 = columnRows(7);
    const sumW = w.reduce((a, b) => a + b, 0);
    const sumW2 = w2.reduce((a, b) => a + b, 0);

    const targets: number[] = [];
    const residuals: number[] = [];
    const episodeReturns: number[] = [];
    const episodeLengths: number[] = [];
    for (let t = 0; t < steps; t += 1) {
      for (let k = 0; k < perAgentEnvs; k += 1) {
        const i = t * envs + g * perAgentEnvs + k;
        targets.push(input.returns[i]!);
        residuals.push(input.returns[i]! - input.values[i]!);
        if (input.terminated[i] !== 0 || input.truncated[i] !== 0) {
          episodeReturns.push(input.episodeReturns[i]!);
          episodeLengths.push(input.episodeLengths[i]!);
        }
      }
    }
    const varR = variance(targets);
    const finished = episodeReturns.length;
    return {
      policy_loss: policy,
      value_loss: parts.valueLoss ? columnMean(3) : NONE,
      entropy: parts.entropy ? columnMean(1) : NONE,
      approx_kl: columnMean(4),
      clipfrac: columnMean(5),
      ess: exact((sumW * sumW) / (m * updates * sumW2)),
      explained_variance: parts.critic && varR > 0 ? exact(1 - variance(residuals) / varR) : NONE,
      grad_norm: parts.gradNorm ? exact(Math.sqrt(input.gradNormSquared[g]!)) : NONE,
      beta: parts.klPenalty ? exact(input.klBeta[g]!) : NONE,
      episodic_return: finished > 0 ? meanOf(episodeReturns) : NONE,
      episodic_length: finished > 0 ? meanOf(episodeLengths) : NONE,
      episode_count: exact(finished),
      nonfinite_terms: exact(0),
    };
  });
}
