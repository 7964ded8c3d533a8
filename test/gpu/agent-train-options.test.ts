/**
 * Agent.train's run-shaping options on a tiny CartPole run (4 envs × 16 steps): `stopAtReturn` ends
 * the iterator after the iteration in flight once the mean return of the last 100 episodes reaches
 * the target, with and without autosave's drains (a target that is not a finite number is refused
 * by name); `evaluation` evaluates every K iterations, as evaluateAgent does, without changing
 * what is trained.
 */
import { describe, expect, it } from 'vitest';
import { Agent, type AgentIterationStats } from '../../src/agent/agent';
import { evaluateAgent } from '../../src/agent/evaluate';
import type { IterationStats } from '../../src/train/report';
import { useGpu } from '../support/gpu';

const SEED = 9;
const algorithm = { algo: 'ppo', numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 2, hiddenSizes: [8], totalTimesteps: 40 * 64, seed: SEED } as const;

describe('Agent.train options', () => {
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

  it('evaluation: every K iterations, the collected iteration carries evaluateAgent\'s result; training is unchanged', async () => {
    const short = { ...algorithm, totalTimesteps: 4 * 64 };
    const plain = await Agent.create({ env: 'CartPole-v1', algorithm: short, device: gpu().device });
    const evaluated = await Agent.create({ env: 'CartPole-v1', algorithm: short, device: gpu().device });
    try {
      const without: AgentIterationStats[] = [];
      for await (const stats of plain.train()) without.push(stats);
      const withEvaluation: AgentIterationStats[] = [];
      for await (const stats of evaluated.train({ evaluation: { every: 2, episodes: 3, seed: SEED } })) withEvaluation.push(stats);
      expect(withEvaluation.map((s) => s.evaluation !== undefined)).toEqual([false, true, false, true]);
      expect(withEvaluation.map((s) => [s.returnMean100, s.statistics])).toEqual(without.map((s) => [s.returnMean100, s.statistics]));
      // The last evaluation played the final parameters: evaluateAgent now plays the same episodes.
      expect(await evaluateAgent(evaluated, { episodes: 3, seed: SEED })).toEqual(withEvaluation[3]!.evaluation);
      await expect(evaluated.train({ evaluation: { every: 0, episodes: 3 } }).next()).rejects.toThrow('agent: evaluation.every must be a positive integer (got 0)');
    } finally {
      plain.destroy();
      evaluated.destroy();
    }
  });
});
