/**
 * Gaussian REINFORCE on Pendulum-v1, reward-to-go with a learned value baseline
 * (src/algos/reinforce/config.ts), seed 1 as recorded in docs/LEARNING.md. REINFORCE has no
 * per-env defaults; the settings are the test's:
 * - normalised observations, scaled rewards and γ = 0.9, as PPO's Pendulum defaults;
 * - 64 envs × 16 steps (γ¹⁶ ≈ 0.19: the reward-to-go is mostly the sampled rewards, bootstrapped
 *   by V at the rollout's end and at the time limit) and lr 3e-3, not annealed: one step per 1 024
 *   rows, the batch wide enough that each step's direction is not noise (A2C's runs on the same env
 *   found narrow batches stalled near −1 000);
 * - advantages normalised, the joint gradient norm clipped to 0.5.
 * Measured (SwiftShader): −400 at 1 318 912 steps in 160–183 s, so CI does not run it.
 */
import { learningTest } from '../support/learning';

learningTest({
  config: {
    algo: 'reinforce',
    env: 'Pendulum-v1',
    seed: 1,
    weights: 'reward-to-go',
    baseline: 'value',
    numEnvs: 64,
    numSteps: 16,
    learningRate: 3e-3,
    annealLr: false,
    gamma: 0.9,
    normObs: true,
    normReward: true,
    normAdv: true,
    maxGradNorm: 0.5,
    totalTimesteps: 2_000_000,
  },
  target: -400,
  budget: 2_000_000,
  recordedStep: 1_318_912,
  ci: false,
});
