/**
 * Action masks and per-episode metrics of a WGSL env, from the env to the trainer: the wrapper
 * writes each env's mask of its current state and its metrics where an episode ended (checked
 * against the CPU's reading of the states); the rollout samples only legal actions, untrained and
 * after PPO has trained, over more than 10 000 env-steps each, and act() too; PPO trains under the
 * masks (no illegal action ever ends an episode, and the `score` metric's mean over the last 100
 * episodes equals the return ring's mean, since score is the episode's return); a row whose mask
 * allows nothing stops training with an error naming the env instance and the step.
 * The env is test/support/gate-env.ts.
 */
import { describe, expect, it } from 'vitest';
import { Agent } from '../../src/index';
import { createTrainer } from '../../src/algos/index';
import { createVectorEnv, customEnv, type VectorEnv } from '../../src/envs/index';
import { createBufferWithData } from '../../src/gpu/buffers';
import { readBufferOnce } from '../../src/gpu/index';
import { initialParameters } from '../../src/nn/init';
import { actorSpec, criticSpec, mlpLayout, type MlpLayout } from '../../src/nn/mlp-spec';
import { createRollout } from '../../src/rollout/index';
import { GATE, GATE_ACTIONS, gateMask } from '../support/gate-env';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { reset, row, step } from '../support/vector-env';

const STATE = 4;
type Gpu = ReturnType<ReturnType<typeof useGpu>>;

/** Actions of a T × N rollout that its recorded masks forbid (and a check that the masks are the states'). */
async function illegalActions(gpu: Gpu, env: VectorEnv, actor: MlpLayout, actorParameters: GPUBuffer, seed: number, iterations: number): Promise<number> {
  const { device } = gpu;
  const T = 64;
  const N = env.numEnvs;
  const critic = mlpLayout(criticSpec(2, [8]));
  const rollout = await createRollout(device, { env, steps: T, actor, critic, seed });
  const criticBuffer = createBufferWithData(device, 'test.critic', initialParameters(critic, seed));
  let illegal = 0;
  try {
    await gpuStep(gpu, 'reset', () => {
      const encoder = device.createCommandEncoder();
      rollout.encodeReset(encoder);
      device.queue.submit([encoder.finish()]);
    });
    for (let i = 0; i < iterations; i += 1) {
      await gpuStep(gpu, `rollout ${i}`, () => {
        rollout.prepare(i);
        const encoder = device.createCommandEncoder();
        rollout.encode(encoder, { actor: actorParameters, critic: criticBuffer });
        device.queue.submit([encoder.finish()]);
      });
      const tr = rollout.transitions.buffers;
      const actions = new Uint32Array(await readBufferOnce(device, tr.actions));
      const masks = new Uint32Array(await readBufferOnce(device, tr.masks!));
      const observations = new Float32Array(await readBufferOnce(device, tr.observations));
      for (let r = 0; r < T * N; r += 1) {
        // The recorded mask is the one of the observation acted on (phase = 4 · obs[0]).
        const phase = Math.round(observations[2 * r]! * 4);
        expect(Array.from(masks.subarray(r * GATE_ACTIONS, (r + 1) * GATE_ACTIONS))).toEqual(gateMask([phase]));
        if (masks[r * GATE_ACTIONS + actions[r]!] !== 1) illegal += 1;
      }
    }
  } finally {
    rollout.destroy();
    criticBuffer.destroy();
  }
  return illegal;
}

