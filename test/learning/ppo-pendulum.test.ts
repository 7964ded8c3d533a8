/**
 * Gaussian PPO on Pendulum-v1 with PPO_ENV_DEFAULTS['Pendulum-v1'] (src/algos/ppo/config.ts: normalised
 * observations, scaled rewards, γ = 0.9), seed 1 as recorded in docs/LEARNING.md.
 */
import { learningTest } from '../support/learning';

learningTest({ config: { algo: 'ppo', env: 'Pendulum-v1', seed: 1 }, target: -250, budget: 1_000_000, recordedStep: 114_688, ci: true });
