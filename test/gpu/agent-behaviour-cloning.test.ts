/**
 * Demonstrations → behaviour cloning → a PPO warm start, through the Agent API. The teacher is a
 * trained CartPole policy: test/fixtures/cartpole-ppo-seed1.wgrl, written by
 * `node dist/cli.js train --env CartPole-v1 --seed 1 --steps 300000 --out <dir>` (its summary is
 * beside it). Its 20 greedy episodes are recorded with agent.recordDemonstrations(); a fresh PPO
 * agent (seed 1) clones them on the GPU and must play ≥ 400 greedily; then PPO continues from the
 * clone and must reach mean(100) ≥ 475 before PPO from scratch with the same seed does (the
 * scratch run is trained for as many steps as the warm start needed, and must not be there yet;
 * from scratch, seed 1 needs ~250 000 steps: docs/LEARNING.md), and stay there.
 *
 * Multi-discrete: a scripted Cursor-v0 controller (test/support/cursor-env.ts: move toward the goal,
 * fire on it) recorded from the GPU env through recordDemonstrations(), cloned into a fresh PPO
 * agent, whose greedy act() must then take the controller's actions in both branches on ≥ 90 % of
 * the 49 (cursor, goal) states.
 *
 * Hybrid: a scripted Aim-v0 controller (test/support/aim-env.ts: aim at the target, take the weapon
 * of its colour, always charge) recorded from the GPU env, stored through toJSON/fromJSON, cloned
 * into a fresh PPO agent, whose greedy act() on fresh observations must then take the colour's
 * weapon (with and without the mask's help) and the charge on ≥ 95 % of them, with a mean
 * |aim − x| below 0.1.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Agent, Demonstrations, evaluateAgent } from '../../src/index';
import { createVectorEnv, readBufferOnce, type VectorEnv } from '../../src/engine';
import type { Gpu } from '../../src/gpu/index';
import { customEnv } from '../../src/envs/index';
import { AIM, aimMask } from '../support/aim-env';
import { CURSOR, cursorMask } from '../support/cursor-env';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { reset, step } from '../support/vector-env';

const TEACHER = new URL('../fixtures/cartpole-ppo-seed1.wgrl', import.meta.url);
const EPISODES = 20;

/** Plays EPISODES greedy episodes of the teacher at once, recording each env's first episode. */
async function recordTeacher(device: GPUDevice, teacher: Agent, demonstrations: Demonstrations): Promise<number[]> {
  const env = await createVectorEnv(device, 'CartPole-v1', { numEnvs: EPISODES, seed: 77 });
  const size = env.observationSize;
  const pairs: { observations: number[][]; actions: number[] }[] = Array.from({ length: EPISODES }, () => ({ observations: [], actions: [] }));
  const returns = new Array<number>(EPISODES).fill(Number.NaN);
  try {
    const encoder = device.createCommandEncoder();
    env.encodeReset(encoder);
    device.queue.submit([encoder.finish()]);
    for (let step = 0; returns.some(Number.isNaN); step += 1) {
      const observations = new Float32Array(await readBufferOnce(device, env.buffers.observations));
      const { actions } = await teacher.act(observations, { deterministic: true });
      for (let n = 0; n < EPISODES; n += 1) {
        if (!Number.isNaN(returns[n]!)) continue;
        pairs[n]!.observations.push(Array.from(observations.subarray(n * size, (n + 1) * size)));
        pairs[n]!.actions.push(actions[n]!);
      }
      env.writeActions(actions);
      const stepEncoder = device.createCommandEncoder();
      env.encodeStep(stepEncoder);
      device.queue.submit([stepEncoder.finish()]);
      const lengths = new Uint32Array(await readBufferOnce(device, env.buffers.episodeLengths));
      const ended = new Float32Array(await readBufferOnce(device, env.buffers.episodeReturns));
      lengths.forEach((length, n) => {
        if (length > 0 && Number.isNaN(returns[n]!)) returns[n] = ended[n]!;
      });
    }
  } finally {
    env.destroy();
  }
  pairs.forEach(({ observations, actions }, n) => {
    observations.forEach((observation, t) => demonstrations.record(observation, actions[t]!));
    demonstrations.endEpisode(returns[n]);
  });
  return returns;
}

