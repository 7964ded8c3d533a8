/**
 * A training run's lifecycle, as `webgpu-rl train` runs it: start afresh or continue a checkpoint,
 * iterate until the step budget is spent, the mean return reaches --stop-at, or the run is
 * interrupted (Ctrl-C: an AbortSignal), evaluating every --eval-every iterations; then write the
 * run's files. However it ends, the files are the same set, each written whole (atomically):
 * checkpoint.wgrl (and best.wgrl, at the best evaluation), metrics.jsonl (appended to on resume),
 * curve.svg (and elo.svg, a self-play run's learner rating at each snapshot) and, last,
 * summary.json, whose `ended` says how the run ended.
 *
 * Stopping happens at an iteration boundary: the loop keeps one iteration in flight (its report
 * comes back one iteration late), so a stop finishes that iteration and records it too; nothing
 * trained is left out of the checkpoint or the metrics.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { checkAlgorithm, createTrainer, type resolveTrainerConfig, type TrainerConfig } from '../algos/index';
import type { Evaluation } from '../agent/evaluate';
import { cleanStaleTempFiles, writeFileAtomic } from '../node/file-store';
import { encodeCheckpoint, type Checkpoint } from '../train/checkpoint';
import { curveSvg, type CurvePoint } from '../train/curve-svg';
import type { IterationStats } from '../train/report';
import type { SelfPlayRound } from '../train/self-play-config';
import { SelfPlayRatings, type SelfPlayRoundSummary } from '../games/self-play-ratings';
import type { Trainer } from '../train/trainer';
import { captureCheckpoint, jsonConfig, restoreCheckpoint } from '../train/trainer-checkpoint';
import type { ProgressUpdate } from './progress';
import { EMPTY_HISTORY, readRunHistory, type RunHistory } from './run-history';
import { createPeriodicEvaluation, type PeriodicEvaluation, type PeriodicEvaluationOptions } from './train-evaluation';
import { metricsRecord, populationReturn } from './train-metrics';

/** How a run ended: its step budget spent, the --stop-at return reached, or interrupted (Ctrl-C). */
export type RunEnd = 'completed' | 'stop-at' | 'interrupted';

/** What shapes a run besides its config. */
export interface RunOptions {
  /** Called after every iteration's report. */
  progress?(update: ProgressUpdate): void;
  /** Once aborted, no iteration is started: the one in flight is finished and the files written, `ended: 'interrupted'`. */
  signal?: AbortSignal;
  /** Stop once the (population's) mean return of the last 100 episodes reaches this. */
  stopAt?: number;
  /** Continue this checkpoint of the same config; metrics.jsonl under `out` is appended to. */
  resume?: Checkpoint;
  /** Evaluate every K iterations (metrics' eval_return_mean) and keep best.wgrl. */
  evaluation?: PeriodicEvaluationOptions;
}

export interface TrainSummary {
  env: string;
  algo: string;
  seed: number;
  /** Env steps trained from the run's start to its end (resumed runs included), all agents together. */
  steps: number;
  /** G: agents trained together. */
  agents: number;
  /** Mean return of the last 100 finished episodes (with G > 1, the mean over agents of each one's). */
  final_return_mean_100: number;
  /** Episodes finished over the run. */
  episodes: number;
  /** The env's solved threshold and the first global_step at which return_mean_100 reached it (null: never). */
  threshold: number | null;
  threshold_reached_at_step: number | null;
  /** How the run ended. */
  ended: RunEnd;
  /** --stop-at (null: not given) and the global_step whose mean return first reached it (null: never). */
  stop_at: number | null;
  stop_at_reached_at_step: number | null;
  /** The global_step of the checkpoint this session resumed (null: it started afresh). */
  resumed_from_step: number | null;
  /** The best evaluation's mean return and its global_step (null: no evaluation); best.wgrl holds that policy. */
  best_eval_return_mean: number | null;
  best_eval_step: number | null;
  /** Wall time and env steps per second of this session (a resumed run's own part). */
  wall_s: number;
  sps: number;
  adapter: string;
  /** Iterations done, from the run's start. */
  iterations: number;
  config: unknown;
  /** With G > 1: each agent's own results. */
  agent_results?: { agent: number; final_return_mean_100: number; episodes: number; threshold_reached_at_step: number | null }[];
}

type Resolved = ReturnType<typeof resolveTrainerConfig>;

/** What a run knows while it goes: the last report, the curve, when thresholds were met, the best evaluation. */
class RunLog {
  last: IterationStats | null = null;
  readonly curve: CurvePoint[];
  thresholdReachedAt: number | null;
  readonly agentThresholdReachedAt: (number | null)[];
  stopAtReachedAt: number | null = null;
  bestEvaluation: { mean: number; step: number } | null;
  /** The last record of the run's earlier part (resumed runs). */
  readonly earlier: { returnMean100: number; episodes: number } | null;
  private readonly started = performance.now();
  /** A self-play run's ratings (from its first round on; a resumed run rates from its resumption) and the learner's at each snapshot. */
  private ratings: SelfPlayRatings | null = null;
  readonly eloCurve: CurvePoint[] = [];

