/**
 * The headless-Chromium recipe (src/node/headless-chromium.ts) in a real browser: a page that
 * presents frames on a WebGPU canvas keeps its device with the recipe's flags and environment.
 * Where Node's Dawn finds no GPU, the same launch without VK_ICD_FILENAMES is run too and must
 * lose the device, which is why the recipe sets it (if a Chromium update stops needing it, this
 * half fails and the recipe's documentation needs the news).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import puppeteer from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireGpu } from '../../src/gpu/index';
import type { HeadlessChromiumLaunch } from '../../src/node/headless-chromium';
import { CHROMIUM, chromiumLaunch } from '../support/browser';

/** Draws 30 frames on a WebGPU canvas, then reports the adapter and whether the device survived. */
const PAGE = `<!doctype html><canvas width="64" height="64"></canvas><script type="module">
const outcome = {};
try {
  const adapter = await navigator.gpu.requestAdapter();
  outcome.adapter = adapter ? adapter.info.description || adapter.info.vendor : null;
  const device = await adapter.requestDevice();
  device.lost.then((info) => { outcome.lost = info.message; });
  const context = document.querySelector('canvas').getContext('webgpu');
  context.configure({ device, format: navigator.gpu.getPreferredCanvasFormat() });
  for (let frame = 0; frame < 30; frame += 1) {
    const encoder = device.createCommandEncoder();
    encoder.beginRenderPass({ colorAttachments: [{ view: context.getCurrentTexture().createView(), loadOp: 'clear', clearValue: [0, 0.5, 1, 1], storeOp: 'store' }] }).end();
    device.queue.submit([encoder.finish()]);
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  await device.queue.onSubmittedWorkDone();
  outcome.frames = 30;
} catch (error) {
  outcome.error = String(error);
}
window.__outcome = outcome;
</script>`;

interface Outcome {
  adapter?: string | null;
  frames?: number;
  lost?: string;
  error?: string;
}

let server: Server;
let url = '';
let software = true;
beforeAll(async () => {
  const probe = await acquireGpu();
  software = probe.adapter.isSoftware;
  probe.release();
  server = createServer((_, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function present(launch: HeadlessChromiumLaunch): Promise<Outcome> {
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: launch.args, env: launch.env });
  try {
    const page = await browser.newPage();
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => (window as unknown as { __outcome?: unknown }).__outcome !== undefined, { timeout: 60_000 });
    // The device-lost promise settles after the failing call; give it a moment to land.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return (await page.evaluate(() => (window as unknown as { __outcome: Outcome }).__outcome))!;
  } finally {
    await browser.close();
  }
}

describe('headless Chromium recipe', () => {
  it('presents a WebGPU canvas for 30 frames and keeps the device', async () => {
    const launch = chromiumLaunch(software ? 'software' : 'hardware');
    const outcome = await present(launch);
    console.log(`[headless-chromium] ${launch.adapter}: ${JSON.stringify(outcome)}; variables ${JSON.stringify(launch.variables)}`);
    expect(outcome).toMatchObject({ frames: 30 });
    expect(outcome.adapter).toBeTruthy();
    expect(outcome.error).toBeUndefined();
    expect(outcome.lost).toBeUndefined();
  });

  it('without VK_ICD_FILENAMES, the same page cannot present on SwiftShader (no GPU here)', async (context) => {
    if (!software) context.skip();
    const launch = chromiumLaunch('software');
    const { VK_ICD_FILENAMES: _dropped, ...env } = launch.env;
    const outcome = await present({ ...launch, env });
    console.log(`[headless-chromium] software without VK_ICD_FILENAMES: ${JSON.stringify(outcome)}`);
    expect(outcome.frames).toBeUndefined();
    // Seen both ways on Debian's Chromium 156: no adapter at all, or an adapter whose device is lost
    // as soon as the canvas presents.
    if (outcome.adapter) expect(`${outcome.error ?? ''} ${outcome.lost ?? ''}`).toMatch(/Instance reference no longer exists|lost/i);
    else expect(outcome.error).toMatch(/requestDevice/);
  });
});
