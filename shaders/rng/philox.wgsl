// Include-only: counter-based random numbers (Philox4x32-10) and the distributions built on them.
//
// Philox4x32-10 is from J. K. Salmon, M. A. Moraes, R. O. Dror and D. E. Shaw, "Parallel random
// numbers: as easy as 1, 2, 3", SC '11 (the Random123 library). A block of four u32 is a keyed
// bijection of a 128-bit counter, so no RNG state is stored anywhere: any draw can be recomputed,
// on the GPU or by the CPU reference (test/reference/philox.ts), from the numbers that name it.
//
// Keying convention, used by every kernel of the engine:
//   key     = vec2u(seed, stream)
//   counter = vec4u(draw, row, step, iteration)
// `stream` separates independent consumers (policy sampling, env resets, permutations, ...);
// `row` is the env or batch row; `draw` numbers the blocks one row takes within one step. A draw is
// thus a pure function of (seed, stream, iteration, row, step, draw) and does not depend on the
// dispatch shape.

const PHILOX_M0: u32 = 0xD2511F53u;
const PHILOX_M1: u32 = 0xCD9E8D57u;
// Weyl increments of the key: the fractions of the golden ratio and of sqrt(3), times 2^32.
const PHILOX_W0: u32 = 0x9E3779B9u;
const PHILOX_W1: u32 = 0xBB67AE85u;

// The 64-bit product a·b as vec2u(hi, lo). WGSL has no 64-bit integers and no mul-hi builtin, so
// the high word is assembled from 16-bit limbs, whose 32-bit partial products cannot overflow:
//   a·b = hh·2^32 + (lh + hl)·2^16 + ll.
fn philox_mulhilo(a: u32, b: u32) -> vec2u {
  let a_lo = a & 0xFFFFu;
  let a_hi = a >> 16u;
  let b_lo = b & 0xFFFFu;
  let b_hi = b >> 16u;
  let ll = a_lo * b_lo;
  let lh = a_lo * b_hi;
  let hl = a_hi * b_lo;
  let hh = a_hi * b_hi;
  // The three pieces at weight 2^16, each below 2^16: their sum fits in 18 bits, and its bits
  // above 16 carry into the high word.
  let middle = (ll >> 16u) + (lh & 0xFFFFu) + (hl & 0xFFFFu);
  let hi = hh + (lh >> 16u) + (hl >> 16u) + (middle >> 16u);
  return vec2u(hi, a * b);
}

fn philox_round(c: vec4u, k: vec2u) -> vec4u {
  let p0 = philox_mulhilo(PHILOX_M0, c.x);
  let p1 = philox_mulhilo(PHILOX_M1, c.z);
  return vec4u(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
}

// Ten rounds; the key is bumped by the Weyl increments between rounds (u32 addition wraps).
fn philox4x32_10(counter: vec4u, key: vec2u) -> vec4u {
  var c = philox_round(counter, key);
  var k = key;
  for (var round_index = 1u; round_index < 10u; round_index += 1u) {
    k += vec2u(PHILOX_W0, PHILOX_W1);
    c = philox_round(c, k);
  }
  return c;
}

// A uniform in the open interval (0, 1): the top 23 bits, centred in their cell,
// (floor(bits / 2^9) + 0.5)·2^-23, from 2^-24 to 1 - 2^-24. Every step is exact in f32 (a 23-bit
// integer plus one half needs 24 significant bits, f32 has 24), so the GPU and the reference agree
// bit for bit. Dropping only 8 bits would keep 24: the top value 2^24 - 0.5 needs 25 significant
// bits and rounds up to 2^24, so u would reach 1.0 and log(1 - u) downstream would meet log(0).
fn uniform_from_bits(bits: u32) -> f32 {
  return (f32(bits >> 9u) + 0.5) * (1.0 / 8388608.0);
}

// A uniform from word `index` of the run of blocks starting at `counter`: word index mod 4 of block
// counter + (⌊index / 4⌋, 0, 0, 0), i.e. the next draw indices. A multi-discrete policy samples its
// branch b from index b (nn/categorical_sample.wgsl): branches 0-3 share one block and are
// independent words of it, and branch 0 is word x of the row's own block, the draw a single
// categorical always made.
fn uniform_from_word(counter: vec4u, key: vec2u, index: u32) -> f32 {
  let block = philox4x32_10(counter + vec4u(index / 4u, 0u, 0u, 0u), key);
  return uniform_from_bits(block[index % 4u]);
}

// Box–Muller: two independent standard normals from two uniforms in (0, 1).
// r = sqrt(-2 ln u1), θ = 2π(u2 - 0.5) ∈ (-π, π). The angle is centred because WGSL bounds the
// error of cos and sin only inside [-π, π] (absolute error 2^-11). u2 - 0.5 is exact in f32.
// log may err by 2^-21 absolutely for u1 in [0.5, 1), which could make -2 ln u1 slightly
// negative as u1 → 1; the max keeps sqrt away from NaN.
fn normal_pair(u1: f32, u2: f32) -> vec2f {
  const TWO_PI: f32 = 6.283185307179586;
  let r = sqrt(max(-2.0 * log(u1), 0.0));
  let theta = TWO_PI * (u2 - 0.5);
  return vec2f(r * cos(theta), r * sin(theta));
}

// The uniform block every RNG kernel reads. Byte layout (32 bytes, little-endian u32):
//   0 seed | 4 stream | 8 iteration | 12 step | 16 draw | 20, 24, 28 padding (write 0).
// 32 is a multiple of 16, the stride an array of these needs in a uniform buffer, and leaves room
// for more counter words.
// src/rng/params.ts writes it (writeRngParams).
struct RngParams {
  seed: u32,
  stream: u32,
  iteration: u32,
  step: u32,
  draw: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

// The counter of block `draw` of `row` at (iteration, step).
fn rng_counter(params: RngParams, row: u32) -> vec4u {
  return vec4u(params.draw, row, params.step, params.iteration);
}

fn rng_key(params: RngParams) -> vec2u {
  return vec2u(params.seed, params.stream);
}
