/**
 * `webgpu-rl train`: trains an agent and writes, under --out,
 *   metrics.jsonl    one line per iteration: global_step, iteration, SPS, episodic_return (mean of
 *                    the episodes finished in that iteration), episodic_length, return_mean_100,
 *                    episodes, and CleanRL's losses by their names (policy_loss, value_loss, entropy,
 *                    approx_kl, clipfrac, explained_variance) plus learning_rate and grad_norm;
 *                    with a population (--agents G > 1) each of these is the mean over the agents
 *                    (of those where it applies) and `agents` lists every agent's own values;
 *                    an env with its own per-episode metrics adds `episode_metrics`, each the mean
 *                    over the last 100 episodes (IterationStats.episodeMetrics);
 *   summary.json     env, algo, seed, steps, agents, final_return_mean_100 (mean return of the last
 *                    100 finished episodes; the population's mean of it), wall_s, sps, adapter, when
 *                    the threshold was first met, and per agent (G > 1) its own final return;
 *   checkpoint.wgrl  the final state: networks, optimiser, envs, normalisers (format:
 *                    src/train/checkpoint.ts), written atomically; `eval` and `export` read it;
 *   curve.svg        return_mean_100 against env steps.
 * Every option is checked before the GPU is touched: a bad one ends the command with its message
 * (main.ts prints it, no stack trace) and exit status 1. Progress (steps, SPS, latest mean return):
 * a cli-progress bar on a terminal, plain periodic lines otherwise (src/cli/progress.ts).
 */
import { mkdir, readFile, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ALGORITHMS, checkAlgorithm, createTrainer, resolveTrainerConfig, type TrainerConfig } from '../algos/index';
import { PRESETS, presetConfig } from '../algos/presets';
import { formatAdapter } from '../gpu/device';
import { findEnv, registeredEnvNames } from '../envs/registry';
import { findMujocoEnvId, MUJOCO_ENV_IDS, mujocoEnv } from '../mujoco/envs';
import { cleanStaleTempFiles, writeFileAtomic } from '../node/file-store';
import { encodeCheckpoint } from '../train/checkpoint';
import { captureCheckpoint, jsonConfig } from '../train/trainer-checkpoint';
import { curveSvg, type CurvePoint } from '../train/curve-svg';
import type { AgentReport, IterationStats } from '../train/report';

import { acquireFromCli, addGpuOptions, type GpuCliOptions } from './gpu-options';
import { createProgress, type ProgressUpdate } from './progress';

export interface TrainOptions {
  env?: string;
  /** Default: the config file's `algo`, else 'ppo'. */
  algo?: string;
  seed?: number;
  steps?: number;
  /** G: agents trained together (a population); passed to the trainer config as `agents`. */
  agents?: number;
  config?: string;
  /** A named config (src/algos/presets.ts) under the --config file's fields and the flags. */
  preset?: string;
  out: string;
  quiet?: boolean;
}

export interface TrainSummary {
  env: string;
  algo: string;
  seed: number;
  /** Env steps trained (whole iterations: ⌊requested / batch⌋ · batch), all agents together. */
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
  wall_s: number;
  sps: number;
  adapter: string;
  iterations: number;
  config: unknown;
  /** With G > 1: each agent's own results. */
  agent_results?: { agent: number; final_return_mean_100: number; episodes: number; threshold_reached_at_step: number | null }[];
}

const integer = (value: string) => (/^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN);

/** Commander parser of --agents: a positive integer, or a usage error naming the value. */
function agentsOption(value: string): number {
  const g = integer(value);
  if (!Number.isInteger(g) || g < 1) throw new InvalidArgumentError(`--agents must be a positive integer (got '${value}')`);
  return g;
}

/**
 * The MuJoCo locomotion env (webgpu-rl/mujoco) that `env` names, when it is a string that names no
 * registered env but a locomotion id (Hopper-v5, …, any case); loading it needs `@mujoco/mujoco`,
 * whose absence is an error naming the package. The run frees its MjData when its trainer is
 * destroyed; the model lives until the process ends.
 */
async function locomotionEnv(env: unknown) {
  if (typeof env !== 'string' || findEnv(env)) return undefined;
  const id = findMujocoEnvId(env);
  return id ? mujocoEnv(id) : undefined;
}

/**
 * The trainer config from --config (JSON) with the command-line flags on top; validated, no GPU. A
 * MuJoCo env id becomes the env itself (loaded here).
 */
