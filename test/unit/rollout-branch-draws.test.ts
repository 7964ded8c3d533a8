/**
 * Which Philox word the rollout's branch samplers draw (src/rollout/kernels.ts
 * policySampleCategoricalKernels, BRANCH of shaders/rollout/policy_sample_categorical.wgsl): branch b
 * of a multi-discrete policy word b; a hybrid head's branch b word firstDraw + b, past the words the
 * Gaussian sampler uses (its ⌈D/4⌉ blocks), so that the continuous and the discrete draws are
 * independent, as act()'s are (test/gpu/hybrid-policy.test.ts measures what sharing them does).
 */
import { describe, expect, it } from 'vitest';
import { policySampleCategoricalKernels } from '../../src/rollout/kernels';

describe('rollout branch samplers', () => {
  it('draw word b (multi-discrete), or word firstDraw + b after a hybrid head\'s Gaussian', () => {
    const branches = (hybrid?: { firstDraw: number }) =>
      policySampleCategoricalKernels({
        agents: 2,
        envsPerAgent: 5,
        nvec: [4, 1, 3],
        masked: true,
        ...(hybrid && { hybrid: { logits: { stride: 11, offset: 3 }, actions: { stride: 6, offset: 3 }, firstDraw: hybrid.firstDraw } }),
      }).map((k) => k.spec.constants!.BRANCH);
    expect(branches()).toEqual([0, 1, 2]);
    // D = 3: the Gaussian uses block 0 (words 0–3); the branches start at word 4.
    expect(branches({ firstDraw: 4 })).toEqual([4, 5, 6]);
  });
});