/** Trains until mean(100) ≥ 475 or `maxIterations`; the global step where it got there, or null. */
async function stepsTo475(agent: Agent, maxIterations: number): Promise<number | null> {
  const controller = new AbortController();
  let reached: number | null = null;
  for await (const stats of agent.train({ iterations: maxIterations, signal: controller.signal })) {
    if (reached === null && stats.returnMean100 >= 475) {
      reached = stats.globalStep;
      controller.abort();
    }
  }
  return reached;
}

describe('behaviour cloning through the Agent', () => {
  const gpu = useGpu();

  it('clones 20 teacher episodes to ≥ 400, and the clone warm-starts PPO to 475 before PPO from scratch', async () => {
    const device = gpu().device;
    const teacher = await Agent.load(new Uint8Array(await readFile(TEACHER)), { device, maxActBatch: EPISODES });
    const student = await Agent.create({ env: 'CartPole-v1', algorithm: { algo: 'ppo', seed: 1 }, device });
    const scratch = await Agent.create({ env: 'CartPole-v1', algorithm: { algo: 'ppo', seed: 1 }, device });
    try {
      const demonstrations = student.recordDemonstrations();
      const teacherReturns = await recordTeacher(device, teacher, demonstrations);
      console.log(`teacher: ${EPISODES} greedy episodes, returns ${teacherReturns.join(' ')}; ${demonstrations.size} pairs`);
      expect(demonstrations.episodes.length).toBe(EPISODES);

      const before = await evaluateAgent(student, { episodes: 10 });
      const losses = await student.cloneBehaviour(demonstrations, { epochs: 5, minibatchSize: 64, learningRate: 3e-3 });
      const cloned = await evaluateAgent(student, { episodes: 10 });
      console.log(
        `clone: NLL ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)} over ${losses.length} epochs; greedy return ${before.mean.toFixed(1)} before, ` +
          `${cloned.mean.toFixed(1)} ± ${cloned.std.toFixed(1)} after`,
      );
      expect(losses.at(-1)!).toBeLessThan(losses[0]!);
      expect(cloned.mean).toBeGreaterThanOrEqual(400);

      const warm = await stepsTo475(student, 40);
      expect(warm).not.toBeNull();
      // And PPO keeps it there rather than unlearning the clone.
      let kept = Number.NaN;
      for await (const stats of student.train({ iterations: 20 })) kept = stats.returnMean100;
      console.log(`warm-started PPO: mean(100) ${kept.toFixed(1)} at step ${student.globalStep}`);
      expect(kept).toBeGreaterThanOrEqual(475);
      const iterations = warm! / 512;
      const fromScratch = await stepsTo475(scratch, iterations);
      console.log(`PPO seed 1 to mean(100) ≥ 475: warm-started at step ${warm}; from scratch not within those ${warm} steps (${fromScratch === null ? 'not reached' : fromScratch})`);
      expect(fromScratch).toBeNull();
    } finally {
      teacher.destroy();
      student.destroy();
      scratch.destroy();
    }
  });
});

/** Cursor-v0's scripted player: from observation [cursor / 6, (goal − cursor) / 6], step toward the goal, fire on it. */
function cursorController(observation: ArrayLike<number>): [number, number] {
  const offset = Math.round(observation[1]! * 6);
  return [offset < 0 ? 0 : offset > 0 ? 2 : 1, offset === 0 ? 1 : 0];
}

