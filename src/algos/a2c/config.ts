/** A2C's configuration: the one-step policy-gradient fields plus GAE's λ, with SB3's A2C defaults (./a2c.ts). */
import { optional, strictObject } from 'valibot';
import { unitInterval, type ConfigInput } from '../../train/config';
import { POLICY_GRADIENT_FIELDS, resolvePolicyGradientConfig, type ResolvedPolicyGradientConfig } from '../reinforce/config';

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
