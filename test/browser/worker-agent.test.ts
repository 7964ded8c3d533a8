/**
 * Browser tier: training in a dedicated worker with its own GPU device gives the page's thread's
 * statistics for a seed, for a WGSL env and for a game's JavaScript env, imported by the worker
 * from a module or stepping on the page; act() and the CPU policy agree with the page's agent; the worker's env states come back.
 */
import { describe, expect, it } from 'vitest';
import { useBrowserSession } from '../support/browser';

describe('WorkerAgent in headless Chromium', () => {
  const browser = useBrowserSession();

  it('a worker trains to the page\'s statistics, WGSL and JavaScript envs alike', async () => {
    const page = await browser().openPage('/test/browser/worker-agent.html');
    await page.waitForFunction(() => window.__workerAgent !== undefined, { timeout: 110_000 });
    const result = (await page.evaluate(() => window.__workerAgent))!;
    expect(result.error).toBeUndefined();
    console.log(`[browser worker agent] seeds 5 and 8: ${result.cartPole!.worker.length} CartPole and ${result.sign!.worker.length} sign iterations compared`);
    expect(result.cartPole!.main.length).toBe(3);
    expect(result.cartPole!.worker).toEqual(result.cartPole!.main);
    expect(result.sign!.main.length).toBe(3);
    expect(result.sign!.worker).toEqual(result.sign!.main);
    expect(result.sign!.envOnPage).toEqual(result.sign!.main);
    expect(result.sameActions).toBe(true);
    expect(result.sameCpuActions).toBe(true);
    expect(result.states).toBe(16);
    expect(result.workerStatesFinite).toBe(true);
    expect(browser().errors).toEqual([]);
    await page.close();
  });
});
