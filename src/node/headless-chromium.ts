/**
 * How to launch headless Chromium so that a page using WebGPU (webgpu-rl's, or any other) runs in
 * it: the command-line flags and the environment, for a machine without a GPU (SwiftShader) and one
 * with a GPU, plus the flags that keep the browser off the network. Node-only (it reads the
 * environment and looks for files); it launches nothing and imports no browser driver, so the
 * result goes to whichever launcher a project uses (Puppeteer, Playwright, a shell command).
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SWIFTSHADER_ICD_CANDIDATES } from './dawn';

/**
 * Which WebGPU adapter the page gets:
 * - `'software'`: SwiftShader, Chromium's CPU implementation of Vulkan; works on any machine (and
 *   is the one to pick on a machine whose GPU Chromium cannot use), slowly.
 * - `'hardware'`: the machine's GPU through Vulkan.
 * - `'none'`: no GPU process and no WebGPU, to test what a page shows to browsers without it.
 */
export type HeadlessChromiumAdapter = 'software' | 'hardware' | 'none';

/** The adapters {@link headlessChromium} knows, for validation and messages. */
export const HEADLESS_CHROMIUM_ADAPTERS: readonly HeadlessChromiumAdapter[] = ['software', 'hardware', 'none'];

/** Options of {@link headlessChromium}; every one may be left out. */
export interface HeadlessChromiumOptions {
  /** Which WebGPU adapter the page gets (default `'software'`, which works everywhere). */
  readonly adapter?: HeadlessChromiumAdapter;
  /**
   * The Chromium (or Chrome) executable that will be launched. SwiftShader's ICD manifest is looked
   * for beside it (and beside the file it links to) first: Chrome for Testing ships
   * `vk_swiftshader_icd.json` next to its binary. Debian's `/usr/bin/chromium` is a wrapper script
   * (the browser and the manifest are in `/usr/lib/chromium/`), so for it the search goes on to the
   * distributions' paths.
   */
  readonly executablePath?: string;
  /**
   * SwiftShader's Vulkan ICD manifest (`vk_swiftshader_icd.json`) to use with `adapter: 'software'`;
   * default: beside `executablePath`, then `/usr/lib/chromium/` (Debian) and
   * `/usr/lib/chromium-browser/` (Ubuntu). It must exist.
   */
  readonly swiftShaderIcd?: string;
  /**
   * Keep Chromium's sandbox (default `false`: `--no-sandbox`). The sandbox needs user namespaces or
   * a setuid helper, which containers and root sessions, where headless tests usually run, lack.
   */
  readonly sandbox?: boolean;
  /**
   * Add the flags that switch off Chromium's own background traffic (default `true`): component
   * and safe-browsing downloads, sync, metrics and crash uploads, first-run tasks, none of which a
   * test needs and all of which, on a closed network, only fail and retry. A few requests remain
   * that no plain switch stops (a time query, an update check, Google's account list); on a closed
   * network they end at DNS.
   */
  readonly offline?: boolean;
  /** The environment the browser starts from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What {@link headlessChromium} returns: plain data for a launcher. */
export interface HeadlessChromiumLaunch {
  /** Chromium's command-line flags (`args` of Puppeteer's `launch` and Playwright's `chromium.launch`). */
  readonly args: string[];
  /**
   * The browser's whole environment: `options.env` (or `process.env`) with {@link variables} set.
   * Whole, because Puppeteer's and Playwright's `env` option replaces the inherited environment
   * rather than adding to it.
   */
  readonly env: Record<string, string>;
  /** Only the variables the recipe sets (already in {@link env}): for a shell line or a log. */
  readonly variables: Record<string, string>;
  /** The adapter the flags ask for. */
  readonly adapter: HeadlessChromiumAdapter;
}

/** The variable through which the Vulkan loader is told which driver (ICD) to load. */
const ICD_VARIABLE = 'VK_ICD_FILENAMES';
const SWIFTSHADER_ICD_NAME = 'vk_swiftshader_icd.json';

/**
 * Flags against background traffic, each switching off a subsystem of Chromium that reaches for the
 * network on its own (switch descriptions: https://peter.sh/experiments/chromium-command-line-switches/).
 * Measured with `--log-net-log` on Chromium 156 (Debian 12, headless, 25 s on a loopback page):
 * without them it asked for 4 outside hosts; with them for 3 (the component downloads from
 * redirector.gvt1.com stop). What remains is the network-time query (clients2.google.com), an
 * on-demand update check of the Optimization Guide's model manifest (update.googleapis.com) and
 * Google's account list (accounts.google.com); on a closed network they end at DNS, outside any
 * page. `--disable-features=NetworkTimeServiceQuerying` stops the first but is left out: a
 * launcher with its own `--disable-features=` list (Playwright's) and this one would override
 * each other, since Chromium keeps only the last.
 */
const OFFLINE_ARGS = [
  '--disable-background-networking', // variations, safe-browsing and other background fetches
  '--disable-component-update', // the component updater's downloads (redirector.gvt1.com)
  '--disable-client-side-phishing-detection', // the phishing model's download
  '--disable-domain-reliability', // reliability beacons
  '--disable-sync', // the sync service
  '--disable-breakpad', // crash report uploads
  '--metrics-recording-only', // metrics recorded, never reported
  '--no-pings', // hyperlink auditing pings
  '--no-first-run', // first-run tasks (welcome page, imports)
  '--no-default-browser-check',
];

/** Where to look for SwiftShader's ICD: beside the executable (its real path), then the distributions'. */
function icdCandidates(executablePath: string | undefined): string[] {
  const beside: string[] = [];
  if (executablePath !== undefined) {
    beside.push(join(dirname(executablePath), SWIFTSHADER_ICD_NAME));
    try {
      beside.push(join(dirname(realpathSync(executablePath)), SWIFTSHADER_ICD_NAME));
    } catch {
      // A missing executable is the launcher's error to report; its directory was tried above.
    }
  }
  return [...new Set([...beside, ...SWIFTSHADER_ICD_CANDIDATES])];
}

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/**
 * The recipe for headless Chromium with WebGPU, as flags and environment variables.
 *
 * - **Software** (`adapter: 'software'`, the default): `--enable-unsafe-webgpu` (Chromium on Linux
 *   keeps WebGPU off otherwise), `--enable-features=Vulkan`, `--use-webgpu-adapter=swiftshader` (the
 *   CPU adapter even where a GPU exists), `--use-angle=vulkan --use-vulkan=swiftshader` (ANGLE and
 *   Chromium's own Vulkan use on SwiftShader too: the path a WebGPU canvas is presented through),
 *   `--enable-unsafe-swiftshader` (WebGL's software fallback, which recent Chrome only allows with
 *   it), and the environment variable `VK_ICD_FILENAMES` set to SwiftShader's ICD manifest
 *   (`/usr/lib/chromium/vk_swiftshader_icd.json` on Debian). Without the variable a page gets the
 *   SwiftShader adapter and can compute, but a page with a WebGPU canvas loses its device ("A valid
 *   external Instance reference no longer exists"); without `--use-angle=vulkan
 *   --use-vulkan=swiftshader` the same happens with the variable set (Chromium 156 on Debian 12,
 *   no GPU; test/browser/headless-chromium.test.ts checks the first).
 * - **Hardware** (`adapter: 'hardware'`): `--enable-unsafe-webgpu --enable-features=Vulkan
 *   --use-angle=vulkan --disable-vulkan-surface`, the recipe of Chrome's own guide to WebGPU in
 *   headless Chrome on Linux servers (https://developer.chrome.com/blog/supercharge-web-ai-testing).
 *   An inherited `VK_ICD_FILENAMES` that names SwiftShader's ICD is dropped (webgpu-rl's
 *   `acquireGpu` sets it in-process when Node's Dawn falls back to SwiftShader); any other is kept,
 *   as the user's choice of driver.
 * - **None** (`adapter: 'none'`): `--disable-gpu`: no WebGPU, for testing a page's fallback.
 *
 * Every case adds `--no-sandbox` unless `sandbox: true`, and the background-traffic flags unless
 * `offline: false`. Headless mode itself is the launcher's (`headless: true` in Puppeteer and
 * Playwright; `--headless` on a command line). WebGPU also needs a secure context: serve the page
 * from `http://localhost`/`127.0.0.1` or over https, not from `file://`. Puppeteer removes the
 * `--enable-features=` entry from the `args` array it is given (it merges it into its own), so
 * launch each browser with a fresh result or a copy (`[...args]`): a reused array loses `Vulkan`
 * and, with it, the canvas.
 *
 * Without the helper, on Debian with `apt-get install chromium`:
 * ```sh
 * VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json chromium --headless --no-sandbox \
 *   --enable-unsafe-webgpu --enable-features=Vulkan --use-webgpu-adapter=swiftshader \
 *   --use-angle=vulkan --use-vulkan=swiftshader --enable-unsafe-swiftshader \
 *   --disable-background-networking --disable-component-update --no-first-run http://127.0.0.1:8080/
 * ```
 *
 * @example
 * ```ts
 * import puppeteer from 'puppeteer';
 * import { acquireGpu, headlessChromium } from 'webgpu-rl/node';
 *
 * // SwiftShader in the browser exactly where Node's Dawn finds no GPU (or just pass 'software').
 * const probe = await acquireGpu();
 * const adapter = probe.adapter.isSoftware ? 'software' : 'hardware';
 * probe.release();
 * const executablePath = '/usr/bin/chromium';
 * const { args, env } = headlessChromium({ adapter, executablePath });
 * const browser = await puppeteer.launch({ executablePath, headless: true, args, env });
 * // Playwright: await chromium.launch({ executablePath, args, env });
 * ```
 *
 * @throws RangeError when `adapter` is not one of {@link HEADLESS_CHROMIUM_ADAPTERS}.
 * @throws Error when `swiftShaderIcd` names no file, or (software) no SwiftShader ICD is found.
 */
export function headlessChromium(options: HeadlessChromiumOptions = {}): HeadlessChromiumLaunch {
  const adapter = options.adapter ?? 'software';
  if (!HEADLESS_CHROMIUM_ADAPTERS.includes(adapter)) {
    throw new RangeError(`headlessChromium: adapter must be one of ${HEADLESS_CHROMIUM_ADAPTERS.map((a) => `'${a}'`).join(', ')} (got ${JSON.stringify(adapter)})`);
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env ?? process.env)) if (value !== undefined) env[name] = value;
  const variables: Record<string, string> = {};
  const args = options.sandbox === true ? [] : ['--no-sandbox'];

