/**
 * PPO with the adaptive KL penalty (Schulman et al. 2017, section 4): maximise
 * r·Â − β·KL(π_old ‖ π) over K epochs of minibatches, then, from the iteration's mean KL d,
 * β ← β/2 when d < d_targ/1.5 and β ← 2β when d > 1.5·d_targ, decided on the GPU
 * (shaders/losses/kl_adapt_beta.wgsl), so the loop never waits to read d. Everything else is
 * PPO's (./ppo.ts, `createPpoFamilyTrainer`): rollout, GAE, permutations, value loss, entropy, Adam,
 * and the heads: the KL(π_old ‖ π) of the penalty is the head's own (src/train/policy-kl.ts), per
 * branch for a categorical head, in closed form between diagonal Gaussians for a box (θ_old's
 * means from a forward pass with the parameters before the update, its log-std from their copy),
 * their sum for a hybrid head. d is approx_kl, the k3 estimate from the ratios, for every head.
 *
 * Defaults: the paper's d_targ = 0.01 and initial β = 1 (its table 1 shows the result is not
 * sensitive to β₀, since β adapts within a few iterations); the rest PPO's CleanRL defaults.
 */

import { createPpoFamilyTrainer, type PpoTrainer } from '../ppo/ppo';
import { resolvePpoKlConfig, type PpoKlConfig, type ResolvedPpoKlConfig } from './config';

/** Builds a PPO-KL trainer; the config is validated before any GPU work. */
export async function createPpoKlTrainer(device: GPUDevice, input: PpoKlConfig = {}): Promise<PpoTrainer<ResolvedPpoKlConfig>> {
  const config = resolvePpoKlConfig(input);
  return createPpoFamilyTrainer(device, config, { name: 'ppo-kl', objective: 'kl-penalty', klTarget: config.klTarget, klBeta: config.klBeta });
}
