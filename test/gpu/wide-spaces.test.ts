/**
 * The scale of a locomotion policy: observations of 2 048 floats and a box of 64 action dims (the
 * most a box may have, MAX_ACTION_SIZE) through PPO with hidden layers of 256 units, on a
 * JavaScript env (Echo: the observation is 2 048 uniform features, the reward −mean_d (a_d − o_d)²
 * over the first 64). Two iterations train end to end: the statistics are finite, every recorded
 * action row has 64 finite floats and the env receives them clipped to [−1, 1].
 */
import { describe, expect, it } from 'vitest';
import { Agent, type BatchedHostEnv, type IterationStats } from '../../src/index';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed } from '../support/random';

const OBS = 2048;
const D = 64;

/** Echo: match the first 64 of 2 048 features; counts what it received out of the box. */
function echoEnv(seen: { outside: number; steps: number }): BatchedHostEnv {
  const fill = (batch: Parameters<BatchedHostEnv['stepBatch']>[0], i: number) => {
    for (let j = 0; j < OBS; j += 1) batch.observations[i * OBS + j] = 2 * batch.random(i) - 1;
  };
  return {
    name: 'echo',
    observationSize: OBS,
    actionSpace: { kind: 'box', size: D, low: new Array<number>(D).fill(-1), high: new Array<number>(D).fill(1) },
    maxEpisodeSteps: 8,
    resetBatch(batch, instances) {
      for (const i of instances) fill(batch, i);
    },
    stepBatch(batch, from, to) {
      const actions = batch.actions as Float32Array;
      for (let i = from; i < to; i += 1) {
        let loss = 0;
        for (let d = 0; d < D; d += 1) {
          const a = actions[i * D + d]!;
          if (!(a >= -1 && a <= 1)) seen.outside += 1;
          loss += (a - batch.observations[i * OBS + d]!) ** 2;
        }
        batch.rewards[i] = -loss / D;
        batch.terminated[i] = 0;
        seen.steps += 1;
        fill(batch, i);
      }
    },
  };
}

describe('wide observation and action spaces', () => {
  const gpu = useGpu();

  it('PPO trains on 2 048 observations and 64 action dims with hidden layers of 256', async () => {
    const seed = freshSeed();
    const seen = { outside: 0, steps: 0 };
    const agent = await Agent.create({
      env: echoEnv(seen),
      device: gpu().device,
      algorithm: { algo: 'ppo', numEnvs: 8, numSteps: 16, hiddenSizes: [256, 256], numMinibatches: 2, updateEpochs: 2, totalTimesteps: 2 * 128, seed },
    });
    try {
      const history: IterationStats[] = [];
      await gpuStep(gpu(), 'wide ppo', async () => {
        for await (const stats of agent.train()) history.push(stats);
      });
      expect(history.map((s) => s.iteration), `seed ${seed}`).toEqual([0, 1]);
      for (const stats of history) {
        // Every statistic PPO computes (beta, the KL penalty's, is NaN: it does not apply).
        for (const name of ['policy_loss', 'value_loss', 'entropy', 'approx_kl', 'clipfrac', 'explained_variance', 'grad_norm', 'episodic_return'] as const) {
          expect(Number.isFinite(stats.statistics[name]), `seed ${seed}: ${name} = ${stats.statistics[name]}`).toBe(true);
        }
        expect(stats.statistics.nonfinite_terms, `seed ${seed}`).toBe(0);
      }
      expect(seen.steps, `seed ${seed}`).toBe(2 * 128);
      expect(seen.outside, `seed ${seed}: actions the env received outside [−1, 1]`).toBe(0);
      // 16 episodes of 8 steps each iteration, a random policy's return well below 0.
      expect(history.at(-1)!.episodesFinished, `seed ${seed}`).toBe(8 * 4);
      expect(history.at(-1)!.returnMean100, `seed ${seed}`).toBeLessThan(0);
    } finally {
      agent.destroy();
    }
  });
});
