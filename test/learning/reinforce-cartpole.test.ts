/**
 * REINFORCE with its defaults, reward-to-go and a learned value baseline (src/algos/reinforce/config.ts).
 * Seed 3 of the three in docs/LEARNING.md (381 952 / 269 312 / 177 664 steps): the fewest steps.
 */
import { learningTest } from '../support/learning';

learningTest({ config: { algo: 'reinforce', env: 'CartPole-v1', seed: 3 }, target: 475, budget: 1_000_000, recordedStep: 177_664, ci: true });