describe('action masks and episode metrics', () => {
  const gpu = useGpu();

  it('the wrapper writes each env\'s mask of its current state, and its metrics where an episode ended', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const N = 37;
    const env = await createVectorEnv(gpu().device, customEnv(GATE), { numEnvs: N, seed });
    try {
      await reset(gpu(), env);
      let ended = 0;
      for (let s = 0; s < 60; s += 1) {
        // Mostly legal moves, with the occasional illegal one that ends an episode early.
        const before = await env.read();
        const actions = Uint32Array.from({ length: N }, (_, n) => (random() < 0.05 ? before.states[n * STATE]! : Math.floor(random() * GATE_ACTIONS)));
        env.writeActions(actions);
        await step(gpu(), env);
        const after = await env.read();
        for (let n = 0; n < N; n += 1) {
          expect(row(Float32Array.from(after.masks!), n, GATE_ACTIONS)).toEqual(gateMask(row(after.states, n, STATE)));
          const done = after.terminated[n]! === 1 || after.truncated[n]! === 1;
          const reached = row(after.nextStates, n, STATE);
          expect(row(after.episodeMetrics!, n, 2)).toEqual(done ? [reached[1]!, reached[3]!] : [0, 0]);
          if (done) {
            ended += 1;
            expect(after.episodeMetrics![2 * n]).toBeCloseTo(after.episodeReturns[n]!, 5);
          }
        }
      }
      expect(ended, `seed ${seed}: episodes that ended`).toBeGreaterThan(N);
    } finally {
      env.destroy();
    }
  });

  it('the rollout samples only legal actions, from an untrained and from a PPO-trained policy; training never takes an illegal one', async () => {
    const seed = freshSeed();
    console.log(`action masks: seed ${seed}`);
    const { device } = gpu();
    const descriptor = customEnv(GATE);
    const trainer = await createTrainer(device, {
      algo: 'ppo',
      env: descriptor,
      seed,
      numEnvs: 16,
      numSteps: 64,
      numMinibatches: 4,
      updateEpochs: 4,
      learningRate: 3e-3,
      hiddenSizes: [16],
      totalTimesteps: 16 * 64 * 30,
    });
    const actor = mlpLayout(actorSpec(2, GATE_ACTIONS, [16]));
    const untrained = createBufferWithData(device, 'test.untrained', initialParameters(actor, seed));
    const env = await createVectorEnv(device, descriptor, { numEnvs: 20, seed: (seed ^ 0x5a5a) >>> 0 });
    try {
      // 8 × 64 × 20 = 10 240 env-steps each.
      expect(await illegalActions(gpu(), env, actor, untrained, seed, 8), `seed ${seed}: untrained`).toBe(0);
      const stats = [];
      for (let i = 0; i < trainer.numIterations; i += 1) {
        const s = await gpuStep(gpu(), `iteration ${i}`, () => trainer.iterate());
        if (s) stats.push(s);
      }
      stats.push((await trainer.drain())!);
      const last = stats.at(-1)!;
      console.log(`action masks: seed ${seed}, return_mean_100 ${last.returnMean100.toFixed(2)} at step ${last.globalStep} (random legal play: 4)`);
      // No episode ever ended on an illegal action: the mean of the `illegal` metric is exactly 0.
      for (const s of stats) if (s.episodesFinished > 0) expect(s.episodeMetrics.illegal, `seed ${seed}: iteration ${s.iteration}`).toBe(0);
      // score is the episode's return: its mean over the last 100 episodes is the return ring's.
      expect(last.episodeMetrics.score).toBeCloseTo(last.returnMean100, 4);
      // Random legal play pays 16 / 4 = 4 per episode; PPO learns the paying action.
      expect(last.returnMean100, `seed ${seed}`).toBeGreaterThan(8);
      expect(await illegalActions(gpu(), env, trainer.policy!.actor, trainer.policy!.actorParameters, (seed + 1) >>> 0, 8), `seed ${seed}: trained`).toBe(0);
    } finally {
      trainer.destroy();
      untrained.destroy();
      env.destroy();
    }
  }, 240_000);

  it('without masks (actionMasks: false) the same training takes illegal actions', async () => {
    const seed = freshSeed();
    const trainer = await createTrainer(gpu().device, {
      algo: 'ppo',
      env: customEnv(GATE),
      seed,
      numEnvs: 16,
      numSteps: 64,
      hiddenSizes: [16],
      totalTimesteps: 16 * 64 * 2,
      actionMasks: false,
    });
    try {
      await trainer.iterate();
      const stats = (await trainer.drain())!;
      expect(stats.episodeMetrics.illegal, `seed ${seed}`).toBeGreaterThan(0);
    } finally {
      trainer.destroy();
    }
  });

  it('a row whose mask allows nothing stops training, naming the env instance and the step', async () => {
    const seed = freshSeed();
    const blocked = customEnv({ ...GATE, id: 'GateBlocked-v0', params: { length: 16, blocked_phase: 2 } });
    const trainer = await createTrainer(gpu().device, { algo: 'ppo', env: blocked, seed, numEnvs: 8, numSteps: 32, hiddenSizes: [8], totalTimesteps: 8 * 32 * 2 });
    try {
      await trainer.iterate();
      await expect(trainer.drain()).rejects.toThrow(/env 'GateBlocked-v0' instance \d+ allowed no action at step \d+ of iteration 0 \(its action mask is all zeros/);
    } finally {
      trainer.destroy();
    }
  });

  it('CEM samples its candidates under the masks too, and refuses a row that allows nothing', async () => {
    const seed = freshSeed();
    const { device } = gpu();
    const config = { algo: 'cem' as const, seed, populationSize: 8, hiddenSizes: [8], maxEpisodeSteps: 16, totalTimesteps: 8 * 16 * 3 };
    const trainer = await createTrainer(device, { ...config, env: customEnv(GATE) });
    try {
      await trainer.iterate();
      await trainer.drain();
      const tr = (trainer as unknown as { buffers: { transitions: { actions: GPUBuffer; masks?: GPUBuffer } } }).buffers.transitions;
      const actions = new Uint32Array(await readBufferOnce(device, tr.actions));
      const masks = new Uint32Array(await readBufferOnce(device, tr.masks!));
      expect(actions.length, `seed ${seed}`).toBeGreaterThan(100);
      actions.forEach((a, r) => expect(masks[r * GATE_ACTIONS + a], `seed ${seed}: row ${r}`).toBe(1));
    } finally {
      trainer.destroy();
    }
    const blocked = await createTrainer(device, { ...config, env: customEnv({ ...GATE, id: 'GateBlocked-v0', params: { length: 16, blocked_phase: 0 } }) });
    try {
      await blocked.iterate();
      await expect(blocked.drain()).rejects.toThrow(/cem: env 'GateBlocked-v0' instance \d+ allowed no action at step \d+ of iteration 0/);
    } finally {
      blocked.destroy();
    }
  });

  it('act() on a masked env takes the legal actions, never chooses an illegal one, and refuses to guess without them', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const agent = await Agent.create({
      env: customEnv(GATE),
      device: gpu().device,
      algorithm: { algo: 'ppo', seed, numEnvs: 4, numSteps: 16, hiddenSizes: [8], totalTimesteps: 64 },
    });
    try {
      const rows = 1000;
      const phases = Array.from({ length: rows }, () => Math.floor(random() * GATE_ACTIONS));
      const observations = Float32Array.from(phases.flatMap((p) => [p / 4, random()]));
      const actionMask = Uint32Array.from(phases.flatMap((p) => gateMask([p])));
      await expect(agent.act(observations)).rejects.toThrow(/env 'Gate-v0' has action masks: act\(\) takes its legal actions as options.actionMask/);
      for (const deterministic of [false, true]) {
        for (let k = 0; k < 5; k += 1) {
          const { actions } = await agent.act(observations, { actionMask, deterministic });
          phases.forEach((p, r) => expect(actions[r], `seed ${seed}: row ${r}`).not.toBe(p));
        }
      }
      const unmasked = await agent.act(observations, { actionMask: null });
      expect(unmasked.actions.length).toBe(rows);
    } finally {
      agent.destroy();
    }
  });
});