  if (adapter === 'software') {
    args.push(
      '--enable-unsafe-webgpu',
      '--enable-features=Vulkan',
      '--use-webgpu-adapter=swiftshader',
      '--use-angle=vulkan',
      '--use-vulkan=swiftshader',
      '--enable-unsafe-swiftshader',
    );
    variables[ICD_VARIABLE] = swiftShaderIcd(options);
  } else if (adapter === 'hardware') {
    args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=vulkan', '--disable-vulkan-surface');
    const inherited = env[ICD_VARIABLE];
    if (inherited !== undefined && inherited.split(':').some((path) => basename(path) === SWIFTSHADER_ICD_NAME)) delete env[ICD_VARIABLE];
  } else {
    args.push('--disable-gpu');
  }
  if (options.offline !== false) args.push(...OFFLINE_ARGS);
  Object.assign(env, variables);
  return { args, env, variables, adapter };
}

/** The SwiftShader ICD manifest to point the Vulkan loader at: the given one, or the first found. */
function swiftShaderIcd(options: HeadlessChromiumOptions): string {
  if (options.swiftShaderIcd !== undefined) {
    if (!isFile(options.swiftShaderIcd)) {
      throw new Error(`headlessChromium: swiftShaderIcd ${JSON.stringify(options.swiftShaderIcd)} is not a file (it must be SwiftShader's Vulkan ICD manifest, ${SWIFTSHADER_ICD_NAME})`);
    }
    return options.swiftShaderIcd;
  }
  const candidates = icdCandidates(options.executablePath);
  const found = candidates.find(isFile);
  if (found === undefined) {
    throw new Error(
      `headlessChromium: no SwiftShader Vulkan ICD (${SWIFTSHADER_ICD_NAME}) at ${candidates.join(', ')}; ` +
        "install Chromium (Debian: `apt-get install chromium`), pass executablePath of a Chromium that ships it, " +
        "pass swiftShaderIcd, or use adapter: 'hardware' on a machine with a GPU",
    );
  }
  return found;
}
