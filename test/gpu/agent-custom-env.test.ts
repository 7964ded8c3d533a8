/**
 * The Agent on a custom WGSL env (a descriptor from customEnv, never registered): it trains on the
 * GPU wrapper like a built-in env, learns to walk back toward the centre (reward −|x|, off the
 * edge ends the episode), and its checkpoint loads again when the descriptor is passed back (and
 * is refused with the registry's error when it is not).
 */
import { describe, expect, it } from 'vitest';
import { Agent, customEnv } from '../../src/index';
import { useGpu } from '../support/gpu';
import { RANDOM_WALK } from '../support/random-walk-env';

const walk = customEnv({ ...RANDOM_WALK, id: 'AgentWalk-v0', maxEpisodeSteps: 20 });

describe('Agent on a custom WGSL env', () => {
  const gpu = useGpu();

  it('trains, acts toward the centre, and round-trips its checkpoint with the descriptor', async () => {
    const device = gpu().device;
    const agent = await Agent.create({
      env: walk,
      device,
      algorithm: { algo: 'ppo', numEnvs: 16, numSteps: 20, hiddenSizes: [16], learningRate: 3e-3, totalTimesteps: 30 * 320, seed: 2 },
    });
    try {
      let last = Number.NaN;
      for await (const stats of agent.train()) last = stats.returnMean100;
      const { actions } = await agent.act([1.2, 0.8, 0.6, -0.6, -0.8, -1.2], { deterministic: true });
      console.log(`walk: return_mean_100 ${last.toFixed(2)}; greedy actions at ±x: ${[...actions].join(' ')}`);
      expect([...actions]).toEqual([0, 0, 0, 2, 2, 2]);

      const bytes = await agent.save();
      await expect(Agent.load(bytes, { device })).rejects.toThrow(/unknown env 'AgentWalk-v0'/);
      const loaded = await Agent.load(bytes, { device, env: walk });
      const again = await loaded.act([1.2, 0.8, 0.6, -0.6, -0.8, -1.2], { deterministic: true });
      loaded.destroy();
      expect([...again.actions]).toEqual([...actions]);
    } finally {
      agent.destroy();
    }
  });
});
