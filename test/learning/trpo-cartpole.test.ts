/**
 * TRPO (src/algos/trpo/), seed 1 as recorded in docs/LEARNING.md.
 */
import { learningTest } from '../support/learning';

learningTest({ config: { algo: 'trpo', env: 'CartPole-v1', seed: 1 }, target: 475, budget: 500_000, recordedStep: 245_760, ci: true });
