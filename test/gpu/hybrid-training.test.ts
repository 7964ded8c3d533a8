/**
 * Training on a hybrid action space (src/envs/types.ts HybridSpace), on Aim-v0
 * (test/support/aim-env.ts: an aim in [-1, 1] × weapon × charge, the weapon after the target's
 * colour masked):
 * - the rollout, before and after PPO has trained, over more than 10 000 env-steps each: every row
 *   is D finite floats then K branch indices within their branches, never a masked weapon, the
 *   recorded mask is the observation's, and the recorded log p_old equals what the update's head
 *   evaluates on the same rows (so PPO's first ratio is 1);
 * - PPO on the JavaScript twin (test/support/aim-host.ts) pipelined in halves and whole gives
 *   identical IterationStats, its hits metric in them;
 * - an Agent on Aim-v0: act() (sampled and greedy) never picks a masked weapon over 10 000
 *   observations before and after training, and the trained greedy one hits; evaluateAgent plays
 *   the env; a saved and loaded agent acts the same;
 * - reinforce, a2c and offpolicy train it with the same head: their update's log π before its first
 *   step is the rollout's log p (approx_kl 0), offpolicy's second step reweighs the rows (ESS/n < 1),
 *   and a population gathers the [rows][D + K] action words and [rows][Σ nvec] masks agent-major;
 * - TRPO and CEM refuse a hybrid env, naming it and its space; PPO-KL takes it.
 */
import { describe, expect, it } from 'vitest';
import { Agent, evaluateAgent, type IterationStats } from '../../src/index';
import { createTrainer, resolveTrainerConfig, type TrainerConfig } from '../../src/algos/index';
import { createVectorEnv, customEnv, registerCustomEnv, unregisterEnv } from '../../src/envs/index';
import { BufferSet, readBufferOnce } from '../../src/gpu/index';
import { createMlpPasses } from '../../src/nn/mlp';
import { criticSpec, mlpLayout } from '../../src/nn/mlp-spec';
import { createRollout } from '../../src/rollout/index';
import { actorSpecFor } from '../../src/train/actor-critic';
import { createPolicyHead } from '../../src/train/policy-head';
import { initialParameters } from '../../src/nn/init';
import { createBufferWithData } from '../../src/gpu/buffers';
import { AIM, AIM_MASK_WIDTH, AIM_NVEC, aimMask } from '../support/aim-env';
import { aimHost } from '../support/aim-host';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

const D = 1;
const K = AIM_NVEC.length;
const W = D + K;
const OBS = 4;
type Gpu = ReturnType<ReturnType<typeof useGpu>>;

