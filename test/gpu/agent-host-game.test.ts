/**
 * The game developer's path, through the package root only: a game written in JavaScript here (not
 * built in), an Agent that trains on it with train() and plays it with act(). The game: a cursor
 * on a line of 21 cells seeks a target; it sees the signed distance, moves left or right, is paid
 * 1 on reaching the target and −0.05 a step until then (30 steps at most). A random walk rarely
 * arrives in time; the optimal policy walks straight there, so its greedy action is the sign of
 * the distance, which act() is checked on afterwards for every distance it can see.
 */
import { describe, expect, it } from 'vitest';
import { Agent, type HostEnv, type IterationStats } from '../../src/index';
import { useGpu } from '../support/gpu';

const HALF = 10;

function seekGame(): HostEnv {
  const cursor: number[] = [];
  const target: number[] = [];
  const observe = (env: number) => [(target[env]! - cursor[env]!) / HALF];
  return {
    name: 'seek',
    observationSize: 1,
    actionSpace: { kind: 'discrete', n: 2 },
    maxEpisodeSteps: 30,
    reset(env, random) {
      cursor[env] = Math.floor(random() * (2 * HALF + 1)) - HALF;
      do target[env] = Math.floor(random() * (2 * HALF + 1)) - HALF;
      while (target[env] === cursor[env]);
      return observe(env);
    },
    step(env, action) {
      cursor[env] = Math.max(-HALF, Math.min(HALF, cursor[env]! + (action === 1 ? 1 : -1)));
      const arrived = cursor[env] === target[env];
      return { observation: observe(env), reward: arrived ? 1 : -0.05, terminated: arrived };
    },
  };
}

/** The game played by uniform random actions, on the CPU: what "learned" is measured against. */
function randomPolicyReturn(episodes: number): number {
  const game = seekGame();
  let state = 12345;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  let total = 0;
  for (let e = 0; e < episodes; e += 1) {
    game.reset(0, random);
    for (let t = 0; t < game.maxEpisodeSteps; t += 1) {
      const { reward, terminated } = game.step(0, random() < 0.5 ? 0 : 1, random);
      total += reward;
      if (terminated) break;
    }
  }
  return total / episodes;
}

describe('Agent on a JavaScript game', () => {
  const gpu = useGpu();

  it('learns it with train() and plays it with act(), through the public API', async () => {
    const agent = await Agent.create({
      env: seekGame(),
      device: gpu().device,
      algorithm: { algo: 'ppo', numEnvs: 16, numSteps: 32, hiddenSizes: [16], learningRate: 3e-3, totalTimesteps: 40 * 512, seed: 5 },
    });
    try {
      const history: IterationStats[] = [];
      for await (const stats of agent.train()) history.push(stats);
      expect(history.map((s) => s.iteration)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      const late = history.at(-1)!;
      const random = randomPolicyReturn(2000);
      console.log(`seek: return_mean_100 ${late.returnMean100.toFixed(3)} at step ${late.globalStep}; a random policy's mean return ${random.toFixed(3)}; optimal ≈ 0.68`);
      // Optimal play from a uniform start averages about 0.68 (mean distance 7.3 cells).
      expect(late.returnMean100).toBeGreaterThan(0.55);
      expect(late.returnMean100).toBeGreaterThan(random + 0.5);

      // Every distance the game can show, greedily: the action is the distance's sign.
      const distances = Array.from({ length: 2 * 2 * HALF + 1 }, (_, i) => i - 2 * HALF).filter((d) => d !== 0);
      const { actions, logProbs, values } = await agent.act(
        distances.map((d) => d / HALF),
        { deterministic: true, logProbs: true, values: true },
      );
      const right = distances.map((d) => (d > 0 ? 1 : 0));
      const correct = right.filter((a, i) => actions[i] === a).length;
      expect(correct / distances.length).toBeGreaterThanOrEqual(0.95);
      expect(logProbs!.every((l) => l <= 0 && Number.isFinite(l))).toBe(true);
      expect(values!.every(Number.isFinite)).toBe(true);
      // A mask that allows only "left" is obeyed even where the policy wants "right".
      const masked = await agent.act([0.5, 0.9], { actionMask: Uint8Array.of(1, 0, 1, 0) });
      expect([...masked.actions]).toEqual([0, 0]);
      // A row that allows nothing rejects the call, naming the row; the agent acts on afterwards.
      await expect(agent.act([0.5, 0.9, -0.3], { actionMask: Uint8Array.of(1, 0, 0, 0, 0, 1) })).rejects.toThrow(/actionMask row 1 masks every action/);
      expect([...(await agent.act([0.5, -0.3], { actionMask: Uint8Array.of(1, 0, 0, 1) })).actions]).toEqual([0, 1]);
    } finally {
      agent.destroy();
    }
    await expect(agent.act([0.1])).rejects.toThrow('agent: act() after destroy()');
    await expect(() => agent.train().next()).rejects.toThrow('agent: train() after destroy()');
  });
});
