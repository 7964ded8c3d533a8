/**
 * PPO with one trunk for the actor and the critic (`sharedTrunk: true`; the update itself is checked
 * against float64 in test/gpu/ppo-update.test.ts) through the Agent on Pendulum-v1 (a Gaussian head
 * beside the value head): the network has a 'policy' and a 'value' head and no separate critic;
 * act() returns values from the shared network; a checkpoint saved after two iterations loads into an
 * agent that acts exactly as the first and trains its third iteration to the same statistics.
 */
import { describe, expect, it } from 'vitest';
import { Agent, type IterationStats } from '../../src/index';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

describe('PPO with a shared actor-critic trunk', () => {
  const gpu = useGpu();

  it('trains, acts with values, and resumes from a checkpoint bit for bit', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const algorithm = { algo: 'ppo', seed, numEnvs: 4, numSteps: 32, hiddenSizes: [16, 16], sharedTrunk: true, totalTimesteps: 3 * 128 } as const;
    const agent = await Agent.create({ env: 'Pendulum-v1', device: gpu().device, algorithm });
    let restored: Agent | undefined;
    try {
      await gpuStep(gpu(), 'shared trunk', async () => {
        const first: IterationStats[] = [];
        for await (const stats of agent.train({ iterations: 2 })) first.push(stats);
        expect(first.map((s) => s.iteration), `seed ${seed}`).toEqual([0, 1]);
        for (const s of first) expect(Number.isFinite(s.statistics.value_loss) && Number.isFinite(s.statistics.policy_loss), `seed ${seed}`).toBe(true);
        const observations = Float32Array.from({ length: 5 * 3 }, () => 2 * random() - 1);
        const acted = await agent.act(observations, { deterministic: true, values: true });
        expect(acted.values!.length).toBe(5);
        for (const v of acted.values!) expect(Number.isFinite(v), `seed ${seed}: value ${v}`).toBe(true);

        // The export takes the shared network's policy head (its value head is not a policy output).
        expect((await agent.exportOnnx()).byteLength, `seed ${seed}`).toBeGreaterThan(1000);
        const bytes = await agent.save();
        restored = await Agent.load(bytes, { device: gpu().device });
        const again = await restored.act(observations, { deterministic: true, values: true });
        expect(Array.from(again.actions), `seed ${seed}`).toEqual(Array.from(acted.actions));
        expect(Array.from(again.values!), `seed ${seed}`).toEqual(Array.from(acted.values!));
        const next = async (a: Agent) => {
          const out: IterationStats[] = [];
          for await (const stats of a.train()) out.push(stats);
          return out.map(({ counters: _, ...rest }) => rest);
        };
        const [continued, resumed] = [await next(agent), await next(restored)];
        expect(continued.map((s) => s.iteration)).toEqual([2]);
        expect(resumed, `seed ${seed}`).toEqual(continued);
      });
    } finally {
      restored?.destroy();
      agent.destroy();
    }
  });
});
