/**
 * CEM over policy parameters (src/algos/cem/). Seed 3 of the three in docs/LEARNING.md
 * (440 000 / 220 000 / 180 000 steps): the fewest steps.
 */
import { learningTest } from '../support/learning';

learningTest({ config: { algo: 'cem', env: 'CartPole-v1', seed: 3 }, target: 475, budget: 500_000, recordedStep: 180_000, ci: true });
