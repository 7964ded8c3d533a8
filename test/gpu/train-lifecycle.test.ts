/**
 * A `webgpu-rl train` run's lifecycle on tiny CartPole runs (4 envs × 16 steps, 64 steps an
 * iteration): --stop-at ends the run once the mean return reaches R; an interrupted run (the
 * AbortSignal Ctrl-C aborts), resumed, ends bit for bit where the uninterrupted run ends (metrics
 * lines after the resume point and final state), with --eval-every's evaluations and best.wgrl on
 * both; --resume refuses a run of another env, algorithm or network before writing anything; and
 * the command's SIGINT handler stops a run with its files written and exit status 130, in process
 * and as a spawned command sent a real SIGINT (once: every file; twice: at once, with no partial file).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTraining, trainCommand, trainConfigFromOptions, type RunOptions } from '../../src/cli/train';
import { planResume, readResumeCheckpoint } from '../../src/cli/train-resume';
import { formatAdapter } from '../../src/gpu/index';
import type { TrainerConfig } from '../../src/algos/index';
import { decodeCheckpoint, type Checkpoint } from '../../src/train/checkpoint';
import { gpuStep, useGpu } from '../support/gpu';

const SEED = 5;
const STEPS_PER_ITERATION = 64;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wgrl-lifecycle-'));
  console.log(`[train-lifecycle] seed ${SEED}, folder ${dir}`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tinyConfig(iterations: number): Promise<{ file: string; config: TrainerConfig }> {
  const file = join(dir, 'tiny.json');
  await writeFile(file, JSON.stringify({ numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 2, hiddenSizes: [8] }));
  return { file, config: await trainConfigFromOptions({ env: 'CartPole-v1', seed: SEED, steps: iterations * STEPS_PER_ITERATION, config: file }) };
}

async function metricsOf(out: string): Promise<Record<string, unknown>[]> {
  return (await readFile(join(out, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const summaryOf = async (out: string) => JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
const checkpointOf = async (path: string) => decodeCheckpoint(new Uint8Array(await readFile(path)));
/** SPS is wall-clock: the one field two runs of the same config need not share. */
const withoutSps = ({ SPS: _sps, ...rest }: Record<string, unknown>) => rest;

/** Every byte a checkpoint carries of the trained state: its networks and its trainer buffers. */
function stateBytes(checkpoint: Checkpoint): Record<string, number[]> {
  const bytes: Record<string, number[]> = {};
  for (const network of checkpoint.networks) bytes[`network.${network.name}`] = Array.from(new Uint8Array(network.parameters.buffer, network.parameters.byteOffset, network.parameters.byteLength));
  for (const [key, buffer] of Object.entries(checkpoint.state ?? {})) bytes[key] = Array.from(buffer);
  return bytes;
}