  constructor(
    private readonly metrics: FileHandle,
    history: RunHistory,
    private readonly run: { trainer: Trainer; threshold: number | null; stopAt: number | null; agentCount: number; startStep: number; progress?: RunOptions['progress'] },
  ) {
    this.curve = [...history.curve];
    this.thresholdReachedAt = history.thresholdReachedAt;
    this.agentThresholdReachedAt = [...history.agentThresholdReachedAt];
    this.bestEvaluation = history.bestEvaluation;
    const previous = history.records.at(-1);
    this.earlier = previous ? { returnMean100: typeof previous.return_mean_100 === 'number' ? previous.return_mean_100 : Number.NaN, episodes: Number(previous.episodes ?? 0) } : null;
  }

  /** Seconds since this session began. */
  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Rates a self-play round (the learner against its snapshots) and notes the learner's rating. */
  private rate(round: SelfPlayRound, step: number): SelfPlayRoundSummary {
    this.ratings ??= new SelfPlayRatings();
    const summary = this.ratings.record(round);
    this.eloCurve.push({ step, value: summary.elo });
    return summary;
  }

  /** Writes the iteration's metrics line (with its evaluation, if any) and notes what it reached; true when the evaluation is the best yet. */
  async record(stats: IterationStats | null, evaluation?: Evaluation): Promise<boolean> {
    if (!stats) return false;
    const { trainer, threshold, stopAt, agentCount } = this.run;
    this.last = stats;
    const elapsed = this.elapsed();
    const sps = ((stats.globalStep - this.run.startStep) * agentCount) / elapsed;
    const evaluationFields = evaluation ? { eval_return_mean: evaluation.mean, eval_return_std: evaluation.std } : {};
    const selfPlayFields = stats.selfPlay ? { self_play: this.rate(stats.selfPlay, stats.globalStep) } : {};
    await this.metrics.write(`${JSON.stringify({ ...metricsRecord(stats, sps), ...evaluationFields, ...selfPlayFields })}\n`);
    const population = populationReturn(stats);
    this.curve.push({ step: stats.globalStep, value: population.mean });
    if (this.thresholdReachedAt === null && threshold !== null && population.mean >= threshold) this.thresholdReachedAt = stats.globalStep;
    if (this.stopAtReachedAt === null && stopAt !== null && population.mean >= stopAt) this.stopAtReachedAt = stats.globalStep;
    stats.agents?.forEach((agent, g) => {
      if ((this.agentThresholdReachedAt[g] ?? null) === null) this.agentThresholdReachedAt[g] = threshold !== null && agent.returnMean100 >= threshold ? stats.globalStep : null;
    });
    this.run.progress?.({
      step: stats.globalStep,
      total: trainer.numIterations * trainer.stepsPerIteration * agentCount,
      sps,
      returnMean100: population.mean,
      ...(population.agents > 1 ? { bestReturnMean100: population.best, agents: population.agents } : {}),
      elapsedSeconds: elapsed,
      final: stats.iteration === trainer.numIterations - 1,
    });
    const improved = evaluation !== undefined && (this.bestEvaluation === null || evaluation.mean > this.bestEvaluation.mean);
    if (improved) this.bestEvaluation = { mean: evaluation.mean, step: stats.globalStep };
    return improved;
  }
}

/**
 * Iterates until the budget is spent or a stop is asked for (signal, --stop-at); after every due
 * iteration, drains, evaluates and, on a new best, calls `onBest` (nothing in flight then).
 */
async function trainIterations(trainer: Trainer, log: RunLog, options: RunOptions, evaluation: PeriodicEvaluation | null, onBest: () => Promise<void>): Promise<RunEnd> {
  const stop = (): RunEnd | null => (options.signal?.aborted ? 'interrupted' : log.stopAtReachedAt !== null ? 'stop-at' : null);
  let end: RunEnd | null = null;
  while (trainer.nextIteration() < trainer.numIterations && (end = stop()) === null) {
    await log.record(await trainer.iterate());
    if (!evaluation?.due(trainer.nextIteration())) continue;
    // The evaluation plays the parameters of the iteration just submitted: collect it first.
    const drained = await trainer.drain();
    if (await log.record(drained, await evaluation.evaluate())) await onBest();
  }
  await log.record(await trainer.drain());
  return end ?? 'completed';
}

