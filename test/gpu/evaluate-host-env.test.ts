/**
 * Evaluation on a JavaScript env: a separate instance of the game, stepped on the CPU, plays the
 * same episodes as the WGSL env it ports (test/support/cartpole-host.ts replays shaders/envs/cartpole.wgsl
 * from the same seed) under the same scripted policy; an agent of a JavaScript env is evaluated
 * through act(); and the calls that would play on the training env's own instances, or on a game
 * of other spaces, are refused by name.
 */
import { describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent';
import { evaluateAgent, evaluatePolicy, type ActFunction } from '../../src/agent/evaluate';
import { hostEnvDescriptor } from '../../src/envs/host-env';
import { lookupEnv } from '../../src/envs/registry';
import { cartPoleHost } from '../support/cartpole-host';
import { gpuStep, useGpu } from '../support/gpu';

const SEED = 11;

/** Pushes left on every row, then right once the pole leans right: short episodes that depend on every state. */
const scripted: ActFunction = async (observations) => {
  const rows = observations.length / 4;
  return { actions: Uint32Array.from({ length: rows }, (_, r) => (observations[4 * r + 2]! > 0.05 ? 1 : 0)) };
};

describe('evaluate on a JavaScript env', () => {
  const gpu = useGpu();

  it("plays a separate instance of the game to the WGSL env's episode lengths", async () => {
    console.log(`[evaluate-host-env] seed ${SEED}`);
    const device = gpu().device;
    const training = hostEnvDescriptor(cartPoleHost('cartpole-train'));
    const host = await gpuStep(gpu(), 'host evaluation', () => evaluatePolicy(device, training, scripted, { episodes: 6, seed: SEED, env: cartPoleHost('cartpole-eval') }));
    const wgsl = await gpuStep(gpu(), 'WGSL evaluation', () => evaluatePolicy(device, lookupEnv('CartPole-v1'), scripted, { episodes: 6, seed: SEED }));
    expect(host.lengths).toEqual(wgsl.lengths);
    // CartPole pays 1 a step.
    expect(host.returns).toEqual(host.lengths);
    expect(Math.min(...host.lengths)).toBeGreaterThan(5);
    expect(new Set(host.lengths).size).toBeGreaterThan(1);
  });

  it('refuses the training env itself, no env, another game and options.env on a GPU env', async () => {
    const device = gpu().device;
    const trainingEnv = cartPoleHost('cartpole-train');
    const training = hostEnvDescriptor(trainingEnv);
    await expect(evaluatePolicy(device, training, scripted, { episodes: 2 })).rejects.toThrow(
      "evaluate: env 'cartpole-train' is a JavaScript env: pass options.env, a separate instance of it (none was given",
    );
    await expect(evaluatePolicy(device, training, scripted, { episodes: 2, env: trainingEnv })).rejects.toThrow('(the training env itself was given');
    const wider = { ...cartPoleHost('wider'), observationSize: 5 };
    await expect(evaluatePolicy(device, training, scripted, { episodes: 2, env: wider })).rejects.toThrow(
      "evaluate: options.env 'wider' has [observation size, action space] [5,",
    );
    await expect(evaluatePolicy(device, lookupEnv('CartPole-v1'), scripted, { episodes: 2, env: cartPoleHost() })).rejects.toThrow(
      "evaluate: options.env is for a JavaScript env; env 'CartPole-v1' runs on the GPU",
    );
  });

  it("evaluates an agent of a JavaScript env through act() on the game's separate instance", async () => {
    const agent = await Agent.create({ env: cartPoleHost('cartpole-agent'), device: gpu().device, algorithm: { algo: 'ppo', numEnvs: 4, numSteps: 8, hiddenSizes: [8], seed: SEED } });
    try {
      const result = await gpuStep(gpu(), 'agent evaluation', () => evaluateAgent(agent, { episodes: 3, seed: SEED, env: cartPoleHost('cartpole-agent-eval') }));
      expect(result.lengths).toHaveLength(3);
      expect(result.returns).toEqual(result.lengths);
      for (const length of result.lengths) expect(length).toBeGreaterThan(0);
      expect(result.mean).toBeCloseTo(result.returns.reduce((s, r) => s + r, 0) / 3, 10);
    } finally {
      agent.destroy();
    }
  });
});
