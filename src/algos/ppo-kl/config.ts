/** PPO-KL's configuration: PPO's fields plus the KL target and initial β (./ppo-kl.ts). */
import { optional, strictObject } from 'valibot';
import { nonNegative, positive, type ConfigInput } from '../../train/config';
import { resolvePpoFamilyConfig, PPO_DEFAULTS, PPO_FIELDS, type ResolvedPpoConfig } from '../ppo/config';

/** PPO-KL's config schema (valibot): PPO's fields plus klTarget and klBeta. */
export const PPO_KL_SCHEMA = strictObject(
  {
    ...PPO_FIELDS,
    /** d_targ: the KL per iteration the penalty aims at. */
    klTarget: optional(positive()), // 0.01
    /** β at the first iteration. */
    klBeta: optional(nonNegative()), // 1
  },
  'an object',
);

/**
 * PPO-KL's hyperparameters (`algorithm: { algo: 'ppo-kl', ... }`): PPO with an adaptive KL penalty
 * in place of the clipped surrogate (Schulman et al. 2017, §4). Every field is optional:
 * {@link PPO_KL_DEFAULTS} fills the ones left out.
 */
export interface PpoKlConfig extends ConfigInput<typeof PPO_KL_SCHEMA> {}

/** A validated PPO-KL config: PPO's resolved fields plus the KL target and initial β. */
export interface ResolvedPpoKlConfig extends ResolvedPpoConfig {
  /** d_targ: the KL per iteration the penalty aims at. */
  readonly klTarget: number;
  /** β at the first iteration. */
  readonly klBeta: number;
}

/** PPO-KL's defaults: {@link PPO_DEFAULTS} plus d_targ 0.01 and β₀ 1. */
export const PPO_KL_DEFAULTS = Object.freeze({
  ...PPO_DEFAULTS,
  /** d_targ: the KL per iteration the penalty aims at. */
  klTarget: 0.01,
  /** β, the KL penalty's coefficient, at the first iteration. */
  klBeta: 1,
});

/**
 * Validates a PPO-KL config and freezes the result. Throws before any GPU work. Every action space
 * PPO takes: the penalty's KL is the head's own (categorical per branch, the Gaussian's closed form,
 * or their sum for a hybrid head: src/train/policy-kl.ts).
 */
export function resolvePpoKlConfig(config: PpoKlConfig = {}): ResolvedPpoKlConfig {
  const { merged, resolved } = resolvePpoFamilyConfig('ppo-kl', PPO_KL_SCHEMA, PPO_KL_DEFAULTS, config);
  return Object.freeze({ ...resolved, klTarget: merged.klTarget, klBeta: merged.klBeta });
}
