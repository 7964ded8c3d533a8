/**
 * What the page's panels share: one device (every panel draws on it, and trains on it when not in a
 * worker: a game shares its renderer's device the same way), the adapter's facts, and the header's
 * SPS readout. Each panel is a module exporting a Panel; main.ts mounts them into their tab.
 */
import type { Gpu } from '../src/index';

export interface DemoContext {
  readonly gpu: Gpu;
  readonly device: GPUDevice;
  /** One line naming the adapter (formatAdapter). */
  readonly adapterLine: string;
  /** A CPU implementation (SwiftShader): the panels size their defaults down. */
  readonly isSoftware: boolean;
  /** Shows the env steps per second of whatever trains now (NaN clears it). */
  reportSps(stepsPerSecond: number): void;
}

export interface Panel {
  /** Builds the panel's DOM inside `root` (once, at load). */
  mount(root: HTMLElement, context: DemoContext): void | Promise<void>;
  /** The tab became visible / hidden (a panel may pause drawing while hidden). */
  show?(): void;
  hide?(): void;
}

/**
 * What the Puppeteer tests read (window.__demo): each panel publishes its own record under its
 * name. Never used by the page itself.
 */
export interface DemoProbe {
  adapter?: { line: string; isSoftware: boolean };
  error?: string;
  noWebGpu?: string;
  [panel: string]: unknown;
}

declare global {
  interface Window {
    __demo?: DemoProbe;
  }
}

/** The test probe, created on first use. */
export function probe(): DemoProbe {
  window.__demo ??= {};
  return window.__demo;
}
