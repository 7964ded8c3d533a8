/**
 * A2C on CartPole-v1: a short real run learns (the mean return of the last 20 episodes after 600
 * iterations of SB3's 8 envs × 5 steps, 24 000 steps, is far above a random policy's ~22), the loop
 * invariant holds (one submit and one readback per iteration, no buffer created after the first),
 * and bad configs fail before any GPU work, naming field and value.
 *
 * Measured on SwiftShader (2 cores, seed 1, defaults): the last-20 mean is 20 at iteration 60, 70
 * at 260, 230 at 410, 218–256 around 560–610 (about 8.5 s). The threshold of 75 (3.4 × random)
 * leaves room for another adapter's rounding to take its own path.
 */
import { describe, expect, it } from 'vitest';
import { A2C_DEFAULTS } from '../../src/algos/a2c/config';
import { createTrainer, resolveTrainerConfig } from '../../src/algos/index';
import { REPORT_BYTES, type IterationStats } from '../../src/train/report';
import type { Trainer } from '../../src/train/trainer';
import { gpuStep, useGpu } from '../support/gpu';
import { lastMean, runAll } from '../support/trainer';

const RANDOM_POLICY_RETURN = 22;
const THRESHOLD = 75;

describe('a2c', () => {
  const gpu = useGpu();

  it(`learns CartPole-v1: last-20 mean return after 600 iterations ≥ ${THRESHOLD} (random ≈ ${RANDOM_POLICY_RETURN})`, async () => {
    const trainer = await createTrainer(gpu().device, { algo: 'a2c', seed: 1, totalTimesteps: 600 * 40 });
    try {
      const started = performance.now();
      const reports = await gpuStep(gpu(), 'a2c training', () => runAll(trainer));
      const last = reports.at(-1)!;
      const wall = (performance.now() - started) / 1000;
      console.log(
        `[a2c] ${reports.length} iterations, ${last.globalStep} steps in ${wall.toFixed(1)} s: last-20 mean ${lastMean(reports[59]!, 20).toFixed(1)} at iteration 59, ` +
          `${lastMean(last, 20).toFixed(1)} at the end; stats ${JSON.stringify(last.statistics)}`,
      );
      expect(reports.length).toBe(600);
      expect(lastMean(last, 20)).toBeGreaterThanOrEqual(THRESHOLD);
      for (const name of ['policy_loss', 'value_loss', 'entropy', 'explained_variance', 'grad_norm'] as const) {
        expect(Number.isFinite(last.statistics[name]), name).toBe(true);
      }
      expect(last.learningRate).toBe(A2C_DEFAULTS.learningRate);
    } finally {
      trainer.destroy();
    }
  }, 600_000);

  it('after warm-up: zero buffers created, one submit and exactly one readback per iteration, stats one iteration late', async () => {
    const trainer = await createTrainer(gpu().device, { algo: 'a2c', seed: 5, numEnvs: 4, numSteps: 16, gaeLambda: 0.95, normAdv: true, entCoef: 0.01, totalTimesteps: 4 * 16 * 6 });
    try {
      const reports = await gpuStep(gpu(), 'a2c iterations', async () => {
        const out = [];
        expect(await trainer.iterate()).toBeNull();
        for (let i = 1; i < trainer.numIterations; i += 1) out.push(await trainer.iterate());
        out.push(await trainer.drain());
        return out;
      });
      expect(reports.map((r) => r!.iteration)).toEqual([0, 1, 2, 3, 4, 5]);
      for (const report of reports) {
        const c = report!.counters;
        expect(c.submits).toBe(1);
        expect(c.readbacks).toBe(1);
        expect(c.bytesReadBack).toBe(REPORT_BYTES);
        if (report!.iteration > 0) expect(c.buffersCreated, `iteration ${report!.iteration}`).toBe(0);
        expect(c.dispatches).toBe(reports[0]!.counters.dispatches);
        expect(report!.globalStep).toBe((report!.iteration + 1) * 64);
      }
      console.log(`[a2c] per iteration: ${JSON.stringify(reports.at(-1)!.counters)}`);
      await expect(trainer.iterate()).rejects.toThrow(/a2c: all 6 iterations/);
    } finally {
      trainer.destroy();
    }
  }, 120_000);

  it('rejects bad configs before any GPU work, naming the field, the value and what is valid', async () => {
    expect(() => resolveTrainerConfig({ algo: 'a2c', gaeLambda: 1.5 })).toThrow('a2c: gaeLambda must be a number in [0, 1] (got 1.5)');
    expect(() => resolveTrainerConfig({ algo: 'a2c', gaeLambda: Number.NaN })).toThrow('a2c: gaeLambda must be a number in [0, 1] (got NaN)');
    expect(() => resolveTrainerConfig({ algo: 'a2c', learningRate: -1e-3 })).toThrow('a2c: learningRate must be a finite number ≥ 0 (got -0.001)');
    expect(() => resolveTrainerConfig({ algo: 'a2c', baseline: 'none' } as never)).toThrow(/a2c: unknown field 'baseline'/);
    expect(() => resolveTrainerConfig({ algo: 'a2c', env: 'Nope-v0' })).toThrow(/unknown env 'Nope-v0'/);
    await expect(createTrainer(gpu().device, { algo: 'a2c', gaeLambda: -0.1 })).rejects.toThrow('a2c: gaeLambda must be a number in [0, 1] (got -0.1)');
    const resolved = resolveTrainerConfig({ algo: 'a2c' });
    expect(resolved).toMatchObject({ env: 'CartPole-v1', numEnvs: 8, numSteps: 5, batchSize: 40, numIterations: 25_000, gaeLambda: 1, learningRate: 7e-4 });
    expect(Object.isFrozen(resolved)).toBe(true);
  });
});
