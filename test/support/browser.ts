/**
 * The browser tier: a Vite dev server over the repository and Debian's headless Chromium driven by
 * Puppeteer, with a real WebGPU adapter: the machine's GPU where Node's Dawn finds one, SwiftShader
 * where it does not. The flags and the environment (SwiftShader's VK_ICD_FILENAMES above all) are
 * the package's own recipe, src/node/headless-chromium.ts, passed to Puppeteer explicitly.
 */
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll } from 'vitest';
import { wgslPlugin } from '../../scripts/vite-plugin-wgsl.ts';
import { acquireGpu } from '../../src/gpu/index';
import { headlessChromium, type HeadlessChromiumAdapter, type HeadlessChromiumLaunch } from '../../src/node/headless-chromium';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The recipe for this machine's Chromium (CHROMIUM) with the given adapter. */
export function chromiumLaunch(adapter: HeadlessChromiumAdapter): HeadlessChromiumLaunch {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: run \`npm run setup\` (installs Debian's chromium) or set CHROMIUM_PATH`);
  }
  return headlessChromium({ adapter, executablePath: CHROMIUM });
}

export interface BrowserSession {
  server: ViteDevServer;
  browser: Browser;
  baseUrl: string;
  /** Console errors and page errors seen by any page opened with openPage. */
  errors: string[];
  openPage(path: string): Promise<Page>;
  close(): Promise<void>;
}

/** Starts the dev server on a free loopback port and launches Chromium with `launch`'s flags and environment. */
export async function startBrowserSession(launch: HeadlessChromiumLaunch): Promise<BrowserSession> {
  const server = await createServer({
    root: REPO_ROOT,
    configFile: false,
    logLevel: 'error',
    plugins: [wgslPlugin()],
    // node_modules by its real path too: a work tree whose node_modules is a link elsewhere still
    // serves files that a package loads by URL (MuJoCo's mujoco.wasm).
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, fs: { allow: [REPO_ROOT, realpathSync(join(REPO_ROOT, 'node_modules'))] } },
    // As the demo's config: pre-bundling would separate MuJoCo's script from its mujoco.wasm.
    optimizeDeps: { exclude: ['@mujoco/mujoco'] },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('vite dev server has no TCP address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: launch.args, env: launch.env });
  const errors: string[] = [];
  return {
    server,
    browser,
    baseUrl,
    errors,
    async openPage(path) {
      const page = await browser.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`page: ${error instanceof Error ? error.message : String(error)}`));
      await page.goto(`${baseUrl}${path}`, { waitUntil: 'load' });
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Starts a session (before the file's tests) whose Chromium uses SwiftShader exactly where Node's
 * Dawn found no hardware adapter, and closes it after; returns a getter.
 */
export function useBrowserSession(): () => BrowserSession {
  let session: BrowserSession | undefined;
  beforeAll(async () => {
    const probe = await acquireGpu();
    const software = probe.adapter.isSoftware;
    probe.release();
    session = await startBrowserSession(chromiumLaunch(software ? 'software' : 'hardware'));
  });
  afterAll(async () => session?.close());
  return () => {
    if (!session) throw new Error('useBrowserSession(): the session starts in beforeAll; call the getter inside a test');
    return session;
  };
}
