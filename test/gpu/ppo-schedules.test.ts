/**
 * PPO's per-iteration schedules, per agent: the learning rate annealed linearly (reported with each
 * iteration's stats) and the optional linear decay of the entropy coefficient (read from the loss
 * coefficients the GPU used), both frac = 1 − i / numIterations at iteration i.
 */
import { describe, expect, it } from 'vitest';
import { createPpoTrainer } from '../../src/algos/ppo/ppo';
import { readBufferOnce } from '../../src/gpu/index';
import { LOSS_COEFFICIENT, LOSS_COEFFICIENT_WORDS } from '../../src/losses/layout';
import { gpuStep, useGpu } from '../support/gpu';
import { runAll } from '../support/trainer';

describe('PPO schedules', () => {
  const gpu = useGpu();

  it('learning rate and entropy coefficient decay linearly per agent', async () => {
    const iterations = 5;
    const learningRate = [1e-3, 4e-3];
    const entCoef = [0.02, 0.05];
    const trainer = await createPpoTrainer(gpu().device, {
      seed: 2,
      agents: 2,
      numEnvs: 2,
      numSteps: 16,
      numMinibatches: 2,
      updateEpochs: 1,
      totalTimesteps: 2 * 16 * iterations,
      learningRate,
      entCoef,
      annealEntCoef: true,
    });
    try {
      const reports = await gpuStep(gpu(), 'ppo', () => runAll(trainer));
      reports.forEach((stats, i) => expect(stats.learningRate).toBeCloseTo(learningRate[0]! * (1 - i / iterations), 12));
      const words = new Float32Array(await readBufferOnce(gpu().device, trainer.buffers.coefficients));
      const last = 1 - (iterations - 1) / iterations;
      entCoef.forEach((c, g) => expect(words[g * LOSS_COEFFICIENT_WORDS + LOSS_COEFFICIENT.entropy]).toBeCloseTo(c * last, 7));
    } finally {
      trainer.destroy();
    }
  });
});
