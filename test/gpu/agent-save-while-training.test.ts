/**
 * save() (and so exportOnnx()) at any time: while train() runs, the checkpoint is taken at an
 * iteration boundary, so it is consistent and the loop goes on reporting every iteration once.
 * Asked for inside the loop's body (train() waits for its consumer), the iteration in flight is
 * collected then; asked for from elsewhere, at the loop's next boundary. Either checkpoint, loaded
 * into a new agent, continues to exactly the uninterrupted run's statistics.
 */
import { describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent';
import { decodeCheckpoint } from '../../src/train/checkpoint';
import type { IterationStats } from '../../src/train/report';
import { useGpu } from '../support/gpu';

const SEED = 23;
const ITERATIONS = 6;
const algorithm = { algo: 'ppo', numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 2, hiddenSizes: [8], totalTimesteps: ITERATIONS * 64, seed: SEED } as const;

/** What two runs must share: everything but timings. */
const learning = (stats: IterationStats) => ({ iteration: stats.iteration, globalStep: stats.globalStep, returnMean100: stats.returnMean100, statistics: stats.statistics });

describe('Agent.save() while train() runs', () => {
  const gpu = useGpu();

  /** Every statistics record of `agent` trained to its end; the agent is destroyed after. */
  async function trainedToEnd(made: Promise<Agent>): Promise<IterationStats[]> {
    const agent = await made;
    try {
      const seen: IterationStats[] = [];
      for await (const stats of agent.train()) seen.push(stats);
      return seen;
    } finally {
      agent.destroy();
    }
  }

  const uninterrupted = () => trainedToEnd(Agent.create({ env: 'CartPole-v1', algorithm, device: gpu().device }));
  const continued = (bytes: Uint8Array) => trainedToEnd(Agent.load(bytes, { device: gpu().device }));

  it('inside the loop body and from outside it: consistent checkpoints, every iteration reported once', async () => {
    console.log(`[agent-save-while-training] seed ${SEED}`);
    const reference = await uninterrupted();
    expect(reference.map((s) => s.iteration)).toEqual([0, 1, 2, 3, 4, 5]);

    const agent = await Agent.create({ env: 'CartPole-v1', algorithm, device: gpu().device });
    try {
      const seen: IterationStats[] = [];
      let inside: Uint8Array | null = null;
      let outside: Promise<Uint8Array> | null = null;
      for await (const stats of agent.train()) {
        seen.push(stats);
        // Iteration 1's statistics arrive while iteration 2 is in flight: the checkpoint is after it.
        if (stats.iteration === 1) inside = await agent.save();
        // From a timer, while the loop waits on the GPU: the loop takes it at its next boundary.
        if (stats.iteration === 3) setTimeout(() => (outside = agent.save()), 0);
      }
      expect(seen.map(learning)).toEqual(reference.map(learning));
      expect(inside).not.toBeNull();
      expect(outside).not.toBeNull();
      const early = await decodeCheckpoint(inside!);
      const late = await decodeCheckpoint(await outside!);
      expect(early.iteration).toBe(3);
      expect(late.iteration).toBeGreaterThanOrEqual(5);
      expect(late.iteration).toBeLessThanOrEqual(ITERATIONS);

      const fromEarly = await continued(inside!);
      expect(fromEarly.map(learning)).toEqual(reference.slice(early.iteration).map(learning));
      const fromLate = await continued(await outside!);
      expect(fromLate.map(learning)).toEqual(reference.slice(late.iteration).map(learning));
    } finally {
      agent.destroy();
    }
  });
});
