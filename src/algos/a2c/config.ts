/** A2C's configuration: the one-step policy-gradient fields plus GAE's λ, with SB3's A2C defaults (./a2c.ts). */
import { optional, strictObject } from 'valibot';
import { unitInterval, type ConfigInput } from '../../train/config';
import { POLICY_GRADIENT_FIELDS, resolvePolicyGradientConfig, type ResolvedPolicyGradientConfig } from '../reinforce/config';

/** A2C's config schema (valibot). */
export const A2C_SCHEMA = strictObject(
  {
    ...POLICY_GRADIENT_FIELDS,
    /** GAE's λ in [0, 1] (1: Monte-Carlo returns bootstrapped at the rollout's end). */
    gaeLambda: optional(unitInterval()),
  },
  'an object',
);

/**
 * A2C's hyperparameters (`algorithm: { algo: 'a2c', ... }`): the one-step policy-gradient fields
 * plus GAE's λ. Every field is optional: {@link A2C_DEFAULTS} fills the ones left out.
 */
export interface A2cConfig extends ConfigInput<typeof A2C_SCHEMA> {}

/** A validated A2C config (what resolveTrainerConfig returns for A2C). */
export interface ResolvedA2cConfig extends ResolvedPolicyGradientConfig {
  /** GAE's λ. */
  readonly gaeLambda: number;
}

/**
 * A2C's defaults, Stable-Baselines3's A2C (rl-zoo's 8 envs for CartPole-v1): 8 envs × 5 steps, one
 * gradient step per 40 env steps, with Adam (ε 1e-5) in place of SB3's RMSprop (./a2c.ts).
 */
export const A2C_DEFAULTS = Object.freeze({
  /** The env's id. */
  env: 'CartPole-v1',
  /** Seed of initialisation, envs and sampling. */
  seed: 1,
  /** Env steps to train for. */
  totalTimesteps: 1_000_000,
  /** Adam learning rate. */
  learningRate: 7e-4,
  /** Anneal the learning rate linearly to 0 over the iterations. */
  annealLr: false,
  /** Parallel envs N. */
  numEnvs: 8,
  /** Rollout steps T per env per iteration. */
  numSteps: 5,
  /** Discount γ. */
  gamma: 0.99,
  /** GAE's λ (1: Monte-Carlo returns bootstrapped at the rollout's end). */
  gaeLambda: 1.0,
  /** Normalise the advantages over the batch. */
  normAdv: false,
  /** Entropy bonus coefficient. */
  entCoef: 0,
  /** Value loss coefficient. */
  vfCoef: 0.5,
  /** Global gradient-norm clip over actor and critic together. */
  maxGradNorm: 0.5,
  /** Adam ε. */
  adamEpsilon: 1e-5,
  /** Hidden layer widths of the actor and of the critic: [64, 64] (tanh). */
  hiddenSizes: Object.freeze([64, 64]) as readonly number[],
  /** Normalise observations by running statistics. */
  normObs: false,
  /** Scale rewards by the running std of the discounted return. */
  normReward: false,
});

/** Validates an A2C config and freezes the result. Throws before any GPU work. */
export function resolveA2cConfig(config: A2cConfig = {}): ResolvedA2cConfig {
  const { merged, resolved } = resolvePolicyGradientConfig('a2c', A2C_SCHEMA, A2C_DEFAULTS, config);
  return Object.freeze({ ...resolved, gaeLambda: merged.gaeLambda });
}
