// Runs in Chromium: acquire a device through the engine's own code path and run the self-check
// kernel; the result lands in window.__smoke for the Puppeteer test to read.
import { acquireGpu, formatAdapter, runSelfCheck } from '../../src/gpu/index';

declare global {
  interface Window {
    __smoke?: { adapter?: unknown; adapterLine?: string; report?: unknown; error?: string };
  }
}

async function main(): Promise<void> {
  const out = document.getElementById('result')!;
  try {
    const gpu = await acquireGpu();
    const report = await runSelfCheck(gpu);
    window.__smoke = { adapter: gpu.adapter, adapterLine: formatAdapter(gpu.adapter), report };
    out.textContent = JSON.stringify(window.__smoke, null, 2);
    gpu.release();
  } catch (error) {
    window.__smoke = { error: error instanceof Error ? error.message : String(error) };
    out.textContent = window.__smoke.error!;
  }
}

void main();
