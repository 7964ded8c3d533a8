/**
 * A2C with SB3's 8 envs × 5 steps (src/algos/a2c/a2c.ts), seed 1 as recorded in docs/LEARNING.md.
 */
import { learningTest } from '../support/learning';

learningTest({ config: { algo: 'a2c', env: 'CartPole-v1', seed: 1 }, target: 475, budget: 1_000_000, recordedStep: 139_720, ci: true });
