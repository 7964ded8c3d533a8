/**
 * The report block: the one thing a training iteration reads back. Per agent, REPORT_WORDS words:
 * the statistics record (src/losses/statistics.ts, CleanRL's metric names) followed by a ring of
 * the last EPISODE_RING_CAPACITY finished episodes' returns, which the GPU keeps across iterations
 * (shaders/train/episode_ring.wgsl), so that "mean return of the last 100 episodes" costs no extra
 * readback. Layout: see the WGSL header.
 */
import type { KernelSpec } from '../gpu/kernel';
import { MAX_EPISODE_METRICS } from '../envs/contract';
import { decodeMaskErrors, type MaskErrors } from '../nn/heads';
import { decodeStatistics, STATISTICS_WORDS, type StatisticName } from '../losses/statistics';
import type { LoopReport } from './loop';
import type { IterationCounters } from './loop';
import type { SelfPlayRound } from './self-play-config';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import episodeRingWgsl from '../../shaders/train/episode_ring.wgsl';

/** One iteration's statistics, as the CPU receives them one iteration late. */
export interface IterationStats {
  /** Index of the iteration (0-based). */
  readonly iteration: number;
  /** Env steps taken by the end of it (CleanRL's global_step), by each agent of a population. */
  readonly globalStep: number;
  /** The learning rate its updates used. */
  readonly learningRate: number;
  /** CleanRL's metrics and ours (src/losses/statistics.ts STATISTICS); NaN where one does not apply. */
  readonly statistics: Readonly<Record<StatisticName, number>>;
  /** Episodes finished since training began. */
  readonly episodesFinished: number;
  /** Returns of the last ≤ 100 finished episodes, oldest first. */
  readonly recentReturns: readonly number[];
  /** Their mean (NaN before any episode finished). */
  readonly returnMean100: number;
  /**
   * The env's own per-episode values (EnvDescriptor.episodeMetrics: a game's score, wins…), each
   * the mean over the same last ≤ 100 episodes (NaN before the first ends); {} for an env without.
   */
  readonly episodeMetrics: Readonly<Record<string, number>>;
  /** What the iteration asked of the GPU. */
  readonly counters: IterationCounters;
  /** Agent 0's algorithm words (report.ts ALGORITHM_WORDS: off-policy ESS per step, PPO's epochs run, …). */
  readonly algorithmWords?: Float32Array;
  /** Every agent's report when a population (G > 1) trains; the fields above are agent 0's. */
  readonly agents?: readonly AgentReport[];
  /**
   * A self-play run: the learner's results against each pool member since the previous snapshot,
   * read just before the next snapshot was taken (every `snapshotEvery` iterations), so covering the
   * iterations before it; it rides on the stats handed back next (with iterate() called in a loop,
   * those of the last iteration it covers).
   */
  readonly selfPlay?: SelfPlayRound;
}

/** Finished episodes whose returns the ring keeps: Gymnasium's "solved" criterion averages 100. */
/**
 * The mean return of the last 100 episodes a run is judged by: agent 0's, or with a population the
 * mean over the agents that have finished an episode (NaN before any has).
 */
