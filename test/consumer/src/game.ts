// A game's own code, as its developers would write it against the published package: a cursor on
// a line seeks a target, sees the signed distance, and moves left or right.
import { Agent, openIndexedDbStore, storeSink, type HostEnv, type IterationStats } from 'webgpu-rl';

const cursor: number[] = [];
const target: number[] = [];

export const seek: HostEnv = {
  name: 'seek',
  observationSize: 1,
  actionSpace: { kind: 'discrete', n: 2 },
  maxEpisodeSteps: 30,
  reset(i, random) {
    cursor[i] = Math.floor(random() * 21) - 10;
    do target[i] = Math.floor(random() * 21) - 10;
    while (target[i] === cursor[i]);
    return [(target[i]! - cursor[i]!) / 10];
  },
  step(i, action) {
    cursor[i] = Math.max(-10, Math.min(10, cursor[i]! + (action === 1 ? 1 : -1)));
    const arrived = cursor[i] === target[i];
    return { observation: [(target[i]! - cursor[i]!) / 10], reward: arrived ? 1 : -0.05, terminated: arrived };
  },
};

/** What the page reports: the consumer test reads it from the DOM. */
export interface GameReport {
  iterations: number;
  lastStep: number;
  actions: number[];
  savedBytes: number;
  loadedIteration: number;
  reloadedActions: number[];
}

export async function trainSaveAndLoad(): Promise<GameReport> {
  const store = await openIndexedDbStore({ databaseName: 'consumer-game' });
  const agent = await Agent.create({
    env: seek,
    algorithm: { algo: 'ppo', numEnvs: 8, numSteps: 16, hiddenSizes: [16], learningRate: 3e-3, totalTimesteps: 1_024 },
    autosave: { every: 1, sink: storeSink(store, 'seek') },
  });
  const seen: IterationStats[] = [];
  for await (const stats of agent.train({ iterations: 2 })) seen.push(stats);
  const observations = new Float32Array([-0.5, 0.5, 0.1]);
  const { actions } = await agent.act(observations, { deterministic: true });
  agent.destroy();

  const bytes = await store.load('seek');
  if (!bytes) throw new Error('no checkpoint was autosaved');
  const reloaded = await Agent.load(bytes, { env: seek });
  const again = await reloaded.act(observations, { deterministic: true });
  const report: GameReport = {
    iterations: seen.length,
    lastStep: seen.at(-1)?.globalStep ?? -1,
    actions: Array.from(actions),
    savedBytes: bytes.byteLength,
    loadedIteration: reloaded.iteration,
    reloadedActions: Array.from(again.actions),
  };
  reloaded.destroy();
  return report;
}
