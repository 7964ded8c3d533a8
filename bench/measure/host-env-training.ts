/**
 * Host env vs WGSL env: PPO training throughput on CartPole-v1 stepped by the WGSL wrapper (every
 * step a dispatch inside the iteration's submit) against the same CartPole written in JavaScript
 * as a batched host env (test/support/cartpole-host.ts, which replays the WGSL env from the same
 * seed), same trainer, configuration and seed (bench/peers/engine-ppo.ts's loop). The host run also
 * reports where each rollout step's time went, from the host vector env's own cumulative timings
 * (src/envs/host-env.ts): the game's JavaScript, the engine's checks and bookkeeping, the uploads,
 * the wait for the actions' readback (which includes the GPU's work of the segment before it), and
 * the rest of the step's share of the iteration (encoding, submits, the update's GPU time).
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

export interface HostEnvTrainingReport {
  readonly numEnvs: number;
  readonly numSteps: number;
  readonly timedIterations: number;
  /** Env steps per second of PPO training on the WGSL CartPole-v1. */
  readonly wgslStepsPerSecond: number;
  /** The same on the JavaScript CartPole. */
  readonly hostStepsPerSecond: number;
  /** hostStepsPerSecond / wgslStepsPerSecond. */
  readonly ratio: number;
  readonly host: HostStepBreakdown;
}

/** The game, wrapped to hand over the batch its vector env gives it (whose timings it reads). */
function watchedCartPole(): { env: BatchedHostEnv; timings: () => Readonly<HostEnvTimings> } {
  const game = cartPoleHost();
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

/** Trains both for `iterations` (1 warm-up) at `numEnvs` and reports SPS, ratio and the host's breakdown. */
export async function measureHostEnvTraining(device: GPUDevice, options: HostEnvTrainingOptions): Promise<HostEnvTrainingReport> {
  const { numEnvs, numSteps, iterations } = options;
  const wgsl = await runEnginePpo(device, { numEnvs, numSteps, iterations });
  const watched = watchedCartPole();
  let before: HostEnvTimings | undefined;
  const host = await runEnginePpo(device, { numEnvs, numSteps, iterations, env: watched.env, onTimedStart: () => (before = { ...watched.timings() }) });
  const after = watched.timings();
  const steps = after.steps - before!.steps;
  const perStep = (key: keyof HostEnvTimings) => ((after[key] - before![key]) * 1000) / steps;
  const totalUs = (host.timedSeconds * 1e6) / steps;
  const [jsStepUs, validateUs, uploadUs, readbackWaitUs] = (['jsStepMs', 'validateMs', 'uploadMs', 'readbackWaitMs'] as const).map(perStep) as [number, number, number, number];
  return {
    numEnvs,
    numSteps,
    timedIterations: iterations - 1,
    wgslStepsPerSecond: wgsl.stepsPerSecond,
    hostStepsPerSecond: host.stepsPerSecond,
    ratio: host.stepsPerSecond / wgsl.stepsPerSecond,
    host: { totalUs, jsStepUs, validateUs, uploadUs, readbackWaitUs, restUs: totalUs - jsStepUs - validateUs - uploadUs - readbackWaitUs },
  };
}
