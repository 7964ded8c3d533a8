/**
 * Populations: a PPO run of G = 8 agents, each with its own seed, learning rate and entropy
 * coefficient, trains in the same dispatches as one agent; after the first iteration every agent's
 * parameters equal those of a solo (G = 1) run with that agent's seed and hyperparameters, to
 * < 1e-5 relative (max |Δ| over max |θ| per network). The solo runs replay the same env seeds,
 * action draws, permutations and initialisation, so only f32 reduction order may differ. Checked
 * for a discrete env (CartPole-v1) and a box env (Pendulum-v1: Gaussian head, observation and
 * reward normalisers).
 */
import { describe, expect, it } from 'vitest';
import { createPpoTrainer } from '../../src/algos/ppo/ppo';
import type { PpoConfig } from '../../src/algos/ppo/config';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed } from '../support/random';

const G = 8;

async function firstIterationParameters(device: GPUDevice, config: PpoConfig) {
  const trainer = await createPpoTrainer(device, config);
  try {
    await trainer.iterate();
    const stats = await trainer.drain();
    const { networks } = await trainer.readParameters();
    return { stats: stats!, actor: networks.actor!.parameters, critic: networks.critic!.parameters, sizes: { actor: networks.actor!.parameters.length, critic: networks.critic!.parameters.length } };
  } finally {
    trainer.destroy();
  }
}

function relativeError(population: Float32Array, g: number, solo: Float32Array): number {
  const P = solo.length;
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < P; i += 1) {
    worst = Math.max(worst, Math.abs(population[g * P + i]! - solo[i]!));
    scale = Math.max(scale, Math.abs(solo[i]!));
  }
  return worst / scale;
}

describe('populations', () => {
  const gpu = useGpu();

  for (const env of ['CartPole-v1', 'Pendulum-v1'] as const) {
    it(`${env}: each of G = ${G} agents after one iteration equals its solo run (< 1e-5 relative)`, async () => {
      // Halved so that seed + g stays a u32; SEED replays the drawn value, not the halved one.
      const seed = freshSeed() >>> 1;
      const learningRates = Array.from({ length: G }, (_, g) => 1e-3 * (1 + g));
      const entCoefs = Array.from({ length: G }, (_, g) => 0.005 * g);
      const base: PpoConfig = { env, numEnvs: 2, numSteps: 24, updateEpochs: 2, numMinibatches: 2, totalTimesteps: 480, annealLr: false };
      const population = await gpuStep(gpu(), 'population run', () =>
        firstIterationParameters(gpu().device, { ...base, seed, agents: G, learningRate: learningRates, entCoef: entCoefs }),
      );
      expect(population.stats.agents).toHaveLength(G);
      const errors: number[] = [];
      for (let g = 0; g < G; g += 1) {
        const solo = await gpuStep(gpu(), `solo run ${g}`, () =>
          firstIterationParameters(gpu().device, { ...base, seed: seed + g, learningRate: learningRates[g]!, entCoef: entCoefs[g]! }),
        );
        errors.push(relativeError(population.actor, g, solo.actor), relativeError(population.critic, g, solo.critic));
        // The agents really differ: each moved from its own initialisation by its own rate.
        if (g > 0) expect(relativeError(population.actor, g, population.actor.slice(0, solo.sizes.actor))).toBeGreaterThan(1e-2);
      }
      console.log(`[population] ${env} trainer seeds ${seed} + g: worst relative error over ${G} agents (actor, critic) ${Math.max(...errors).toExponential(2)}`);
      expect(Math.max(...errors)).toBeLessThan(1e-5);
    });
  }
});
