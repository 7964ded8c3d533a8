/**
 * Agent.extend(totalTimesteps): train() goes on past the old end, and the continuation is the run
 * configured with the new budget from the start, continued from the extension point (its annealed
 * rate follows 1 − i/N over the new N): an agent made with the new budget and restored from the
 * extension point's checkpoint gives the same statistics. A worker's agent extends alike; a budget
 * that is not above the run's is refused by name.
 */
import { describe, expect, it } from 'vitest';
import { Agent, type AgentIterationStats } from '../../src/agent/agent';
import type { IterationStats } from '../../src/train/report';
import { serveAgent } from '../../src/worker/agent-host';
import { WorkerAgent } from '../../src/worker/worker-agent';
import { useGpu } from '../support/gpu';

const SEED = 41;
const algorithm = { algo: 'ppo', numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 2, hiddenSizes: [8], totalTimesteps: 3 * 64, seed: SEED } as const;
const learning = (stats: IterationStats) => ({ iteration: stats.iteration, globalStep: stats.globalStep, returnMean100: stats.returnMean100, statistics: stats.statistics });

async function collect(stream: AsyncIterable<AgentIterationStats>): Promise<ReturnType<typeof learning>[]> {
  const seen: ReturnType<typeof learning>[] = [];
  for await (const stats of stream) seen.push(learning(stats));
  return seen;
}

describe('Agent.extend', () => {
  const gpu = useGpu();

  it('continues past the old end as the run configured with the new budget, on the page and in a worker', async () => {
    console.log(`[agent-extend] seed ${SEED}`);
    const agent = await Agent.create({ env: 'CartPole-v1', algorithm, device: gpu().device });
    const reference = await Agent.create({ env: 'CartPole-v1', algorithm: { ...algorithm, totalTimesteps: 5 * 64 }, device: gpu().device });
    const { port1, port2 } = new MessageChannel();
    serveAgent(port1);
    port1.start();
    port2.start();
    const worker = await WorkerAgent.create({ env: 'CartPole-v1', algorithm, createWorker: () => port2 });
    try {
      expect((await collect(agent.train())).map((s) => s.iteration)).toEqual([0, 1, 2]);
      await collect(worker.train());
      const atEnd = await agent.save();
      expect(await collect(agent.train())).toEqual([]);

      await expect(agent.extend(3 * 64)).rejects.toThrow('agent: extend(totalTimesteps) takes an integer above the run\'s totalTimesteps = 192 (got 192)');
      await agent.extend(5 * 64);
      await worker.extend(5 * 64);
      expect([agent.numIterations, worker.numIterations, agent.iteration]).toEqual([5, 5, 3]);
      await reference.restore(atEnd);
      const expected = await collect(reference.train());
      expect(expected.map((s) => s.iteration)).toEqual([3, 4]);
      expect(await collect(agent.train())).toEqual(expected);
      expect(await collect(worker.train())).toEqual(expected);
    } finally {
      agent.destroy();
      reference.destroy();
      worker.destroy();
      port1.close();
    }
  });
});
