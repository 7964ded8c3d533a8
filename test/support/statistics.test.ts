/** The chi-square helpers against closed forms and textbook table values. */
import { describe, expect, it } from 'vitest';
import { chiSquareCritical, chiSquareStatistic, chiSquareSurvival, meanAndVariance } from './statistics';

describe('chi-square', () => {
  it.each([0.5, 3, 10, 40, 80])('matches the closed forms for 2 and 4 degrees of freedom at x = %d', (x) => {
    expect(chiSquareSurvival(x, 2) / Math.exp(-x / 2)).toBeCloseTo(1, 12);
    expect(chiSquareSurvival(x, 4) / (Math.exp(-x / 2) * (1 + x / 2))).toBeCloseTo(1, 12);
  });

  it('reproduces the 5% table values for 1, 3 and 4 degrees of freedom', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(chiSquareSurvival(7.814727903251178, 3)).toBeCloseTo(0.05, 12);
    expect(chiSquareCritical(0.05, 4)).toBeCloseTo(9.487729036781154, 9);
  });

  it('inverts the survival function at small p', () => {
    for (const df of [1, 3, 4, 9]) {
      expect(chiSquareSurvival(chiSquareCritical(1e-6, df), df) / 1e-6).toBeCloseTo(1, 9);
    }
  });

  it("computes Pearson's statistic over cells with nonzero expectation", () => {
    expect(chiSquareStatistic([10, 30, 0], [20, 20, 0])).toBe(10);
  });
});

describe('meanAndVariance', () => {
  it('gives the population moments', () => {
    expect(meanAndVariance([1, 2, 3, 4])).toEqual({ mean: 2.5, variance: 1.25 });
  });
});
