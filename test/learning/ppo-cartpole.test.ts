/**
 * PPO-clip, CleanRL's discrete defaults (src/algos/ppo/config.ts). Seed 1 of the three in docs/LEARNING.md
 * (250 368 / 258 048 / 332 288 steps): the fewest steps.
 */
import { learningTest } from '../support/learning';

learningTest({ config: { algo: 'ppo', env: 'CartPole-v1', seed: 1 }, target: 475, budget: 500_000, recordedStep: 250_368, ci: true });
