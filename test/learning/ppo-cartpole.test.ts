/**
 * PPO-clip, CleanRL's discrete defaults (src/algos/ppo/config.ts), seed 1. It reached 475 at 250 368
 * steps (seeds 2 and 3: 258 048 / 332 288, docs/LEARNING.md) until the categorical kernels began
 * streaming their rows (a softmax sum rounded differently, ~1e-7); since then at 368 128.
 */
import { learningTest } from '../support/learning';

learningTest({ config: { algo: 'ppo', env: 'CartPole-v1', seed: 1 }, target: 475, budget: 500_000, recordedStep: 368_128, ci: true });
