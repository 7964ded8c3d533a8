/**
 * Browser tier: the Agent in headless Chromium as a web game embeds it: trains paced by
 * requestAnimationFrame, autosaves into IndexedDB, loads the autosave back and acts the same,
 * exports ONNX; and no console errors.
 */
import { describe, expect, it } from 'vitest';
import { useBrowserSession } from '../support/browser';

describe('Agent in headless Chromium', () => {
  const browser = useBrowserSession();

  it('trains paced by frames, autosaves to IndexedDB, loads it back and acts the same', async () => {
    const page = await browser().openPage('/test/browser/agent.html');
    await page.waitForFunction(() => window.__agent !== undefined, { timeout: 110_000 });
    const result = (await page.evaluate(() => window.__agent))!;
    expect(result.error).toBeUndefined();
    console.log(`[browser agent] ${JSON.stringify(result)}`);
    expect(result.iterations).toEqual([0, 1, 2, 3]);
    // Paced: each iteration cut into its rollout steps and minibatches (16 + 4 × 4 + 1 segments).
    expect(result.submits!.every((s) => s === 33)).toBe(true);
    expect(result.saved).toEqual([{ name: 'cartpole', bytes: expect.any(Number) }]);
    expect(result.resumedIteration).toBe(4);
    expect(result.sameActions).toBe(true);
    expect(result.onnxBytes).toBeGreaterThan(1000);
    expect(browser().errors).toEqual([]);
    await page.close();
  });
});
