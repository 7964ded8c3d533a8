/**
 * Philox4x32-10 on the CPU, for what the engine draws outside kernels (parameter initialisation).
 * Same keying as shaders/rng/philox.wgsl, so a seed means the same thing on both sides; checked
 * against the independent BigInt reference in test/reference/philox.ts.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32, from 16-bit limbs (every partial product < 2^32). */
function mulhi(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lh = aLo * bHi;
  const hl = aHi * bLo;
  const middle = ((aLo * bLo) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (aHi * bHi + (lh >>> 16) + (hl >>> 16) + (middle >>> 16)) >>> 0;
}

/** The four u32 of Philox4x32-10 at `counter` under `key`. */
export function philox4x32(counter: readonly [number, number, number, number], key: readonly [number, number]): Uint32Array {
  const out = new Uint32Array(4);
  philox4x32Into(out, 0, counter[0], counter[1], counter[2], counter[3], key[0], key[1]);
  return out;
}

/**
 * Philox4x32-10 at counter (c0, c1, c2, c3) under key (k0, k1), written to out[offset … offset + 3]:
 * the same block as philox4x32, without allocating (a host env draws one per instance and step).
 */
export function philox4x32Into(out: Uint32Array, offset: number, c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void {
  for (let round = 0; round < 10; round += 1) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[offset] = c0;
  out[offset + 1] = c1;
  out[offset + 2] = c2;
  out[offset + 3] = c3;
}

/** The uniform in (0, 1) that shaders/rng/philox.wgsl's uniform_from_bits gives for `bits`. */
export function uniformFromBits(bits: number): number {
  return ((bits >>> 9) + 0.5) * 2 ** -23;
}

/**
 * `count` standard normals (float64 Box–Muller) from key (seed, stream) and counters
 * (block, row, 0, 0), block = 0, 1, …: a reproducible stream for initialisation.
 */
export function normalStream(seed: number, stream: number, row: number, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let block = 0, i = 0; i < count; block += 1) {
    const bits = philox4x32([block, row, 0, 0], [seed, stream]);
    for (let pair = 0; pair < 2 && i < count; pair += 1) {
      const r = Math.sqrt(-2 * Math.log(uniformFromBits(bits[2 * pair]!)));
      const theta = 2 * Math.PI * (uniformFromBits(bits[2 * pair + 1]!) - 0.5);
      out[i++] = r * Math.cos(theta);
      if (i < count) out[i++] = r * Math.sin(theta);
    }
  }
  return out;
}
