/**
 * Browser tier: the demo's "Watch it walk" tab (demo/locomotion) loads MuJoCo's WebAssembly in
 * Chromium, plays Hopper-v5 with zero actions and draws it with its render pipeline: the canvas
 * holds the floor and the hopper's coloured body parts, and the env steps on. Then a checkpoint
 * made here (a PPO agent on Hopper-v5 after one short iteration, saved as the CLI saves it) is
 * chosen in the file input: the view plays that agent's policy on the env the checkpoint names.
 * And "Train and watch" trains Hopper-v5 with PPO while its view plays one more instance with the
 * current policy, drawn by the same renderer. Where `@mujoco/mujoco` cannot be loaded (its script's
 * request is refused here), the tab shows loadMujoco's line naming the package to install.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer';
import { describe, expect, it } from 'vitest';
import { Agent } from '../../src/index';
import { hopperV5 } from '../../src/mujoco';
import { useBrowserSession } from '../support/browser';

interface WalkProbe {
  env: string;
  policy: string;
  frames: number;
  steps: number;
  instances: number;
  message?: string;
}

const walkProbe = (page: Page) => page.evaluate(() => window.__demo?.walk) as Promise<WalkProbe | undefined>;

/** Pixels of the canvas's screenshot: those unlike the sky, and those in the hopper's body colours. */
async function viewPixels(page: Page): Promise<{ scene: number; body: number; total: number }> {
  const png = await (await page.$('canvas[data-role="walk-view"]'))!.screenshot({ encoding: 'base64' });
  return page.evaluate(async (data) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const context = new OffscreenCanvas(image.width, image.height).getContext('2d')!;
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, image.width, image.height).data;
    let scene = 0;
    let body = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      const [r, g, b] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!];
      // The sky is (13, 15, 20); the floor is a grey-blue whose channels stay within ~30 of each other.
      if (r > 24 || g > 24 || b > 30) scene += 1;
      if (Math.max(r, g, b) - Math.min(r, g, b) > 45) body += 1;
    }
    return { scene, body, total: pixels.length / 4 };
  }, png);
}

describe('locomotion view in headless Chromium', () => {
  const browser = useBrowserSession();

  it('draws Hopper-v5 with zero actions, then plays a checkpoint chosen in the file input', async () => {
    const page = await browser().openPage('/demo/index.html?tab=walk');
    await page.waitForFunction(() => {
      const walk = window.__demo?.walk as WalkProbe | undefined;
      return walk !== undefined && (walk.message !== undefined || (walk.frames > 5 && walk.steps > 5));
    }, { timeout: 90_000 });
    const first = (await walkProbe(page))!;
    console.log(`[locomotion view] ${JSON.stringify(first)}`);
    expect(first.message).toBeUndefined();
    expect(first).toMatchObject({ env: 'Hopper-v5', policy: 'zero actions' });
    // A floor and four capsules (a cylinder and two spheres each).
    expect(first.instances).toBe(13);
    const pixels = await viewPixels(page);
    console.log(`[locomotion view] pixels ${JSON.stringify(pixels)}`);
    expect(pixels.scene).toBeGreaterThan(pixels.total * 0.2);
    expect(pixels.body).toBeGreaterThan(500);
    expect(pixels.body).toBeLessThan(pixels.total * 0.3);

    const folder = await mkdtemp(join(tmpdir(), 'wgrl-walk-'));
    try {
      const env = await hopperV5();
      const agent = await Agent.create({ env, algorithm: { algo: 'ppo', numEnvs: 1, numSteps: 16, numMinibatches: 1, updateEpochs: 1, totalTimesteps: 16 } });
      for await (const _ of agent.train()) break;
      const file = join(folder, 'hopper.wgrl');
      await writeFile(file, await agent.save());
      agent.destroy();
      env.close();
      const input = (await page.$('input[data-role="walk-checkpoint"]'))!;
      await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(file);
      await page.waitForFunction(() => {
        const walk = window.__demo?.walk as WalkProbe | undefined;
        return walk !== undefined && (walk.message !== undefined || (walk.policy === 'hopper.wgrl' && walk.steps > 5));
      }, { timeout: 90_000 });
      const played = (await walkProbe(page))!;
      console.log(`[locomotion view] ${JSON.stringify(played)}`);
      expect(played.message).toBeUndefined();
      expect(played).toMatchObject({ env: 'Hopper-v5', policy: 'hopper.wgrl', instances: 13 });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
    expect(browser().errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('without @mujoco/mujoco, the tab shows the line naming the package to install', async () => {
    const session = browser();
    const page = await session.browser.newPage();
    await page.setRequestInterception(true);
    page.on('request', (request) => void (request.url().includes('@mujoco/mujoco/mujoco.js') ? request.abort() : request.continue()));
    await page.goto(`${session.baseUrl}/demo/index.html?tab=walk`, { waitUntil: 'load' });
    await page.waitForFunction(() => (window.__demo?.walk as WalkProbe | undefined)?.message !== undefined, { timeout: 60_000 });
    const shown = await page.$eval('[data-role="walk-message"]', (e) => ({ text: e.textContent ?? '', hidden: (e as HTMLElement).hidden }));
    console.log(`[locomotion view, no MuJoCo] ${shown.text}`);
    expect(shown.hidden).toBe(false);
    expect(shown.text).toMatch(/^webgpu-rl\/mujoco needs MuJoCo's WebAssembly bindings: npm install @mujoco\/mujoco \(/);
    expect(shown.text).not.toContain('\n');
    await page.close();
  }, 90_000);

  it('"Train and watch" trains Hopper-v5 and draws one more instance played by the current policy', async () => {
    const page = await browser().openPage('/demo/index.html');
    await page.waitForFunction(() => window.__demo?.train !== undefined, { timeout: 60_000 });
    await page.select('select[data-role="env"]', 'Hopper-v5');
    await page.select('select[data-role="algo"]', 'ppo');
    await page.click('button[data-action="start"]');
    await page.waitForFunction(() => {
      const train = window.__demo?.train as { iterations: number; locomotionSteps?: number; error?: string } | undefined;
      return train !== undefined && (train.error !== undefined || (train.iterations >= 1 && (train.locomotionSteps ?? 0) > 5));
    }, { timeout: 120_000 });
    const train = (await page.evaluate(() => window.__demo?.train)) as { env: string; iterations: number; locomotionSteps: number; envViewFrames: number; error?: string };
    console.log(`[locomotion view, training] ${JSON.stringify(train)}`);
    expect(train.error).toBeUndefined();
    expect(train.env).toBe('Hopper-v5');
    expect(await page.$eval('canvas[data-role="env-view"]', (canvas) => (canvas as HTMLCanvasElement).hidden)).toBe(false);
    await page.click('button[data-action="pause"]');
    await page.click('button[data-action="reset"]');
    expect(browser().errors).toEqual([]);
    await page.close();
  }, 180_000);
});