export async function trainConfigFromOptions(options: TrainOptions): Promise<TrainerConfig> {
  if (options.algo !== undefined) checkAlgorithm(options.algo);
  let fromFile: Record<string, unknown> = {};
  if (options.config) {
    let text: string;
    try {
      text = await readFile(options.config, 'utf8');
    } catch (error) {
      throw new Error(`--config ${options.config}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    try {
      fromFile = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`--config ${options.config}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
      throw new Error(`--config ${options.config}: must hold a JSON object of config fields`);
    }
  }
  // `$schema` names the file's JSON Schema for editors (dist/config.schema.json); the flag wins over the file's algo.
  const { $schema: _schema, ...fileFields } = fromFile;
  // A preset is the base; the file's fields and then the flags go on top of it.
  const fields: Record<string, unknown> = { ...(options.preset === undefined ? {} : presetConfig(options.preset)), ...fileFields };
  const config: Record<string, unknown> = { ...fields, algo: options.algo ?? fields.algo ?? 'ppo' };
  if (options.env !== undefined) config.env = options.env;
  const locomotion = await locomotionEnv(config.env);
  if (locomotion) config.env = locomotion;
  if (options.seed !== undefined) config.seed = options.seed;
  if (options.steps !== undefined) config.totalTimesteps = options.steps;
  if (options.agents !== undefined) {
    if (!Number.isInteger(options.agents) || options.agents < 1) throw new RangeError(`--agents must be a positive integer (got ${options.agents})`);
    config.agents = options.agents;
  }
  try {
    resolveTrainerConfig(config as TrainerConfig);
  } catch (error) {
    // A trainer without populations rejects `agents` as an unknown field: G = 1 is every trainer's
    // ordinary case, so drop it; G > 1 is an error that says what is missing.
    if (!(error instanceof Error) || !/unknown field 'agents'/.test(error.message) || config.agents === undefined) throw error;
    if (config.agents !== 1) {
      throw new RangeError(`agents = ${String(config.agents)}: the ${String(config.algo)} trainer does not train populations yet (use agents = 1, or leave it out)`);
    }
    delete config.agents;
    resolveTrainerConfig(config as TrainerConfig);
  }
  return config as TrainerConfig;
}

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

/** Trains on `device` with a validated config and writes the run's files under `out`. */
export async function runTraining(
  device: GPUDevice,
  adapter: string,
  config: TrainerConfig,
  out: string,
  hooks: { /** Called after every iteration's report. */ progress?(update: ProgressUpdate): void } = {},
): Promise<TrainSummary> {
  await mkdir(out, { recursive: true });
  // A run killed while saving may have left its temporary file behind.
  await cleanStaleTempFiles(out);
  const trainer = await createTrainer(device, config);
  const resolved = trainer.config as ReturnType<typeof resolveTrainerConfig>;
  const threshold = resolved.envDescriptor.rewardThreshold ?? null;
  const metrics = await open(join(out, 'metrics.jsonl'), 'w');
  const curve: CurvePoint[] = [];
  let last: IterationStats | null = null;
  let reachedAt: number | null = null;
  // Per agent (G > 1): the first global_step at which its own return_mean_100 met the threshold.
  const agentReachedAt: (number | null)[] = [];
  // global_step counts each agent's own steps (every agent's x axis); SPS and `steps` count the
  // env steps of the whole population.
  const agentCount = (resolved as { agents?: number }).agents ?? 1;
  const total = trainer.numIterations * trainer.stepsPerIteration * agentCount;
  const started = performance.now();
  try {
    const record = async (stats: IterationStats | null) => {
      if (!stats) return;
      last = stats;
      const elapsed = (performance.now() - started) / 1000;
      const sps = (stats.globalStep * agentCount) / elapsed;
      await metrics.write(`${JSON.stringify(metricsRecord(stats, sps))}\n`);
      const population = populationReturn(stats);
      curve.push({ step: stats.globalStep, value: population.mean });
      if (reachedAt === null && threshold !== null && population.mean >= threshold) reachedAt = stats.globalStep;
      stats.agents?.forEach((agent, g) => {
        if ((agentReachedAt[g] ?? null) === null) agentReachedAt[g] = threshold !== null && agent.returnMean100 >= threshold ? stats.globalStep : null;
      });
      hooks.progress?.({
        step: stats.globalStep,
        total,
        sps,
        returnMean100: population.mean,
        ...(population.agents > 1 ? { bestReturnMean100: population.best, agents: population.agents } : {}),
        elapsedSeconds: elapsed,
        final: stats.iteration === trainer.numIterations - 1,
      });
    };
    for (let i = 0; i < trainer.numIterations; i += 1) await record(await trainer.iterate());
    await record(await trainer.drain());
    const wall = (performance.now() - started) / 1000;
    const final = last as IterationStats | null;
    const population = final?.agents && final.agents.length > 1 ? final.agents : null;
    const summary: TrainSummary = {
      env: resolved.env,
      algo: checkAlgorithm(config.algo ?? 'ppo'),
      seed: resolved.seed,
      steps: total,
      agents: population ? population.length : 1,
      final_return_mean_100: final ? populationReturn(final).mean : Number.NaN,
      episodes: population ? population.reduce((s, a) => s + a.episodesFinished, 0) : final ? final.episodesFinished : 0,
      threshold,
      threshold_reached_at_step: reachedAt,
      wall_s: Math.round(wall * 100) / 100,
      sps: Math.round(total / wall),
      adapter,
      iterations: trainer.numIterations,
      config: Object.fromEntries(Object.entries(resolved).filter(([k]) => k !== 'envDescriptor')),
      ...(population
        ? {
            agent_results: population.map((a, agent) => ({
              agent,
              final_return_mean_100: a.returnMean100,
              episodes: a.episodesFinished,
              threshold_reached_at_step: agentReachedAt[agent] ?? null,
            })),
          }
        : {}),
    };
    await writeFile(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    if (trainer.captureState) {
      const checkpoint = await captureCheckpoint(trainer, {
        algo: summary.algo,
        config: jsonConfig(config, resolved.env),
        env: resolved.envDescriptor,
        seed: summary.seed,
        agents: summary.agents,
      });
      await writeFileAtomic(join(out, 'checkpoint.wgrl'), await encodeCheckpoint(checkpoint));
    }
    await writeFile(
      join(out, 'curve.svg'),
      curveSvg(curve, {
        title: `${summary.algo} on ${summary.env}, seed ${summary.seed}: mean return of the last 100 episodes`,
        yLabel: 'return (mean of last 100 episodes)',
        ...(threshold !== null ? { threshold } : {}),
      }),
    );
    return summary;
  } finally {
    await metrics.close();
    trainer.destroy();
  }
}

/** The `train` subcommand: checks the config and --out, then acquires the GPU and trains. */
export function trainCommand(): Command {
  return addGpuOptions(new Command('train'))
    .description('train an agent on the GPU; writes metrics.jsonl, summary.json, checkpoint.wgrl and curve.svg under --out')
    .option('--env <id>', `env id or alias (default CartPole-v1): ${registeredEnvNames().join(', ')}; with @mujoco/mujoco installed also ${MUJOCO_ENV_IDS.join(', ')}`)
    .option('--algo <name>', `algorithm: ${ALGORITHMS.join(', ')} (default: the --config file's algo, else ppo)`)
    .option('--seed <s>', 'u32 seed (default 1)', integer)
    .option('--steps <n>', "env steps to train for (default: the algorithm's and env's, e.g. 500000 for ppo on CartPole-v1)", integer)
    .option('--agents <G>', 'agents trained together in the same dispatches (a population, each with its own seed; default 1)', agentsOption)
    .option('--config <file>', 'JSON object of config fields (CleanRL names in camelCase, e.g. {"numEnvs": 8}); flags override it')
    .option('--preset <name>', `a named config under --config and the flags: ${Object.keys(PRESETS).join(', ')}`)
    .option('--out <dir>', 'output directory', 'runs/latest')
    .option('--quiet', 'no progress display')
    .action(async (options: GpuCliOptions & TrainOptions) => {
      const config = await trainConfigFromOptions(options);
      // --out before the GPU too: a path that cannot be a folder ends the command here.
      await mkdir(options.out, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`--out ${options.out}: cannot create the folder (${error.code ?? error.message})`);
      });
      const gpu = await acquireFromCli(options);
      const progress = createProgress({ quiet: options.quiet ?? false });
      try {
        const summary = await runTraining(gpu.device, formatAdapter(gpu.adapter), config, options.out, { progress: (update) => progress.update(update) }).finally(() =>
          progress.stop(),
        );
        console.log(
          `${summary.algo} on ${summary.env} (seed ${summary.seed}${summary.agents > 1 ? `, ${summary.agents} agents` : ''}): final_return_mean_100 ${summary.final_return_mean_100.toFixed(1)} after ${summary.steps} steps, ` +
            `${summary.wall_s} s, ${summary.sps} SPS; wrote ${options.out}/{metrics.jsonl,summary.json,checkpoint.wgrl,curve.svg}`,
        );
      } finally {
        gpu.release();
      }
    });
}
