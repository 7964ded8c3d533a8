/**
 * `webgpu-rl/node`: everything the package root exports, plus what needs Node: WebGPU through Dawn
 * (the optional peer dependency `webgpu`; importing this entry makes `acquireGpu()` and
 * `Agent.create()` find it), checkpoint files written atomically, the autosave file sink, and the
 * flags and environment that give headless Chromium a WebGPU adapter for a game's own browser tests.
 * The browser entry (`webgpu-rl`) never imports any of it.
 *
 * @packageDocumentation
 * @module webgpu-rl/node
 */
import { installAdapterSource } from './gpu/device';
import { dawnAdapterSource } from './node/dawn';

installAdapterSource(dawnAdapterSource);

export * from './index';
export { fileSink } from './node/file-sink';
export { CheckpointFileError, cleanStaleTempFiles, readCheckpointFile, writeFileAtomic } from './node/file-store';
export { DAWN_PACKAGE } from './node/dawn';
export { HEADLESS_CHROMIUM_ADAPTERS, headlessChromium } from './node/headless-chromium';
export type { HeadlessChromiumAdapter, HeadlessChromiumLaunch, HeadlessChromiumOptions } from './node/headless-chromium';
