/** PPO-KL's configuration: PPO's fields plus the KL target and initial β (./ppo-kl.ts). */
import { optional, strictObject } from 'valibot';
import { nonNegative, positive, type ConfigInput } from '../../train/config';
import { resolvePpoFamilyConfig, PPO_DEFAULTS, PPO_FIELDS, type ResolvedPpoConfig } from '../ppo/config';

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

export interface PpoKlConfig extends ConfigInput<typeof PPO_KL_SCHEMA> {}

export interface ResolvedPpoKlConfig extends ResolvedPpoConfig {
  readonly klTarget: number;
  readonly klBeta: number;
}

export const PPO_KL_DEFAULTS = Object.freeze({ ...PPO_DEFAULTS, klTarget: 0.01, klBeta: 1 });

/** Validates a PPO-KL config and freezes the result. Throws before any GPU work. */
export function resolvePpoKlConfig(config: PpoKlConfig = {}): ResolvedPpoKlConfig {
  const { merged, resolved } = resolvePpoFamilyConfig('ppo-kl', PPO_KL_SCHEMA, PPO_KL_DEFAULTS, config);
  if (resolved.envDescriptor.actionSpace.kind !== 'discrete') {
    throw new RangeError(
      `ppo-kl: env '${resolved.env}' has a continuous (box) action space; ppo-kl's KL penalty is wired for the categorical head only and needs a discrete env (use 'ppo' for box envs)`,
    );
  }
  return Object.freeze({ ...resolved, klTarget: merged.klTarget, klBeta: merged.klBeta });
}
