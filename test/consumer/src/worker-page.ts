// The game training in dedicated workers, as its developers would write it: createAgent({ worker:
// true }) with the package's own worker on a built-in env, and with the game's worker script
// (src/agent-worker.ts, which serves the game's JavaScript env by name), each bundled by Vite
// through `new Worker(new URL(…, import.meta.url))`.
import { createAgent, type IterationStats, type WorkerAgentOptions } from 'webgpu-rl';

const result = document.getElementById('result')!;

interface WorkerRun {
  iterations: number;
  lastStep: number;
  actions: number[];
  cpuActions: number[];
}

async function trainInWorker(env: string, observationSize: number, createWorker?: WorkerAgentOptions['createWorker']): Promise<WorkerRun> {
  const agent = await createAgent({
    env,
    algorithm: { algo: 'ppo', numEnvs: 8, numSteps: 16, hiddenSizes: [16], learningRate: 3e-3, totalTimesteps: 1_024 },
    worker: true,
    ...(createWorker ? { createWorker } : {}),
  });
  const seen: IterationStats[] = [];
  for await (const stats of agent.train({ iterations: 2 })) seen.push(stats);
  const observations = Float32Array.from({ length: 3 * observationSize }, (_, i) => ((i % 5) - 2) / 10);
  const { actions } = await agent.act(observations, { deterministic: true });
  const cpu = await agent.policy();
  const cpuActions = Array.from(cpu.act(observations, { deterministic: true }).actions);
  agent.destroy();
  return { iterations: seen.length, lastStep: seen.at(-1)?.globalStep ?? -1, actions: Array.from(actions), cpuActions };
}

async function main(): Promise<{ builtin: WorkerRun; game: WorkerRun }> {
  const builtin = await trainInWorker('CartPole-v1', 4);
  const game = await trainInWorker('seek', 1, () => new Worker(new URL('./agent-worker.ts', import.meta.url), { type: 'module' }));
  return { builtin, game };
}

main().then(
  (report) => (result.textContent = JSON.stringify(report)),
  (error: unknown) => (result.textContent = `error: ${error instanceof Error ? error.message : String(error)}`),
);
