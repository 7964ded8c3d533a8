/**
 * `webgpu-rl train`: trains an agent and writes, under --out,
 *   metrics.jsonl    one line per iteration: global_step, iteration, SPS, episodic_return (mean of
 *                    the episodes finished in that iteration), episodic_length, return_mean_100,
 *                    episodes, and CleanRL's losses by their names (policy_loss, value_loss, entropy,
 *                    approx_kl, clipfrac, explained_variance) plus learning_rate and grad_norm;
 *   summary.json     env, algo, seed, steps, final_return_mean_100 (mean return of the last 100
 *                    finished episodes), wall_s, sps, adapter, and when the threshold was first met;
 *   checkpoint.wgrl  the final parameters (format: src/train/checkpoint.ts);
 *   curve.svg        return_mean_100 against env steps.
 * Every option is checked before the GPU is touched. A progress line shows steps, SPS and the
 * latest mean return (no progress-bar dependency: one line, redrawn on a terminal).
 */
import { mkdir, readFile, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { ALGORITHMS, checkAlgorithm, createTrainer, resolveTrainerConfig, type TrainerConfig } from '../algos/index';
import { formatAdapter } from '../gpu/device';
import { registeredEnvNames } from '../envs/registry';
import { encodeCheckpoint } from '../train/checkpoint';
import { curveSvg, type CurvePoint } from '../train/curve-svg';
import type { IterationStats } from '../train/trainer';
import { acquireFromCli, addGpuOptions, type GpuCliOptions } from './gpu-options';

export interface TrainOptions {
  env?: string;
  algo: string;
  seed?: number;
  steps?: number;
  config?: string;
  out: string;
  quiet?: boolean;
}

export interface TrainSummary {
  env: string;
  algo: string;
  seed: number;
  /** Env steps trained (whole iterations: ⌊requested / batch⌋ · batch). */
  steps: number;
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
}

const integer = (value: string) => (/^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN);

/** The trainer config from --config (JSON) with the command-line flags on top; validated, no GPU. */
export async function trainConfigFromOptions(options: TrainOptions): Promise<TrainerConfig> {
  checkAlgorithm(options.algo);
  let fromFile: Record<string, unknown> = {};
  if (options.config) {
    const text = await readFile(options.config, 'utf8');
    try {
      fromFile = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`--config ${options.config}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
      throw new Error(`--config ${options.config}: must hold a JSON object of config fields`);
    }
  }
  const config: Record<string, unknown> = { ...fromFile, algo: options.algo };
  if (options.env !== undefined) config.env = options.env;
  if (options.seed !== undefined) config.seed = options.seed;
  if (options.steps !== undefined) config.totalTimesteps = options.steps;
  resolveTrainerConfig(config as TrainerConfig);
  return config as TrainerConfig;
}

/** One metrics.jsonl record. */
export function metricsRecord(stats: IterationStats, sps: number): Record<string, number | null> {
  const s = stats.statistics;
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    global_step: stats.globalStep,
    iteration: stats.iteration,
    SPS: Math.round(sps),
    episodic_return: finite(s.episodic_return),
    episodic_length: finite(s.episodic_length),
    return_mean_100: finite(stats.returnMean100),
    episodes: stats.episodesFinished,
    learning_rate: stats.learningRate,
    policy_loss: finite(s.policy_loss),
    value_loss: finite(s.value_loss),
    entropy: finite(s.entropy),
    approx_kl: finite(s.approx_kl),
    clipfrac: finite(s.clipfrac),
    explained_variance: finite(s.explained_variance),
    grad_norm: finite(s.grad_norm),
  };
}

function progressLine(step: number, total: number, sps: number, mean100: number, elapsed: number): string {
  const width = 24;
  const done = Math.round((width * step) / total);
  const bar = `${'#'.repeat(done)}${'-'.repeat(width - done)}`;
  const ret = Number.isFinite(mean100) ? mean100.toFixed(1) : '—';
  return `[${bar}] ${step}/${total} steps  ${Math.round(sps)} SPS  return(100) ${ret}  ${elapsed.toFixed(0)} s`;
}

/** Trains on `device` with a validated config and writes the run's files under `out`. */
export async function runTraining(
  device: GPUDevice,
  adapter: string,
  config: TrainerConfig,
  out: string,
  log: { progress(line: string, final: boolean): void; /** Least time between progress lines; default 1000 ms. */ intervalMs?: number },
): Promise<TrainSummary> {
  await mkdir(out, { recursive: true });
  const trainer = await createTrainer(device, config);
  const resolved = trainer.config as ReturnType<typeof resolveTrainerConfig>;
  const threshold = resolved.envDescriptor.rewardThreshold ?? null;
  const metrics = await open(join(out, 'metrics.jsonl'), 'w');
  const curve: CurvePoint[] = [];
  let last: IterationStats | null = null;
  let reachedAt: number | null = null;
  const total = trainer.numIterations * trainer.stepsPerIteration;
  const started = performance.now();
  let lastPrint = 0;
  try {
    const record = async (stats: IterationStats | null) => {
      if (!stats) return;
      last = stats;
      const elapsed = (performance.now() - started) / 1000;
      const sps = stats.globalStep / elapsed;
      await metrics.write(`${JSON.stringify(metricsRecord(stats, sps))}\n`);
      curve.push({ step: stats.globalStep, value: stats.returnMean100 });
      if (reachedAt === null && threshold !== null && stats.returnMean100 >= threshold) reachedAt = stats.globalStep;
      const final = stats.iteration === trainer.numIterations - 1;
      if (final || performance.now() - lastPrint > (log.intervalMs ?? 1000)) {
        lastPrint = performance.now();
        log.progress(progressLine(stats.globalStep, total, sps, stats.returnMean100, elapsed), final);
      }
    };
    for (let i = 0; i < trainer.numIterations; i += 1) await record(await trainer.iterate());
    await record(await trainer.drain());
    const wall = (performance.now() - started) / 1000;
    const parameters = await trainer.readParameters();
    const final = last as IterationStats | null;
    const summary: TrainSummary = {
      env: resolved.env,
      algo: checkAlgorithm(config.algo ?? 'ppo'),
      seed: resolved.seed,
      steps: total,
      final_return_mean_100: final ? final.returnMean100 : Number.NaN,
      episodes: final ? final.episodesFinished : 0,
      threshold,
      threshold_reached_at_step: reachedAt,
      wall_s: Math.round(wall * 100) / 100,
      sps: Math.round(total / wall),
      adapter,
      iterations: trainer.numIterations,
      config: Object.fromEntries(Object.entries(resolved).filter(([k]) => k !== 'envDescriptor')),
    };
    await writeFile(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    await writeFile(
      join(out, 'checkpoint.wgrl'),
      encodeCheckpoint({
        algo: summary.algo,
        env: summary.env,
        seed: summary.seed,
        globalStep: total,
        networks: Object.entries(parameters.networks).map(([name, n]) => ({ name, spec: n.spec, parameters: n.parameters })),
      }),
    );
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

export function trainCommand(): Command {
  return addGpuOptions(new Command('train'))
    .description('train an agent on the GPU; writes metrics.jsonl, summary.json, checkpoint.wgrl and curve.svg under --out')
    .option('--env <id>', `env id or alias (default CartPole-v1): ${registeredEnvNames().join(', ')}`)
    .option('--algo <name>', `algorithm: ${ALGORITHMS.join(', ')}`, 'ppo')
    .option('--seed <s>', 'u32 seed (default 1)', integer)
    .option('--steps <n>', 'env steps to train for (default 500000)', integer)
    .option('--config <file>', 'JSON object of config fields (CleanRL names in camelCase, e.g. {"numEnvs": 8}); flags override it')
    .option('--out <dir>', 'output directory', 'runs/latest')
    .option('--quiet', 'no progress line')
    .action(async (options: GpuCliOptions & TrainOptions) => {
      const config = await trainConfigFromOptions(options);
      const gpu = await acquireFromCli(options);
      const tty = process.stdout.isTTY;
      try {
        const summary = await runTraining(gpu.device, formatAdapter(gpu.adapter), config, options.out, {
          // Redrawn in place on a terminal; a log file gets a line every 10 s.
          intervalMs: tty ? 500 : 10_000,
          progress(line, final) {
            if (options.quiet) return;
            if (tty) process.stdout.write(`\r${line}${final ? '\n' : ''}`);
            else console.log(line);
          },
        });
        console.log(
          `${summary.algo} on ${summary.env} (seed ${summary.seed}): final_return_mean_100 ${summary.final_return_mean_100.toFixed(1)} after ${summary.steps} steps, ` +
            `${summary.wall_s} s, ${summary.sps} SPS; wrote ${options.out}/{metrics.jsonl,summary.json,checkpoint.wgrl,curve.svg}`,
        );
      } finally {
        gpu.release();
      }
    });
}
