/**
 * PPO's `initialLogStd` (SB3's log_std_init): the trainer starts from the documented
 * initialisation (test/gpu/ppo-update.test.ts) except the Gaussian's log σ slot, which holds the
 * configured value in every dim, and the first rollout's actions (stored unclipped) spread by
 * σ = exp(initialLogStd) around the near-zero means of the 0.01-gain head.
 */
import { describe, expect, it } from 'vitest';
import { createPpoTrainer, criticInitSeed } from '../../src/algos/ppo/ppo';
import { readBufferOnce } from '../../src/gpu/index';
import { initialParameters } from '../../src/nn/init';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

describe('PPO initialLogStd', () => {
  const gpu = useGpu();

  it('fills the log σ slot and sets the first rollout’s spread', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const initialLogStd = -0.5 - seededRandom(seed)(); // in (−1.5, −0.5]: σ from 0.22 to 0.61
    const config = { env: 'Pendulum-v1', seed, numEnvs: 8, numSteps: 64, numMinibatches: 2, updateEpochs: 1, hiddenSizes: [16], initialLogStd, totalTimesteps: 512 };
    const trainer = await createPpoTrainer(device, config);
    try {
      const { actor, critic } = trainer.layouts;
      const slot = actor.extras.logStd!;
      const expected = new Float32Array(actor.parametersPerAgent + critic.parametersPerAgent);
      expected.set(initialParameters(actor, seed), 0);
      expected.fill(initialLogStd, slot.offset, slot.offset + slot.length);
      expected.set(initialParameters(critic, criticInitSeed(seed)), actor.parametersPerAgent);
      const before = new Float32Array(await readBufferOnce(device, trainer.buffers.parameters));
      expect([...before], `seed ${seed}`).toEqual([...expected]);

      await gpuStep(gpu(), 'one iteration', async () => {
        expect(await trainer.iterate()).toBeNull();
        const stats = (await trainer.drain())!;
        expect(Number.isFinite(stats.statistics.policy_loss), `seed ${seed}`).toBe(true);
      });
      const actions = new Float32Array(await readBufferOnce(device, trainer.buffers.transitions.actions));
      const mean = actions.reduce((s, a) => s + a, 0) / actions.length;
      const std = Math.sqrt(actions.reduce((s, a) => s + (a - mean) ** 2, 0) / (actions.length - 1));
      // 512 draws: the sample std's relative standard error is about 1/√1024 ≈ 3 %; the means' own
      // spread (≈ 0.05 from the 0.01 gain) adds a few percent at the smallest σ.
      const sigma = Math.exp(initialLogStd);
      expect(std / sigma, `seed ${seed}: σ ${sigma.toFixed(3)}, actions' std ${std.toFixed(3)}`).toBeGreaterThan(0.85);
      expect(std / sigma, `seed ${seed}: σ ${sigma.toFixed(3)}, actions' std ${std.toFixed(3)}`).toBeLessThan(1.2);
    } finally {
      trainer.destroy();
    }
  });
});
