/**
 * Demonstrations → behaviour cloning → a PPO warm start, through the Agent API. The teacher is a
 * trained CartPole policy: test/fixtures/cartpole-ppo-seed1.wgrl, written by
 * `node dist/cli.js train --env CartPole-v1 --seed 1 --steps 300000 --out <dir>` (its summary is
 * beside it). Its 20 greedy episodes are recorded with agent.recordDemonstrations(); a fresh PPO
 * agent (seed 1) clones them on the GPU and must play ≥ 400 greedily; then PPO continues from the
 * clone and must reach mean(100) ≥ 475 before PPO from scratch with the same seed does (the
 * scratch run is trained for as many steps as the warm start needed, and must not be there yet;
 * from scratch, seed 1 needs ~250 000 steps: docs/LEARNING.md), and stay there.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Agent, evaluateAgent, type Demonstrations } from '../../src/index';
import { createVectorEnv, readBufferOnce } from '../../src/engine';
import { useGpu } from '../support/gpu';

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
