/**
 * Device acquisition: one function that returns a GPUDevice in a browser (navigator.gpu), in Node
 * through an adapter source the Node entry installs (Dawn, src/node/dawn.ts), or wraps the device a
 * host already has (a game's renderer, shared rather than duplicated). Nothing here imports Node's
 * modules or Dawn, so the browser entry never reaches them.
 */
import { checkMinimumLimits, requiredLimitsFor } from './limits';

/** What ran the work: printed by tests, benchmarks and the demo so every number names its adapter. */
export interface AdapterReport {
  /** GPUAdapterInfo.vendor, e.g. 'nvidia' or 'google' ('' when the browser withholds it). */
  vendor: string;
  /** GPUAdapterInfo.architecture, e.g. 'ampere' or 'swiftshader' (may be ''). */
  architecture: string;
  /** GPUAdapterInfo.device: a vendor-specific device id (may be ''). */
  device: string;
  /** GPUAdapterInfo.description: the driver's description of the adapter (may be ''). */
  description: string;
  /** A CPU implementation (SwiftShader, lavapipe, WARP) rather than a hardware GPU. */
  isSoftware: boolean;
  /** Where the WebGPU implementation came from. */
  runtime: 'browser' | 'node-dawn' | 'host-device';
  /** Node only: the default driver search found nothing, so SwiftShader was loaded. */
  usedSwiftShaderFallback: boolean;
  /** Node: whether waits on Dawn's promises are paced (src/node/dawn-event-pacing.ts). */
  eventPacing?: boolean;
}

/** Why a device was lost: the GPUDeviceLostInfo that `device.lost` resolved with. */
export interface GpuLostReport {
  /** 'destroyed' after release() or destroy(), else 'unknown' (a driver reset, a crash, a removed GPU). */
  reason: GPUDeviceLostReason;
  /** The implementation's message. */
  message: string;
}

/** Options of {@link acquireGpu}. */
export interface AcquireGpuOptions {
  /** A device the host already has: used as is (its limits are checked), never destroyed by us. */
  device?: GPUDevice;
  /** The adapter to ask for ('high-performance' or 'low-power'); default: the implementation's choice. */
  powerPreference?: GPUPowerPreference;
  /** Node: skip the hardware search and use SwiftShader (reproducible numbers on any machine). */
  forceSoftware?: boolean;
  /** Node: options for Dawn's `create()`, e.g. `enable-dawn-features=disable_robustness`. */
  dawnOptions?: string[];
  /**
   * Node: pace Dawn's event pump so that waiting for the GPU sleeps instead of spinning a core
   * (src/node/dawn-event-pacing.ts). 'software' (default): on software adapters, whose GPU is the
   * CPU; 'always'; 'never'. Once installed, pacing stays for the process.
   */
  eventPacing?: 'software' | 'always' | 'never';
  /**
   * Called once if the device is lost for any reason other than our own `release()`. Without it,
   * the loss is written to console.error: a lost device is never silent.
   */
  onLost?: (report: GpuLostReport) => void;
  /** Called for errors no error scope caught; default console.error. */
  onUncapturedError?: (error: GPUError) => void;
}

/** A device with its provenance. `release()` destroys it unless the host owns it. */
export interface Gpu {
  /** The device the engine runs on. */
  readonly device: GPUDevice;
  /** What the device runs on. */
  readonly adapter: AdapterReport;
  /** Resolves when the device is lost (including after `release()`). */
  readonly lost: Promise<GpuLostReport>;
  /** Whether the device has been lost (true once `lost` has resolved). */
  readonly isLost: boolean;
  /** Destroys the device if it was acquired here (not a host's); later calls do nothing. */
  release(): void;
}

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software|warp|basic render/i;

function describe(
  info: GPUAdapterInfo | undefined,
  isFallbackAdapter: boolean,
  runtime: AdapterReport['runtime'],
  usedSwiftShaderFallback: boolean,
): AdapterReport {
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  const isSoftware =
    isFallbackAdapter || SOFTWARE_ADAPTER.test(`${vendor} ${architecture} ${device} ${description}`);
  return { vendor, architecture, device, description, isSoftware, runtime, usedSwiftShaderFallback };
}

/** One line for logs: `google swiftshader (SwiftShader driver 5.0.0) [software, node-dawn]`. */
export function formatAdapter(report: AdapterReport): string {
  const name = [report.vendor, report.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const detail = report.description || report.device;
  const tags = [report.isSoftware ? 'software' : 'hardware', report.runtime];
  return `${name}${detail ? ` (${detail})` : ''} [${tags.join(', ')}]`;
}

function watchDevice(device: GPUDevice, options: AcquireGpuOptions, released: () => boolean) {
  const state = { lost: false };
  const lost = device.lost.then((info): GpuLostReport => {
    state.lost = true;
    const report = { reason: info.reason, message: info.message };
    if (!released()) {
      if (options.onLost) options.onLost(report);
      else console.error(`webgpu-rl: GPU device lost (${report.reason}): ${report.message}`);
    }
    return report;
  });
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    if (options.onUncapturedError) options.onUncapturedError(error);
    else console.error(`webgpu-rl: uncaptured ${error.constructor.name}: ${error.message}`);
  });
  return { state, lost };
}

