/**
 * PPO with the fused rollout steps (rolloutKernels 'auto', the default on CartPole) against PPO with
 * the layer-wise steps, same config and seed: after three iterations of CleanRL's update on an odd
 * batch (N = 5, T = 23, 5 minibatches, 3 epochs) both runs' actor and critic parameters and
 * every iteration's statistics agree. The rollouts are bit for bit the same on SwiftShader
 * (test/gpu/rollout-fused.test.ts), so there the runs are too; the test allows float32 rounding
 * (1e-5 relative) for an adapter whose compiler contracts the two forward passes differently.
 * Also: a config asking for 'fused' on an env that cannot fuse is refused before anything runs.
 */
import { describe, expect, it } from 'vitest';
import { createPpoTrainer } from '../../src/algos/ppo/ppo';
import type { PpoConfig } from '../../src/algos/ppo/config';
import type { IterationStats } from '../../src/train/report';
import { useGpu } from '../support/gpu';
import { freshSeed } from '../support/random';

const ITERATIONS = 3;

async function train(device: GPUDevice, config: PpoConfig): Promise<{ stats: IterationStats[]; parameters: Float32Array[] }> {
  const trainer = await createPpoTrainer(device, config);
  try {
    const stats: IterationStats[] = [];
    for (let i = 0; i < ITERATIONS; i += 1) {
      await trainer.iterate();
      stats.push((await trainer.drain())!);
    }
    const { networks } = await trainer.readParameters();
    return { stats, parameters: Object.values(networks).map((n) => n.parameters) };
  } finally {
    trainer.destroy();
  }
}

describe('PPO with fused rollout steps', () => {
  const gpu = useGpu();

  it('trains as PPO with the layer-wise steps does (CartPole, odd batch)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const config: PpoConfig = { env: 'CartPole-v1', seed, numEnvs: 5, numSteps: 23, numMinibatches: 5, updateEpochs: 3, hiddenSizes: [16, 16], totalTimesteps: 5 * 23 * ITERATIONS };
    const fused = await train(device, { ...config, rolloutKernels: 'fused' });
    const layerwise = await train(device, { ...config, rolloutKernels: 'layerwise' });
    let moved = 0;
    for (const [n, parameters] of fused.parameters.entries()) {
      const other = layerwise.parameters[n]!;
      expect(parameters.length).toBe(other.length);
      for (let i = 0; i < parameters.length; i += 1) {
        expect(Math.abs(parameters[i]! - other[i]!), `network ${n} parameter ${i}, seed ${seed}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(other[i]!)));
      }
      moved += parameters.some((x, i) => x !== other[i]) ? 1 : 0;
    }
    for (const [i, stats] of fused.stats.entries()) {
      const other = layerwise.stats[i]!;
      expect(stats.episodesFinished, `iteration ${i}`).toBe(other.episodesFinished);
      expect(stats.recentReturns, `iteration ${i}`).toEqual(other.recentReturns);
      for (const name of ['policy_loss', 'value_loss', 'entropy', 'approx_kl', 'clipfrac'] as const) {
        expect(Math.abs(stats.statistics[name] - other.statistics[name]), `${name}, iteration ${i}, seed ${seed}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(other.statistics[name])));
      }
    }
    console.log(`[ppo fused rollout] seed ${seed}: ${moved === 0 ? 'bit for bit' : `${moved} network(s) within rounding`} after ${ITERATIONS} iterations`);
  });

  it("refuses rolloutKernels 'fused' where the rollout cannot fuse, naming why", async () => {
    const { device } = gpu();
    await expect(createPpoTrainer(device, { env: 'Pendulum-v1', rolloutKernels: 'fused', totalTimesteps: 4096 })).rejects.toThrow(
      /rollout: kernels is 'fused' but env 'Pendulum-v1' has a box action space; the fused rollout samples one categorical action; use 'auto' or 'layerwise'/,
    );
    await expect(createPpoTrainer(device, { rolloutKernels: 'fast' as never })).rejects.toThrow(/rolloutKernels/);
  });
});
