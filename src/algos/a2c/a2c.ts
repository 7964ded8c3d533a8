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
import { optional, strictObject } from 'valibot';
import { unitInterval, type ConfigInput } from '../../train/config';
import type { Trainer } from '../../train/trainer';
import { createPolicyGradientTrainer, POLICY_GRADIENT_FIELDS, resolvePolicyGradientConfig, type ResolvedPolicyGradientConfig } from '../reinforce/reinforce';

export const A2C_SCHEMA = strictObject(
  {
    ...POLICY_GRADIENT_FIELDS,
    /** GAE's λ in [0, 1] (1: Monte-Carlo returns bootstrapped at the rollout's end). */
    gaeLambda: optional(unitInterval()),
  },
  'an object',
);

export interface A2cConfig extends ConfigInput<typeof A2C_SCHEMA> {}

export interface ResolvedA2cConfig extends ResolvedPolicyGradientConfig {
  readonly gaeLambda: number;
}

export const A2C_DEFAULTS = Object.freeze({
  env: 'CartPole-v1',
  seed: 1,
  totalTimesteps: 1_000_000,
  learningRate: 7e-4,
  annealLr: false,
  numEnvs: 8,
  numSteps: 5,
  gamma: 0.99,
  gaeLambda: 1.0,
  normAdv: false,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  adamEpsilon: 1e-5,
  hiddenSizes: Object.freeze([64, 64]) as readonly number[],
});

/** Validates an A2C config and freezes the result. Throws before any GPU work. */
export function resolveA2cConfig(config: A2cConfig = {}): ResolvedA2cConfig {
  const { merged, resolved } = resolvePolicyGradientConfig('a2c', A2C_SCHEMA, A2C_DEFAULTS, config);
  return Object.freeze({ ...resolved, gaeLambda: merged.gaeLambda });
}

/** Builds an A2C trainer; the config is validated before any GPU work. */
export async function createA2cTrainer(device: GPUDevice, input: A2cConfig = {}): Promise<Trainer<ResolvedA2cConfig>> {
  const config = resolveA2cConfig(input);
  return createPolicyGradientTrainer(device, config, { name: 'a2c', estimator: 'gae', lambda: config.gaeLambda, baseline: 'gae' });
}
