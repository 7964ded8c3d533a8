/**
 * WebGPU in Node through Dawn (the `webgpu` npm package, an optional peer dependency), with the
 * software fallback this project relies on where a machine has no GPU: SwiftShader's Vulkan driver,
 * shipped by Debian's chromium package. Installed as acquireGpu's adapter source by the Node entry
 * (src/node.ts) and the CLI; the browser entry never reaches this file.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AcquireGpuOptions, AdapterReport, AdapterSource } from '../gpu/device';
import { installDawnEventPacing, isDawnEventPacingInstalled } from './dawn-event-pacing';

/** Where Debian (and Ubuntu's chromium builds) put SwiftShader's Vulkan ICD manifest. */
export const SWIFTSHADER_ICD_CANDIDATES = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
];

/** The `webgpu` version this engine is built and tested against (package.json's peer range). */
export const DAWN_PACKAGE = 'webgpu@0.6.2';

/** What the engine needs installed for Node, printed when no adapter can be found at all. */
export const NODE_INSTALL_HINT =
  'No WebGPU adapter found. Install a GPU driver with Vulkan support, or, for the software ' +
  "fallback, Debian's chromium and libvulkan1 packages (`apt-get install chromium libvulkan1`), " +
  "whose SwiftShader driver Dawn can use; `npm run setup` installs both. Set VK_ICD_FILENAMES to " +
  'a Vulkan ICD manifest to choose a driver by hand.';

interface WebGpuModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

/**
 * Every Dawn instance made in this process, held for the life of the process: dawn.node crashes
 * (SIGSEGV in InstanceBase::ProcessEvents) when an instance is collected while its event pump is
 * scheduled. Holding them costs little, and Node still exits once the devices are destroyed.
 */
const LIVE_DAWN_INSTANCES: GPU[] = [];

let dawn: WebGpuModule | undefined;

/**
 * Loads Dawn once; a missing package is one line naming what to install. Imported dynamically: a
 * static import would make the native addon a hard dependency of every bundle of the Node entry.
 */
async function loadDawn(): Promise<WebGpuModule> {
  if (dawn) return dawn;
  try {
    dawn = (await import('webgpu')) as WebGpuModule;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
    throw new Error(
      missing
        ? `webgpu-rl in Node needs Dawn's WebGPU binding: npm install ${DAWN_PACKAGE}`
        : `could not load Dawn's WebGPU binding (the 'webgpu' package): ${(cause as Error).message}`,
      { cause },
    );
  }
  // Dawn's constructors and enums (GPUBufferUsage, GPUMapMode, ...) as globals, like a browser;
  // never overwrite what a host already installed.
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.assign(globalThis, { [name]: value });
  }
  return dawn;
}

/**
 * The Vulkan loader and SwiftShader print an error line when XDG_RUNTIME_DIR is unset (as under CI
 * or sudo); give them a private one so real errors stand out.
 */
function provideRuntimeDir(): void {
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'webgpu-rl-xdg-'));
}

/**
 * Whether the Vulkan loader would find any driver by its default search on Linux: a manifest in one
 * of the folders it reads (the Vulkan loader's LoaderDriverInterface.md, "Driver Discovery on
 * Linux"), or a driver named by environment. Asking Dawn when there is none makes the loader print
 * "vkCreateInstance: Found no drivers!" with a path of Dawn's build machine; on other platforms
 * drivers are found by other means, so the answer there is yes.
 */
export function vulkanDriversMayExist(env: NodeJS.ProcessEnv = process.env, platform = process.platform): boolean {
  if (platform !== 'linux') return true;
  if (env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES || env.VK_ADD_DRIVER_FILES) return true;
  const home = env.HOME ?? homedir();
  const configDirs = [env.XDG_CONFIG_HOME ?? join(home, '.config'), ...(env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(':'), '/etc', '/usr/local/etc'];
  const dataDirs = [env.XDG_DATA_HOME ?? join(home, '.local/share'), ...(env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(':')];
  return [...configDirs, ...dataDirs].some((dir) => {
    try {
      return readdirSync(join(dir, 'vulkan', 'icd.d')).some((name) => name.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

async function ask(options: AcquireGpuOptions): Promise<GPUAdapter | null> {
  const gpu = (await loadDawn()).create(options.dawnOptions ?? []);
  LIVE_DAWN_INSTANCES.push(gpu);
  const request: GPURequestAdapterOptions = {};
  if (options.powerPreference) request.powerPreference = options.powerPreference;
  return gpu.requestAdapter(request);
}

/**
 * Requests an adapter from Dawn. The default Vulkan/Metal/D3D driver search comes first where a
 * driver may exist, so a hardware GPU wins where there is one; when it yields nothing (or there is
 * no driver to search for), the Vulkan loader is pointed at SwiftShader and a fresh Dawn instance
 * asks again (the loader reads VK_ICD_FILENAMES when an instance is created, so setting it
 * in-process works).
 */
export async function requestDawnAdapter(options: AcquireGpuOptions): Promise<{ adapter: GPUAdapter; usedSwiftShaderFallback: boolean }> {
  await loadDawn();
  provideRuntimeDir();
  const icdChosenByUser = process.env.VK_ICD_FILENAMES !== undefined || process.env.VK_DRIVER_FILES !== undefined;
  if (icdChosenByUser || (!options.forceSoftware && vulkanDriversMayExist())) {
    const adapter = await ask(options);
    if (adapter) return { adapter, usedSwiftShaderFallback: false };
    if (icdChosenByUser) {
      const chosen = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
      throw new Error(`${NODE_INSTALL_HINT} (the driver chosen by environment, ${chosen}, gave no adapter)`);
    }
  }
  const icd = SWIFTSHADER_ICD_CANDIDATES.find((path) => existsSync(path));
  if (!icd) throw new Error(NODE_INSTALL_HINT);
  process.env.VK_ICD_FILENAMES = icd;
  const adapter = await ask(options);
  if (!adapter) throw new Error(`${NODE_INSTALL_HINT} (SwiftShader at ${icd} gave no adapter; is libvulkan1 installed?)`);
  return { adapter, usedSwiftShaderFallback: true };
}

/** Dawn as acquireGpu's adapter source: event pacing on software adapters (option `eventPacing`). */
export const dawnAdapterSource: AdapterSource = {
  runtime: 'node-dawn',
  requestAdapter: requestDawnAdapter,
  onDevice(report: AdapterReport, options: AcquireGpuOptions) {
    const pacing = options.eventPacing ?? 'software';
    // requestAdapter loaded Dawn before any device could exist.
    const globals = dawn!.globals;
    if (pacing === 'always' || (pacing === 'software' && report.isSoftware)) installDawnEventPacing(globals);
    report.eventPacing = isDawnEventPacingInstalled(globals);
  },
};
