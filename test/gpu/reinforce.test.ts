/**
 * REINFORCE on CartPole-v1: a short real run learns (the mean return of the last 20 episodes after
 * 150 iterations of its default 8 envs × 64 steps, about 77 000 steps, is far above a random policy's ~22),
 * every baseline runs, the loop invariant holds (one submit and one readback per iteration, no
 * buffer created after the first), and bad configs fail before any GPU work, naming field and value.
 *
 * Measured on SwiftShader (2 cores, seed 1, reward-to-go + value baseline, 8 × 64, constant rate,
 * no gradient clipping): the last-20 mean is 28.5 after 10 iterations and 288 after 150 (13 s).
 * The threshold of 75 (3.4 × random) leaves room for another adapter's rounding to take its own path.
 */
import { describe, expect, it } from 'vitest';
import { createReinforceTrainer } from '../../src/algos/reinforce/reinforce';
import { REINFORCE_DEFAULTS } from '../../src/algos/reinforce/config';
import { createTrainer, resolveTrainerConfig } from '../../src/algos/index';
import { REPORT_BYTES, type IterationStats } from '../../src/train/report';
import type { Trainer } from '../../src/train/trainer';
import { gpuStep, useGpu } from '../support/gpu';
import { lastMean, runAll } from '../support/trainer';

const RANDOM_POLICY_RETURN = 22;
const THRESHOLD = 75;

describe('reinforce', () => {
  const gpu = useGpu();

  it(`learns CartPole-v1: last-20 mean return after 150 iterations ≥ ${THRESHOLD} (random ≈ ${RANDOM_POLICY_RETURN})`, async () => {
    const trainer = await createTrainer(gpu().device, { algo: 'reinforce', seed: 1, totalTimesteps: 150 * 512, annealLr: false });
    try {
      const started = performance.now();
      const reports = await gpuStep(gpu(), 'reinforce training', () => runAll(trainer));
      const last = reports.at(-1)!;
      const wall = (performance.now() - started) / 1000;
      const early = lastMean(reports[9]!, 20);
      console.log(
        `[reinforce] ${reports.length} iterations, ${last.globalStep} steps in ${wall.toFixed(1)} s: last-20 mean ${early.toFixed(1)} at iteration 9, ` +
          `${lastMean(last, 20).toFixed(1)} at the end; stats ${JSON.stringify(last.statistics)}`,
      );
      expect(reports.map((r) => r.iteration)).toEqual(Array.from({ length: 150 }, (_, i) => i));
      expect(lastMean(last, 20)).toBeGreaterThanOrEqual(THRESHOLD);
      expect(Number.isFinite(last.statistics.value_loss)).toBe(true);
      expect(last.learningRate).toBe(REINFORCE_DEFAULTS.learningRate);
    } finally {
      trainer.destroy();
    }
  }, 600_000);

  it('after warm-up: zero buffers created, one submit and one readback per iteration; every weight and baseline runs', async () => {
    const { device } = gpu();
    for (const [weights, baseline] of [
      ['reward-to-go', 'value'],
      ['total-return', 'none'],
      ['total-return', 'batch-mean'],
      ['reward-to-go', 'timestep-mean'],
    ] as const) {
      const trainer = await createReinforceTrainer(device, { seed: 3, numEnvs: 4, numSteps: 32, totalTimesteps: 4 * 32 * 5, weights, baseline });
      try {
        const reports = await gpuStep(gpu(), `reinforce ${weights}/${baseline}`, () => runAll(trainer));
        expect(reports.map((r) => r.iteration)).toEqual([0, 1, 2, 3, 4]);
        for (const report of reports) {
          const c = report.counters;
          expect(c.submits).toBe(1);
          expect(c.readbacks).toBe(1);
          expect(c.bytesReadBack).toBe(REPORT_BYTES);
          if (report.iteration > 0) expect(c.buffersCreated, `${weights}/${baseline} iteration ${report.iteration}`).toBe(0);
          expect(c.dispatches).toBe(reports[0]!.counters.dispatches);
        }
        const s = reports.at(-1)!.statistics;
        console.log(`[reinforce] ${weights}/${baseline}: per iteration ${JSON.stringify(reports.at(-1)!.counters)}`);
        expect(Number.isFinite(s.policy_loss), 'policy_loss').toBe(true);
        expect(Number.isFinite(s.grad_norm), 'grad_norm').toBe(true);
        expect(Number.isFinite(s.value_loss), 'value_loss').toBe(baseline === 'value');
        await expect(trainer.iterate()).rejects.toThrow(/reinforce: all 5 iterations/);
      } finally {
        trainer.destroy();
      }
    }
  }, 120_000);

  it('rejects bad configs before any GPU work, naming the field, the value and what is valid', async () => {
    expect(() => resolveTrainerConfig({ algo: 'reinforce', baseline: 'mean' as never })).toThrow(
      "reinforce: baseline must be one of 'none', 'batch-mean', 'timestep-mean', 'value' (got 'mean')",
    );
    expect(() => resolveTrainerConfig({ algo: 'reinforce', weights: 'gae' as never })).toThrow("reinforce: weights must be one of 'total-return', 'reward-to-go' (got 'gae')");
    expect(() => resolveTrainerConfig({ algo: 'reinforce', gamma: -1 })).toThrow('reinforce: gamma must be a number in [0, 1] (got -1)');
    expect(() => resolveTrainerConfig({ algo: 'reinforce', numSteps: 0 })).toThrow('reinforce: numSteps must be an integer in [1, 1048576] (got 0)');
    expect(() => resolveTrainerConfig({ algo: 'reinforce', totalTimesteps: 100 })).toThrow('reinforce: totalTimesteps must be at least one batch, numEnvs × numSteps = 512 (got 100)');
    expect(() => resolveTrainerConfig({ algo: 'reinforce', clipCoef: 0.2 } as never)).toThrow(/reinforce: unknown field 'clipCoef'/);
    await expect(createTrainer(gpu().device, { algo: 'reinforce', baseline: 'critic' as never })).rejects.toThrow(/reinforce: baseline must be/);
    const resolved = resolveTrainerConfig({ algo: 'reinforce' });
    expect(resolved).toMatchObject({ env: 'CartPole-v1', numEnvs: 8, numSteps: 64, batchSize: 512, numIterations: 1953, weights: 'reward-to-go', baseline: 'value' });
    expect(Object.isFrozen(resolved)).toBe(true);
  });
});
