/**
 * Seeded randomness for tests: fresh inputs every run, reproducible from the seed a failing test
 * prints.
 */

/** A fresh u32 seed from the platform's CSPRNG. */
export function freshSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** mulberry32: a small, fast generator of uniforms in [0, 1) from a u32 seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