/** Of the 49 (cursor, goal) states, those where greedy act() (under the env's masks) takes the controller's move and fire. */
async function agreement(agent: Agent): Promise<number> {
  const states = Array.from({ length: 49 }, (_, i) => [Math.floor(i / 7), i % 7]);
  const observations = Float32Array.from(states.flatMap(([c, g]) => [c! / 6, (g! - c!) / 6]));
  const actionMask = Uint32Array.from(states.flatMap(([c]) => cursorMask([c!, 0, 0])));
  const { actions } = await agent.act(observations, { actionMask, deterministic: true });
  return states.filter((_, r) => {
    const expected = cursorController(observations.subarray(r * 2, r * 2 + 2));
    return actions[r * 2] === expected[0] && actions[r * 2 + 1] === expected[1];
  }).length;
}

describe('behaviour cloning through the Agent on a multi-discrete env', () => {
  const gpu = useGpu();

  it('clones a scripted Cursor-v0 controller: greedy act() takes its move and fire on ≥ 90 % of the states', async () => {
    const seed = freshSeed();
    const device = gpu().device;
    const started = performance.now();
    const descriptor = customEnv(CURSOR);
    const agent = await Agent.create({ env: descriptor, algorithm: { algo: 'ppo', seed, numEnvs: 8, numSteps: 16, hiddenSizes: [32] }, device });
    const N = 16;
    const env = await createVectorEnv(device, descriptor, { numEnvs: N, seed });
    try {
      // Record: one 20-step episode in each of N envs, then each env's pairs as one episode.
      const demonstrations = agent.recordDemonstrations();
      expect(demonstrations.actionSpace).toEqual({ kind: 'multiDiscrete', nvec: [3, 2] });
      const pairs = Array.from({ length: N }, () => ({ observations: [] as number[][], actions: [] as number[][], total: 0 }));
      await reset(gpu(), env);
      for (let t = 0; t < 20; t += 1) {
        const { observations } = await env.read();
        const actions = new Uint32Array(N * 2);
        for (let n = 0; n < N; n += 1) {
          const observation = Array.from(observations.subarray(n * 2, n * 2 + 2));
          const action = cursorController(observation);
          actions.set(action, n * 2);
          pairs[n]!.observations.push(observation);
          pairs[n]!.actions.push(action);
        }
        env.writeActions(actions);
        await step(gpu(), env);
        const { rewards } = await env.read();
        pairs.forEach((p, n) => (p.total += rewards[n]!));
      }
      for (const { observations, actions, total } of pairs) {
        observations.forEach((o, t) => demonstrations.record(o, actions[t]!));
        demonstrations.endEpisode(total);
      }
      const recorded = performance.now();
      const meanReturn = pairs.reduce((sum, p) => sum + p.total, 0) / N;
      // Demonstrations of another space are refused before any GPU work, naming both sizes.
      const discrete = new Demonstrations({ observationSize: 2, actionSpace: { kind: 'discrete', n: 6 } });
      discrete.record([0, 0], 1);
      await expect(agent.cloneBehaviour(discrete)).rejects.toThrow(/demonstrations.actionSize must be 2, this env's words per action \(got 1\)/);

      const before = await agreement(agent);
      const losses = await gpuStep(gpu(), 'clone', () => agent.cloneBehaviour(demonstrations, { epochs: 40, minibatchSize: 32, learningRate: 1e-2 }));
      const cloned = performance.now();
      const agreed = await agreement(agent);
      const seconds = (to: number, from: number) => ((to - from) / 1000).toFixed(1);
      console.log(
        `[bc cursor] ${demonstrations.size} pairs (controller mean return ${meanReturn.toFixed(2)}); NLL ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)} ` +
          `over ${losses.length} epochs; greedy agrees on ${before}/49 states before, ${agreed}/49 after; record ${seconds(recorded, started)} s, clone ${seconds(cloned, recorded)} s (seed ${seed})`,
      );
      expect(losses.at(-1)!, `seed ${seed}: the NLL falls`).toBeLessThan(losses[0]! / 2);
      expect(agreed / 49, `seed ${seed}: fraction of states where act() takes the controller's actions`).toBeGreaterThanOrEqual(0.9);
    } finally {
      env.destroy();
      agent.destroy();
    }
  }, 120_000);
});

/** Aim-v0's scripted player: from observation [x, one-hot colour], aim at x, take the colour's weapon, charge. */
function aimController(observation: ArrayLike<number>): { continuous: number[]; discrete: number[] } {
  const colour = [1, 2, 3].reduce((best, i) => (observation[i]! > observation[best]! ? i : best), 1) - 1;
  return { continuous: [observation[0]!], discrete: [colour, 1] };
}

/**
 * Greedy act() on `count` fresh targets, under the env's masks and over every action (`actionMask:
 * null`: the mask leaves two weapons, so only the unmasked choice shows the colour → weapon map was
 * learnt): how often it takes the colour's weapon each way, how often it charges, its mean |aim − x|.
 */
async function aimAgreement(agent: Agent, random: () => number, count: number) {
  const colours = Array.from({ length: count }, () => Math.min(Math.floor(3 * random()), 2));
  const xs = colours.map(() => 2 * random() - 1);
  const observations = Float32Array.from(colours.flatMap((c, r) => [xs[r]!, c === 0 ? 1 : 0, c === 1 ? 1 : 0, c === 2 ? 1 : 0]));
  const actionMask = Uint32Array.from(colours.flatMap((c) => aimMask(c)));
  const masked = await agent.act(observations, { actionMask, deterministic: true });
  const unmasked = await agent.act(observations, { actionMask: null, deterministic: true });
  const share = (test: (c: number, r: number) => boolean) => colours.filter(test).length / count;
  return {
    weapon: share((c, r) => masked.discreteActions![2 * r] === c),
    weaponUnmasked: share((c, r) => unmasked.discreteActions![2 * r] === c),
    charge: share((_, r) => masked.discreteActions![2 * r + 1] === 1),
    aimError: xs.reduce((sum, x, r) => sum + Math.abs(masked.actions[r]! - Math.fround(x)), 0) / count,
  };
}

/** Records one 20-step episode (Aim-v0's length) of aimController in each env, each env's pairs as one episode; returns each episode's return. */
async function recordAim(gpu: Gpu, env: VectorEnv, demonstrations: Demonstrations): Promise<number[]> {
  const N = env.numEnvs;
  const pairs = Array.from({ length: N }, () => ({ observations: [] as number[][], actions: [] as ReturnType<typeof aimController>[], total: 0 }));
  await reset(gpu, env);
  for (let t = 0; t < 20; t += 1) {
    const { observations } = await env.read();
    const continuous = new Float32Array(N);
    const discrete = new Uint32Array(N * 2);
    for (let n = 0; n < N; n += 1) {
      const observation = Array.from(observations.subarray(n * 4, n * 4 + 4));
      const action = aimController(observation);
      continuous[n] = action.continuous[0]!;
      discrete.set(action.discrete, n * 2);
      pairs[n]!.observations.push(observation);
      pairs[n]!.actions.push(action);
    }
    env.writeActions({ continuous, discrete });
    await step(gpu, env);
    const { rewards } = await env.read();
    pairs.forEach((p, n) => (p.total += rewards[n]!));
  }
  for (const { observations, actions, total } of pairs) {
    observations.forEach((o, t) => demonstrations.record(o, actions[t]!));
    demonstrations.endEpisode(total);
  }
  return pairs.map((p) => p.total);
}

describe('behaviour cloning through the Agent on a hybrid env', () => {
  const gpu = useGpu();

  it('clones a scripted Aim-v0 controller: greedy act() takes its weapon and charge on ≥ 95 % of fresh targets and aims close', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const device = gpu().device;
    const started = performance.now();
    const descriptor = customEnv(AIM);
    const agent = await Agent.create({ env: descriptor, algorithm: { algo: 'ppo', seed, numEnvs: 8, numSteps: 16, hiddenSizes: [32] }, device });
    const N = 16;
    const env = await createVectorEnv(device, descriptor, { numEnvs: N, seed });
    try {
      const demonstrations = agent.recordDemonstrations();
      expect(demonstrations.actionSpace).toEqual({ kind: 'hybrid', continuous: { kind: 'box', size: 1 }, nvec: [3, 2] });
      const returns = await recordAim(gpu(), env, demonstrations);
      const meanReturn = returns.reduce((sum, r) => sum + r, 0) / N;
      // The controller earns (1 + 1)·(1 − 0) = 2 a step: 40 an episode, up to f32 rounding of |a − x|.
      expect(meanReturn, `seed ${seed}: the controller's return`).toBeGreaterThan(39.99);
      // The stored form carries the rows exactly: clone from the restored recording.
      const stored = Demonstrations.fromJSON(JSON.stringify(demonstrations));
      expect(stored.toDataset().actions).toEqual(demonstrations.toDataset().actions);
      const recorded = performance.now();

      // Demonstrations of another space with as many words per action are refused, naming both spaces.
      const multi = new Demonstrations({ observationSize: 4, actionSpace: { kind: 'multiDiscrete', nvec: [3, 2, 2] } });
      multi.record([0, 1, 0, 0], [0, 1, 1]);
      await expect(agent.cloneBehaviour(multi)).rejects.toThrow(
        /demonstrations.actionSpace must be hybrid \(1 continuous dims, nvec \[3, 2\]\), this env's \(got multiDiscrete\)/,
      );
      const split = new Demonstrations({ observationSize: 4, actionSpace: { kind: 'hybrid', continuous: { kind: 'box', size: 2 }, nvec: [3] } });
      split.record([0, 1, 0, 0], { continuous: [0, 0], discrete: [0] });
      await expect(agent.cloneBehaviour(split)).rejects.toThrow(/this env's \(got hybrid \(2 continuous dims, nvec \[3\]\)\)/);

      const before = await aimAgreement(agent, random, 1024);
      const losses = await gpuStep(gpu(), 'clone', () => agent.cloneBehaviour(stored, { epochs: 40, minibatchSize: 32, learningRate: 1e-2 }));
      const cloned = performance.now();
      const after = await aimAgreement(agent, random, 1024);
      const seconds = (to: number, from: number) => ((to - from) / 1000).toFixed(1);
      const percent = (v: number) => `${(100 * v).toFixed(1)} %`;
      const show = (a: typeof after) =>
        `weapon ${percent(a.weapon)} (unmasked ${percent(a.weaponUnmasked)}), charge ${percent(a.charge)}, mean |aim − x| ${a.aimError.toFixed(4)}`;
      console.log(
        `[bc aim] ${demonstrations.size} pairs (controller mean return ${meanReturn.toFixed(2)}); NLL ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)} over ${losses.length} epochs; ` +
          `greedy on 1 024 fresh targets before: ${show(before)}; after: ${show(after)}; record ${seconds(recorded, started)} s, clone ${seconds(cloned, recorded)} s (seed ${seed})`,
      );
      expect(losses.at(-1)!, `seed ${seed}: the NLL falls`).toBeLessThan(losses[0]!);
      expect(after.weapon, `seed ${seed}: fraction of targets where act() takes the colour's weapon`).toBeGreaterThanOrEqual(0.95);
      expect(after.weaponUnmasked, `seed ${seed}: the same without the mask's help`).toBeGreaterThanOrEqual(0.95);
      expect(after.charge, `seed ${seed}: fraction of targets where act() charges`).toBeGreaterThanOrEqual(0.95);
      // Untrained it is about 0.5; cloned, 0.005 to 0.032 over 9 seeds (a third of this bound).
      expect(after.aimError, `seed ${seed}: mean |aim − x| of greedy act()`).toBeLessThan(0.1);
    } finally {
      env.destroy();
      agent.destroy();
    }
  }, 120_000);
});
