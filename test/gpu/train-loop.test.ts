/**
 * The training loop's invariant, measured: after the first iteration (warm-up: bind groups made on
 * first use), every iteration creates zero buffers, submits once, and starts exactly one readback of
 * exactly the report block; statistics come back one iteration late, in order. Plus the config's
 * bad-input errors, thrown before any GPU work.
 */
import { describe, expect, it } from 'vitest';
import { ALGORITHMS, createTrainer, resolveTrainerConfig, UnknownAlgorithmError } from '../../src/algos/index';
import { gpuCounters } from '../../src/gpu/index';
import { REPORT_BYTES } from '../../src/train/report';
import { gpuStep, useGpu } from '../support/gpu';

describe('training loop', () => {
  const gpu = useGpu();

  it('after warm-up: zero buffers created, one submit and exactly one readback per iteration, stats one iteration late', async () => {
    const { device } = gpu();
    const trainer = await createTrainer(device, { algo: 'ppo', env: 'CartPole-v1', seed: 7, numEnvs: 4, numSteps: 32, totalTimesteps: 4 * 32 * 6 });
    try {
      const reports = await gpuStep(gpu(), 'ppo iterations', async () => {
        const out = [];
        const started = performance.now();
        const before = { ...gpuCounters(device) };
        expect(await trainer.iterate()).toBeNull();
        for (let i = 1; i < trainer.numIterations; i += 1) out.push(await trainer.iterate());
        out.push(await trainer.drain());
        const after = gpuCounters(device);
        console.log(
          `[train loop] ${trainer.numIterations} iterations of ${trainer.stepsPerIteration} steps in ${(performance.now() - started).toFixed(0)} ms; ` +
            `device counters: +${after.buffersCreated - before.buffersCreated} buffers, +${after.readbacks - before.readbacks} readbacks`,
        );
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
        expect(report!.globalStep).toBe((report!.iteration + 1) * 128);
      }
      const last = reports.at(-1)!;
      console.log(`[train loop] per iteration: ${JSON.stringify(last.counters)}; stats ${JSON.stringify(last.statistics)}`);
      expect(last.learningRate).toBeCloseTo(2.5e-4 * (1 - 5 / 6), 12);
      for (const name of ['policy_loss', 'value_loss', 'entropy', 'approx_kl', 'clipfrac', 'explained_variance', 'grad_norm'] as const) {
        expect(Number.isFinite(last.statistics[name]), name).toBe(true);
      }
      expect(last.episodesFinished).toBeGreaterThan(0);
      expect(last.recentReturns.length).toBe(Math.min(100, last.episodesFinished));
      await expect(trainer.iterate()).rejects.toThrow(/all 6 iterations/);
    } finally {
      trainer.destroy();
    }
  });

  it('rejects bad input before any GPU work, naming the field, the value and what is valid', () => {
    expect(() => resolveTrainerConfig({ algo: 'dqn' as 'ppo' })).toThrow(UnknownAlgorithmError);
    expect(() => resolveTrainerConfig({ algo: 'dqn' as 'ppo' })).toThrow(`unknown algorithm 'dqn' (valid: ${ALGORITHMS.join(', ')})`);
    expect(() => resolveTrainerConfig({ env: 'Nope-v0' })).toThrow(/unknown env 'Nope-v0' \(valid: CartPole-v1/);
    expect(resolveTrainerConfig({ algo: 'reinforce', env: 'Pendulum-v1' })).toMatchObject({ env: 'Pendulum-v1' });
    // PPO-KL takes a box with PPO's env defaults (a Gaussian head and its closed-form KL penalty).
    expect(resolveTrainerConfig({ algo: 'ppo-kl', env: 'Pendulum-v1' })).toMatchObject({ env: 'Pendulum-v1', gamma: 0.9, normObs: true, normReward: true });
    expect(() => resolveTrainerConfig({ agents: 2, learningRate: [1e-3, 2e-3, 3e-3] })).toThrow('ppo: learningRate must be one number or 2 numbers (one per agent) (got [0.001, 0.002, 0.003])');
    expect(() => resolveTrainerConfig({ numEnvs: 0 })).toThrow('ppo: numEnvs must be an integer in [1, 65536] (got 0)');
    expect(() => resolveTrainerConfig({ numMinibatches: 3 })).toThrow('ppo: numMinibatches must be a divisor of the batch numEnvs × numSteps = 512 (got 3)');
    expect(() => resolveTrainerConfig({ gamma: 1.5 })).toThrow('ppo: gamma must be a number in [0, 1] (got 1.5)');
    expect(() => resolveTrainerConfig({ clipCoef: -0.2 })).toThrow('ppo: clipCoef must be a finite number > 0 (got -0.2)');
    expect(() => resolveTrainerConfig({ totalTimesteps: 100 })).toThrow('ppo: totalTimesteps must be at least one batch, numEnvs × numSteps = 512 (got 100)');
    expect(() => resolveTrainerConfig({ learningRte: 1 } as never)).toThrow(/ppo: unknown field 'learningRte'/);
    const resolved = resolveTrainerConfig({});
    expect(resolved).toMatchObject({ env: 'CartPole-v1', batchSize: 512, minibatchSize: 128, numIterations: 976, learningRate: [2.5e-4] });
    expect(Object.isFrozen(resolved)).toBe(true);
  });
});
