/**
 * The demo page's entry: acquire WebGPU through the engine's own code path (or explain why not),
 * show the adapter, mount the panels into their tabs.
 */
import { acquireGpu, formatAdapter } from '../src/index';
import { probe, type DemoContext, type Panel } from './context';
import { connectFourPanel } from './connect-four/panel';
import { labPanel } from './lab/panel';
import { walkPanel } from './locomotion/panel';
import { playPanel } from './play/panel';
import { trainPanel } from './train/panel';

const PANELS: Readonly<Record<string, Panel>> = { train: trainPanel, lab: labPanel, play: playPanel, 'connect-four': connectFourPanel, walk: walkPanel };

function fact(name: string, text: string): void {
  document.querySelector<HTMLElement>(`[data-fact="${name}"]`)!.textContent = text;
}

function showNoWebGpu(reason: string): void {
  const section = document.getElementById('no-webgpu')!;
  section.hidden = false;
  section.querySelector('[data-role="reason"]')!.textContent = reason;
  fact('adapter', 'none: WebGPU is unavailable');
  probe().noWebGpu = reason;
}

function selectTab(name: string): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-tab]')) {
    const selected = button.dataset.tab === name;
    button.setAttribute('aria-selected', String(selected));
  }
  for (const [panelName, panel] of Object.entries(PANELS)) {
    const section = document.querySelector<HTMLElement>(`[data-panel="${panelName}"]`)!;
    const visible = panelName === name;
    if (section.hidden === !visible) continue;
    section.hidden = !visible;
    if (visible) panel.show?.();
    else panel.hide?.();
  }
}

async function main(): Promise<void> {
  if (typeof navigator === 'undefined' || !('gpu' in navigator) || !navigator.gpu) {
    showNoWebGpu('This browser does not expose navigator.gpu.');
    return;
  }
  let gpu;
  try {
    gpu = await acquireGpu({ onLost: (report) => fact('adapter', `lost (${report.reason}): reload the page`) });
  } catch (error) {
    showNoWebGpu(error instanceof Error ? error.message : String(error));
    return;
  }
  const adapterLine = formatAdapter(gpu.adapter);
  fact('adapter', adapterLine);
  fact('kind', gpu.adapter.isSoftware ? 'software (CPU): slow, sized down' : 'hardware GPU');
  probe().adapter = { line: adapterLine, isSoftware: gpu.adapter.isSoftware };
  const context: DemoContext = {
    gpu,
    device: gpu.device,
    adapterLine,
    isSoftware: gpu.adapter.isSoftware,
    reportSps: (sps) => fact('sps', Number.isFinite(sps) ? Math.round(sps).toLocaleString('en') : '–'),
  };
  document.getElementById('tabs')!.hidden = false;
  for (const [name, panel] of Object.entries(PANELS)) {
    await panel.mount(document.querySelector<HTMLElement>(`[data-panel="${name}"]`)!, context);
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-tab]')) {
    button.addEventListener('click', () => selectTab(button.dataset.tab!));
  }
  selectTab(new URLSearchParams(location.search).get('tab') ?? 'train');
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  probe().error = message;
  console.error(`webgpu-rl demo: ${message}`);
});
