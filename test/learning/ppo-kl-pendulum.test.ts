/**
 * PPO-KL with a Gaussian head on Pendulum-v1 with PPO_ENV_DEFAULTS['Pendulum-v1'] (src/algos/ppo/config.ts:
 * normalised observations, scaled rewards, γ = 0.9; d_targ 0.01, β₀ 1), seed 1 as recorded in
 * docs/LEARNING.md.
 */
import { learningTest } from '../support/learning';

learningTest({ config: { algo: 'ppo-kl', env: 'Pendulum-v1', seed: 1 }, target: -250, budget: 1_000_000, recordedStep: 135_168, ci: false });