export function populationReturnMean100(stats: IterationStats): number {
  if (!stats.agents || stats.agents.length <= 1) return stats.returnMean100;
  const values = stats.agents.map((a) => a.returnMean100).filter(Number.isFinite);
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

export const EPISODE_RING_CAPACITY = 100;
/** First word of the ring's header, after the statistics record. */
export const RING_BASE = STATISTICS_WORDS;
/**
 * First of the NaN guard's 3 words in the ring's header (RING_BASE + 1 … + 3: poison mask, its
 * iteration, 1 + the snapshot's iteration; src/train/nan-guard.ts).
 */
export const GUARD_STATUS_WORD = RING_BASE + 1;
/**
 * First of the 4 words of the rollout's MaskErrors block (src/nn/heads.ts): rows whose action mask
 * allowed nothing this iteration, and the first of them as step · N + env. Agent 0's record holds
 * it (the block covers the whole rollout).
 */
export const MASK_ERRORS_WORD = RING_BASE + 4 + EPISODE_RING_CAPACITY;
/** First of the env metrics' means (MAX_EPISODE_METRICS f32 words; NaN before the first episode ends). */
export const METRICS_BASE = MASK_ERRORS_WORD + 4;
/**
 * Words an algorithm may fill with its own per-agent values (f32), after the ring: off-policy ESS of
 * each gradient step, TRPO's accepted line-search step, CEM's fitness summary, PPO's epochs run.
 */
export const ALGORITHM_WORDS = 16;
/** First word of the algorithm's area. */
export const ALGORITHM_BASE = METRICS_BASE + MAX_EPISODE_METRICS;
/**
 * Words per agent: statistics, 4 header words (count, the NaN guard's 3), the ring, the mask
 * errors, the metrics' means, the algorithm's words.
 */
export const REPORT_WORDS = ALGORITHM_BASE + ALGORITHM_WORDS;
export const REPORT_BYTES = 4 * REPORT_WORDS;

/** Words a report record had before the mask-error and metric words (checkpoint format 2). */
const REPORT_WORDS_V2 = MASK_ERRORS_WORD + ALGORITHM_WORDS;

/**
 * A format-2 checkpoint's report buffer in today's layout: per agent, the statistics, the ring and
 * its header as they were, a cleared MaskErrors block, NaN metric means (no env had metrics), then
 * the algorithm's words, moved up. Null when `bytes` is not a whole number of format-2 records.
 */
export function migrateReportV2(bytes: Uint8Array): Uint8Array | null {
  if (bytes.byteLength === 0 || bytes.byteLength % (4 * REPORT_WORDS_V2) !== 0) return null;
  const agents = bytes.byteLength / (4 * REPORT_WORDS_V2);
  const old = new Uint32Array(bytes.slice().buffer);
  const words = new Uint32Array(agents * REPORT_WORDS);
  for (let g = 0; g < agents; g += 1) {
    const from = g * REPORT_WORDS_V2;
    const to = g * REPORT_WORDS;
    words.set(old.subarray(from, from + MASK_ERRORS_WORD), to);
    words.set([0, 0xffffffff, 0, 0], to + MASK_ERRORS_WORD);
    words.fill(0x7fc00000, to + METRICS_BASE, to + ALGORITHM_BASE);
    words.set(old.subarray(from + MASK_ERRORS_WORD, from + REPORT_WORDS_V2), to + ALGORITHM_BASE);
  }
  return new Uint8Array(words.buffer);
}

/**
 * Appends each agent's finished episodes to its ring, and their metrics to the metric rings.
 * Bindings: episode_returns, terminated, truncated, report, episode_metrics, metric_ring.
 */
export const EPISODE_RING: KernelSpec = {
  label: 'train.episode_ring',
  parts: [dispatchWgsl, episodeRingWgsl],
  workgroupSize: 1,
};

/** EPISODE_RING sized for a T × N rollout of G agents; dispatch G invocations. */
export function episodeRingSpec(shape: { steps: number; envs: number; agents: number; metrics?: number }): KernelSpec {
  const metrics = shape.metrics ?? 0;
  if (!Number.isInteger(metrics) || metrics < 0 || metrics > MAX_EPISODE_METRICS) {
    throw new RangeError(`episodeRing.metrics must be an integer in [0, ${MAX_EPISODE_METRICS}] (got ${metrics})`);
  }
  return {
    ...EPISODE_RING,
    constants: {
      AGENTS: shape.agents,
      STEPS: shape.steps,
      ENVS: shape.envs,
      CAPACITY: EPISODE_RING_CAPACITY,
      RING_BASE,
      REPORT_WORDS,
      METRICS: metrics,
      METRICS_BASE,
    },
  };
}

/**
 * Bytes of the metric rings of G agents with M metrics ([G][M][EPISODE_RING_CAPACITY] f32). With
 * M = 0 the ring kernel still binds the buffer but never reads it: 16 bytes, the smallest it takes.
 */
export function metricRingBytes(agents: number, metrics: number): number {
  return Math.max(16, 4 * agents * metrics * EPISODE_RING_CAPACITY);
}

/** One agent's report, decoded. */
export interface AgentReport {
  /** The statistics record (NaN where a statistic does not apply). */
  readonly statistics: Readonly<Record<StatisticName, number>>;
  /** Episodes finished since training began. */
  readonly episodesFinished: number;
  /** Returns of the last min(episodesFinished, 100) finished episodes, oldest first. */
  readonly recentReturns: readonly number[];
  /** Their mean (NaN before the first episode ends). */
  readonly returnMean100: number;
  /** The algorithm's words (ALGORITHM_WORDS f32; what they mean is the algorithm's to say). */
  readonly algorithm: Float32Array;
  /** Means of the env's per-episode metrics over the same last ≤ 100 episodes, by name (NaN before the first). */
  readonly episodeMetrics: Readonly<Record<string, number>>;
}

/** Decodes the report block of `agents` agents; `metricNames` are the env's episodeMetrics. */
export function decodeReport(bytes: ArrayBuffer, agents: number, metricNames: readonly string[] = []): AgentReport[] {
  const words = new Uint32Array(bytes);
  const floats = new Float32Array(bytes);
  return Array.from({ length: agents }, (_, g) => {
    const base = g * REPORT_WORDS;
    const statistics = decodeStatistics(bytes.slice(4 * base, 4 * (base + STATISTICS_WORDS)), 1)[0]!;
    const count = words[base + RING_BASE]!;
    const kept = Math.min(count, EPISODE_RING_CAPACITY);
    const recentReturns = Array.from({ length: kept }, (_, k) => floats[base + RING_BASE + 4 + ((count - kept + k) % EPISODE_RING_CAPACITY)]!);
    const returnMean100 = kept === 0 ? Number.NaN : recentReturns.reduce((s, r) => s + r, 0) / kept;
    const algorithm = floats.slice(base + ALGORITHM_BASE, base + ALGORITHM_BASE + ALGORITHM_WORDS);
    const episodeMetrics = Object.fromEntries(metricNames.map((metric, m) => [metric, floats[base + METRICS_BASE + m]!]));
    return { statistics, episodesFinished: count, recentReturns, returnMean100, algorithm, episodeMetrics };
  });
}

/** The rollout's MaskErrors block as the report carries it (agent 0's record): null when every row allowed an action. */
export function decodeReportMaskErrors(bytes: ArrayBuffer): MaskErrors | null {
  return decodeMaskErrors(new Uint32Array(bytes), MASK_ERRORS_WORD);
}

/**
 * A rollout row whose action mask allowed nothing is an env bug, never a sample: the sampler
 * counted it (MASK_ERRORS_WORD) and this names the first such env instance and step. The
 * iteration's update is kept: those rows carry log p = log 0 in both the rollout and the update, so
 * their ratio is 1 and their gradient 0.
 */
export function throwIfMaskedOut(name: string, env: { readonly id: string; readonly numEnvs: number }, report: LoopReport): void {
  const errors = decodeReportMaskErrors(report.bytes);
  if (!errors) return;
  const step = Math.floor(errors.firstRow / env.numEnvs);
  throw new RangeError(
    `${name}: env '${env.id}' instance ${errors.firstRow % env.numEnvs} allowed no action at step ${step} of iteration ${report.iteration} ` +
      `(its action mask is all zeros; ${errors.count} such env-steps in the iteration): a masked env must leave at least one action legal`,
  );
}

/** Representative specs for the kernel catalogue. */
/**
 * A single-agent trainer's view of one loop report: the decoded block with the iteration's global
 * step and learning rate (`learningRates[i]`, recorded when iteration i was prepared).
 */
export function iterationStats(
  report: LoopReport | null,
  stepsPerIteration: number,
  learningRates: readonly number[],
): IterationStats | null {
  if (!report) return null;
  const [agent] = decodeReport(report.bytes, 1);
  return {
    iteration: report.iteration,
    globalStep: (report.iteration + 1) * stepsPerIteration,
    learningRate: learningRates[report.iteration]!,
    statistics: agent!.statistics,
    episodesFinished: agent!.episodesFinished,
    recentReturns: agent!.recentReturns,
    returnMean100: agent!.returnMean100,
    episodeMetrics: agent!.episodeMetrics,
    counters: report.counters,
  };
}

export function trainKernelExamples(): KernelSpec[] {
  return [episodeRingSpec({ steps: 123, envs: 7, agents: 1 })];
}
