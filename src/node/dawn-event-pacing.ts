/**
 * Paces Dawn's event pump in Node, so that waiting for the GPU does not take a CPU core from it.
 *
 * Dawn's Node binding resolves `mapAsync`, `onSubmittedWorkDone` and the other promises by calling
 * `ProcessEvents` from a `setImmediate` loop that runs for as long as any of them is pending
 * (AsyncRunner::ScheduleProcessEvents, crbug.com/dawn/1127): the main thread spins at 100 % while
 * the GPU works. On a software adapter the GPU *is* the CPU, and the spinning thread competes with
 * SwiftShader's workers — on this project's 2-core machines a PPO CartPole iteration (N = 64) took
 * 3.9 s awaited normally and 2.1 s with the main thread asleep (docs/BENCHMARKS.md).
 *
 * The pacer runs beside the pump while such a promise is pending: each turn of the event loop it
 * sleeps the thread (Atomics.wait) for a slice that grows with the wait so far — an eighth of it,
 * at most MAX_SLICE_MS — so a short wait keeps the pump's latency and a long one costs one pump
 * call per slice instead of a core. The overshoot after the GPU finishes is one slice: at most an
 * eighth of the wait, and at most MAX_SLICE_MS.
 *
 * Installed once per process by acquireGpu for software adapters (option `eventPacing`), by
 * wrapping the promise-returning methods of Dawn's classes, as the `webgpu` package itself wraps
 * GPUDevice.destroy. Browsers wait without spinning and never install it.
 */

/** Longest sleep per turn: bounds the latency added to a wait that has just finished. */
const MAX_SLICE_MS = 1;
/** Shorter slices than this are not worth a system call: the pump just spins, as without pacing. */
const MIN_SLICE_MS = 0.05;

/** The Dawn methods that return promises resolved by the event pump, by class. */
const PACED_METHODS: Record<string, readonly string[]> = {
  GPUBuffer: ['mapAsync'],
  GPUQueue: ['onSubmittedWorkDone'],
  GPUDevice: ['popErrorScope', 'createComputePipelineAsync', 'createRenderPipelineAsync'],
  GPUShaderModule: ['getCompilationInfo'],
};

const INSTALLED = Symbol.for('webgpu-rl.dawnEventPacing');

let pending = 0;
let waitingSince = 0;
let running = false;
// Made on installation, in Node: a page that is not cross-origin isolated has no SharedArrayBuffer,
// and this module is part of the browser bundle (device.ts imports it).
let sleepCell: Int32Array | undefined;

function turn(): void {
  if (pending === 0) {
    running = false;
    return;
  }
  const slice = Math.min(MAX_SLICE_MS, (performance.now() - waitingSince) / 8);
  if (slice >= MIN_SLICE_MS && sleepCell) Atomics.wait(sleepCell, 0, 0, slice);
  setImmediate(turn);
}

/** Tracks one pending Dawn promise: the pacer runs while any is pending. */
function paced<T>(promise: Promise<T>): Promise<T> {
  if (pending++ === 0) waitingSince = performance.now();
  if (!running) {
    running = true;
    setImmediate(turn);
  }
  const settle = () => {
    pending -= 1;
  };
  promise.then(settle, settle);
  return promise;
}

type Prototype = Record<string | symbol, unknown>;
const prototypeOf = (globals: Record<string, unknown>, name: string) =>
  (globals[name] as { prototype?: Prototype } | undefined)?.prototype;

/** Whether the long waits — reading back (GPUBuffer) and draining the queue (GPUQueue) — are paced. */
export function isDawnEventPacingInstalled(globals: Record<string, unknown>): boolean {
  return ['GPUBuffer', 'GPUQueue'].every((name) => Boolean(prototypeOf(globals, name)?.[INSTALLED]));
}

/**
 * Wraps the promise-returning methods of Dawn's classes (`globals` of the `webgpu` package) so that
 * their waits are paced. Idempotent.
 */
export function installDawnEventPacing(globals: Record<string, unknown>): void {
  sleepCell ??= new Int32Array(new SharedArrayBuffer(4));
  for (const [className, methods] of Object.entries(PACED_METHODS)) {
    const prototype = prototypeOf(globals, className);
    if (!prototype || prototype[INSTALLED]) continue;
    for (const method of methods) {
      const original = prototype[method];
      if (typeof original !== 'function') continue;
      prototype[method] = function pacedMethod(this: unknown, ...args: unknown[]) {
        const result = (original as (...a: unknown[]) => unknown).apply(this, args);
        return result instanceof Promise ? paced(result) : result;
      };
    }
    prototype[INSTALLED] = true;
  }
}
