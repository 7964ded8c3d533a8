/**
 * PPO on Hopper-v5 (MuJoCo, webgpu-rl/mujoco) through Agent.create, as a game trains its own
 * JavaScript env: a few iterations, every loss, statistic and episode metric finite, episodes ended
 * (a random Hopper falls within tens of steps) with their metrics reported; pipelined in halves
 * without normalisers, stepped whole with CleanRL's continuous-control normalisers (the rollout
 * pipelines only un-normalised runs); the engine hands the run's MjData back (releaseBatch)
 * when the agent is destroyed; `webgpu-rl train --env Hopper-v5` trains it with its defaults; and
 * `webgpu-rl train --env Humanoid-v5 --preset locomotion` runs one iteration of the preset as it is
 * (64 envs × 32 steps, [256, 256], 4 epochs × 32 minibatches) on the 348-float observation.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTraining, trainConfigFromOptions } from '../../src/cli/train';
import { formatAdapter } from '../../src/gpu/index';
import { Agent, type HostEnvBatch, type IterationStats, type PpoConfig } from '../../src/index';
import { hopperV5, type MujocoLocomotionEnv } from '../../src/mujoco';
import { PRESETS } from '../../src/algos/presets';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed } from '../support/random';

const STATISTICS = ['policy_loss', 'value_loss', 'entropy', 'approx_kl', 'clipfrac', 'explained_variance', 'grad_norm'] as const;

describe('PPO on MuJoCo locomotion envs', () => {
  const gpu = useGpu();

  /** Trains 3 iterations of 8 envs × 64 steps; returns the stats, and checks the run's MjData lives exactly as long as the agent. */
  async function train(seed: number, config: PpoConfig): Promise<IterationStats[]> {
    const hopper = await hopperV5();
    // Watch the batch the engine hands over, to check that destroy() releases its run.
    let batch: HostEnvBatch | undefined;
    const resetBatch = hopper.resetBatch.bind(hopper);
    hopper.resetBatch = (b, instances) => {
      batch ??= b;
      resetBatch(b, instances);
    };
    try {
      const started = performance.now();
      const history = await gpuStep(gpu(), 'hopper ppo', async () => {
        const algorithm = { algo: 'ppo', numEnvs: 8, numSteps: 64, hiddenSizes: [32, 32], totalTimesteps: 3 * 512, updateEpochs: 2, seed, ...config } as const;
        const agent = await Agent.create({ env: hopper, device: gpu().device, algorithm });
        const stats: IterationStats[] = [];
        try {
          for await (const s of agent.train()) stats.push(s);
          expect(hopper.instanceData(batch!, 7), 'the run is alive while the agent is').toBeDefined();
        } finally {
          agent.destroy();
        }
        return stats;
      });
      const last = history.at(-1)!;
      console.log(`[hopper ppo] ${JSON.stringify(config)}: ${history.length} iterations in ${((performance.now() - started) / 1000).toFixed(1)} s; last: ${JSON.stringify(last.episodeMetrics)}`);
      expect(hopper.instanceData(batch!, 0), 'destroy() released the run').toBeUndefined();
      return history;
    } finally {
      hopper.close();
    }
  }

  /** Every statistic of every iteration, the return and the episode metrics finite; episodes ended and reported. */
  function expectSound(history: IterationStats[], seed: number): void {
    expect(history.map((s) => s.iteration), `seed ${seed}`).toEqual([0, 1, 2]);
    for (const s of history) {
      for (const name of STATISTICS) expect(Number.isFinite(s.statistics[name]), `seed ${seed}: iteration ${s.iteration} ${name} = ${s.statistics[name]}`).toBe(true);
    }
    const last = history.at(-1)!;
    expect(last.episodesFinished, `seed ${seed}`).toBeGreaterThan(8);
    expect(Number.isFinite(last.returnMean100), `seed ${seed}`).toBe(true);
    expect(Object.keys(last.episodeMetrics)).toEqual(['x_position', 'x_velocity', 'reward_forward', 'reward_ctrl', 'reward_survive', 'unstable']);
    for (const [name, value] of Object.entries(last.episodeMetrics)) expect(Number.isFinite(value), `seed ${seed}: ${name} = ${value}`).toBe(true);
    // A random Hopper survives a few dozen steps, earning about 1 a step for it.
    expect(last.episodeMetrics.reward_survive!, `seed ${seed}`).toBeGreaterThan(5);
    expect(last.episodeMetrics.unstable, `seed ${seed}`).toBe(0);
  }

  it('trains pipelined in halves (no normalisers): everything finite, the run released after', async () => {
    const seed = freshSeed();
    // Hopper-v5's PPO defaults normalise (CleanRL's): switched off here, since the rollout pipelines only without.
    const history = await train(seed, { normObs: false, normReward: false });
    // Two submits a step (the halves), as the env declares stepsRanges.
    expect(history.map((s) => s.counters.submits), `seed ${seed}`).toEqual([0, 1, 2].map(() => 2 * 64 + 2));
    expectSound(history, seed);
  });

  it("trains with CleanRL's observation and reward normalisers (stepped whole): everything finite", async () => {
    const seed = freshSeed();
    const history = await train(seed, { normObs: true, normReward: true, entCoef: 0, learningRate: 3e-4 });
    expect(history.map((s) => s.counters.submits), `seed ${seed}`).toEqual([0, 1, 2].map(() => 64 + 1));
    expectSound(history, seed);
  });

  it('runs `webgpu-rl train --env Hopper-v5` (one iteration of its PPO defaults): summary and metrics name the env and its metrics', async () => {
    const seed = freshSeed();
    const out = await mkdtemp(join(tmpdir(), 'wgrl-hopper-'));
    const config = await trainConfigFromOptions({ env: 'Hopper-v5', steps: 2048, seed, out });
    try {
      const summary = await gpuStep(gpu(), 'hopper cli', () => runTraining(gpu().device, formatAdapter(gpu().adapter), config, out));
      expect([summary.env, summary.steps, summary.iterations, summary.threshold], `seed ${seed}`).toEqual(['Hopper-v5', 2048, 1, null]);
      const record = JSON.parse((await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim()) as { episode_metrics: Record<string, number>; policy_loss: number };
      expect(Object.keys(record.episode_metrics), `seed ${seed}`).toEqual(['x_position', 'x_velocity', 'reward_forward', 'reward_ctrl', 'reward_survive', 'unstable']);
      expect(Number.isFinite(record.policy_loss), `seed ${seed}`).toBe(true);
      expect(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')).config.numEnvs).toBe(16);
    } finally {
      (config.env as MujocoLocomotionEnv).close();
      await rm(out, { recursive: true, force: true });
    }
  });

  it('runs `webgpu-rl train --env Humanoid-v5 --preset locomotion` (one iteration of the preset as it is)', async () => {
    const seed = freshSeed();
    const out = await mkdtemp(join(tmpdir(), 'wgrl-humanoid-'));
    const config = await trainConfigFromOptions({ env: 'Humanoid-v5', preset: 'locomotion', steps: 2048, seed, out });
    try {
      const started = performance.now();
      const summary = await gpuStep(gpu(), 'humanoid cli', () => runTraining(gpu().device, formatAdapter(gpu().adapter), config, out));
      console.log(`[humanoid preset] one iteration of 2 048 steps in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      expect([summary.env, summary.steps, summary.iterations], `seed ${seed}`).toEqual(['Humanoid-v5', 2048, 1]);
      const record = JSON.parse((await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim()) as Record<string, number> & { episode_metrics: Record<string, number> };
      for (const name of ['policy_loss', 'value_loss', 'entropy', 'approx_kl']) expect(Number.isFinite(record[name]), `seed ${seed}: ${name} = ${record[name]}`).toBe(true);
      expect(Object.keys(record.episode_metrics), `seed ${seed}`).toEqual(['x_position', 'x_velocity', 'reward_forward', 'reward_ctrl', 'reward_contact', 'reward_survive', 'unstable']);
      // A random humanoid falls within a few dozen steps: episodes end, each paid 5 a step while up.
      expect(record.episode_metrics.reward_survive!, `seed ${seed}`).toBeGreaterThan(25);
      const resolved = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')).config as Record<string, unknown>;
      const { algo: _algo, totalTimesteps: _budget, ...preset } = PRESETS.locomotion;
      // Resolved schedules are lists of values (a constant is a list of one).
      const expected = { ...preset, hiddenSizes: [256, 256], learningRate: [preset.learningRate], entCoef: [preset.entCoef], totalTimesteps: 2048 };
      expect(resolved, `seed ${seed}: the preset's fields, the step budget from --steps`).toMatchObject(expected);
    } finally {
      (config.env as MujocoLocomotionEnv).close();
      await rm(out, { recursive: true, force: true });
    }
  });
});
