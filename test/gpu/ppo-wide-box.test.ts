/**
 * PPO with a Gaussian policy over wide boxes (test/support/reach-env.ts, Reach at 17 and
 * MAX_ACTION_SIZE = 64 dims): with one epoch of one minibatch the update's only forward runs at
 * θ_old, so its log p_new (gaussian_evaluate.wgsl, summed over every dim) must equal the rollout's
 * log p_old (policy_sample_gaussian.wgsl) bit for bit: approx_kl and clipfrac exactly 0. The initial
 * entropy is D·½ log(2πe) (log-std initialised to 0).
 *
 * Then PPO learns Reach-64's state-dependent target: after 8 192 steps (16 iterations of 16 envs ×
 * 32 steps, learning rate 3e-3, no entropy bonus, γ = 0) the greedy policy's mean squared error
 * per dim, on fresh contexts through the float64 reference network, must be below a quarter of
 * E[target²] = 0.5²/3 ≈ 0.083, which is what the best state-independent action (a = 0) scores. Seeds
 * 1, 5, 6 and 7 reached 0.009–0.012 on SwiftShader (about 20 s each).
 *
 * Last, an Agent on a 64-dim custom env saves a checkpoint that loads (with the descriptor passed
 * back) to the same greedy actions, each inside its own dimension's bounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainer } from '../../src/algos/index';
import { customEnv, registerCustomEnv, unregisterEnv } from '../../src/envs/index';
import { Agent } from '../../src/index';
import { gpuStep, useGpu } from '../support/gpu';
import { mlpLayout } from '../../src/nn/mlp-spec';
import { mlpForward } from '../reference/mlp';
import { freshSeed, seededRandom } from '../support/random';
import { REACH_OBS, reachEnv, reachTarget } from '../support/reach-env';
import { runAll } from '../support/trainer';

const DIMS = [17, 64] as const;

describe('PPO over wide boxes', () => {
  const gpu = useGpu();
  beforeAll(() => DIMS.forEach((dims) => registerCustomEnv(reachEnv(dims))));
  afterAll(() => DIMS.forEach((dims) => unregisterEnv(reachEnv(dims).id)));

  it.each(DIMS)("Reach-%i: the update's first log p_new equals the rollout's log p_old bit for bit", async (dims) => {
    const seed = freshSeed();
    const trainer = await createTrainer(gpu().device, {
      algo: 'ppo',
      env: reachEnv(dims).id,
      seed,
      numEnvs: 3,
      numSteps: 11,
      totalTimesteps: 3 * 33,
      updateEpochs: 1,
      numMinibatches: 1,
      hiddenSizes: [16],
    });
    try {
      const reports = await gpuStep(gpu(), `ppo on Reach${dims}`, () => runAll(trainer));
      expect(reports.length).toBe(3);
      const standardEntropy = 0.5 * Math.log(2 * Math.PI * Math.E);
      for (const report of reports) {
        const { approx_kl, clipfrac, entropy } = report.statistics;
        console.log(`[ppo wide box] Reach${dims}, iteration ${report.iteration}: approx_kl ${approx_kl}, clipfrac ${clipfrac}, entropy ${entropy.toFixed(4)} (seed ${seed})`);
        expect([approx_kl, clipfrac], `seed ${seed}, iteration ${report.iteration}`).toEqual([0, 0]);
        // One Adam step per iteration moves each log-std by at most about the learning rate.
        expect(Math.abs(entropy - dims * standardEntropy), `seed ${seed}: entropy`).toBeLessThan(dims * 3 * 2.5e-4 + 1e-4);
      }
    } finally {
      trainer.destroy();
    }
  });

  it('learns Reach-64: the greedy mean beats the best state-independent action 4-fold within 8 192 steps', async () => {
    const seed = freshSeed();
    const dims = 64;
    const scale = reachEnv(dims).params.target_scale!;
    const trainer = await createTrainer(gpu().device, {
      algo: 'ppo',
      env: reachEnv(dims).id,
      seed,
      numEnvs: 16,
      numSteps: 32,
      totalTimesteps: 8192,
      hiddenSizes: [64],
      learningRate: 3e-3,
      entCoef: 0,
      gamma: 0,
    });
    try {
      const reports = await gpuStep(gpu(), 'ppo learns Reach64', () => runAll(trainer));
      const { networks } = await trainer.readParameters();
      const actor = networks.actor!;
      const random = seededRandom(seed);
      const contexts = Array.from({ length: 500 }, () => Array.from({ length: REACH_OBS }, () => 2 * random() - 1));
      const means = mlpForward(mlpLayout(actor.spec), actor.parameters, contexts).outputs.policy!;
      let squares = 0;
      contexts.forEach((context, r) => {
        for (let d = 0; d < dims; d += 1) squares += (means[r]![d]! - reachTarget(context, d, scale)) ** 2;
      });
      const greedyError = squares / (contexts.length * dims);
      const stateIndependent = (scale * scale) / 3;
      const first = reports[0]!.returnMean100;
      const last = reports.at(-1)!.returnMean100;
      console.log(
        `[ppo wide box] Reach64 after ${reports.at(-1)!.globalStep} steps: greedy MSE ${greedyError.toFixed(4)} (best state-independent ${stateIndependent.toFixed(4)}), ` +
          `return(100) ${first.toFixed(2)} → ${last.toFixed(2)}, entropy ${reports.at(-1)!.statistics.entropy.toFixed(2)} (seed ${seed})`,
      );
      expect(greedyError, `seed ${seed}: greedy MSE per dim`).toBeLessThan(stateIndependent / 4);
      expect(last - first, `seed ${seed}: return(100) gain`).toBeGreaterThan(1);
    } finally {
      trainer.destroy();
    }
  }, 120_000);

  it('an Agent on a 64-dim box: checkpoint round trip, greedy actions equal and inside each bound', async () => {
    const seed = freshSeed();
    const device = gpu().device;
    const env = customEnv({ ...reachEnv(64), id: 'AgentReach64-v0' });
    const space = env.actionSpace as { size: number; low: readonly number[]; high: readonly number[] };
    const agent = await Agent.create({ env, device, algorithm: { algo: 'ppo', numEnvs: 4, numSteps: 16, hiddenSizes: [16], totalTimesteps: 2 * 64, seed } });
    try {
      for await (const stats of agent.train()) void stats;
      const random = seededRandom(seed);
      const observations = Array.from({ length: 5 * REACH_OBS }, () => 2 * random() - 1);
      const { actions } = await agent.act(observations, { deterministic: true });
      expect(actions.length).toBe(5 * 64);
      actions.forEach((a, i) => {
        const d = i % 64;
        expect(a >= Math.fround(space.low[d]!) && a <= Math.fround(space.high[d]!), `seed ${seed}: action ${i} = ${a}`).toBe(true);
      });
      const loaded = await Agent.load(await agent.save(), { device, env });
      try {
        const again = await loaded.act(observations, { deterministic: true });
        expect([...again.actions], `seed ${seed}`).toEqual([...actions]);
      } finally {
        loaded.destroy();
      }
    } finally {
      agent.destroy();
    }
  });
});
