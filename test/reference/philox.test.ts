/**
 * The RNG reference against published known answers and hand-computed cases. The GPU tests trust
 * this file's functions, so they are pinned here to numbers that do not come from this code.
 */
import { describe, expect, it } from 'vitest';
import {
  cdfBoundaryDistance,
  normalPair,
  philox4x32,
  sampleCategorical,
  uniformFromBits,
  type Block,
  type Key,
} from './philox';

// Random123's known-answer vectors for Philox4x32 (counter words, key words, output), as
// copied from the kat_vectors file of the Random123 distribution into
// DEShawResearch/Random123-Boost, libs/random/test/test_philox.cpp (test_kat_philox4x32, commit
// 916db91ae4c6fd8324ef054a518851321ab41f91). The 7-round vectors pin the round function and the
// key schedule separately from the round count.
const KNOWN_ANSWERS: { rounds: number; counter: Block; key: Key; output: Block }[] = [
  { rounds: 7, counter: [0, 0, 0, 0], key: [0, 0], output: [0x5f6fb709, 0x0d893f64, 0x4f121f81, 0x4f730a48] },
  {
    rounds: 7,
    counter: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    key: [0xffffffff, 0xffffffff],
    output: [0x5207ddc2, 0x45165e59, 0x4d8ee751, 0x8c52f662],
  },
  {
    rounds: 7,
    counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    key: [0xa4093822, 0x299f31d0],
    output: [0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a],
  },
  { rounds: 10, counter: [0, 0, 0, 0], key: [0, 0], output: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8] },
  {
    rounds: 10,
    counter: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    key: [0xffffffff, 0xffffffff],
    output: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  },
  {
    rounds: 10,
    counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    key: [0xa4093822, 0x299f31d0],
    output: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  },
];

const hex = (words: readonly number[]) => words.map((w) => w.toString(16).padStart(8, '0')).join(' ');

describe('Philox4x32 reference', () => {
  it.each(KNOWN_ANSWERS)('matches Random123 for $rounds rounds at counter $counter', ({ rounds, counter, key, output }) => {
    expect(hex(philox4x32(counter, key, rounds))).toBe(hex(output));
  });

  it('defaults to 10 rounds', () => {
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
  });
});

describe('uniformFromBits', () => {
  it('spans (0, 1) from 2^-24 to 1 - 2^-24 in cells of 2^-23', () => {
    expect(uniformFromBits(0)).toBe(2 ** -24);
    expect(uniformFromBits(511)).toBe(2 ** -24); // the low 9 bits are dropped
    expect(uniformFromBits(512)).toBe(1.5 * 2 ** -23);
    expect(uniformFromBits(0x80000000)).toBe(0.5 + 2 ** -24);
    expect(uniformFromBits(0xffffffff)).toBe(1 - 2 ** -24);
  });

  it('is exact in f32, which keeping 24 bits would not be', () => {
    for (const bits of [0, 1234567, 0x7fffffff, 0xdeadbeef, 0xffffffff]) {
      const u = uniformFromBits(bits);
      expect(Math.fround(u)).toBe(u);
    }
    // The top value with only 8 bits dropped, (2^24 - 1 + 0.5)·2^-24, rounds to 1 in f32.
    expect(Math.fround((2 ** 24 - 0.5) * 2 ** -24)).toBe(1);
  });
});

describe('normalPair (Box–Muller)', () => {
  it('gives r = 1 at u1 = e^-1/2 and θ = π/2 at u2 = 3/4', () => {
    const [x, y] = normalPair(Math.exp(-0.5), 0.75);
    expect(x).toBeCloseTo(0, 14);
    expect(y).toBeCloseTo(1, 14);
  });

  it('gives r = 2 at u1 = e^-2, θ = 0 at u2 = 1/2 and θ = -π/2 at u2 = 1/4', () => {
    const [x0, y0] = normalPair(Math.exp(-2), 0.5);
    expect(x0).toBeCloseTo(2, 14);
    expect(y0).toBe(0);
    const [x1, y1] = normalPair(Math.exp(-2), 0.25);
    expect(x1).toBeCloseTo(0, 14);
    expect(y1).toBeCloseTo(-2, 14);
  });
});

describe('sampleCategorical (inverse CDF)', () => {
  // Probabilities 1/6, 1/3, 1/2: CDF boundaries at 1/6 and 1/2.
  const logits = [0, Math.log(2), Math.log(3)];

  it.each([
    { u: 0.1, index: 0 },
    { u: 0.2, index: 1 },
    { u: 0.49, index: 1 },
    { u: 0.51, index: 2 },
    { u: 1 - 2 ** -24, index: 2 },
  ])('picks $index at u = $u', ({ u, index }) => {
    expect(sampleCategorical(logits, u)).toBe(index);
  });

  it('never picks a masked logit', () => {
    expect(sampleCategorical([0, Number.NEGATIVE_INFINITY, 0], 0.49)).toBe(0);
    expect(sampleCategorical([0, Number.NEGATIVE_INFINITY, 0], 0.51)).toBe(2);
    expect(sampleCategorical([-1e30, 0], 2 ** -24)).toBe(1);
  });

  it('falls back to the last possible index when the walk runs off the end', () => {
    // u = 1 is outside the uniforms' range; it stands in for rounding that leaves the target at
    // or above the total.
    expect(sampleCategorical([0, 0, Number.NEGATIVE_INFINITY], 1)).toBe(1);
  });

  it('measures the distance to the nearest CDF boundary', () => {
    expect(cdfBoundaryDistance(logits, 0.2)).toBeCloseTo(1 / 30, 14);
    expect(cdfBoundaryDistance(logits, 0.45)).toBeCloseTo(0.05, 14);
  });
});
