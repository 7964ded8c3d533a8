import { describe, expect, it } from 'vitest';
import { dispatchGroups } from '../../src/gpu/dispatch';

describe('dispatchGroups', () => {
  it('uses one dimension while the count fits', () => {
    expect(dispatchGroups(0, 64, 65535)).toEqual([0, 1]);
    expect(dispatchGroups(1, 64, 65535)).toEqual([1, 1]);
    expect(dispatchGroups(100_003, 64, 65535)).toEqual([1563, 1]);
    expect(dispatchGroups(65535 * 64, 64, 65535)).toEqual([65535, 1]);
  });

  it('splits over y beyond maxComputeWorkgroupsPerDimension, covering every invocation', () => {
    for (const [n, size, max] of [
      [65535 * 64 + 1, 64, 65535],
      [100_003, 1, 65535],
      [5_000_011, 64, 65535],
      [1_000_000, 1, 1000],
      [999_999_937, 256, 65535],
    ] as const) {
      const [x, y] = dispatchGroups(n, size, max);
      expect(y).toBeGreaterThan(1);
      expect(x).toBeLessThanOrEqual(max);
      expect(y).toBeLessThanOrEqual(max);
      expect(x * y * size).toBeGreaterThanOrEqual(n);
      // No more than one spare row of workgroups.
      expect((x * y - Math.ceil(n / size)) / x).toBeLessThan(1);
    }
  });

  it('rejects counts no two-dimensional dispatch can hold, and non-integers', () => {
    expect(() => dispatchGroups(65535 * 65535 * 2, 1, 65535)).toThrow(/maxComputeWorkgroupsPerDimension/);
    expect(() => dispatchGroups(-1, 64, 65535)).toThrow(/non-negative integer \(got -1\)/);
    expect(() => dispatchGroups(1.5, 64, 65535)).toThrow(/got 1.5/);
  });
});
