// Runs in Chromium: the same seeds trained on the page's thread (Agent) and in a dedicated worker
// (createAgent({ worker: true })), for a WGSL env and for a game's JavaScript env that the worker
// imports from its module; greedy actions, the CPU policy and the env states read from the worker.
// The result lands in window.__workerAgent for the Puppeteer test.
import { createAgent, type AgentIterationStats, type TrainingAgent } from '../../src/index';
import { sign } from './worker-env';

interface Run {
  main: unknown[];
  worker: unknown[];
  envOnPage?: unknown[];
}

declare global {
  interface Window {
    __workerAgent?: {
      cartPole?: Run;
      sign?: Run;
      sameActions?: boolean;
      sameCpuActions?: boolean;
      states?: number;
      workerStatesFinite?: boolean;
      error?: string;
    };
  }
}

const learning = (stats: AgentIterationStats) => [stats.iteration, stats.globalStep, stats.returnMean100, stats.statistics];

async function stats(agent: TrainingAgent): Promise<unknown[]> {
  const seen: unknown[] = [];
  for await (const s of agent.train()) seen.push(learning(s));
  // NaN is not JSON: compare as strings.
  return seen.map((s) => JSON.stringify(s, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}

async function main(): Promise<void> {
  const out = document.getElementById('result')!;
  try {
    const algorithm = { algo: 'ppo', numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 2, hiddenSizes: [8], totalTimesteps: 3 * 64, seed: 5 } as const;
    const onPage = await createAgent({ env: 'CartPole-v1', algorithm });
    const inWorker = await createAgent({ env: 'CartPole-v1', algorithm, worker: true });
    const cartPole = { main: await stats(onPage), worker: await stats(inWorker) };
    const observations = Float32Array.from({ length: 5 * 4 }, (_, i) => Math.cos(i) * 0.1);
    const a = await onPage.act(observations, { deterministic: true });
    const b = await inWorker.act(observations, { deterministic: true });
    const cpu = await inWorker.policy();
    const c = cpu.act(observations, { deterministic: true });
    const states = await inWorker.readEnvStates(4);
    onPage.destroy();
    inWorker.destroy();

    const signAlgorithm = { ...algorithm, seed: 8 };
    // One agent at a time on the page's env object: the game keeps its instances' state in it.
    const trained = async (agent: TrainingAgent) => {
      try {
        return await stats(agent);
      } finally {
        agent.destroy();
      }
    };
    const signRun = {
      main: await trained(await createAgent({ env: sign, algorithm: signAlgorithm })),
      worker: await trained(await createAgent({ env: { module: new URL('./worker-env.ts', import.meta.url), export: 'sign' }, algorithm: signAlgorithm, worker: true })),
      // The same env object on the page, its agent in a worker: the worker sends each step's actions.
      envOnPage: await trained(await createAgent({ env: sign, algorithm: signAlgorithm, worker: true })),
    };

    window.__workerAgent = {
      cartPole,
      sign: signRun,
      sameActions: Array.from(a.actions).join() === Array.from(b.actions).join(),
      sameCpuActions: Array.from(c.actions).join() === Array.from(a.actions).join(),
      states: states.length,
      workerStatesFinite: states.every(Number.isFinite),
    };
  } catch (error) {
    window.__workerAgent = { error: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error) };
  }
  out.textContent = JSON.stringify(window.__workerAgent);
}

void main();
