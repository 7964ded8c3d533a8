/**
 * WebGPU in Node through Dawn (the `webgpu` npm package), with the software fallback this project
 * relies on where a machine has no GPU: SwiftShader's Vulkan driver, shipped by Debian's chromium
 * package. Browsers never load this file's dependencies (the imports are dynamic and hidden from
 * the bundler).
 */

/** Where Debian (and Ubuntu's chromium builds) put SwiftShader's Vulkan ICD manifest. */
export const SWIFTSHADER_ICD_CANDIDATES = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
];

/** What the engine needs installed for Node, printed when no adapter can be found at all. */
export const NODE_INSTALL_HINT =
  'No WebGPU adapter found. Install a GPU driver with Vulkan support, or, for the software ' +
  "fallback, Debian's chromium and libvulkan1 packages (`apt-get install chromium libvulkan1`), " +
  "whose SwiftShader driver Dawn can use; `npm run setup` installs both. Set VK_ICD_FILENAMES to " +
  'a Vulkan ICD manifest to choose a driver by hand.';

/** The object `create()` from the `webgpu` package returns: a `GPU` backed by a Dawn instance. */
export type DawnGpu = GPU;

export interface NodeAdapterResult {
  gpu: DawnGpu;
  adapter: GPUAdapter;
  /** True when the default driver search found nothing and SwiftShader was loaded instead. */
  usedSwiftShaderFallback: boolean;
  /** The `webgpu` package's classes (GPUBuffer, GPUQueue, ...), for src/gpu/dawn-event-pacing.ts. */
  dawnGlobals: Record<string, unknown>;
}

interface WebGpuModule {
  create(options: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

/**
 * Every Dawn instance made in this process, held for the life of the process: dawn.node crashes
 * (SIGSEGV in InstanceBase::ProcessEvents) when an instance is collected while its event pump is
 * scheduled. Holding them costs little, and Node still exits once the devices are destroyed.
 */
const LIVE_DAWN_INSTANCES: DawnGpu[] = [];

// A variable specifier keeps bundlers from trying to resolve the native module for the browser.
const WEBGPU_MODULE = 'webgpu';

async function loadDawn(): Promise<WebGpuModule> {
  try {
    return (await import(/* @vite-ignore */ WEBGPU_MODULE)) as WebGpuModule;
  } catch (cause) {
    throw new Error(
      "Could not load Dawn for Node (the 'webgpu' npm package); run `npm install` first.",
      { cause },
    );
  }
}

/**
 * The Vulkan loader and SwiftShader print an error line when XDG_RUNTIME_DIR is unset (as under CI
 * or sudo); give them a private one so real errors stand out.
 */
async function provideRuntimeDir(): Promise<void> {
  if (process.env.XDG_RUNTIME_DIR) return;
  const { mkdtempSync } = await import(/* @vite-ignore */ 'node:fs');
  const { tmpdir } = await import(/* @vite-ignore */ 'node:os');
  const { join } = await import(/* @vite-ignore */ 'node:path');
  process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'webgpu-rl-xdg-'));
}

async function findSwiftShaderIcd(): Promise<string | undefined> {
  const { existsSync } = await import(/* @vite-ignore */ 'node:fs');
  return SWIFTSHADER_ICD_CANDIDATES.find((path) => existsSync(path));
}

/**
 * Requests an adapter from Dawn. The default Vulkan/Metal/D3D driver search comes first, so a
 * hardware GPU wins where there is one; when it yields nothing, the Vulkan loader is pointed at
 * SwiftShader and a fresh Dawn instance asks again (the loader reads VK_ICD_FILENAMES when an
 * instance is created, so setting it in-process works).
 */
export async function requestNodeAdapter(options: {
  dawnOptions: string[];
  powerPreference: GPUPowerPreference | undefined;
  forceSoftware: boolean;
}): Promise<NodeAdapterResult> {
  const dawn = await loadDawn();
  await provideRuntimeDir();
  // Dawn's constructors and enums (GPUBufferUsage, GPUMapMode, ...) as globals, like a browser;
  // never overwrite what a host already installed.
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.assign(globalThis, { [name]: value });
  }
  const ask = async (): Promise<{ gpu: DawnGpu; adapter: GPUAdapter | null }> => {
    const gpu = dawn.create(options.dawnOptions);
    LIVE_DAWN_INSTANCES.push(gpu);
    const request: GPURequestAdapterOptions = {};
    if (options.powerPreference) request.powerPreference = options.powerPreference;
    return { gpu, adapter: await gpu.requestAdapter(request) };
  };

  const icdChosenByUser = process.env.VK_ICD_FILENAMES !== undefined;
  if (!options.forceSoftware || icdChosenByUser) {
    const first = await ask();
    if (first.adapter) return { gpu: first.gpu, adapter: first.adapter, usedSwiftShaderFallback: false, dawnGlobals: dawn.globals };
    if (icdChosenByUser) throw new Error(`${NODE_INSTALL_HINT} (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES} gave no adapter)`);
  }
  const icd = await findSwiftShaderIcd();
  if (!icd) throw new Error(NODE_INSTALL_HINT);
  process.env.VK_ICD_FILENAMES = icd;
  const second = await ask();
  if (!second.adapter) {
    throw new Error(`${NODE_INSTALL_HINT} (SwiftShader at ${icd} gave no adapter; is libvulkan1 installed?)`);
  }
  return { gpu: second.gpu, adapter: second.adapter, usedSwiftShaderFallback: true, dawnGlobals: dawn.globals };
}
