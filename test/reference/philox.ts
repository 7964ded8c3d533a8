/**
 * Float64 / BigInt reference for shaders/rng/philox.wgsl: Philox4x32-10 (Salmon et al. 2011,
 * Random123), the uniform and normal transforms, and inverse-CDF categorical sampling. Written
 * independently of the WGSL: the 32×32→64 multiply is a BigInt product rather than 16-bit limbs,
 * and the transforms run in float64.
 */

/** Four u32 words: a Philox counter or output block. */
export type Block = readonly [number, number, number, number];
/** Two u32 words: a Philox key. */
export type Key = readonly [number, number];

const MULTIPLIERS = [0xd2511f53n, 0xcd9e8d57n] as const;
const WEYL = [0x9e3779b9, 0xbb67ae85] as const;
const LOW_WORD = 0xffffffffn;

/** [hi, lo] of the exact 64-bit product of two u32. */
function mulhilo(multiplier: bigint, word: number): [number, number] {
  const product = multiplier * BigInt(word);
  return [Number(product >> 32n), Number(product & LOW_WORD)];
}

/**
 * Philox4x32 with `rounds` rounds (10 is the engine's; 7 is also published, for the known-answer
 * tests). Round: (hi0, lo0) = M0·c0, (hi1, lo1) = M1·c2, c = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0),
 * then the key advances by the Weyl increments.
 */
export function philox4x32(counter: Block, key: Key, rounds = 10): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter;
  let [k0, k1] = key;
  for (let round = 0; round < rounds; round += 1) {
    if (round > 0) {
      k0 = (k0 + WEYL[0]) >>> 0;
      k1 = (k1 + WEYL[1]) >>> 0;
    }
    const [hi0, lo0] = mulhilo(MULTIPLIERS[0], c0);
    const [hi1, lo1] = mulhilo(MULTIPLIERS[1], c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

/** The names of a draw besides its row (mirrors RngParams in src/rng/params.ts). */
export interface DrawName {
  seed: number;
  stream: number;
  iteration: number;
  step: number;
  draw: number;
}

/** Philox block of `row` under the engine's convention: key (seed, stream), counter (draw, row, step, iteration). */
export function rngBlock(name: DrawName, row: number): [number, number, number, number] {
  return philox4x32([name.draw, row, name.step, name.iteration], [name.seed, name.stream]);
}

/** (floor(bits / 2^9) + 0.5)·2^-23: in (0, 1), and exactly the f32 the GPU computes. */
export function uniformFromBits(bits: number): number {
  return (Math.floor(bits / 512) + 0.5) / 8388608;
}

/** Box–Muller in float64: r = sqrt(-2 ln u1), θ = 2π(u2 - 1/2); returns [r cos θ, r sin θ]. */
export function normalPair(u1: number, u2: number): [number, number] {
  const r = Math.sqrt(-2 * Math.log(u1));
  const theta = 2 * Math.PI * (u2 - 0.5);
  return [r * Math.cos(theta), r * Math.sin(theta)];
}

/** softmax(logits) in float64 (max subtracted first; -Infinity gives probability 0). */
export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const weights = logits.map((logit) => Math.exp(logit - max));
  const total = weights.reduce((sum, w) => sum + w, 0);
  return weights.map((w) => w / total);
}

/**
 * Inverse-CDF sample of softmax(logits) for u in (0, 1): the first index whose cumulative
 * probability exceeds u; if rounding lets the walk pass the end, the last index with nonzero
 * probability (the same rule as sample_row in shaders/rng/categorical.wgsl).
 */
export function sampleCategorical(logits: readonly number[], u: number): number {
  const probabilities = softmax(logits);
  let cumulative = 0;
  let lastPossible = 0;
  for (let i = 0; i < probabilities.length; i += 1) {
    const p = probabilities[i]!;
    if (p > 0) lastPossible = i;
    cumulative += p;
    if (cumulative > u) return i;
  }
  return lastPossible;
}

/**
 * How far u lies from the nearest interior CDF boundary of softmax(logits): a sampler working in
 * f32 may choose differently from this float64 one only when this distance is within its error.
 */
export function cdfBoundaryDistance(logits: readonly number[], u: number): number {
  const probabilities = softmax(logits);
  let cumulative = 0;
  let nearest = Infinity;
  for (let i = 0; i < probabilities.length - 1; i += 1) {
    cumulative += probabilities[i]!;
    nearest = Math.min(nearest, Math.abs(u - cumulative));
  }
  return nearest;
}
