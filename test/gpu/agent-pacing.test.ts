/**
 * The frame budget: with `frameBudgetMs` an iteration is cut into segments (one per rollout step and
 * per minibatch) submitted across frames, and the training it does is exactly the unpaced
 * training; an AbortSignal ends train() after the iteration in flight. Frames are counted through
 * `nextFrame`, which a game would tie to its render loop (requestAnimationFrame by default).
 */
import { describe, expect, it } from 'vitest';
import { Agent, type AlgorithmConfig, type IterationStats } from '../../src/index';
import { useGpu } from '../support/gpu';

const ALGORITHM: AlgorithmConfig = { algo: 'ppo', numEnvs: 4, numSteps: 16, hiddenSizes: [16], totalTimesteps: 3 * 64, seed: 9 };

describe('Agent.train pacing', () => {
  const gpu = useGpu();

  it('spreads iterations over frames and trains exactly as without a budget', async () => {
    const device = gpu().device;
    const plain = await Agent.create({ env: 'CartPole-v1', algorithm: ALGORITHM, device });
    const plainStats: IterationStats[] = [];
    for await (const stats of plain.train()) plainStats.push(stats);
    const expected = await plain.checkpoint();
    plain.destroy();

    const paced = await Agent.create({ env: 'CartPole-v1', algorithm: ALGORITHM, device });
    let frames = 0;
    const pacedStats: IterationStats[] = [];
    for await (const stats of paced.train({
      frameBudgetMs: 0.001,
      nextFrame: async () => {
        frames += 1;
      },
    })) {
      pacedStats.push(stats);
    }
    const actual = await paced.checkpoint();
    paced.destroy();

    // 16 rollout steps + 4 epochs × 4 minibatches: 33 segments, a frame between each two.
    console.log(`paced: ${pacedStats.map((s) => s.counters.submits).join(', ')} submits per iteration, ${frames} frames; unpaced: ${plainStats.map((s) => s.counters.submits).join(', ')}`);
    expect(plainStats.every((s) => s.counters.submits === 1)).toBe(true);
    expect(pacedStats.every((s) => s.counters.submits === 33)).toBe(true);
    expect(frames).toBe(3 * 32);
    expect(pacedStats.every((s) => s.counters.readbacks === 1 && s.counters.buffersCreated === 0 || s.iteration === 0)).toBe(true);
    actual.networks.forEach((network, i) => expect([...network.parameters]).toEqual([...expected.networks[i]!.parameters]));
  });

  it('stops after the iteration in flight when its signal aborts, or when the consumer breaks', async () => {
    const agent = await Agent.create({ env: 'CartPole-v1', algorithm: { ...ALGORITHM, totalTimesteps: 10 * 64 }, device: gpu().device });
    const controller = new AbortController();
    const seen: number[] = [];
    for await (const stats of agent.train({ signal: controller.signal })) {
      seen.push(stats.iteration);
      if (stats.iteration === 2) controller.abort();
    }
    // Iteration 3 was in flight when iteration 2's statistics arrived: it completes and is reported.
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(agent.iteration).toBe(4);
    // A later train() continues where the aborted one stopped.
    const rest: number[] = [];
    for await (const stats of agent.train({ iterations: 2 })) rest.push(stats.iteration);
    expect(rest).toEqual([4, 5]);
    // Leaving the loop early collects the iteration in flight, so the agent can be saved at once.
    for await (const stats of agent.train()) {
      expect(stats.iteration).toBe(6);
      break;
    }
    expect(agent.iteration).toBe(8);
    expect((await agent.checkpoint()).iteration).toBe(8);
    agent.destroy();
  });
});
