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
import type { Trainer } from '../../train/trainer';
import {
  checkEstimator,
  checkPopulation,
  createPolicyGradientTrainer,
  POPULATION_FIELDS,
  ESS_HISTORY_WORDS,
  REINFORCE_DEFAULTS,
  resolvePolicyGradientConfig,
  type ReinforceConfig,
  type ResolvedReinforceConfig,
} from '../reinforce/reinforce';

export type ImportanceWeighting = 'per-step' | 'trajectory';

export interface OffPolicyConfig extends ReinforceConfig {
  /** K: gradient steps on each batch, 1 … 15 (so every step's ESS fits the report). */
  readonly updateSteps?: number; // 4
  /** Per-timestep ratios, or the product over each trajectory segment. */
  readonly importance?: ImportanceWeighting; // 'per-step'
  /** Truncate the trajectory product at this value (trajectory weighting only); null: no cap. */
  readonly importanceCap?: number | null; // null
}

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

const IMPORTANCE: readonly ImportanceWeighting[] = ['per-step', 'trajectory'];

/** Validates an off-policy config and freezes the result. Throws before any GPU work. */
export function resolveOffPolicyConfig(config: OffPolicyConfig = {}): ResolvedOffPolicyConfig {
  const { check, merged, resolved } = resolvePolicyGradientConfig('offpolicy', OFFPOLICY_DEFAULTS, config, POPULATION_FIELDS);
  const estimator = checkEstimator(check, merged);
  const updateSteps = check.positiveInteger('updateSteps', merged.updateSteps, ESS_HISTORY_WORDS - 1);
  const population = checkPopulation(check, config, { ...estimator, learningRate: resolved.learningRate, normAdv: resolved.normAdv, numEnvs: resolved.numEnvs, updateSteps }, { max: ESS_HISTORY_WORDS - 1 });
  if (population.agents > 1 && merged.importance !== 'per-step') {
    check.fail('importance', merged.importance, "'per-step' in a population (agents > 1): the trajectory products run on one agent's [T][N] rows");
  }
  if (!IMPORTANCE.includes(merged.importance)) check.fail('importance', merged.importance, `one of ${IMPORTANCE.map((v) => `'${v}'`).join(', ')}`);
  const importanceCap = merged.importanceCap === null ? null : check.positive('importanceCap', merged.importanceCap);
  if (importanceCap !== null && merged.importance !== 'trajectory') check.fail('importanceCap', importanceCap, "null unless importance is 'trajectory'");
  return Object.freeze({
    ...resolved,
    ...estimator,
    ...population,
    updateSteps,
    importance: merged.importance,
    importanceCap,
  });
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
