/**
 * The per-epoch minibatch permutation of the PPO family (shaders/rollout/feistel_permutation.wgsl)
 * in plain TypeScript: a 4-round Feistel network over ⌈log2 n⌉ bits keyed by Philox (seed,
 * PERMUTATION_STREAM) and counted by (round, epoch, iteration), cycle-walked into [0, n), so a test
 * replays the GPU's minibatches bit for bit.
 */
import { PERMUTATION_STREAM } from '../../src/algos/ppo/ppo';
import { feistelHalfBits } from '../../src/rollout/kernels';
import { philox4x32 } from './philox';

/** The GPU's permutation of one epoch (shaders/rollout/feistel_permutation.wgsl, one agent). */
export function referencePermutation(samples: number, seed: number, iteration: number, epoch: number): number[] {
  const h = feistelHalfBits(samples);
  const mask = (1 << h) - 1;
  const feistel = (value: number) => {
    let left = value >>> h;
    let right = value & mask;
    for (let round = 0; round < 4; round += 1) {
      const f = philox4x32([right, round, epoch, iteration], [seed, PERMUTATION_STREAM])[0] & mask;
      [left, right] = [right, (left ^ f) >>> 0];
    }
    return ((left << h) | right) >>> 0;
  };
  return Array.from({ length: samples }, (_, i) => {
    let j = feistel(i);
    while (j >= samples) j = feistel(j);
    return j;
  });
}
