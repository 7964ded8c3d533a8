/**
 * The worker agent's protocol, end to end in one process: the worker's side (serveAgent) on one
 * end of a MessageChannel, WorkerAgent on the other, each with a device of its own, against an
 * Agent trained on the main thread with the same seed. Statistics are identical iteration for
 * iteration; act(), the CPU policy, behaviour cloning and checkpoints agree; a following CPU
 * policy is refreshed after each iteration; a JavaScript env object steps on the page with the
 * statistics of the same env trained on the main thread; a save while training is consistent
 * (a main-thread Agent loaded from it continues to the uninterrupted run's statistics); autosaves
 * reach the page's sink; bad input is refused by name. The real dedicated worker runs in the
 * browser tier (test/browser/worker-agent.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { Agent, type AgentIterationStats } from '../../src/agent/agent';
import type { IterationStats } from '../../src/train/report';
import { serveAgent } from '../../src/worker/agent-host';
import { WorkerAgent, WorkerUnavailableError, type WorkerAgentOptions } from '../../src/worker/worker-agent';
import { useGpu } from '../support/gpu';
import { SNAKE_MASK_SIZE, SNAKE_OBS_SIZE, SnakeBatch, SnakeHost } from '../support/snake-host';

const SEED = 31;
const ITERATIONS = 5;
const algorithm = { algo: 'ppo', numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 2, hiddenSizes: [8], totalTimesteps: ITERATIONS * 64, seed: SEED } as const;
const learning = (stats: IterationStats) => ({ iteration: stats.iteration, globalStep: stats.globalStep, returnMean100: stats.returnMean100, statistics: stats.statistics });

/** A "worker" served in this process over a MessageChannel. */
function channelWorker(): WorkerAgentOptions['createWorker'] {
  return () => {
    const { port1, port2 } = new MessageChannel();
    serveAgent(port1);
    port1.start();
    port2.start();
    return Object.assign(port2, { terminate: () => (port1.close(), port2.close()) });
  };
}

async function collect(stream: AsyncIterable<AgentIterationStats>): Promise<AgentIterationStats[]> {
  const seen: AgentIterationStats[] = [];
  for await (const stats of stream) seen.push(stats);
  return seen;
}

