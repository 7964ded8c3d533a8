/**
 * Off-policy REINFORCE, K = 4 importance-weighted steps per batch (src/algos/offpolicy/offpolicy.ts),
 * seed 1 as recorded in docs/LEARNING.md.
 */
import { learningTest } from '../support/learning';

learningTest({ config: { algo: 'offpolicy', env: 'CartPole-v1', seed: 1 }, target: 475, budget: 1_000_000, recordedStep: 288_256, ci: true });
