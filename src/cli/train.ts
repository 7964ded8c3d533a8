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
 *   summary.json     env, algo, seed, steps, agents, ended, final_return_mean_100 (mean return of the last
 *                    100 finished episodes; the population's mean of it), wall_s, sps, adapter, when
 *                    the threshold was first met, and per agent (G > 1) its own final return;
 *   checkpoint.wgrl  the final state: networks, optimiser, envs, normalisers (format:
 *                    src/train/checkpoint.ts), written atomically; `eval` and `export` read it;
 *   curve.svg        return_mean_100 against env steps;
 *   best.wgrl        with --eval-every: the state at the best evaluation (eval_return_mean) so far.
 * A run ends when its steps are spent, at --stop-at, or on Ctrl-C (exit status 130); --resume
 * continues one with its own config (src/cli/train-run.ts, train-resume.ts).
 * Every option is checked before the GPU is touched: a bad one ends the command with its message
 * (main.ts prints it, no stack trace) and exit status 1. Progress (steps, SPS, latest mean return):
 * a cli-progress bar on a terminal, plain periodic lines otherwise (src/cli/progress.ts).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { ALGORITHMS, checkAlgorithm, resolveTrainerConfig, type TrainerConfig } from '../algos/index';
import { PRESETS, presetConfig } from '../algos/presets';
import { formatAdapter } from '../gpu/device';
import { findEnv, registeredEnvNames } from '../envs/registry';
import { findMujocoEnvId, MUJOCO_ENV_IDS, mujocoEnv } from '../mujoco/envs';
import { registerGameEnvs } from './games';
import { acquireFromCli, addGpuOptions, type GpuCliOptions } from './gpu-options';
import { createProgress } from './progress';
import { planResume, type ResumeFlags } from './train-resume';
import type { PeriodicEvaluationOptions } from './train-evaluation';
import { runTraining, type RunOptions, type TrainSummary } from './train-run';

export { metricsRecord, populationReturn } from './train-metrics';
export { runTraining, type RunEnd, type RunOptions, type TrainSummary } from './train-run';

export interface TrainOptions {
  env?: string;
  /** Default: the config file's `algo`, else 'ppo'. */
  algo?: string;
  seed?: number;
  steps?: number;
  /** G: agents trained together (a population); passed to the trainer config as `agents`. */
  agents?: number;
  /** Self-play (a two-player env): the config's `selfPlay` options, or their defaults. */
  selfPlay?: boolean;
  config?: string;
  /** A named config (src/algos/presets.ts) under the --config file's fields and the flags. */
  preset?: string;
  /** Default: runs/latest, or with --resume the checkpoint's folder. */
  out?: string;
  quiet?: boolean;
  /** Stop once the mean return of the last 100 episodes reaches this. */
  stopAt?: number;
  /** A run's folder or checkpoint file to continue, with its own config. */
  resume?: string;
  /** Evaluate every K iterations; keep best.wgrl. */
  evalEvery?: number;
  /** Episodes per evaluation (default 10). */
  evalEpisodes?: number;
  /** Evaluate with sampled actions instead of greedy ones. */
  evalStochastic?: boolean;
}

const integer = (value: string) => (/^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN);

/** Commander parser of a flag that takes a positive integer: a usage error naming the flag and the value. */
function positiveIntegerOption(flag: string) {
  return (value: string): number => {
    const n = integer(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a positive integer (got '${value}')`);
    return n;
  };
}

/** Commander parser of --stop-at: a finite number (a return), or a usage error naming the value. */
function stopAtOption(value: string): number {
  const r = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(r)) throw new InvalidArgumentError(`--stop-at must be a finite number, a mean return (got '${value}')`);
  return r;
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
 * MuJoCo env id becomes the env itself (loaded here). `base` goes under everything (a resumed run's
 * own config).
 */
export async function trainConfigFromOptions(options: TrainOptions, base: Readonly<Record<string, unknown>> = {}): Promise<TrainerConfig> {
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
  const fields: Record<string, unknown> = { ...base, ...(options.preset === undefined ? {} : presetConfig(options.preset)), ...fileFields };
  const config: Record<string, unknown> = { ...fields, algo: options.algo ?? fields.algo ?? 'ppo' };
  if (options.env !== undefined) config.env = options.env;
  const locomotion = await locomotionEnv(config.env);
  if (locomotion) config.env = locomotion;
  if (options.seed !== undefined) config.seed = options.seed;
  if (options.steps !== undefined) config.totalTimesteps = options.steps;
  // Self-play with the defaults, under any options a --config file gave.
  if (options.selfPlay) config.selfPlay = { ...(config.selfPlay as object | null | undefined ?? {}) };
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

/**
 * Ctrl-C while training: the first aborts the returned signal (the run finishes the iteration in
 * flight and writes its files, summary.json saying 'interrupted'); a second exits at once with
 * status 130. A checkpoint being written then is left as it was before (the write is atomic; the
 * next run in that folder removes the temporary file).
 */
function interruptOnSigint(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    console.error("\nwebgpu-rl: interrupted: finishing the iteration in flight, then writing the run's files (Ctrl-C again to quit at once)");
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/** The flags that shape a config (what --resume checks against the run's own). */
function configFlags(options: TrainOptions): ResumeFlags {
  const { algo, env, config, preset, seed, steps, agents, selfPlay } = options;
  return { algo, env, config, preset, seed, steps, agents, selfPlay };
}

/** The config, the output folder and the run's options from the command line, every check made; no GPU. */
async function planRun(options: TrainOptions): Promise<{ config: TrainerConfig; out: string; run: RunOptions }> {
  if ((options.evalEpisodes !== undefined || options.evalStochastic) && options.evalEvery === undefined) {
    throw new RangeError('--eval-episodes and --eval-stochastic shape the evaluations of --eval-every: give --eval-every <K> too');
  }
  const plan = options.resume === undefined ? null : await planResume(options.resume, configFlags(options), trainConfigFromOptions);
  const config = plan ? plan.config : await trainConfigFromOptions(options);
  const out = options.out ?? plan?.folder ?? 'runs/latest';
  // --out before the GPU too: a path that cannot be a folder ends the command here.
  await mkdir(out, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`--out ${out}: cannot create the folder (${error.code ?? error.message})`);
  });
  const run: RunOptions = {
    ...(options.stopAt !== undefined ? { stopAt: options.stopAt } : {}),
    ...(plan ? { resume: plan.checkpoint } : {}),
    ...(options.evalEvery !== undefined ? { evaluation: await evaluationOptions(config, options.evalEvery, options) } : {}),
  };
  return { config, out, run };
}

/** What --eval-every asks for; a MuJoCo env (a JavaScript one) gets an instance of its own to be evaluated on. */
async function evaluationOptions(config: TrainerConfig, every: number, options: TrainOptions): Promise<PeriodicEvaluationOptions> {
  const env = resolveTrainerConfig(config).envDescriptor;
  const separate = findMujocoEnvId(env.id) && typeof config.env === 'object' ? await locomotionEnv(env.id) : undefined;
  return { every, episodes: options.evalEpisodes ?? 10, stochastic: options.evalStochastic ?? false, ...(separate ? { env: separate } : {}) };
}

/** The command's last line: the result, how the run ended, and what it wrote. */
function summaryLine(summary: TrainSummary, out: string): string {
  const ending =
    summary.ended === 'stop-at' ? `, stopped at --stop-at ${summary.stop_at} (reached at step ${summary.stop_at_reached_at_step})` : summary.ended === 'interrupted' ? ', interrupted' : '';
  const best = summary.best_eval_return_mean === null ? '' : `; best evaluation ${summary.best_eval_return_mean.toFixed(1)} at step ${summary.best_eval_step} (best.wgrl)`;
  return (
    `${summary.algo} on ${summary.env} (seed ${summary.seed}${summary.agents > 1 ? `, ${summary.agents} agents` : ''}): final_return_mean_100 ${summary.final_return_mean_100.toFixed(1)} after ${summary.steps} steps${ending}${best}, ` +
    `${summary.wall_s} s, ${summary.sps} SPS; wrote ${out}/{metrics.jsonl,summary.json,checkpoint.wgrl,curve.svg}`
  );
}

/** The `train` subcommand: checks the config and --out, then acquires the GPU and trains. */
export function trainCommand(): Command {
  registerGameEnvs();
  return addGpuOptions(new Command('train'))
    .description('train an agent on the GPU; writes metrics.jsonl, summary.json, checkpoint.wgrl and curve.svg under --out')
    .option('--env <id>', `env id or alias (default CartPole-v1): ${registeredEnvNames().join(', ')}; with @mujoco/mujoco installed also ${MUJOCO_ENV_IDS.join(', ')}`)
    .option('--algo <name>', `algorithm: ${ALGORITHMS.join(', ')} (default: the --config file's algo, else ppo)`)
    .option('--seed <s>', 'u32 seed (default 1)', integer)
    .option('--steps <n>', "env steps to train for (default: the algorithm's and env's, e.g. 500000 for ppo on CartPole-v1)", integer)
    .option('--self-play', 'a two-player env (ConnectFour-v0, Pong-v0): train against a pool of the learner\'s own snapshots (the config\'s selfPlay options, or their defaults) instead of the env\'s scripted opponent')
    .option('--agents <G>', 'agents trained together in the same dispatches (a population, each with its own seed; default 1)', positiveIntegerOption('--agents'))
    .option('--config <file>', 'JSON object of config fields (CleanRL names in camelCase, e.g. {"numEnvs": 8}); flags override it')
    .option('--preset <name>', `a named config under --config and the flags: ${Object.keys(PRESETS).join(', ')}`)
    .option('--out <dir>', 'output directory (default runs/latest; with --resume, the checkpoint\'s folder)')
    .option('--stop-at <R>', 'stop once the mean return of the last 100 episodes reaches R (after the iteration in flight)', stopAtOption)
    .option('--resume <path>', 'continue a run (its folder or a checkpoint.wgrl) with its own config (--steps above its budget extends it); metrics.jsonl is appended to')
    .option('--eval-every <K>', 'every K iterations, play --eval-episodes greedy episodes on separate envs (eval_return_mean) and keep best.wgrl', positiveIntegerOption('--eval-every'))
    .option('--eval-episodes <n>', 'episodes per evaluation (default 10)', positiveIntegerOption('--eval-episodes'))
    .option('--eval-stochastic', 'evaluate with sampled actions instead of greedy ones')
    .option('--quiet', 'no progress display')
    .action(async (options: GpuCliOptions & TrainOptions) => {
      const { config, out, run } = await planRun(options);
      const gpu = await acquireFromCli(options);
      const progress = createProgress({ quiet: options.quiet ?? false });
      const interrupt = interruptOnSigint();
      try {
        const summary = await runTraining(gpu.device, formatAdapter(gpu.adapter), config, out, {
          ...run,
          signal: interrupt.signal,
          progress: (update) => progress.update(update),
        }).finally(() => progress.stop());
        console.log(summaryLine(summary, out));
        // 130 (128 + SIGINT), the shell's status for a command stopped by Ctrl-C: a script can tell
        // an interrupted run (resumable, its files complete) from a finished one.
        if (summary.ended === 'interrupted') process.exitCode = 130;
      } finally {
        interrupt.dispose();
        gpu.release();
      }
    });
}
