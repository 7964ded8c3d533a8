/**
 * The NaN guard inside a trainer: a NaN written into PPO's live parameters between iterations makes
 * the next report stop training with a NonFiniteError naming that iteration and 'parameters', and
 * the parameters are back to the last good snapshot (those after the previous iteration, exactly).
 */
import { describe, expect, it } from 'vitest';
import { createPpoTrainer } from '../../src/algos/ppo/ppo';
import { NonFiniteError } from '../../src/train/nan-guard';
import { gpuStep, useGpu } from '../support/gpu';

describe('NaN guard in a trainer', () => {
  const gpu = useGpu();

  it('poisoned parameters: NonFiniteError names the iteration, and the last good parameters come back', async () => {
    const { device } = gpu();
    const trainer = await createPpoTrainer(device, { seed: 4, numEnvs: 4, numSteps: 16, totalTimesteps: 4 * 16 * 8 });
    try {
      await gpuStep(gpu(), 'three healthy iterations', async () => {
        for (let i = 0; i < 3; i += 1) await trainer.iterate();
        expect((await trainer.drain())!.iteration).toBe(2);
      });
      const good = await trainer.readParameters();
      device.queue.writeBuffer(trainer.buffers.parameters, 4 * 5, new Float32Array([Number.NaN]));
      await trainer.iterate();
      const error = await trainer.drain().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(NonFiniteError);
      const nonFinite = error as NonFiniteError;
      expect(nonFinite.iteration).toBe(3);
      expect(nonFinite.statistic).toBe('parameters');
      expect(nonFinite.restored).toBe(true);
      expect(nonFinite.message).toMatch(/training stopped at iteration 3: parameters are not finite .*restored to the last good snapshot \(after iteration 2\)/);
      const restored = await trainer.readParameters();
      for (const name of ['actor', 'critic'] as const) {
        expect(Array.from(restored.networks[name]!.parameters)).toEqual(Array.from(good.networks[name]!.parameters));
      }
    } finally {
      trainer.destroy();
    }
  });
});