/** The report of every device acquireGpu returned, for the kernel choices that depend on the adapter. */
const adapterReports = new WeakMap<GPUDevice, AdapterReport>();

/** What `device` runs on, when acquireGpu made it; undefined for a device made elsewhere. */
export function adapterOf(device: GPUDevice): AdapterReport | undefined {
  return adapterReports.get(device);
}

/** A view of `device` (a wrapper such as a profiler's proxy) runs on what `device` runs on. */
export function shareAdapter(view: GPUDevice, device: GPUDevice): void {
  const report = adapterReports.get(device);
  if (report) adapterReports.set(view, report);
}

function wrap(
  device: GPUDevice,
  adapter: AdapterReport,
  options: AcquireGpuOptions,
  owned: boolean,
): Gpu {
  adapterReports.set(device, adapter);
  let released = false;
  const { state, lost } = watchDevice(device, options, () => released);
  return {
    device,
    adapter,
    lost,
    get isLost() {
      return state.lost;
    },
    release() {
      if (released) return;
      released = true;
      if (owned) device.destroy();
    },
  };
}

/**
 * Returns a GPU device for the engine.
 *
 * - With `options.device`: the host's device, checked against the engine's minimum limits.
 * - In a browser: `navigator.gpu`, with the adapter's best values for the limits the engine uses.
 * - Elsewhere (Node): the adapter source installed by the Node entry (`webgpu-rl/node`: Dawn, the
 *   machine's GPU first and SwiftShader second).
 *
 * Throws an error that says what to install or import when no adapter exists.
 */
export async function acquireGpu(options: AcquireGpuOptions = {}): Promise<Gpu> {
  if (options.device) {
    const device = options.device;
    checkMinimumLimits(device.limits, 'the host device passed to webgpu-rl');
    const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    return wrap(device, describe(info, false, 'host-device', false), options, false);
  }

  const browserGpu = typeof navigator !== 'undefined' ? navigator.gpu : undefined;
  if (browserGpu) {
    const request: GPURequestAdapterOptions = {};
    if (options.powerPreference) request.powerPreference = options.powerPreference;
    const adapter = await browserGpu.requestAdapter(request);
    if (!adapter) {
      throw new Error(
        'WebGPU is present but no adapter is available: enable hardware acceleration, or in ' +
          'Chrome/Chromium open chrome://gpu to see why WebGPU is blocked.',
      );
    }
    const device = await requestDevice(adapter);
    return wrap(device, describe(adapter.info, isFallback(adapter), 'browser', false), options, true);
  }

  if (!adapterSource) throw new Error(NO_WEBGPU_HERE());
  const { adapter, usedSwiftShaderFallback } = await adapterSource.requestAdapter(options);
  const device = await requestDevice(adapter);
  const report = describe(adapter.info, isFallback(adapter), adapterSource.runtime, usedSwiftShaderFallback);
  adapterSource.onDevice?.(report, options);
  return wrap(device, report, options, true);
}

/**
 * Where acquireGpu finds an adapter when the JavaScript runtime has no `navigator.gpu`: the Node
 * entry (`webgpu-rl/node`) installs Dawn's (src/node/dawn.ts).
 */
export interface AdapterSource {
  readonly runtime: AdapterReport['runtime'];
  requestAdapter(options: AcquireGpuOptions): Promise<{ adapter: GPUAdapter; usedSwiftShaderFallback: boolean }>;
  /** Runs once the device exists (Dawn: event pacing on software adapters); may fill in the report. */
  onDevice?(report: AdapterReport, options: AcquireGpuOptions): void;
}

let adapterSource: AdapterSource | undefined;

/** Installs the adapter source acquireGpu uses where there is no `navigator.gpu` (one per process). */
export function installAdapterSource(source: AdapterSource): void {
  adapterSource = source;
}

const NO_WEBGPU_HERE = (): string =>
  typeof process !== 'undefined' && process.versions?.node
    ? "no WebGPU in Node: import webgpu-rl from 'webgpu-rl/node', which loads Dawn (npm install webgpu)"
    : 'WebGPU is not available in this browser: use Chrome or Edge 113+ (or Firefox/Safari with ' +
      'WebGPU enabled) over https or localhost.';

function isFallback(adapter: GPUAdapter): boolean {
  const legacy = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return Boolean(info?.isFallbackAdapter ?? legacy);
}

async function requestDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  checkMinimumLimits(adapter.limits, 'the WebGPU adapter');
  const requiredFeatures: GPUFeatureName[] = [];
  // Timestamps let benchmarks split time by phase; optional everywhere.
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  return adapter.requestDevice({
    label: 'webgpu-rl',
    requiredLimits: requiredLimitsFor(adapter),
    requiredFeatures,
  });
}
