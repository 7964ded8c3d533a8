/**
 * Browser tier: the engine's device acquisition and a real compute kernel in headless Chromium.
 * The adapter is the machine's GPU where Node's Dawn finds a hardware one, SwiftShader otherwise.
 */
import { describe, expect, it } from 'vitest';
import type { AdapterReport, SelfCheckReport } from '../../src/gpu/index';
import { useBrowserSession } from '../support/browser';

describe('headless Chromium', () => {
  const browser = useBrowserSession();

  it('acquires a WebGPU adapter and runs the self-check kernel', async () => {
    const page = await browser().openPage('/test/browser/smoke.html');
    await page.waitForFunction(() => window.__smoke !== undefined, { timeout: 60_000 });
    const smoke = (await page.evaluate(() => window.__smoke)) as {
      adapter?: AdapterReport;
      adapterLine?: string;
      report?: SelfCheckReport;
      error?: string;
    };
    expect(smoke.error).toBeUndefined();
    console.log(`[webgpu-rl browser tests] adapter: ${smoke.adapterLine}`);
    expect(smoke.adapter?.runtime).toBe('browser');
    expect(smoke.report?.elements).toBe(100_003);
    expect(smoke.report?.unwritten).toBe(0);
    expect(smoke.report?.maxAbsError).toBeLessThanOrEqual(1e-5);
    expect(smoke.report?.ok).toBe(true);
    expect(browser().errors).toEqual([]);
    await page.close();
  });
});
