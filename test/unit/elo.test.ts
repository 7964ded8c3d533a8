/**
 * Elo ratings (src/games/elo.ts) against hand-computed cases: equal ratings, a favourite losing,
 * a draw; the ratings' sum conserved over a random tournament; bad input named.
 */
import { describe, expect, it } from 'vitest';
import { EloRatings, eloUpdate, expectedScore } from '../../src/games/elo';
import { freshSeed, seededRandom } from '../support/random';

describe('Elo ratings', () => {
  it('match hand-computed updates', () => {
    // Equal ratings: E = 1/2; a win at K = 16 moves each by 8 (ML-Agents' worked example).
    expect(expectedScore(1200, 1200)).toBe(0.5);
    expect(eloUpdate(1200, 1200, 1, 16)).toEqual([1208, 1192]);
    // 400 points apart: E = 1/(1 + 10^−1) = 10/11; the favourite loses at K = 32: −32·10/11 = −29.0909…
    expect(expectedScore(1600, 1200)).toBeCloseTo(10 / 11, 15);
    const [favourite, underdog] = eloUpdate(1600, 1200, 0, 32);
    expect(favourite).toBeCloseTo(1600 - 320 / 11, 10);
    expect(underdog).toBeCloseTo(1200 + 320 / 11, 10);
    // A draw between 1300 and 1100: E = 1/(1 + 10^−0.5) = 0.759747…; change 16·(0.5 − 0.759747) = −4.15596…
    const [a, b] = eloUpdate(1300, 1100, 0.5, 16);
    expect(a).toBeCloseTo(1300 - 4.155955, 5);
    expect(b).toBeCloseTo(1100 + 4.155955, 5);
  });

  it('a table keeps the sum of ratings and ranks the stronger player higher', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const table = new EloRatings();
    const strength = [0.2, 0.5, 0.8];
    strength.forEach((_, i) => table.add(`p${i}`));
    table.add('snapshot', table.rating('p1'));
    for (let game = 0; game < 3000; game += 1) {
      const i = Math.floor(random() * 3);
      const j = (i + 1 + Math.floor(random() * 2)) % 3;
      const pWin = strength[i]! / (strength[i]! + strength[j]!);
      table.record(`p${i}`, `p${j}`, random() < pWin ? 1 : 0);
    }
    const ratings = table.entries().map(([, r]) => r);
    expect(ratings.reduce((s, r) => s + r, 0), `seed ${seed}`).toBeCloseTo(4 * 1200, 6);
    expect(table.rating('p2') > table.rating('p1') && table.rating('p1') > table.rating('p0'), `seed ${seed}: ${JSON.stringify(table.entries())}`).toBe(true);
    expect(table.rating('snapshot')).toBe(1200);
  });

  it('refuses bad input by name', () => {
    const table = new EloRatings({ initial: 1000, k: 24 });
    table.add('a');
    expect(() => table.add('a')).toThrow("elo: player 'a' is already rated (1000)");
    expect(() => table.rating('b')).toThrow("elo: unknown player 'b' (rated: a)");
    expect(() => table.record('a', 'a', 1)).toThrow("elo: a player cannot be rated against itself ('a')");
    table.add('b');
    expect(() => table.record('a', 'b', 0.7 as 1)).toThrow('elo: score must be 0, 0.5 or 1 (got 0.7)');
    expect(() => new EloRatings({ k: 0 })).toThrow('elo: k must be a finite number > 0 (got 0)');
    expect(() => new EloRatings({ initial: Number.NaN })).toThrow('elo: initial must be a finite number (got NaN)');
  });
});
