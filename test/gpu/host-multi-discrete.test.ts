/**
 * Multi-discrete actions in JavaScript (host) envs, on the Cursor-v0 port (test/support/cursor-host.ts:
 * move × fire, nvec [3, 2], the move branch masked at the line's ends): the batched port replays
 * the WGSL Cursor-v0 (test/support/cursor-env.ts) from the same seed, step for step, and the
 * per-instance port (step() gets a Uint32Array view of the instance's K actions) gives the batched
 * port's run exactly; a branch action ≥ its size, a branch masked entirely and actions of the
 * wrong type or length are refused naming the env, the instance, the branch and the call; PPO
 * (Agent.create + train) runs on the batched port pipelined in halves and whole, with identical
 * IterationStats.
 */
import { describe, expect, it } from 'vitest';
import { Agent, type BatchedHostEnv, type HostEnv, type IterationStats } from '../../src/index';
import { createHostVectorEnv, type HostVectorEnv } from '../../src/envs/host-env';
import { createVectorEnv, customEnv } from '../../src/envs/index';
import { CURSOR } from '../support/cursor-env';
import { cursorHost, cursorHostPerInstance, randomCursorActions } from '../support/cursor-host';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { reset, step } from '../support/vector-env';

const K = 2;
const MASK = 5;
const EXACT = ['rewards', 'terminated', 'truncated', 'masks', 'episodeLengths', 'stepCounts', 'episodeIndices'] as const;
const ALL = [...EXACT, 'observations', 'finalObservations', 'episodeReturns'] as const;

