/**
 * SEED replays a randomised test (test/support/random.ts): parsed strictly as a decimal u32, read
 * when the helper is imported, returned by every freshSeed() call, and printed as the command
 * that replays it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseSeed } from '../support/random';

type RandomModule = typeof import('../support/random');

/** A fresh copy of the helper, imported with SEED = `value` (undefined: unset). */
async function importWithSeed(value: string | undefined): Promise<RandomModule> {
  vi.resetModules();
  if (value === undefined) vi.stubEnv('SEED', undefined);
  else vi.stubEnv('SEED', value);
  return import('../support/random');
}

describe('SEED', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('parses decimal u32s and nothing else', () => {
    expect(parseSeed(undefined)).toBeUndefined();
    expect(parseSeed('')).toBeUndefined();
    expect(parseSeed('0')).toBe(0);
    expect(parseSeed('2015376045')).toBe(2_015_376_045);
    expect(parseSeed('4294967295')).toBe(0xffff_ffff);
    expect(parseSeed('007')).toBe(7);
    for (const bad of ['4294967296', '99999999999', '-1', '+5', '1.5', '1e3', '0x10', ' 12', '12 ', 'abc', '12abc']) {
      expect(() => parseSeed(bad), bad).toThrow(`SEED must be a decimal integer in [0, 4294967295] (the u32 a test printed), got '${bad}'`);
    }
  });

  it('refuses a malformed SEED when the helper is imported, before any test draws', async () => {
    await expect(importWithSeed('12x')).rejects.toThrow("SEED must be a decimal integer in [0, 4294967295] (the u32 a test printed), got '12x'");
  });

  it('makes every freshSeed() return SEED, and prints the command that replays it', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const { freshSeed } = await importWithSeed('3141592653');
    expect([freshSeed(), freshSeed()]).toEqual([3_141_592_653, 3_141_592_653]);
    expect(log).toHaveBeenCalledTimes(2);
    expect(log.mock.calls[0]![0]).toBe(
      "[seed] 3141592653 (from SEED) for 'SEED > makes every freshSeed() return SEED, and prints the command that replays it'; " +
        'replay: SEED=3141592653 npx vitest run test/unit/seed-replay.test.ts',
    );
  });

  it('without SEED, draws fresh u32s and prints each with its replay command', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const { freshSeed } = await importWithSeed(undefined);
    const seeds = Array.from({ length: 8 }, () => freshSeed());
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s <= 0xffff_ffff, String(s)).toBe(true);
    // Eight CSPRNG draws of 32 bits that all coincide: probability 2^-224.
    expect(new Set(seeds).size).toBeGreaterThan(1);
    expect(log.mock.calls.map((c) => c[0])).toEqual(seeds.map((s) => expect.stringContaining(`replay: SEED=${s} npx vitest run test/unit/seed-replay.test.ts`)));
  });
});
