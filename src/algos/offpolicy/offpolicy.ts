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

import { createPolicyGradientTrainer, type PolicyGradientTrainer } from '../reinforce/reinforce';
import { resolveOffPolicyConfig, type OffPolicyConfig, type ResolvedOffPolicyConfig } from './config';

/** Builds an off-policy trainer; the config is validated before any GPU work. */
export async function createOffPolicyTrainer(device: GPUDevice, input: OffPolicyConfig = {}): Promise<PolicyGradientTrainer<ResolvedOffPolicyConfig>> {
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
