/**
 * TRPO with a Gaussian head on Pendulum-v1 with TRPO_ENV_DEFAULTS['Pendulum-v1'] (src/algos/trpo/config.ts:
 * PPO's Pendulum settings where TRPO has them — normalised observations, scaled rewards, γ = 0.9,
 * 16 envs × 256 steps — with GAE λ 0.95 and 20 value steps), seed 1 as recorded in docs/LEARNING.md.
 */
import { learningTest } from '../support/learning';

learningTest({ config: { algo: 'trpo', env: 'Pendulum-v1', seed: 1 }, target: -250, budget: 1_000_000, recordedStep: 225_280, ci: false });
