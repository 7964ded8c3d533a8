/**
 * An evaluation reports an env's episode metrics with each episode (src/agent/evaluate-policy.ts):
 * Pong-v0 played by a policy of random moves, six games of two points. Each game's metrics must
 * agree with its return by the env's rules (return = points won − points lost + return_reward ·
 * returns; a game that ends before the step limit has played both its points), and a game ends on
 * its own step: each metric is the one its episode ended with, not a neighbour's.
 */
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, type ActFunction } from '../../src/agent/evaluate-policy';
import { pong } from '../../src/games/pong';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

describe('evaluation with episode metrics', () => {
  const gpu = useGpu();

  it('gives each Pong game its points and returns, consistent with the game’s return', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const episodes = 6;
    const act: ActFunction = async (observations) => ({ actions: Uint32Array.from({ length: observations.length / 6 }, () => Math.floor(random() * 3)) });
    const result = await gpuStep(gpu(), 'evaluate', () => evaluatePolicy(gpu().device, { ...pong, maxEpisodeSteps: 3000, params: { ...pong.params, points_per_game: 2 } }, act, { episodes, seed }));
    const { points_won: won, points_lost: lost, returns } = result.metrics!;
    console.log(`[evaluate metrics] seed ${seed}: won ${won!.join(' ')}, lost ${lost!.join(' ')}, returns ${returns!.join(' ')}, lengths ${result.lengths.join(' ')}`);
    for (let n = 0; n < episodes; n += 1) {
      expect(result.returns[n]!, `seed ${seed}, game ${n}`).toBeCloseTo(won![n]! - lost![n]! + Math.fround(0.1) * returns![n]!, 4);
      if (result.lengths[n]! < 3000) expect(won![n]! + lost![n]!, `seed ${seed}, game ${n}`).toBe(2);
    }
    // The games differ: a metric copied from one env to the others would not.
    expect(new Set(result.lengths).size).toBeGreaterThan(1);
  });
});
