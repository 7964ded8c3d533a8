/**
 * Host env vs WGSL env: PPO training throughput on CartPole-v1 stepped by the WGSL wrapper (every
 * step a dispatch inside the iteration's submit) against the same CartPole written in JavaScript
 * as a batched host env (test/support/cartpole-host.ts, which replays the WGSL env from the same
 * seed), stepped whole (unpipelined) and in two halves that overlap the GPU
 * (src/rollout/host-halves.ts), same trainer, configuration and seed (bench/peers/engine-ppo.ts's
 * loop). The three runs of one N go in an order that rotates with N, so that a change in machine
 * load (a software adapter shares the CPU) does not always favour the same run.
 *
 * Each host run also reports where each rollout step's time went, from the host vector env's own
 * cumulative timings (src/envs/host-env.ts): the game's JavaScript, the engine's checks and
 * bookkeeping, the uploads, the wait for the actions' readback (which includes the GPU's work not
 * yet done when the CPU asks), and the rest of the step's share of the iteration (encoding,
 * submits, the update's GPU time). Pipelined, a step is its two halves' sums: the CPU columns stay
 * about the same, and what the overlap saves shows as a smaller readback wait and total.
 */
import { hostEnvTimings, type HostEnvTimings } from '../../src/envs/host-env';
import type { BatchedHostEnv, HostEnvBatch } from '../../src/envs/batched-host-env';
import { cartPoleHost } from '../../test/support/cartpole-host';
import { runEnginePpo } from '../peers/engine-ppo';

export interface HostEnvTrainingOptions {
  readonly numEnvs: number;
  /** Rollout steps per iteration. */
  readonly numSteps: number;
  /** Iterations per run, the warm-up one included. */
  readonly iterations: number;
  /** Which of the three runs goes first: the order is rotated by this (default 0: WGSL, whole, halves). */
  readonly rotation?: number;
}

/** Microseconds per rollout step (one step of all N envs), averaged over the timed iterations. */
export interface HostStepBreakdown {
  /** The whole iteration's time divided by its steps (update included). */
  readonly totalUs: number;
  readonly jsStepUs: number;
  readonly validateUs: number;
  readonly uploadUs: number;
  readonly readbackWaitUs: number;
  /** totalUs less the four above: GPU work, encoding and submits, the update's share. */
  readonly restUs: number;
}

/** One host env run. */
export interface HostRunReport {
  /** Env steps per second of PPO training on the JavaScript CartPole. */
  readonly stepsPerSecond: number;
  /** stepsPerSecond / the WGSL run's. */
  readonly ratioToWgsl: number;
  readonly perStep: HostStepBreakdown;
}

export type HostEnvRun = 'wgsl' | 'whole' | 'halves';

export interface HostEnvTrainingReport {
  readonly numEnvs: number;
  readonly numSteps: number;
  readonly timedIterations: number;
  /** The order the three runs went in. */
  readonly order: readonly HostEnvRun[];
  /** Env steps per second of PPO training on the WGSL CartPole-v1. */
  readonly wgslStepsPerSecond: number;
  /** The JavaScript CartPole stepped whole: the GPU and the CPU take turns. */
  readonly unpipelined: HostRunReport;
  /** The JavaScript CartPole stepped in halves, each overlapping the GPU's work on the other. */
  readonly pipelined: HostRunReport;
  /** pipelined.stepsPerSecond / unpipelined.stepsPerSecond. */
  readonly pipelinedSpeedup: number;
}

/** The game, wrapped to hand over the batch its vector env gives it (whose timings it reads). */
function watchedCartPole(stepsRanges: boolean): { env: BatchedHostEnv; timings: () => Readonly<HostEnvTimings> } {
  const game = cartPoleHost('cartpole-js', { stepsRanges });
  let batch: HostEnvBatch | undefined;
  const env: BatchedHostEnv = {
    ...game,
    resetBatch(b, instances) {
      batch ??= b;
      game.resetBatch(b, instances);
    },
  };
  const timings = () => {
    const found = batch && hostEnvTimings(batch);
    if (!found) throw new Error('host env benchmark: the trainer never reset the JavaScript CartPole');
    return found;
  };
  return { env, timings };
}

/** Trains on the JavaScript CartPole (whole or in halves) and times its steps. */
async function measureHostRun(device: GPUDevice, options: HostEnvTrainingOptions, stepsRanges: boolean): Promise<{ stepsPerSecond: number; perStep: HostStepBreakdown }> {
  const { numEnvs, numSteps, iterations } = options;
  const watched = watchedCartPole(stepsRanges);
  let before: HostEnvTimings | undefined;
  const host = await runEnginePpo(device, { numEnvs, numSteps, iterations, env: watched.env, onTimedStart: () => (before = { ...watched.timings() }) });
  const after = watched.timings();
  // Steps of all N envs (a half-step counts one half).
  const steps = (after.instanceSteps - before!.instanceSteps) / numEnvs;
  const perStep = (key: keyof HostEnvTimings) => ((after[key] - before![key]) * 1000) / steps;
  const totalUs = (host.timedSeconds * 1e6) / steps;
  const [jsStepUs, validateUs, uploadUs, readbackWaitUs] = (['jsStepMs', 'validateMs', 'uploadMs', 'readbackWaitMs'] as const).map(perStep) as [number, number, number, number];
  return {
    stepsPerSecond: host.stepsPerSecond,
    perStep: { totalUs, jsStepUs, validateUs, uploadUs, readbackWaitUs, restUs: totalUs - jsStepUs - validateUs - uploadUs - readbackWaitUs },
  };
}

const RUNS: readonly HostEnvRun[] = ['wgsl', 'whole', 'halves'];

/** Trains the three for `iterations` (1 warm-up) at `numEnvs`, in the rotated order, and reports SPS, ratios and the host runs' breakdowns. */
export async function measureHostEnvTraining(device: GPUDevice, options: HostEnvTrainingOptions): Promise<HostEnvTrainingReport> {
  const { numEnvs, numSteps, iterations } = options;
  const rotation = (options.rotation ?? 0) % RUNS.length;
  const order = [...RUNS.slice(rotation), ...RUNS.slice(0, rotation)];
  let wgsl = 0;
  let whole: Awaited<ReturnType<typeof measureHostRun>> | undefined;
  let halves: Awaited<ReturnType<typeof measureHostRun>> | undefined;
  for (const run of order) {
    if (run === 'wgsl') wgsl = (await runEnginePpo(device, { numEnvs, numSteps, iterations })).stepsPerSecond;
    else if (run === 'whole') whole = await measureHostRun(device, options, false);
    else halves = await measureHostRun(device, options, true);
  }
  const report = (r: NonNullable<typeof whole>): HostRunReport => ({ stepsPerSecond: r.stepsPerSecond, ratioToWgsl: r.stepsPerSecond / wgsl, perStep: r.perStep });
  return {
    numEnvs,
    numSteps,
    timedIterations: iterations - 1,
    order,
    wgslStepsPerSecond: wgsl,
    unpipelined: report(whole!),
    pipelined: report(halves!),
    pipelinedSpeedup: halves!.stepsPerSecond / whole!.stepsPerSecond,
  };
}
