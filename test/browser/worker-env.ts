// A game's JavaScript env in a module of its own, so a worker can import it (worker-agent.ts):
// a cursor on a line seeks a target, sees the signed distance, and moves left or right.
import type { HostEnv } from '../../src/index';

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
