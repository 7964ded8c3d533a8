/**
 * The records of metrics.jsonl, one per iteration, by CleanRL's names; with a population, the
 * agents' mean of each metric beside every agent's own values.
 */
import type { AgentReport, IterationStats } from '../train/report';

/** The statistics metrics.jsonl carries, by CleanRL's names. */
const METRIC_STATISTICS = ['episodic_return', 'episodic_length', 'policy_loss', 'value_loss', 'entropy', 'approx_kl', 'clipfrac', 'explained_variance', 'grad_norm'] as const;

const finite = (v: number) => (Number.isFinite(v) ? v : null);

/** Mean of the finite values (null when none is: the metric applies to no agent this iteration). */
function finiteMean(values: readonly number[]): number | null {
  const kept = values.filter(Number.isFinite);
  return kept.length === 0 ? null : kept.reduce((s, v) => s + v, 0) / kept.length;
}

/** One agent's metrics (statistics, return_mean_100, episodes), non-finite values as null. */
function agentMetrics(agent: Pick<AgentReport, 'statistics' | 'returnMean100' | 'episodesFinished'>): Record<string, number | null> {
  return {
    ...Object.fromEntries(METRIC_STATISTICS.map((name) => [name, finite(agent.statistics[name])])),
    return_mean_100: finite(agent.returnMean100),
    episodes: agent.episodesFinished,
  };
}

/** The population's mean return of the last 100 episodes, and its best agent's (agent 0's alone when G = 1). */
export function populationReturn(stats: IterationStats): { mean: number; best: number; agents: number } {
  const agents = stats.agents && stats.agents.length > 1 ? stats.agents : null;
  if (!agents) return { mean: stats.returnMean100, best: stats.returnMean100, agents: 1 };
  const values = agents.map((a) => a.returnMean100).filter(Number.isFinite);
  return {
    mean: values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length,
    best: values.length === 0 ? Number.NaN : Math.max(...values),
    agents: agents.length,
  };
}

/**
 * One metrics.jsonl record. With a population (stats.agents, G > 1) each metric is the mean over
 * the agents where it is finite, `episodes` the total, and `agents` every agent's own values.
 */
export function metricsRecord(stats: IterationStats, sps: number): Record<string, unknown> {
  const population = stats.agents && stats.agents.length > 1 ? stats.agents : null;
  const own = population ? population.map(agentMetrics) : null;
  const metric = (name: string): number | null => {
    if (!population) return name === 'return_mean_100' ? finite(stats.returnMean100) : finite(stats.statistics[name as (typeof METRIC_STATISTICS)[number]]);
    return finiteMean(own!.map((a) => a[name] ?? Number.NaN));
  };
  return {
    global_step: stats.globalStep,
    iteration: stats.iteration,
    SPS: Math.round(sps),
    episodic_return: metric('episodic_return'),
    episodic_length: metric('episodic_length'),
    return_mean_100: metric('return_mean_100'),
    episodes: population ? population.reduce((s, a) => s + a.episodesFinished, 0) : stats.episodesFinished,
    learning_rate: stats.learningRate,
    policy_loss: metric('policy_loss'),
    value_loss: metric('value_loss'),
    entropy: metric('entropy'),
    approx_kl: metric('approx_kl'),
    clipfrac: metric('clipfrac'),
    explained_variance: metric('explained_variance'),
    grad_norm: metric('grad_norm'),
    ...episodeMetricsRecord(stats, population),
    ...(own ? { agents: own.map((a, agent) => ({ agent, ...a })) } : {}),
  };
}

/** `episode_metrics` of a record: the env's metrics by name (the population's mean of each); nothing for an env without. */
function episodeMetricsRecord(stats: IterationStats, population: readonly AgentReport[] | null): Record<string, unknown> {
  const names = Object.keys(stats.episodeMetrics);
  if (names.length === 0) return {};
  const value = (name: string) => (population ? finiteMean(population.map((a) => a.episodeMetrics[name] ?? Number.NaN)) : finite(stats.episodeMetrics[name]!));
  return { episode_metrics: Object.fromEntries(names.map((name) => [name, value(name)])) };
}
