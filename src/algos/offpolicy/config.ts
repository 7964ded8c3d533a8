/** The off-policy trainer's configuration: REINFORCE's fields plus K and the importance weighting (./offpolicy.ts). */
import { nullable, optional, strictObject } from 'valibot';
import { failConfig, oneOf, positive, positiveInteger, type ConfigInput } from '../../train/config';
import {
  MAX_UPDATE_STEPS,
  OFFPOLICY_REINFORCE_FIELDS,
  REINFORCE_DEFAULTS,
  resolvePolicyGradientConfig,
  resolvePopulation,
  type ResolvedReinforceConfig,
} from '../reinforce/config';

/**
 * How the off-policy trainer reweighs steps 2 … K on a batch sampled by an older policy: 'per-step',
 * each step's ratio π/π_old; 'trajectory', the product of the ratios over the trajectory segment.
 */
export type ImportanceWeighting = 'per-step' | 'trajectory';

/** The off-policy trainer's config schema (valibot). */
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

/**
 * The off-policy trainer's hyperparameters (`algorithm: { algo: 'offpolicy', ... }`): REINFORCE's,
 * plus K importance-weighted gradient steps per batch. Every field is optional:
 * {@link OFFPOLICY_DEFAULTS} fills the ones left out.
 */
export interface OffPolicyConfig extends ConfigInput<typeof OFFPOLICY_SCHEMA> {}

/** A validated off-policy config (what resolveTrainerConfig returns for `offpolicy`). */
export interface ResolvedOffPolicyConfig extends ResolvedReinforceConfig {
  /** K: gradient steps on each batch. */
  readonly updateSteps: number;
  /** Per-step ratios, or their product over each trajectory segment. */
  readonly importance: ImportanceWeighting;
  /** Cap of the trajectory product; null: none. */
  readonly importanceCap: number | null;
}

/**
 * REINFORCE's defaults (same estimator, batch and rate) with K = 4 per-step importance-weighted
 * steps, and the joint gradient norm clipped to 0.5: four steps on one batch need the brake (the
 * measurements in docs/LEARNING.md used it).
 */
export const OFFPOLICY_DEFAULTS = Object.freeze({
  ...REINFORCE_DEFAULTS,
  /** Global gradient-norm clip over actor and critic together. */
  maxGradNorm: 0.5,
  /** K: gradient steps on each batch. */
  updateSteps: 4,
  /** Importance weighting: 'per-step' ratios. */
  importance: 'per-step' as ImportanceWeighting,
  /** Cap of the trajectory product: null, none. */
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
