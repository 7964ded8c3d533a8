/**
 * Seeded randomness for tests: fresh inputs every run, reproducible from the seed a test prints.
 *
 * Every freshSeed() call prints a line that replays it, `SEED=<u32> npx vitest run <file>`. With
 * SEED set, every freshSeed() call in the run returns SEED itself (nothing is derived from it).
 * That way the failing test gets back the very seed it printed, whatever else runs: other tests of
 * the file, `-t` filters, a different order, or a test that draws again after a rejected draw (the
 * knife-edge retry in test/gpu/natural-gradient.test.ts) all leave it unchanged. Seeds derived per
 * call from SEED would depend on how many calls came before the failing one, and `-t` changes that
 * count. The cost: in a replayed run every test of the file draws the same seed, so each test must
 * take all of its randomness from one freshSeed() call (sub-streams are seededRandom(seed ^ k) or
 * draws from one seededRandom(seed)). A file that draws one seed at import and shares its stream
 * between tests (test/gpu/losses.test.ts) replays exactly when the whole file runs, as the printed
 * command does.
 */
import { expect } from 'vitest';

const U32_MAX = 0xffff_ffff;

/**
 * SEED from the environment: undefined when unset or empty; a decimal integer in [0, 2³² − 1]
 * otherwise. Anything else (hex, a sign, a fraction, 2³² or more, trailing text) is refused
 * rather than rounded or truncated into some other seed.
 */
export function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value <= U32_MAX)) {
    throw new RangeError(`SEED must be a decimal integer in [0, ${U32_MAX}] (the u32 a test printed), got '${text}'`);
  }
  return value;
}

// Read once, at import: a malformed SEED fails the file before any test runs.
const replaySeed = parseSeed(process.env.SEED);

/** The command that reruns the calling test file with `seed`, as printed beside every fresh seed. */
export function replayCommand(seed: number): string {
  const path = expect.getState().testPath;
  const file = path ? path.replace(`${process.cwd()}/`, '') : '<test file>';
  return `SEED=${seed} npx vitest run ${file}`;
}

/**
 * A u32 seed: SEED when it is set (a replay), otherwise a fresh one from the platform's CSPRNG.
 * Prints how to replay it.
 */
export function freshSeed(): number {
  const seed = replaySeed ?? crypto.getRandomValues(new Uint32Array(1))[0]!;
  const test = expect.getState().currentTestName;
  console.log(`[seed] ${seed}${replaySeed === undefined ? '' : ' (from SEED)'}${test ? ` for '${test}'` : ''}; replay: ${replayCommand(seed)}`);
  return seed;
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