/** Checks T × N rows of `iterations` rollouts of Aim-v0 under `actorParameters` (or the initial ones); returns the rows checked. */
async function checkRollouts(gpu: Gpu, seed: number, actorParameters: GPUBuffer | undefined, iterations: number): Promise<number> {
  const { device } = gpu;
  const T = 40;
  const N = 64;
  const env = await createVectorEnv(device, customEnv(AIM), { numEnvs: N, seed });
  const actor = mlpLayout(actorSpecFor(env.descriptor.actionSpace, OBS, [16]));
  const critic = mlpLayout(criticSpec(OBS, [8]));
  const rollout = await createRollout(device, { env, steps: T, actor, critic, seed });
  const rows = T * N;
  // Only evaluate() runs: the backward's buffers are bound (notWritten) but never written.
  const owned = new BufferSet(device, 'test.hybrid-rollout', { logProbs: { size: 4 * rows }, entropies: { size: 4 * rows }, notWritten: { size: 4 * rows * 8 } });
  const initialActor = createBufferWithData(device, 'test.actor', initialParameters(actor, seed));
  const criticBuffer = createBufferWithData(device, 'test.critic', initialParameters(critic, seed));
  const parameters = actorParameters ?? initialActor;
  const head = await createPolicyHead(device, { kind: 'hybrid', actor, agents: 1, rowsPerAgent: rows, masked: true, branches: AIM_NVEC, label: 'test.head' });
  const passes = await createMlpPasses(device, actor, { agents: 1, rowsPerAgent: rows, label: 'test.actor' });
  try {
    await gpuStep(gpu, 'reset', () => {
      const encoder = device.createCommandEncoder();
      rollout.encodeReset(encoder);
      device.queue.submit([encoder.finish()]);
    });
    for (let i = 0; i < iterations; i += 1) {
      const tr = rollout.transitions.buffers;
      const s = owned.buffers;
      await gpuStep(gpu, `rollout ${i}`, () => {
        rollout.prepare(i);
        const encoder = device.createCommandEncoder();
        rollout.encode(encoder, { actor: parameters, critic: criticBuffer });
        // The update's evaluation of the recorded rows, as PPO's first epoch makes it.
        passes.encodeForward(encoder, { params: parameters, inputs: tr.observations });
        const bound = head.bind({
          outputs: passes.outputs.policy!,
          parameters,
          actions: tr.actions,
          logProbs: s.logProbs,
          entropies: s.entropies,
          logProbGrads: s.notWritten,
          entropyGrads: s.notWritten,
          outputGrads: s.notWritten,
          parameterGrads: s.notWritten,
          logStdTerms: s.notWritten,
          unused: s.notWritten,
          mask: tr.masks!,
        });
        const pass = encoder.beginComputePass();
        bound.evaluate(pass);
        pass.end();
        device.queue.submit([encoder.finish()]);
      });
      const bytes = await readBufferOnce(device, tr.actions);
      const floats = new Float32Array(bytes);
      const words = new Uint32Array(bytes);
      const masks = new Uint32Array(await readBufferOnce(device, tr.masks!));
      const observations = new Float32Array(await readBufferOnce(device, tr.observations));
      const recorded = new Float32Array(await readBufferOnce(device, tr.logProbs));
      const evaluated = new Float32Array(await readBufferOnce(device, s.logProbs));
      for (let r = 0; r < rows; r += 1) {
        const where = `seed ${seed}, rollout ${i}, row ${r}`;
        const colour = [1, 2, 3].findIndex((j) => observations[r * OBS + j] === 1);
        expect(Array.from(masks.subarray(r * AIM_MASK_WIDTH, (r + 1) * AIM_MASK_WIDTH)), `${where}: the recorded mask is the observation's`).toEqual(aimMask(colour));
        expect(Number.isFinite(floats[r * W]!), `${where}: aim ${floats[r * W]}`).toBe(true);
        const weapon = words[r * W + D]!;
        const charge = words[r * W + D + 1]!;
        expect(weapon < 3 && charge < 2 && masks[r * AIM_MASK_WIDTH + weapon] === 1, `${where}: weapon ${weapon}, charge ${charge}`).toBe(true);
        expect(Math.abs(recorded[r]! - evaluated[r]!), `${where}: log p_old ${recorded[r]} vs evaluated ${evaluated[r]}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(evaluated[r]!)));
      }
    }
    return iterations * rows;
  } finally {
    passes.destroy();
    owned.destroy();
    rollout.destroy();
    env.destroy();
    initialActor.destroy();
    criticBuffer.destroy();
  }
}

describe('training on a hybrid action space', () => {
  const gpu = useGpu();

  it('the rollout samples legal hybrid rows, and the update evaluates its log p, before and after PPO trains (> 10 000 steps each)', async () => {
    const seed = freshSeed();
    expect(await checkRollouts(gpu(), seed, undefined, 4), `seed ${seed}`).toBeGreaterThan(10_000);
    registerCustomEnv(AIM);
    const trainer = await createTrainer(gpu().device, { algo: 'ppo', env: AIM.id, seed, numEnvs: 16, numSteps: 64, hiddenSizes: [16], learningRate: 1e-3, totalTimesteps: 16 * 64 * 12 });
    try {
      let last: IterationStats | null = null;
      await gpuStep(gpu(), 'ppo', async () => {
        for (let i = 0; i < 12; i += 1) last = (await trainer.iterate()) ?? last;
        last = (await trainer.drain()) ?? last;
      });
      const stats = last as IterationStats | null;
      // Twelve iterations learn the weapons: most steps of an episode hit (a random legal choice hits half).
      expect(stats!.episodeMetrics!.hits!, `seed ${seed}: hits per 20-step episode`).toBeGreaterThan(12);
      expect(await checkRollouts(gpu(), seed, trainer.policy!.actorParameters, 4), `seed ${seed}`).toBeGreaterThan(10_000);
    } finally {
      trainer.destroy();
      unregisterEnv(AIM.id);
    }
  });

  it('PPO on the JavaScript Aim-v0, pipelined in halves and whole, gives identical IterationStats', async () => {
    const seed = freshSeed();
    const run = async (stepsRanges: boolean) => {
      const agent = await Agent.create({
        env: { ...aimHost(), stepsRanges },
        device: gpu().device,
        algorithm: { algo: 'ppo', numEnvs: 8, numSteps: 20, hiddenSizes: [8], totalTimesteps: 3 * 160, seed },
      });
      try {
        const history: IterationStats[] = [];
        for await (const stats of agent.train()) history.push(stats);
        return history;
      } finally {
        agent.destroy();
      }
    };
    const [pipelined, whole] = await gpuStep(gpu(), 'aim ppo', async () => [await run(true), await run(false)]);
    expect(pipelined.map((s) => s.counters.submits)).toEqual([0, 1, 2].map(() => 2 * 20 + 2));
    const withoutCounters = (history: IterationStats[]) => history.map(({ counters: _, ...rest }) => rest);
    expect(withoutCounters(pipelined), `seed ${seed}`).toEqual(withoutCounters(whole));
    const last = pipelined.at(-1)!;
    // 60 steps of 8 envs, episodes of 20 steps: three finished per env, each with its hits.
    expect(last.episodesFinished, `seed ${seed}`).toBe(8 * 3);
    expect(last.episodeMetrics!.hits!, `seed ${seed}`).toBeGreaterThanOrEqual(0);
    expect(last.episodeMetrics!.hits!, `seed ${seed}`).toBeLessThanOrEqual(20);
  });

  it('Agent on Aim-v0: act() never picks a masked weapon over 10 000 observations, untrained and trained; evaluateAgent plays it; save and load keep the policy', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const agent = await Agent.create({
      env: customEnv(AIM),
      device: gpu().device,
      maxActBatch: 1024,
      algorithm: { algo: 'ppo', seed, numEnvs: 16, numSteps: 64, hiddenSizes: [16], learningRate: 1e-3, totalTimesteps: 16 * 64 * 12 },
    });
    // Observations [x, one-hot colour] with the mask of each row's colour.
    const observe = () => {
      const colours = Array.from({ length: 1024 }, () => Math.floor(3 * random()));
      const observations = Float32Array.from(colours.flatMap((c) => [2 * random() - 1, c === 0 ? 1 : 0, c === 1 ? 1 : 0, c === 2 ? 1 : 0]));
      return { colours, observations, actionMask: Uint32Array.from(colours.flatMap((c) => aimMask(c))) };
    };
    const illegal = async (deterministic: boolean) => {
      let count = 0;
      let hits = 0;
      for (let call = 0; call < 10; call += 1) {
        const { colours, observations, actionMask } = observe();
        const { actions, discreteActions } = await agent.act(observations, { actionMask, deterministic });
        expect(actions.length, `seed ${seed}`).toBe(1024 * D);
        expect(discreteActions!.length, `seed ${seed}`).toBe(1024 * K);
        colours.forEach((c, r) => {
          const weapon = discreteActions![r * K]!;
          if (aimMask(c)[weapon] !== 1) count += 1;
          if (weapon === c) hits += 1;
          expect(actions[r]! >= -1 && actions[r]! <= 1, `seed ${seed}: aim ${actions[r]} outside the box`).toBe(true);
        });
      }
      return { count, hits };
    };
    try {
      await gpuStep(gpu(), 'agent aim', async () => {
        for (const deterministic of [false, true]) expect((await illegal(deterministic)).count, `seed ${seed}: masked weapons, untrained`).toBe(0);
        for await (const _ of agent.train()) {
          // Twelve iterations.
        }
        for (const deterministic of [false, true]) {
          const { count, hits } = await illegal(deterministic);
          expect(count, `seed ${seed}: masked weapons, trained`).toBe(0);
          // Trained, the greedy weapon is the target's colour nearly always (a legal guess: half the time).
          if (deterministic) expect(hits, `seed ${seed}: greedy hits of 10 240`).toBeGreaterThan(9_000);
        }
        const evaluation = await evaluateAgent(agent, { episodes: 8 });
        expect(evaluation.lengths, `seed ${seed}`).toEqual(new Array<number>(8).fill(20));
        // A random legal policy's mean return is about −5; the greedy trained one is well above.
        const mean = evaluation.returns.reduce((sum, r) => sum + r, 0) / 8;
        expect(mean, `seed ${seed}: greedy mean return`).toBeGreaterThan(10);
        const restored = await Agent.load(await agent.save(), { env: customEnv(AIM), device: gpu().device, maxActBatch: 1024 });
        try {
          const { observations, actionMask } = observe();
          const [a, b] = [await agent.act(observations, { actionMask, deterministic: true }), await restored.act(observations, { actionMask, deterministic: true })];
          expect(Array.from(b.actions), `seed ${seed}`).toEqual(Array.from(a.actions));
          expect(Array.from(b.discreteActions!), `seed ${seed}`).toEqual(Array.from(a.discreteActions!));
        } finally {
          restored.destroy();
        }
      });
    } finally {
      agent.destroy();
    }
  });

  it('reinforce, a2c and offpolicy train it: log π before the step is the rollout\'s, offpolicy reweighs, a population gathers hybrid rows', async () => {
    const small = { env: customEnv(AIM), numEnvs: 7, numSteps: 13, hiddenSizes: [8], totalTimesteps: 7 * 13 * 2 };
    /** Two iterations; the second's statistics (the first iteration's update). */
    const twoIterations = async (config: { readonly algo: 'a2c' | 'reinforce' | 'offpolicy' } & Record<string, unknown>) => {
      const trainer = await createTrainer(gpu().device, { ...small, ...config } as unknown as TrainerConfig);
      try {
        await gpuStep(gpu(), config.algo, () => trainer.iterate());
        const stats = (await gpuStep(gpu(), config.algo, () => trainer.iterate()))!;
        await trainer.drain();
        return stats;
      } finally {
        trainer.destroy();
      }
    };
    // k3 ≈ x²/2 of the f32 rounding of log p (≈ 1e-6); one row's log p off by 0.01 alone gives 5e-5/rows.
    const onPolicy = (label: string, statistics: IterationStats['statistics']) => {
      expect(statistics.approx_kl, `${label}: approx_kl`).toBeGreaterThanOrEqual(0);
      expect(statistics.approx_kl, `${label}: approx_kl`).toBeLessThan(1e-8);
      expect(statistics.nonfinite_terms, `${label}: non-finite loss terms`).toBe(0);
    };
    for (const algo of ['a2c', 'reinforce'] as const) {
      const seed = freshSeed();
      onPolicy(`${algo}, seed ${seed}`, (await twoIterations({ algo, seed })).statistics);
    }
    const seed = freshSeed();
    const offpolicy = await twoIterations({ algo: 'offpolicy', seed, updateSteps: 2, learningRate: 0.01 });
    expect(offpolicy.algorithmWords![1], `offpolicy, seed ${seed}: ESS₀/n`).toBeCloseTo(1, 6);
    expect(offpolicy.algorithmWords![2], `offpolicy, seed ${seed}: ESS₁/n`).toBeLessThan(1 - 1e-6);
    const population = await twoIterations({ algo: 'reinforce', seed, agents: 2 });
    expect(population.agents).toHaveLength(2);
    population.agents!.forEach((agent, g) => onPolicy(`reinforce agent ${g}, seed ${seed}`, agent.statistics));
  });

  it('TRPO and CEM refuse a hybrid env by name; PPO-KL takes it', () => {
    registerCustomEnv(AIM);
    try {
      for (const algo of ['trpo', 'cem'] as const) {
        expect(() => resolveTrainerConfig({ algo, env: AIM.id }), algo).toThrow(/env 'Aim-v0' has a hybrid \(box and discrete branches\) action space/);
      }
      // PPO-KL shares PPO's head, and its penalty's KL is the Gaussian's plus the branches' (test/gpu/ppo-kl-gaussian.test.ts).
      expect(resolveTrainerConfig({ algo: 'ppo-kl', env: AIM.id }).env).toBe(AIM.id);
    } finally {
      unregisterEnv(AIM.id);
    }
  });
});
