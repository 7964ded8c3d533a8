/**
 * The self-play ratings (src/games/self-play-ratings.ts) against hand-computed rounds: ML-Agents'
 * per-game step K = 1, the learner and the snapshot played moving in opposite directions, a new
 * snapshot starting at the learner's rating; and interleaving (an even round leaves the ratings
 * near where they were, where blocks of wins then losses would not).
 */
import { describe, expect, it } from 'vitest';
import { SelfPlayRatings } from '../../src/games/self-play-ratings';
import type { PoolMemberResults } from '../../src/envs/opponent-pool';

const member = (m: number, snapshot: number, wins: number, draws: number, losses: number): PoolMemberResults => ({ member: m, snapshot, wins, draws, losses });

describe('self-play ratings', () => {
  it('rate a round against hand-computed Elo steps', () => {
    const ratings = new SelfPlayRatings();
    expect([ratings.learner, ratings.snapshot(0)]).toEqual([1200, 1200]);
    // One win against snapshot 0 at equal ratings: change = 1 · (1 − 1/2) = 0.5.
    const first = ratings.record({ snapshots: 1, results: [member(0, 0, 1, 0, 0), member(1, -1, 0, 0, 0)] });
    expect(first).toEqual({ snapshot: 1, elo: 1200.5, wins: 1, draws: 0, losses: 0 });
    expect(ratings.snapshot(0)).toBe(1199.5);
    // Snapshot 1 starts at the learner's 1200.5. Member 0 first: a loss against snapshot 0
    // (1199.5), E = 1/(1 + 10^(−1/400)), change −E; then a draw against snapshot 1, now e above the
    // learner: E' = 1/(1 + 10^(e/400)), change 1/2 − E'.
    const e = 1 / (1 + 10 ** (-1 / 400));
    const afterLoss = 1200.5 - e;
    const drawChange = 0.5 - 1 / (1 + 10 ** ((1200.5 - afterLoss) / 400));
    const second = ratings.record({ snapshots: 2, results: [member(0, 0, 0, 0, 1), member(1, 1, 0, 1, 0)] });
    expect(second.elo).toBeCloseTo(afterLoss + drawChange, 12);
    expect(ratings.snapshot(0)).toBeCloseTo(1199.5 + e, 12);
    expect(ratings.snapshot(1)).toBeCloseTo(1200.5 - drawChange, 12);
    expect(ratings.snapshot(2)).toBeCloseTo(second.elo, 12);
    expect(ratings.snapshots()).toHaveLength(3);
    expect(() => ratings.snapshot(3)).toThrow("elo: unknown player 'snapshot 3'");
  });

  it('spread a round’s wins and losses through it', () => {
    // 50 wins then 50 losses applied in blocks leave the learner at 1196.88 (computed by hand: the
    // losses come when it is the favourite); interleaved, an even round stays within 0.1 of 1200.
    const ratings = new SelfPlayRatings();
    const summary = ratings.record({ snapshots: 1, results: [member(0, 0, 50, 0, 50)] });
    expect(Math.abs(summary.elo - 1200)).toBeLessThan(0.1);
    expect(ratings.learner + ratings.snapshot(0)).toBeCloseTo(2400, 9);
  });
});
