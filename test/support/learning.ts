/**
 * Learning tests: one algorithm with its documented defaults (src/algos/<name>/, PPO_ENV_DEFAULTS
 * for Pendulum) and a fixed seed, trained until the mean return of the last 100 finished episodes
 * meets the env's target, and stopped there. The criterion is the CLI's `return_mean_100`, the
 * one docs/LEARNING.md records its steps with.
 *
 * On one adapter a run is deterministic (counter-based Philox, fixed-order reductions), so a seed
 * crosses its target at the same step on every run; the test prints the step docs/LEARNING.md
 * recorded on SwiftShader beside the one it reached. It asserts only that the target is met within
 * the budget: another adapter rounds differently and takes its own path to it.
 *
 * A `ci: false` test is skipped by `npm test` and runs when WEBGPU_RL_LEARNING is set, as
 * `npm run test:learning` (scripts/learning-matrix.mjs) sets it; README.md, "Tests", has each
 * test's measured wall time and which of them CI runs.
 */
import { describe, expect, it } from 'vitest';
import { createTrainer, type TrainerConfig } from '../../src/algos/index';
import type { IterationStats } from '../../src/train/report';
import { gpuStep, useGpu } from './gpu';

export interface LearningCase {
  /** The trainer's config: `algo`, `env` and `seed`; everything else is the algorithm's default. */
  readonly config: TrainerConfig & { readonly env: string; readonly seed: number };
  /** Mean return of the last 100 episodes to reach. */
  readonly target: number;
  /** The documented budget (the default totalTimesteps, which also sets the learning-rate annealing). */
  readonly budget: number;
  /** The step at which docs/LEARNING.md records this seed reaching the target on SwiftShader. */
  readonly recordedStep: number;
  /** Runs in `npm test` (true) or only with WEBGPU_RL_LEARNING set (false). */
  readonly ci: boolean;
}

/** Where a run stopped: the first iteration that met the target, or the last one. */
export interface LearningOutcome {
  readonly reached: boolean;
  readonly step: number;
  readonly returnMean100: number;
  readonly best: number;
  readonly wallS: number;
}

const PROGRESS_EVERY = 25_000;
const fmt = (n: number) => n.toLocaleString('en-US').replace(/,/g, ' ');

/**
 * Trains `c` until it meets its target or spends its budget, printing progress every 25 000 steps;
 * the wall time includes building the trainer (its pipelines' compilation).
 */
export async function trainToTarget(device: GPUDevice, c: LearningCase, label: string): Promise<LearningOutcome> {
  const started = performance.now();
  const trainer = await createTrainer(device, c.config);
  try {
    const budget = trainer.numIterations * trainer.stepsPerIteration;
    // The budget anneals the learning rate: a default that drifted from the documented one would
    // make this a different run from the one docs/LEARNING.md records.
    expect(budget, `${label}: the default budget`).toBeLessThanOrEqual(c.budget);
    expect(budget, `${label}: the default budget`).toBeGreaterThan(c.budget - trainer.stepsPerIteration);
    let best = Number.NEGATIVE_INFINITY;
    let last: IterationStats | null = null;
    for (let i = 0; i <= trainer.numIterations; i += 1) {
      const stats = i < trainer.numIterations ? await trainer.iterate() : await trainer.drain();
      if (!stats) continue;
      last = stats;
      if (Number.isFinite(stats.returnMean100)) best = Math.max(best, stats.returnMean100);
      if (Math.floor(stats.globalStep / PROGRESS_EVERY) > Math.floor((stats.globalStep - trainer.stepsPerIteration) / PROGRESS_EVERY)) {
        console.log(`[${label}] step ${fmt(stats.globalStep)}: return(100) ${stats.returnMean100.toFixed(1)}, ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
      if (stats.returnMean100 >= c.target) {
        // The iteration submitted after this one is still in flight: collect it before destroy().
        if (i < trainer.numIterations) await trainer.drain();
        return { reached: true, step: stats.globalStep, returnMean100: stats.returnMean100, best, wallS: (performance.now() - started) / 1000 };
      }
    }
    return { reached: false, step: last?.globalStep ?? 0, returnMean100: last?.returnMean100 ?? Number.NaN, best, wallS: (performance.now() - started) / 1000 };
  } finally {
    trainer.destroy();
  }
}

/**
 * Declares the learning test of `c` in a file of its own (one device per file, test/support/gpu.ts):
 * it passes when the target is met within the budget, and prints the seed, the step and the wall
 * time either way.
 */
export function learningTest(c: LearningCase): void {
  const { algo = 'ppo', env, seed } = c.config;
  const label = `${algo} ${env} seed ${seed}`;
  const run = c.ci || Boolean(process.env.WEBGPU_RL_LEARNING);
  describe(`learning: ${algo} on ${env}`, () => {
    const gpu = useGpu();
    it.runIf(run)(
      `seed ${seed} reaches a mean return of ${c.target} over the last 100 episodes within ${fmt(c.budget)} steps` +
        (c.ci ? '' : ' (npm run test:learning, or WEBGPU_RL_LEARNING=1)'),
      async () => {
        const outcome = await gpuStep(gpu(), label, () => trainToTarget(gpu().device, c, label));
        console.log(
          `[${label}] ${outcome.reached ? 'reached' : 'did NOT reach'} ${c.target} at step ${fmt(outcome.step)} ` +
            `(recorded on SwiftShader: ${fmt(c.recordedStep)}; best return(100) ${outcome.best.toFixed(1)}) ` +
            `in ${outcome.wallS.toFixed(1)} s, ${fmt(Math.round(outcome.step / outcome.wallS))} SPS`,
        );
        expect(outcome.reached, `${label}: best return(100) ${outcome.best.toFixed(1)} within ${fmt(outcome.step)} steps`).toBe(true);
        expect(outcome.returnMean100).toBeGreaterThanOrEqual(c.target);
      },
      // The slowest run (TRPO) took 158 s to its target on SwiftShader with 2 cores, 332 s on a
      // loaded machine; one that misses its target runs its whole budget, several times as long.
      3_600_000,
    );
  });
}