describe('WorkerAgent over a MessageChannel', () => {
  const gpu = useGpu();

  it('trains to the main-thread Agent\'s statistics for a seed; act(), policy() and save() agree', async () => {
    console.log(`[worker-agent] seed ${SEED}`);
    const main = await Agent.create({ env: 'CartPole-v1', algorithm, device: gpu().device });
    const worker = await WorkerAgent.create({ env: 'CartPole-v1', algorithm, createWorker: channelWorker() });
    try {
      expect(worker.env.id).toBe('CartPole-v1');
      expect(worker.algo).toBe('ppo');
      expect(worker.envView).toEqual({ descriptor: worker.env, stateSize: 4, numEnvs: 4 });
      const reference = await collect(main.train());
      const streamed = await collect(worker.train());
      expect(streamed.map(learning)).toEqual(reference.map(learning));
      expect([worker.iteration, worker.globalStep, worker.numIterations]).toEqual([main.iteration, main.globalStep, main.numIterations]);

      const observations = Float32Array.from({ length: 7 * 4 }, (_, i) => Math.sin(i * 1.7) * 0.2);
      for (const deterministic of [true, false]) {
        const a = await main.act(observations, { deterministic, logProbs: true, values: true });
        const b = await worker.act(observations, { deterministic, logProbs: true, values: true });
        expect(Array.from(b.actions)).toEqual(Array.from(a.actions));
        expect(Array.from(b.logProbs!)).toEqual(Array.from(a.logProbs!));
        expect(Array.from(b.values!)).toEqual(Array.from(a.values!));
      }
      const cpuMain = await main.policy();
      const cpuWorker = await worker.policy();
      expect(Array.from(cpuWorker.act(observations, { deterministic: true, policyOutputs: true }).policyOutputs!)).toEqual(
        Array.from(cpuMain.act(observations, { deterministic: true, policyOutputs: true }).policyOutputs!),
      );
      expect(await worker.save()).toEqual(await main.save());
      expect((await worker.exportOnnx()).byteLength).toBe((await main.exportOnnx()).byteLength);
      const states = await worker.readEnvStates(3);
      expect(states.length).toBe(3 * 4);
      expect(states.every(Number.isFinite)).toBe(true);
    } finally {
      main.destroy();
      worker.destroy();
    }
  });

  it('a save while the worker trains is consistent; autosaves reach the page\'s sink; an abort stops after the iteration in flight', async () => {
    const reference = await (async () => {
      const agent = await Agent.create({ env: 'CartPole-v1', algorithm, device: gpu().device });
      try {
        return await collect(agent.train());
      } finally {
        agent.destroy();
      }
    })();
    const sunk: number[] = [];
    const events: number[] = [];
    const worker = await WorkerAgent.create({
      env: 'CartPole-v1',
      algorithm,
      autosave: {
        every: 2,
        sink: async (bytes, info) => {
          expect(bytes.byteLength).toBeGreaterThan(0);
          sunk.push(info.iteration);
        },
      },
      createWorker: channelWorker(),
    });
    worker.addEventListener('autosave', (event) => events.push((event as CustomEvent<{ iteration: number }>).detail.iteration));
    let saved: Uint8Array | null = null;
    try {
      const controller = new AbortController();
      const seen: AgentIterationStats[] = [];
      for await (const stats of worker.train({ signal: controller.signal })) {
        seen.push(stats);
        if (stats.iteration === 1) saved = await worker.save();
        if (stats.iteration === 2) controller.abort();
      }
      expect(seen.map(learning)).toEqual(reference.slice(0, seen.length).map(learning));
      expect(seen.length).toBeGreaterThanOrEqual(3);
      expect(seen.length).toBeLessThan(ITERATIONS);
      expect(sunk).toEqual([2, 4].filter((i) => i <= worker.iteration).concat(worker.iteration % 2 === 0 ? [] : [worker.iteration]));
      expect(events).toEqual(sunk);
    } finally {
      worker.destroy();
    }
    const resumed = await Agent.load(saved!, { device: gpu().device });
    try {
      const start = resumed.iteration;
      expect(await collect(resumed.train()).then((s) => s.map(learning))).toEqual(reference.slice(start).map(learning));
    } finally {
      resumed.destroy();
    }
  });

  it('clones demonstrations in the worker as on the page; a following CPU policy is refreshed after each iteration, on either thread', async () => {
    const main = await Agent.create({ env: 'CartPole-v1', algorithm, device: gpu().device });
    const worker = await WorkerAgent.create({ env: 'CartPole-v1', algorithm, createWorker: channelWorker() });
    try {
      const demonstrations = main.recordDemonstrations();
      for (let i = 0; i < 40; i += 1) demonstrations.record([Math.sin(i), Math.cos(i), Math.sin(2 * i) * 0.1, Math.cos(3 * i) * 0.1], i % 3 === 0 ? 1 : 0);
      demonstrations.endEpisode();
      const epochs: number[] = [];
      const onPage = await main.cloneBehaviour(demonstrations, { epochs: 5, minibatchSize: 16 });
      const inWorker = await worker.cloneBehaviour(demonstrations, { epochs: 5, minibatchSize: 16, onEpoch: (epoch) => epochs.push(epoch) });
      expect(inWorker).toEqual(onPage);
      expect(epochs).toEqual([0, 1, 2, 3, 4]);
      expect(worker.recordDemonstrations().actionSpace).toEqual(demonstrations.actionSpace);

      const observations = Float32Array.from({ length: 9 * 4 }, (_, i) => Math.sin(i * 0.7) * 0.3);
      const outputs = (policy: Awaited<ReturnType<Agent['policy']>>) => Array.from(policy.act(observations, { deterministic: true, policyOutputs: true }).policyOutputs!);
      for (const agent of [main, worker]) {
        const followed = await agent.policy({ follow: true });
        const fixed = await agent.policy();
        const before = outputs(fixed);
        for await (const _stats of agent.train({ iterations: 2 })) {
          // The statistics arrive once the following copy holds the parameters a fresh copy reads now.
          expect(outputs(followed)).toEqual(outputs(await agent.policy()));
        }
        expect(outputs(fixed)).toEqual(before);
        expect(outputs(followed)).not.toEqual(before);
      }
    } finally {
      main.destroy();
      worker.destroy();
    }
  });

  it('resume() rebuilds the worker\'s agent on a new device from a checkpoint and continues as the run did', async () => {
    const worker = await WorkerAgent.create({ env: 'CartPole-v1', algorithm, createWorker: channelWorker() });
    try {
      const first = await collect(worker.train({ iterations: 2 }));
      const bytes = await worker.save();
      const rest = await collect(worker.train());
      await worker.resume(bytes);
      expect(worker.iteration).toBe(2);
      expect((await collect(worker.train())).map(learning)).toEqual(rest.map(learning));
      expect(first.length + rest.length).toBe(ITERATIONS);
    } finally {
      worker.destroy();
    }
  });

  it('a JavaScript env object steps on the page, per-instance or batched, with masks and metrics: the main thread\'s statistics', async () => {
    const snake = { algo: 'ppo', numEnvs: 6, numSteps: 16, numMinibatches: 2, updateEpochs: 2, hiddenSizes: [16], totalTimesteps: 3 * 96, seed: SEED } as const;
    for (const make of [() => new SnakeHost(6, {}, 40), () => new SnakeBatch(6, {}, 40)]) {
      const main = await Agent.create({ env: make(), algorithm: snake, device: gpu().device });
      const worker = await WorkerAgent.create({ env: make(), algorithm: snake, createWorker: channelWorker() });
      try {
        const reference = await collect(main.train());
        const streamed = await collect(worker.train());
        const withMetrics = (stats: AgentIterationStats) => ({ ...learning(stats), episodeMetrics: stats.episodeMetrics });
        expect(streamed.map(withMetrics)).toEqual(reference.map(withMetrics));
        expect(reference.at(-1)!.episodeMetrics).toBeDefined();
        const observations = Float32Array.from({ length: 3 * SNAKE_OBS_SIZE }, (_, i) => (i % 7) / 7);
        const actionMask = Uint32Array.from({ length: 3 * SNAKE_MASK_SIZE }, (_, i) => (i % 3 === 0 ? 0 : 1));
        const a = await main.act(observations, { deterministic: true, actionMask });
        const b = await worker.act(observations, { deterministic: true, actionMask });
        expect(Array.from(b.actions)).toEqual(Array.from(a.actions));
      } finally {
        main.destroy();
        worker.destroy();
      }
    }
  });

  it('an env on the page that throws ends the worker\'s train() with its message', async () => {
    let steps = 0;
    const faulty = {
      name: 'faulty',
      observationSize: 1,
      actionSpace: { kind: 'discrete', n: 2 },
      maxEpisodeSteps: 10,
      reset: () => [0],
      step: () => {
        if (++steps === 20) throw new Error('the game broke at step 20');
        return { observation: [0], reward: 0, terminated: false };
      },
    } as const;
    const worker = await WorkerAgent.create({ env: faulty, algorithm, createWorker: channelWorker() });
    try {
      await expect(collect(worker.train())).rejects.toThrow(/the game broke at step 20/);
    } finally {
      worker.destroy();
    }
  });

  it('refuses what cannot cross or does not exist, by name', async () => {
    await expect(WorkerAgent.create({ env: 'NoSuchEnv-v0', createWorker: channelWorker() })).rejects.toThrow(/NoSuchEnv-v0/);
    await expect(WorkerAgent.create({ env: 'CartPole-v1', algorithm: { ...algorithm, learningRate: -1 }, createWorker: channelWorker() })).rejects.toThrow(/learningRate/);
    // Node has no Web Workers: the default worker says so.
    await expect(WorkerAgent.create({ env: 'CartPole-v1' })).rejects.toThrow(WorkerUnavailableError);
  });
});
