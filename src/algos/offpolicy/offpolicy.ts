/**
 * Off-policy policy gradient: K full-batch gradient steps on each rollout. The rollout's policy
 * π_b is the behaviour policy; once θ has moved, the on-policy estimator ∇ log π·Â is biased, and
 * importance sampling corrects it: per timestep, −r·Â with r = π_θ(a|s)/π_b(a|s) (whose gradient
 * is r·Â·∇ log π_θ); or per trajectory, −ρ̄·Â·log π_θ with ρ̄ the product of the ratios over the
 * step's trajectory segment (unbiased but with variance that grows with the segment's length;
 * `cap` truncates it). The effective sample size (Σw)²/(n·Σw²) of EVERY step is recorded on the GPU
 * and reported (IterationStats.agents / report algorithm words: [steps, ESS₀/n, ESS₁/n, …]), so one
 * can watch the data go stale as K grows.
 *
 * Everything else is REINFORCE's (./reinforce.ts, `createPolicyGradientTrainer`): reward-to-go
 * weights with a learned value baseline, normalised over the batch, Adam on [actor | critic]. Step 0
 * of each batch is on-policy (r = 1), so K = 1 is REINFORCE with the same estimator; the claim to
 * test is that K > 1 reaches the same return in fewer env steps.
 */
import { nullable, optional, strictObject } from 'valibot';
import { failConfig, oneOf, positive, positiveInteger, type ConfigInput } from '../../train/config';
import type { Trainer } from '../../train/trainer';
import {
  createPolicyGradientTrainer,
  MAX_UPDATE_STEPS,
  OFFPOLICY_REINFORCE_FIELDS,
  REINFORCE_DEFAULTS,
  resolvePolicyGradientConfig,
  resolvePopulation,
  type ResolvedReinforceConfig,
} from '../reinforce/reinforce';

export type ImportanceWeighting = 'per-step' | 'trajectory';

export const OFFPOLICY_SCHEMA = strictObject(
  {
    ...OFFPOLICY_REINFORCE_FIELDS,
    /** K: gradient steps on each batch, 1 … 15 (so every step's ESS fits the report). */
    updateSteps: optional(positiveInteger(MAX_UPDATE_STEPS)), // 4
    /** Per-timestep ratios, or the product over each trajectory segment. */
    importance: optional(oneOf(['per-step', 'trajectory'] as const satisfies readonly ImportanceWeighting[])), // 'per-step'
    /** Truncate the trajectory product at this value (trajectory weighting only); null: no cap. */
    importanceCap: optional(nullable(positive())), // null
  },
  'an object',
);

export interface OffPolicyConfig extends ConfigInput<typeof OFFPOLICY_SCHEMA> {}

export interface ResolvedOffPolicyConfig extends ResolvedReinforceConfig {
  readonly updateSteps: number;
  readonly importance: ImportanceWeighting;
  readonly importanceCap: number | null;
}

/**
 * REINFORCE's defaults (same estimator, batch and rate) with K = 4 per-step importance-weighted
 * steps, and the joint gradient norm clipped to 0.5: four steps on one batch need the brake (the
 * measurements in docs/LEARNING.md used it).
 */
export const OFFPOLICY_DEFAULTS = Object.freeze({
  ...REINFORCE_DEFAULTS,
  maxGradNorm: 0.5,
  updateSteps: 4,
  importance: 'per-step' as ImportanceWeighting,
  importanceCap: null as number | null,
});

/** Validates an off-policy config and freezes the result. Throws before any GPU work. */
export function resolveOffPolicyConfig(config: OffPolicyConfig = {}): ResolvedOffPolicyConfig {
  const { merged, resolved } = resolvePolicyGradientConfig('offpolicy', OFFPOLICY_SCHEMA, OFFPOLICY_DEFAULTS, config);
  const population = resolvePopulation('offpolicy', merged, resolved.numEnvs);
  const { importance, importanceCap } = merged;
  if (population.agents > 1 && importance !== 'per-step') {
    failConfig('offpolicy', 'importance', importance, "'per-step' in a population (agents > 1): the trajectory products run on one agent's [T][N] rows");
  }
  if (importanceCap !== null && importance !== 'trajectory') failConfig('offpolicy', 'importanceCap', importanceCap, "null unless importance is 'trajectory'");
  return Object.freeze({ ...resolved, weights: merged.weights, baseline: merged.baseline, ...population, updateSteps: merged.updateSteps, importance, importanceCap });
}

/** Builds an off-policy trainer; the config is validated before any GPU work. */
export async function createOffPolicyTrainer(device: GPUDevice, input: OffPolicyConfig = {}): Promise<Trainer<ResolvedOffPolicyConfig>> {
  const config = resolveOffPolicyConfig(input);
  return createPolicyGradientTrainer(device, config, {
    name: 'offpolicy',
    estimator: config.weights,
    baseline: config.baseline,
    variants: config.variants,
    offPolicy: {
      updateSteps: config.updateSteps,
      importance: config.importance === 'per-step' ? 'importance' : 'trajectory',
      ...(config.importanceCap === null ? {} : { cap: config.importanceCap }),
    },
  });
}