/** The run's summary.json, from its log and config. */
function summarise(trainer: Trainer, resolved: Resolved, log: RunLog, facts: { algo: string; adapter: string; agentCount: number; ended: RunEnd; stopAt: number | null; resumedFrom: number | null }): TrainSummary {
  const final = log.last;
  const population = final?.agents && final.agents.length > 1 ? final.agents : null;
  const steps = trainer.nextIteration() * trainer.stepsPerIteration * facts.agentCount;
  const wall = log.elapsed();
  const sessionSteps = steps - (facts.resumedFrom ?? 0) * facts.agentCount;
  return {
    env: resolved.env,
    algo: facts.algo,
    seed: resolved.seed,
    steps,
    agents: facts.agentCount,
    // A resumed session stopped before its first report ends where the earlier part did.
    final_return_mean_100: final ? populationReturn(final).mean : (log.earlier?.returnMean100 ?? Number.NaN),
    episodes: population ? population.reduce((s, a) => s + a.episodesFinished, 0) : final ? final.episodesFinished : (log.earlier?.episodes ?? 0),
    threshold: resolved.envDescriptor.rewardThreshold ?? null,
    threshold_reached_at_step: log.thresholdReachedAt,
    ended: facts.ended,
    stop_at: facts.stopAt,
    stop_at_reached_at_step: log.stopAtReachedAt,
    resumed_from_step: facts.resumedFrom,
    best_eval_return_mean: log.bestEvaluation?.mean ?? null,
    best_eval_step: log.bestEvaluation?.step ?? null,
    wall_s: Math.round(wall * 100) / 100,
    sps: Math.round(sessionSteps / wall),
    adapter: facts.adapter,
    iterations: trainer.nextIteration(),
    config: Object.fromEntries(Object.entries(resolved).filter(([k]) => k !== 'envDescriptor')),
    ...(population
      ? {
          agent_results: population.map((a, agent) => ({
            agent,
            final_return_mean_100: a.returnMean100,
            episodes: a.episodesFinished,
            threshold_reached_at_step: log.agentThresholdReachedAt[agent] ?? null,
          })),
        }
      : {}),
  };
}

const text = (value: string) => new TextEncoder().encode(value);

/** Trains on `device` with a validated config and writes the run's files under `out`; see the file comment. */
export async function runTraining(device: GPUDevice, adapter: string, config: TrainerConfig, out: string, options: RunOptions = {}): Promise<TrainSummary> {
  const algo = checkAlgorithm(config.algo ?? 'ppo');
  const trainer = await createTrainer(device, config);
  let evaluation: PeriodicEvaluation | null = null;
  try {
    const resolved = trainer.config as Resolved;
    // Every check of the checkpoint comes before the first write under `out`.
    if (options.resume) restoreCheckpoint(trainer, options.resume, algo);
    await mkdir(out, { recursive: true });
    // A run killed while saving may have left its temporary file behind.
    await cleanStaleTempFiles(out);
    const threshold = resolved.envDescriptor.rewardThreshold ?? null;
    const history = options.resume ? await readRunHistory(out, trainer.nextIteration(), threshold) : EMPTY_HISTORY;
    const agentCount = (resolved as { agents?: number }).agents ?? 1;
    const save = async (name: string) => {
      const context = { algo, config: jsonConfig(config, resolved.env), env: resolved.envDescriptor, seed: resolved.seed, agents: agentCount };
      await writeFileAtomic(join(out, name), await encodeCheckpoint(await captureCheckpoint(trainer, context)));
    };
    if (options.evaluation) evaluation = await createPeriodicEvaluation(trainer, resolved.envDescriptor, options.evaluation);
    const resumedFrom = options.resume ? options.resume.globalStep : null;
    const stopAt = options.stopAt ?? null;
    const metrics = await open(join(out, 'metrics.jsonl'), options.resume ? 'a' : 'w');
    const log = new RunLog(metrics, history, { trainer, threshold, stopAt, agentCount, startStep: resumedFrom ?? 0, ...(options.progress ? { progress: options.progress } : {}) });
    let ended: RunEnd;
    try {
      // A trainer that cannot be checkpointed still reports its evaluations; it keeps no best.wgrl.
      ended = await trainIterations(trainer, log, options, evaluation, async () => (trainer.captureState ? save('best.wgrl') : undefined));
    } finally {
      await metrics.close();
    }
    const summary = summarise(trainer, resolved, log, { algo, adapter, agentCount, ended, stopAt, resumedFrom });
    if (trainer.captureState) await save('checkpoint.wgrl');
    const title = `${summary.algo} on ${summary.env}, seed ${summary.seed}: mean return of the last 100 episodes`;
    await writeFileAtomic(join(out, 'curve.svg'), text(curveSvg(log.curve, { title, yLabel: 'return (mean of last 100 episodes)', ...(threshold !== null ? { threshold } : {}) })));
    if (log.eloCurve.length > 0) {
      const eloTitle = `${summary.algo} self-play on ${summary.env}, seed ${summary.seed}: the learner's Elo against its snapshots`;
      await writeFileAtomic(join(out, 'elo.svg'), text(curveSvg(log.eloCurve, { title: eloTitle, yLabel: 'Elo (snapshots start at the learner\'s)' })));
    }
    // Last: a summary.json says the run's other files are complete.
    await writeFileAtomic(join(out, 'summary.json'), text(`${JSON.stringify(summary, null, 2)}\n`));
    return summary;
  } finally {
    evaluation?.destroy();
    trainer.destroy();
  }
}
