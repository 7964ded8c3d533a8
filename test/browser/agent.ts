// Runs in Chromium: the Agent as a web game uses it, from the package root. Train CartPole for a
// few iterations paced by requestAnimationFrame, autosave into IndexedDB, load the saved agent
// back from IndexedDB, and compare its greedy actions with the original's; export ONNX. The result
// lands in window.__agent for the Puppeteer test to read.
import { Agent, openIndexedDbStore, storeSink } from '../../src/index';

declare global {
  interface Window {
    __agent?: {
      iterations?: number[];
      submits?: number[];
      saved?: { name: string; bytes: number }[];
      sameActions?: boolean;
      resumedIteration?: number;
      onnxBytes?: number;
      error?: string;
    };
  }
}

async function main(): Promise<void> {
  const out = document.getElementById('result')!;
  try {
    const store = await openIndexedDbStore({ databaseName: `webgpu-rl-test-${Date.now()}` });
    const agent = await Agent.create({
      env: 'CartPole-v1',
      algorithm: { algo: 'ppo', numEnvs: 4, numSteps: 16, hiddenSizes: [16], totalTimesteps: 4 * 64, seed: 3 },
      autosave: { every: 2, sink: storeSink(store, 'cartpole') },
    });
    const iterations: number[] = [];
    const submits: number[] = [];
    for await (const stats of agent.train({ frameBudgetMs: 2 })) {
      iterations.push(stats.iteration);
      submits.push(stats.counters.submits);
    }
    const bytes = await store.load('cartpole');
    if (!bytes) throw new Error('IndexedDB holds no autosave');
    const loaded = await Agent.load(bytes);
    const observations = Float32Array.from({ length: 4 * 64 }, (_, i) => Math.sin(i * 1.7) * 0.2);
    const a = await agent.act(observations, { deterministic: true });
    const b = await loaded.act(observations, { deterministic: true });
    const onnx = await loaded.exportOnnx();
    window.__agent = {
      iterations,
      submits,
      saved: (await store.list()).map(({ name, bytes }) => ({ name, bytes })),
      sameActions: a.actions.every((x, i) => x === b.actions[i]),
      resumedIteration: loaded.iteration,
      onnxBytes: onnx.byteLength,
    };
    agent.destroy();
    loaded.destroy();
    store.close();
  } catch (error) {
    window.__agent = { error: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) };
  }
  out.textContent = JSON.stringify(window.__agent, null, 2);
}

void main();
