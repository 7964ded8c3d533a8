/**
 * The engine's side of the peer comparison: createPpoTrainer with the peers' configuration
 * (CartPole-v1, 64-64 tanh, N envs × 128 steps, 4 epochs × 4 minibatches, CleanRL's defaults
 * otherwise, no learning-rate annealing as in the TF.js peer), timed the same way: iterations after
 * warm-up, from the end of the drained warm-up to the end of the drained last iteration. The loop
 * keeps the trainer's pipelining (iterate() submits iteration i and resolves with i − 1's report),
 * as a user's loop would.
 */
import type { PpoConfig } from '../../src/algos/ppo/config';
import { createPpoTrainer } from '../../src/algos/ppo/ppo';
import type { EnvSource } from '../../src/envs/registry';

export interface EnginePpoOptions {
  readonly numEnvs: number;
  /** Iterations to run, warm-up included. */
  readonly iterations: number;
  readonly warmupIterations?: number; // 1
  readonly seed?: number; // 1
  readonly numSteps?: number; // 128
  /** The env (default 'CartPole-v1'): a JavaScript env trains on the same configuration. */
  readonly env?: EnvSource;
  /** More PPO fields, over the env's defaults (e.g. normObs: false). */
  readonly config?: PpoConfig;
  /** Called when the timed iterations begin (after the drained warm-up). */
  readonly onTimedStart?: () => void;
  readonly onIteration?: (iteration: number, returnMean100: number) => void;
}

export interface EnginePpoResult {
  readonly stepsPerSecond: number;
  /** Seconds of the timed iterations together. */
  readonly timedSeconds: number;
  /** IterationStats.returnMean100 of each iteration (NaN before any finished episode). */
  readonly returnsByIteration: number[];
}

/** Trains `iterations` PPO iterations on `device` and times those after warm-up. */
export async function runEnginePpo(device: GPUDevice, options: EnginePpoOptions): Promise<EnginePpoResult> {
  const { numEnvs, iterations, warmupIterations = 1, seed = 1, numSteps = 128 } = options;
  if (!Number.isInteger(iterations) || iterations <= warmupIterations) {
    throw new RangeError(`iterations must be an integer above warmupIterations = ${warmupIterations} (got ${iterations})`);
  }
  const trainer = await createPpoTrainer(device, {
    ...options.config,
    env: options.env ?? 'CartPole-v1',
    numEnvs,
    numSteps,
    seed,
    annealLr: false,
    totalTimesteps: iterations * numEnvs * numSteps,
  });
  const returnsByIteration: number[] = [];
  const record = (stats: { iteration: number; returnMean100: number } | null) => {
    if (!stats) return;
    returnsByIteration.push(stats.returnMean100);
    options.onIteration?.(stats.iteration, stats.returnMean100);
  };
  try {
    for (let i = 0; i < warmupIterations; i += 1) record(await trainer.iterate());
    record(await trainer.drain());
    options.onTimedStart?.();
    const started = performance.now();
    for (let i = warmupIterations; i < iterations; i += 1) record(await trainer.iterate());
    record(await trainer.drain());
    const timedSeconds = (performance.now() - started) / 1000;
    return { stepsPerSecond: ((iterations - warmupIterations) * numEnvs * numSteps) / timedSeconds, timedSeconds, returnsByIteration };
  } finally {
    trainer.destroy();
  }
}
