/**
 * PPO with the adaptive KL penalty (src/algos/ppo-kl/ppo-kl.ts), seed 1. docs/LEARNING.md's
 * full-length run of an earlier revision reached 475 at 228 352 steps, a later one at 273 408; since
 * the categorical kernels stream their rows (a softmax sum rounded differently) at 239 104 on
 * SwiftShader, the same step on every rerun.
 */
import { learningTest } from '../support/learning';

learningTest({ config: { algo: 'ppo-kl', env: 'CartPole-v1', seed: 1 }, target: 475, budget: 500_000, recordedStep: 239_104, ci: true });
