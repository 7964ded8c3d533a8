/**
 * What the Train panel charts, by CleanRL's names: one row of values per chart per iteration,
 * read from IterationStats. A statistic that does not apply to the algorithm is NaN there (a gap).
 */
import type { IterationStats } from '../../src/index';
import type { ChartSpec } from './charts';

const BLUE = '#3b6fd8';
const ORANGE = '#e08a1e';

export const TRAIN_CHARTS: readonly ChartSpec[] = [
  { title: 'episodic return', series: [{ label: 'mean of last 100', color: BLUE }, { label: 'iteration', color: ORANGE }] },
  { title: 'policy loss', series: [{ label: 'policy_loss', color: BLUE }] },
  { title: 'value loss', series: [{ label: 'value_loss', color: BLUE }] },
  { title: 'entropy', series: [{ label: 'entropy', color: BLUE }] },
  { title: 'approx_kl', series: [{ label: 'approx_kl', color: BLUE }] },
  { title: 'clipfrac', series: [{ label: 'clipfrac', color: BLUE }], fraction: true },
  { title: 'ESS / n (importance weights)', series: [{ label: 'mean', color: BLUE }, { label: 'last reuse step', color: ORANGE }], fraction: true },
  { title: 'explained variance', series: [{ label: 'explained_variance', color: BLUE }] },
  { title: 'steps / s', series: [{ label: 'SPS', color: BLUE }] },
];

/** One chart per metric the env reports per episode (a game's own figures), after the training charts. */
export function trainCharts(episodeMetrics: readonly string[]): ChartSpec[] {
  return [...TRAIN_CHARTS, ...episodeMetrics.map((name) => ({ title: `${name} (mean of last 100 episodes)`, series: [{ label: name, color: BLUE }] }))];
}

/** Index of the return chart (the probe counts its points). */
export const RETURN_CHART = 0;

/**
 * The effective sample size of an update, as a fraction of the batch: off-policy reuse records
 * every gradient step's in its algorithm words ([steps, ESS₀/n, ESS₁/n, …], src/losses/ess.ts),
 * so its mean and its stalest (last) step are shown; other algorithms report one value.
 */
function effectiveSampleSize(stats: IterationStats, algo: string): [number, number] {
  const words = stats.algorithmWords;
  if (algo === 'offpolicy' && words && words.length > 1) {
    const steps = Math.min(Math.round(words[0]!), words.length - 1);
    if (steps < 1) return [Number.NaN, Number.NaN];
    let sum = 0;
    for (let k = 1; k <= steps; k += 1) sum += words[k]!;
    return [sum / steps, words[steps]!];
  }
  return [stats.statistics.ess, Number.NaN];
}

/** One iteration's chart rows, in trainCharts order (the env's metrics last, by name). */
export function chartRows(stats: IterationStats, algo: string, stepsPerSecond: number): number[][] {
  const s = stats.statistics;
  return [
    [stats.returnMean100, s.episodic_return],
    [s.policy_loss],
    [s.value_loss],
    [s.entropy],
    [s.approx_kl],
    [s.clipfrac],
    effectiveSampleSize(stats, algo),
    [s.explained_variance],
    [stepsPerSecond],
    ...Object.values(stats.episodeMetrics).map((value) => [value]),
  ];
}
