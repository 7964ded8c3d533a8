// A game's JavaScript env in a module of its own, so a worker can import it (worker-agent.ts):
// each step shows a number in [−1, 1); the agent is paid for naming its sign (1: positive).
import type { HostEnv } from '../../src/index';

const shown: number[] = [];

export const sign: HostEnv = {
  name: 'sign',
  observationSize: 1,
  actionSpace: { kind: 'discrete', n: 2 },
  maxEpisodeSteps: 20,
  reset(i, random) {
    shown[i] = 2 * random() - 1;
    return [shown[i]!];
  },
  step(i, action, random) {
    const right = (action === 1) === shown[i]! >= 0;
    shown[i] = 2 * random() - 1;
    return { observation: [shown[i]!], reward: right ? 1 : 0, terminated: false };
  },
};