describe('multi-discrete host envs', () => {
  const gpu = useGpu();

  it('the JavaScript Cursor-v0 replays the WGSL one from the same seed, per instance and batched alike (24 envs × 70 steps)', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const numEnvs = 24;
    const wgsl = await createVectorEnv(device, customEnv(CURSOR), { numEnvs, seed });
    const batched = await createHostVectorEnv(device, cursorHost(), { numEnvs, seed });
    const perInstance = await createHostVectorEnv(device, cursorHostPerInstance(), { numEnvs, seed });
    const seen = { hits: 0, misses: 0, ends: 0, masked: 0 };
    try {
      await gpuStep(gpu(), 'cursor replay', async () => {
        await reset(gpu(), wgsl);
        batched.reset();
        perInstance.reset();
        for (let t = 0; t < 70; t += 1) {
          // Legal moves, and now and then any move: a masked one leaves the cursor where it is.
          const actions = randomCursorActions(batched.latest.masks!, random, 10);
          for (const env of [wgsl, batched, perInstance]) env.writeActions(actions);
          await step(gpu(), wgsl);
          await batched.step();
          await perInstance.step();
          const g = await wgsl.read();
          const h = batched.latest;
          const context = `seed ${seed}, step ${t}`;
          for (const field of EXACT) expect([...h[field]!], `${context}: ${field} (JavaScript vs WGSL)`).toEqual([...g[field]!]);
          for (const field of ['observations', 'finalObservations', 'episodeReturns'] as const) {
            h[field].forEach((v, i) => expect(Math.abs(v - g[field][i]!), `${context}: ${field}[${i}] JavaScript ${v} vs WGSL ${g[field][i]}`).toBeLessThanOrEqual(1e-6));
          }
          for (const field of ALL) expect([...perInstance.latest[field]!], `${context}: ${field} (per-instance vs batched)`).toEqual([...h[field]!]);
          seen.hits += h.rewards.filter((r) => r === 1).length;
          seen.misses += h.rewards.filter((r) => r < 0).length;
          seen.ends += h.terminated.reduce((sum, f) => sum + f, 0);
          seen.masked += h.masks!.filter((m) => m === 0).length;
        }
      });
      // The run must have drawn fresh goals after hits, paid for misses, ended episodes and masked moves.
      for (const [what, count] of Object.entries(seen)) expect(count, `seed ${seed}: ${what}`).toBeGreaterThan(0);
    } finally {
      wgsl.destroy();
      batched.destroy();
      perInstance.destroy();
    }
  });

  it('refuses a branch action ≥ its size, a branch masked entirely and actions of the wrong type or length', async () => {
    const { device } = gpu();
    const masked: { branch: number; instance: number } = { branch: -1, instance: -1 };
    const game = cursorHost({ name: 'cursor-bad' });
    const glitchy: BatchedHostEnv = {
      ...game,
      stepBatch(batch, from, to) {
        game.stepBatch(batch, from, to);
        if (masked.branch >= 0) batch.masks.fill(0, MASK * masked.instance + 3 * masked.branch, MASK * masked.instance + (masked.branch === 0 ? 3 : 5));
      },
    };
    const envs = await createHostVectorEnv(device, glitchy, { numEnvs: 4, seed: 2 });
    const stay = () => Uint32Array.of(1, 0, 1, 0, 1, 0, 1, 0);
    try {
      envs.reset();
      const bad = stay();
      bad[2 * K + 1] = 2;
      envs.writeActions(bad);
      await expect(envs.step()).rejects.toThrow("host env 'cursor-bad': action of env 2, branch 1, is 2, outside the branch's 2 actions (valid: 0 … 1)");
      envs.reset();
      expect(() => envs.writeActions(new Uint32Array(4))).toThrow("host env 'cursor-bad': writeActions needs a Uint32Array of 8 actions (got a Uint32Array of 4)");
      expect(() => envs.writeActions(new Float32Array(8))).toThrow("host env 'cursor-bad': writeActions needs a Uint32Array of 8 actions (got a Float32Array of 8)");
      for (const branch of [0, 1]) {
        Object.assign(masked, { branch, instance: 3 });
        envs.writeActions(stay());
        await expect(envs.step()).rejects.toThrow(
          new RegExp(
            `^host env 'cursor-bad': instance 3 wrote masks\\[3\\] = \\[.*\\] in stepBatch: branch ${branch} \\(words ${branch * 3} … ${branch === 0 ? 2 : 4} of nvec \\[3, 2\\]\\) allows no action`,
          ),
        );
        masked.branch = -1;
        envs.reset();
      }
    } finally {
      envs.destroy();
    }
    // The per-instance form: its actionMask is checked branch by branch too, at the first reset.
    const perInstance = cursorHostPerInstance('cursor-bad');
    const zeroFire: HostEnv = { ...perInstance, actionMask: (env, mask) => (perInstance.actionMask!(env, mask), mask.fill(0, 3)) };
    const envs2 = await createHostVectorEnv(device, zeroFire, { numEnvs: 2, seed: 2 });
    try {
      expect(() => envs2.reset()).toThrow(/^host env 'cursor-bad': instance 0 wrote masks\[0\] = \[[01], 1, [01], 0, 0\] in resetBatch: branch 1 /);
    } finally {
      envs2.destroy();
    }
    await expect(createHostVectorEnv(device, { ...cursorHost(), actionSpace: { kind: 'multiDiscrete', nvec: [3, 0] } }, { numEnvs: 1, seed: 1 })).rejects.toThrow(
      "host env 'cursor-js': actionSpace.nvec[1] must be a positive integer (got 0)",
    );
  });

  it('PPO trains on the batched port pipelined in halves and whole with identical IterationStats', async () => {
    const seed = freshSeed();
    const run = async (stepsRanges: boolean) => {
      const agent = await Agent.create({
        env: cursorHost({ stepsRanges }),
        device: gpu().device,
        algorithm: { algo: 'ppo', numEnvs: 8, numSteps: 16, hiddenSizes: [8], totalTimesteps: 3 * 128, seed },
      });
      try {
        const history: IterationStats[] = [];
        for await (const stats of agent.train()) history.push(stats);
        return history;
      } finally {
        agent.destroy();
      }
    };
    const [pipelined, whole] = await gpuStep(gpu(), 'cursor ppo', async () => [await run(true), await run(false)]);
    expect(pipelined.map((s) => s.iteration)).toEqual([0, 1, 2]);
    // Two submits a step in halves, one whole: the pipelined run did step in halves.
    expect(pipelined.map((s) => s.counters.submits)).toEqual([0, 1, 2].map(() => 2 * 16 + 2));
    expect(whole.map((s) => s.counters.submits)).toEqual([0, 1, 2].map(() => 16 + 1));
    const withoutCounters = (history: IterationStats[]) => history.map(({ counters: _, ...rest }) => rest);
    expect(withoutCounters(pipelined), `seed ${seed}`).toEqual(withoutCounters(whole));
    const last = pipelined.at(-1)!;
    // 48 steps of 8 envs, episodes of 20 steps: two finished per env.
    expect(last.episodesFinished, `seed ${seed}`).toBe(8 * 2);
    for (const value of [last.statistics.entropy, last.statistics.value_loss, last.returnMean100]) expect(Number.isFinite(value), `seed ${seed}: ${value}`).toBe(true);
  });
});
