/**
 * A2C (Mnih et al. 2016, synchronous): actor-critic with GAE(λ) advantages and a learned value
 * baseline, ONE gradient step per rollout. Reads in phase order: collect → GAE(λ) advantages and
 * the critic's targets A + V → [normalise] → one full-batch step of
 * L = −Â·log π − c·H + c_v·½(V − (A + V_old))² → statistics, in one command buffer. The step is
 * REINFORCE's (./reinforce.ts, `createPolicyGradientTrainer`) with GAE as the estimator.
 *
 * Defaults follow Stable-Baselines3's A2C (rl-zoo's CartPole-v1 uses 8 envs): 8 envs × 5 steps,
 * lr 7e-4 constant, γ 0.99, λ 1.0, entropy 0.0, vf 0.5, gradient norm clipped to 0.5, advantages not
 * normalised. One departure: Adam (ε 1e-5) instead of SB3's RMSprop, the only optimisers here being
 * Adam and SGD.
 */

import { createPolicyGradientTrainer, type PolicyGradientTrainer } from '../reinforce/reinforce';
import { resolveA2cConfig, type A2cConfig, type ResolvedA2cConfig } from './config';

/** Builds an A2C trainer; the config is validated before any GPU work. */
export async function createA2cTrainer(device: GPUDevice, input: A2cConfig = {}): Promise<PolicyGradientTrainer<ResolvedA2cConfig>> {
  const config = resolveA2cConfig(input);
  return createPolicyGradientTrainer(device, config, { name: 'a2c', estimator: 'gae', lambda: config.gaeLambda, baseline: 'gae' });
}