describe('train lifecycle', () => {
  const gpu = useGpu();
  const train = (config: TrainerConfig, out: string, options: RunOptions = {}) =>
    gpuStep(gpu(), 'train', () => runTraining(gpu().device, formatAdapter(gpu().adapter), config, out, options));

  it('--stop-at ends the run after the iteration in flight once return_mean_100 reaches R', async () => {
    const { config } = await tinyConfig(40);
    const out = join(dir, 'stop-at');
    // CartPole's random-policy episodes last ~20 steps: a return of 10 is reached within a few iterations.
    const summary = await train(config, out, { stopAt: 10 });
    const metrics = await metricsOf(out);
    const reached = metrics.findIndex((m) => typeof m.return_mean_100 === 'number' && m.return_mean_100 >= 10);
    expect(reached).toBeGreaterThanOrEqual(0);
    // The iteration in flight when the target was seen is finished and recorded, and nothing after it.
    expect(metrics).toHaveLength(reached + 2);
    expect(summary).toMatchObject({ ended: 'stop-at', stop_at: 10, stop_at_reached_at_step: metrics[reached]!.global_step, iterations: reached + 2, steps: (reached + 2) * STEPS_PER_ITERATION });
    expect(summary.steps).toBeLessThan(40 * STEPS_PER_ITERATION);
    expect(await summaryOf(out)).toMatchObject({ ended: 'stop-at', stop_at_reached_at_step: metrics[reached]!.global_step });
    expect(await checkpointOf(join(out, 'checkpoint.wgrl'))).toMatchObject({ iteration: reached + 2, globalStep: (reached + 2) * STEPS_PER_ITERATION });
    expect((await readFile(join(out, 'curve.svg'), 'utf8')).trim().endsWith('</svg>')).toBe(true);
  });

  it('an interrupted run, resumed, ends bit for bit where the uninterrupted one ends (with --eval-every and best.wgrl)', async () => {
    const iterations = 6;
    const { config } = await tinyConfig(iterations);
    const evaluation = { every: 2, episodes: 3 };
    const whole = join(dir, 'whole');
    const wholeSummary = await train(config, whole, { evaluation });
    expect(wholeSummary).toMatchObject({ ended: 'completed', iterations, resumed_from_step: null });

    const split = join(dir, 'split');
    const controller = new AbortController();
    // Ctrl-C as the report of step 128 comes in: the loop finishes what is in flight and stops.
    const first = await train(config, split, { evaluation, signal: controller.signal, progress: (u) => u.step === 2 * STEPS_PER_ITERATION && controller.abort() });
    expect(first.ended).toBe('interrupted');
    expect(first.iterations).toBeLessThan(iterations);
    expect(await summaryOf(split)).toMatchObject({ ended: 'interrupted', iterations: first.iterations });
    const linesBefore = await metricsOf(split);
    expect(linesBefore).toHaveLength(first.iterations);

    const plan = await planResume(split, {}, trainConfigFromOptions);
    expect(plan.checkpoint.iteration).toBe(first.iterations);
    const resumedSteps: number[] = [];
    const resumed = await train(plan.config, split, { evaluation, resume: plan.checkpoint, progress: (u) => resumedSteps.push(u.step) });
    // The resumed session trains only what remained, and appends to the first session's lines (SPS included).
    expect(resumedSteps).toEqual(Array.from({ length: iterations - first.iterations }, (_, k) => (first.iterations + k + 1) * STEPS_PER_ITERATION));
    expect(resumed).toMatchObject({ ended: 'completed', iterations, steps: wholeSummary.steps, resumed_from_step: first.iterations * STEPS_PER_ITERATION });

    const wholeMetrics = await metricsOf(whole);
    const splitMetrics = await metricsOf(split);
    expect(splitMetrics.slice(0, first.iterations)).toEqual(linesBefore);
    expect(splitMetrics.map(withoutSps)).toEqual(wholeMetrics.map(withoutSps));
    // Evaluations after iterations 2, 4 and 6 (records of iterations 1, 3, 5), on both runs.
    expect(wholeMetrics.map((m) => typeof m.eval_return_mean === 'number')).toEqual([false, true, false, true, false, true]);
    expect(resumed.best_eval_return_mean).toBe(wholeSummary.best_eval_return_mean);
    expect(resumed.final_return_mean_100).toBe(wholeSummary.final_return_mean_100);

    const wholeEnd = await checkpointOf(join(whole, 'checkpoint.wgrl'));
    const splitEnd = await checkpointOf(join(split, 'checkpoint.wgrl'));
    expect([splitEnd.iteration, splitEnd.globalStep]).toEqual([wholeEnd.iteration, wholeEnd.globalStep]);
    expect(stateBytes(splitEnd)).toEqual(stateBytes(wholeEnd));
    expect(stateBytes(await checkpointOf(join(split, 'best.wgrl')))).toEqual(stateBytes(await checkpointOf(join(whole, 'best.wgrl'))));
  });

  it('--resume refuses another env, algorithm or network, or a complete run, before writing anything', async () => {
    const { file, config } = await tinyConfig(4);
    const out = join(dir, 'refuse');
    const stop = new AbortController();
    // Interrupted as the first report comes in: iterations 0 and 1 are done, 2 and 3 remain.
    expect(await train(config, out, { signal: stop.signal, progress: () => stop.abort() })).toMatchObject({ ended: 'interrupted', iterations: 2 });
    const before = await Promise.all(['metrics.jsonl', 'summary.json', 'checkpoint.wgrl'].map(async (name) => (await stat(join(out, name))).mtimeMs));
    await expect(planResume(out, { env: 'Acrobot-v1' }, trainConfigFromOptions)).rejects.toThrow(`--env Acrobot-v1: the run of --resume ${out} was trained on CartPole-v1`);
    await expect(planResume(out, { algo: 'a2c' }, trainConfigFromOptions)).rejects.toThrow(`--algo a2c: the run of --resume ${out} was trained with ppo`);
    const wide = join(dir, 'wide.json');
    await writeFile(wide, JSON.stringify({ hiddenSizes: [32, 32] }));
    await expect(planResume(out, { config: wide }, trainConfigFromOptions)).rejects.toThrow(
      `--config/--preset field hiddenSizes: the run of --resume ${out} has hiddenSizes = [8], the flags ask for [32,32]`,
    );
    await expect(planResume(out, { steps: 128 }, trainConfigFromOptions)).rejects.toThrow(
      `--steps: the run of --resume ${out} has totalTimesteps = 256, the flags ask for 128; a resumed run keeps its own config (leave the flag out, or give --steps above it to extend the run)`,
    );
    // --steps above the run's budget extends it.
    await expect(planResume(out, { steps: 4096 }, trainConfigFromOptions)).resolves.toMatchObject({ config: { totalTimesteps: 4096 }, checkpoint: { iteration: 2 } });
    // Restating the run's own config is accepted.
    await expect(planResume(out, { env: 'cartpole', algo: 'ppo', config: file, seed: SEED }, trainConfigFromOptions)).resolves.toMatchObject({ checkpoint: { iteration: 2 } });
    await expect(readResumeCheckpoint(join(dir, 'nowhere'))).rejects.toThrow(`--resume ${join(dir, 'nowhere')}: cannot read it (ENOENT)`);
    const after = await Promise.all(['metrics.jsonl', 'summary.json', 'checkpoint.wgrl'].map(async (name) => (await stat(join(out, name))).mtimeMs));
    expect(after).toEqual(before);

    const complete = join(dir, 'complete');
    await train((await tinyConfig(2)).config, complete);
    await expect(planResume(complete, {}, trainConfigFromOptions)).rejects.toThrow(`--resume ${complete}: the run is complete (iteration 2 of 2): nothing is left to train`);
    // A complete run extended by --steps trains on to the new end.
    const extension = await planResume(complete, { steps: 4 * STEPS_PER_ITERATION }, trainConfigFromOptions);
    expect(await train(extension.config, complete, { resume: extension.checkpoint })).toMatchObject({ ended: 'completed', iterations: 4, resumed_from_step: 2 * STEPS_PER_ITERATION });
    expect((await metricsOf(complete)).map((line) => line.iteration)).toEqual([0, 1, 2, 3]);

    // A resumed session interrupted before its first report ends where the earlier part did.
    const lines = await metricsOf(out);
    const plan = await planResume(out, {}, trainConfigFromOptions);
    const aborted = AbortSignal.abort();
    const summary = await train(plan.config, out, { resume: plan.checkpoint, signal: aborted });
    expect(summary).toMatchObject({ ended: 'interrupted', iterations: 2, steps: 128, resumed_from_step: 128, final_return_mean_100: lines.at(-1)!.return_mean_100, episodes: lines.at(-1)!.episodes });
    expect(await metricsOf(out)).toEqual(lines);
  });

  it('the command stops on SIGINT with every file written and exit status 130', async () => {
    const { file } = await tinyConfig(1);
    const out = join(dir, 'sigint');
    const before = new Set(process.listeners('SIGINT'));
    const command = trainCommand().exitOverride();
    const run = command.parseAsync(['--env', 'CartPole-v1', '--seed', String(SEED), '--steps', String(400 * STEPS_PER_ITERATION), '--config', file, '--out', out, '--quiet'], { from: 'user' });
    // Ctrl-C once the run has recorded an iteration: only the command's own handler is called (not the test runner's).
    let handler: (() => void) | undefined;
    for (let waited = 0; !handler && waited < 60_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const recorded = await readFile(join(out, 'metrics.jsonl'), 'utf8').catch(() => '');
      if (recorded.length > 0) handler = process.listeners('SIGINT').find((listener) => !before.has(listener)) as (() => void) | undefined;
    }
    expect(handler).toBeDefined();
    handler!();
    try {
      await run;
      expect(process.exitCode).toBe(130);
    } finally {
      process.exitCode = 0;
    }
    expect(process.listeners('SIGINT').filter((listener) => !before.has(listener))).toEqual([]);
    const summary = await summaryOf(out);
    expect(summary.ended).toBe('interrupted');
    expect(summary.iterations as number).toBeLessThan(400);
    expect(await metricsOf(out)).toHaveLength(summary.iterations as number);
    expect(await checkpointOf(join(out, 'checkpoint.wgrl'))).toMatchObject({ iteration: summary.iterations, globalStep: summary.steps });
  });

  /** The command from the sources in a process of its own; sends `signals` SIGINTs once it has recorded an iteration. */
  async function interruptedCommand(out: string, file: string, signals: number): Promise<number | null> {
    const child = spawn(process.execPath, [fileURLToPath(new URL('../support/cli-process.mjs', import.meta.url)), 'train', '--env', 'CartPole-v1', '--seed', String(SEED), '--steps', String(4000 * STEPS_PER_ITERATION), '--config', file, '--out', out, '--quiet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let waited = 0; waited < 90_000; waited += 100) {
      if ((await readFile(join(out, 'metrics.jsonl'), 'utf8').catch(() => '')).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (let k = 0; k < signals; k += 1) child.kill('SIGINT');
    const code = await exited;
    console.log(`[train-lifecycle] spawned command, ${signals} SIGINT: exit ${code}; ${output.trim().split('\n').at(-1)}`);
    return code;
  }

  it('a spawned command stops on a real SIGINT: exit status 130, every file written; a second one exits at once, leaving no partial file', async () => {
    const { file } = await tinyConfig(1);
    const once = join(dir, 'spawned-once');
    expect(await interruptedCommand(once, file, 1)).toBe(130);
    const summary = await summaryOf(once);
    expect(summary.ended).toBe('interrupted');
    expect(await metricsOf(once)).toHaveLength(summary.iterations as number);
    expect(await checkpointOf(join(once, 'checkpoint.wgrl'))).toMatchObject({ iteration: summary.iterations, globalStep: summary.steps });

    const twice = join(dir, 'spawned-twice');
    expect(await interruptedCommand(twice, file, 2)).toBe(130);
    // Whatever was written is whole: a checkpoint, if one was, decodes (its digest checked).
    const checkpoint = await readFile(join(twice, 'checkpoint.wgrl')).catch(() => null);
    if (checkpoint) await expect(decodeCheckpoint(new Uint8Array(checkpoint))).resolves.toMatchObject({ env: { id: 'CartPole-v1' } });
  }, 240_000);
});
