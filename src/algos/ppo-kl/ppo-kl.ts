/**
 * PPO with the adaptive KL penalty (Schulman et al. 2017, section 4): maximise
 * r·Â − β·KL(π_old ‖ π) over K epochs of minibatches, then, from the iteration's mean KL d,
 * β ← β/2 when d < d_targ/1.5 and β ← 2β when d > 1.5·d_targ, decided on the GPU
 * (shaders/losses/kl_adapt_beta.wgsl), so the loop never waits to read d. Everything else is
 * PPO's (./ppo.ts, `createPpoFamilyTrainer`): rollout, GAE, permutations, value loss, entropy, Adam.
 *
 * Defaults: the paper's d_targ = 0.01 and initial β = 1 (its table 1 shows the result is not
 * sensitive to β₀, since β adapts within a few iterations); the rest PPO's CleanRL defaults.
 */
import { optional, strictObject } from 'valibot';
import { nonNegative, positive, type ConfigInput } from '../../train/config';
import { resolvePpoFamilyConfig, PPO_DEFAULTS, PPO_FIELDS, type ResolvedPpoConfig } from '../ppo/config';
import { createPpoFamilyTrainer, type PpoTrainer } from '../ppo/ppo';

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

/** Builds a PPO-KL trainer; the config is validated before any GPU work. */
export async function createPpoKlTrainer(device: GPUDevice, input: PpoKlConfig = {}): Promise<PpoTrainer<ResolvedPpoKlConfig>> {
  const config = resolvePpoKlConfig(input);
  return createPpoFamilyTrainer(device, config, { name: 'ppo-kl', objective: 'kl-penalty', klTarget: config.klTarget, klBeta: config.klBeta });
}
