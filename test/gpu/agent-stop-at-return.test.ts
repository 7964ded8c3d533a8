/**
 * Agent.train({ stopAtReturn }): the iterator ends after the iteration in flight once the mean
 * return of the last 100 episodes reaches the target, on a tiny CartPole run (4 envs × 16 steps),
 * with and without autosave's drains; a target that is not a finite number is refused by name.
 */
import { describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent';
import type { IterationStats } from '../../src/train/report';
import { useGpu } from '../support/gpu';

const SEED = 9;
const algorithm = { algo: 'ppo', numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 2, hiddenSizes: [8], totalTimesteps: 40 * 64, seed: SEED } as const;

describe('Agent.train stopAtReturn', () => {
  const gpu = useGpu();

  it('stops after the iteration in flight once return_mean_100 reaches the target', async () => {
    console.log(`[agent-stop-at-return] seed ${SEED}`);
    for (const autosave of [undefined, { every: 3 }]) {
      const agent = await Agent.create({ env: 'CartPole-v1', algorithm, device: gpu().device, ...(autosave ? { autosave } : {}) });
      try {
        const seen: IterationStats[] = [];
        for await (const stats of agent.train({ stopAtReturn: 10 })) seen.push(stats);
        const reached = seen.findIndex((s) => s.returnMean100 >= 10);
        expect(reached, `autosave ${JSON.stringify(autosave)}`).toBeGreaterThanOrEqual(0);
        // Without autosave one iteration is in flight when the target is seen; with it, the drain
        // before a checkpoint may have collected it already.
        expect(seen.length - reached - 1).toBe(autosave && (reached + 1) % 3 === 0 ? 0 : 1);
        expect(seen.map((s) => s.iteration)).toEqual(seen.map((_, i) => i));
        expect(agent.globalStep).toBe(seen.length * 64);
        expect(seen.length).toBeLessThan(40);
      } finally {
        agent.destroy();
      }
    }
  });

  it('refuses a target that is not a finite number', async () => {
    const agent = await Agent.create({ env: 'CartPole-v1', algorithm, device: gpu().device });
    try {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(agent.train({ stopAtReturn: bad }).next()).rejects.toThrow(`agent: stopAtReturn must be a finite number, a mean return (got ${bad})`);
      }
    } finally {
      agent.destroy();
    }
  });
});
