import { describe, expect, it } from 'vitest';
import { normalStream, philox4x32, uniformFromBits } from '../../src/rng/philox-cpu';
import * as reference from '../reference/philox';
import { freshSeed, seededRandom } from '../support/random';

describe('CPU Philox (src/rng/philox-cpu.ts)', () => {
  it('matches the BigInt reference bit for bit on random counters and keys', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const word = () => Math.floor(random() * 2 ** 32) >>> 0;
    for (let i = 0; i < 2000; i += 1) {
      const counter = [word(), word(), word(), word()] as const;
      const key = [word(), word()] as const;
      expect(Array.from(philox4x32(counter, key)), `seed ${seed}, draw ${i}`).toEqual(reference.philox4x32(counter, key));
    }
  });

  it('gives the published known answer for counter 0, key 0', () => {
    expect(Array.from(philox4x32([0, 0, 0, 0], [0, 0]))).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
  });

  it('maps bits to the same uniforms as the WGSL, and draws standard normals', () => {
    expect(uniformFromBits(0)).toBe(2 ** -24);
    expect(uniformFromBits(0xffffffff)).toBe(1 - 2 ** -24);
    const n = 200_000;
    const z = normalStream(7, 1, 0, n);
    const mean = z.reduce((s, v) => s + v, 0) / n;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    // 4 standard errors: sqrt(1/n) for the mean, sqrt(2/n) for the variance.
    expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(1 / n));
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    expect(Array.from(normalStream(7, 1, 0, 5))).toEqual(Array.from(z.subarray(0, 5)));
    expect(normalStream(7, 1, 1, 5)[0]).not.toBe(z[0]);
  });
});
