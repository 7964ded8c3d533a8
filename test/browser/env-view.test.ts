/**
 * Browser tier: the demo's env grid (demo/env-view) draws 64 CartPoles from the GPU states buffer
 * in one instanced draw, with every cell holding a cart and a pole, and no console errors; and 64
 * Snakes, every cell holding a snake's head and an apple.
 */
import { describe, expect, it } from 'vitest';
import type { EnvViewResult } from './env-view';
import { useBrowserSession } from '../support/browser';

describe('env grid view in headless Chromium', () => {
  const browser = useBrowserSession();

  it('draws 64 CartPoles, one per cell, from the states buffer', async () => {
    const page = await browser().openPage('/test/browser/env-view.html');
    await page.waitForFunction(() => window.__envView !== undefined, { timeout: 25_000 });
    const result = (await page.evaluate(() => window.__envView)) as EnvViewResult;
    expect(result.error).toBeUndefined();
    console.log(`[browser env view] ${JSON.stringify(result)}`);
    expect(result.instances).toBe(64);
    expect(result.cellsWithShapes).toBe(64);
    expect(result.cellsWithPoles).toBe(64);
    // A 512 × 512 canvas: track, limits, cart and pole are a few hundred pixels per cell, not the whole cell.
    expect(result.shapePixels).toBeGreaterThan(64 * 50);
    expect(result.shapePixels).toBeLessThan(512 * 512 * 0.5);
    expect(browser().errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('draws 64 Snake boards, each with a snake and an apple', async () => {
    const page = await browser().openPage('/test/browser/env-view.html?env=Snake-v0');
    await page.waitForFunction(() => window.__envView !== undefined, { timeout: 25_000 });
    const result = (await page.evaluate(() => window.__envView)) as EnvViewResult;
    expect(result.error).toBeUndefined();
    console.log(`[browser env view] ${JSON.stringify(result)}`);
    expect(result.instances).toBe(64);
    expect(result.cellsWithShapes).toBe(64);
    expect(result.cellsWithSnakes).toBe(64);
    expect(result.cellsWithApples).toBe(64);
    expect(result.cellsWithPoles).toBe(0);
    expect(browser().errors).toEqual([]);
    await page.close();
  }, 30_000);
});
