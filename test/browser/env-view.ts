// Runs in Chromium: 64 envs (CartPole-v1, or the env the page's `?env=` names) stepped a few times
// with fixed actions, drawn by the demo's env grid straight from their states buffer; the canvas is
// read back (toDataURL right after the draw, before it is presented) and its pixels counted per
// cell, for the Puppeteer test in window.__envView.
import { acquireGpu, createVectorEnv } from '../../src/engine';
import { createEnvView } from '../../demo/env-view/env-view';

export interface EnvViewResult {
  instances?: number;
  /** Cells (of the 8 × 8) holding pixels of any shape, i.e. neither the gap nor the cell background. */
  cellsWithShapes?: number;
  /** Cells holding pole-coloured pixels (orange: red high, blue low). */
  cellsWithPoles?: number;
  /** Cells holding a snake's head (Snake-v0's bright green). */
  cellsWithSnakes?: number;
  /** Cells holding an apple (Snake-v0's red). */
  cellsWithApples?: number;
  /** Shape pixels in the whole canvas. */
  shapePixels?: number;
  error?: string;
}

declare global {
  interface Window {
    __envView?: EnvViewResult;
  }
}

const ENVS = 64;
const STEPS = 10;
const GRID = 8;

async function main(): Promise<EnvViewResult> {
  const gpu = await acquireGpu();
  const device = gpu.device;
  const name = new URLSearchParams(location.search).get('env') ?? 'CartPole-v1';
  const env = await createVectorEnv(device, name, { numEnvs: ENVS, seed: 3 });
  const actions = env.descriptor.actionSpace.kind === 'discrete' ? env.descriptor.actionSpace.n : 2;
  const reset = device.createCommandEncoder();
  env.encodeReset(reset);
  device.queue.submit([reset.finish()]);
  for (let step = 0; step < STEPS; step += 1) {
    // Actions that differ across envs and steps, the same on every run.
    env.writeActions(Uint32Array.from({ length: ENVS }, (_, i) => ((i * 7 + step * 3) >> 2) % actions));
    const encoder = device.createCommandEncoder();
    env.encodeStep(encoder);
    device.queue.submit([encoder.finish()]);
  }
  const canvas = document.getElementById('view') as HTMLCanvasElement;
  const view = await createEnvView(device, canvas, { descriptor: env.descriptor, states: env.buffers.states, stateSize: env.stateSize, numEnvs: ENVS });
  view.draw();
  const picture = canvas.toDataURL('image/png');
  await device.queue.onSubmittedWorkDone();

  const image = new Image();
  image.src = picture;
  await image.decode();
  const reader = new OffscreenCanvas(canvas.width, canvas.height).getContext('2d')!;
  reader.drawImage(image, 0, 0);
  const { data, width, height } = reader.getImageData(0, 0, canvas.width, canvas.height);
  // The gap between cells and the cell background are the two darkest colours of the grid.
  const isBackground = (r: number, g: number, b: number) => r < 40 && g < 40 && b < 48;
  const shapeCells = new Set<number>();
  const poleCells = new Set<number>();
  const snakeCells = new Set<number>();
  const appleCells = new Set<number>();
  let shapePixels = 0;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = 4 * (y * width + x);
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      if (isBackground(r, g, b)) continue;
      shapePixels += 1;
      const cell = Math.floor((y * GRID) / height) * GRID + Math.floor((x * GRID) / width);
      shapeCells.add(cell);
      if (r > 180 && g > 100 && g < 200 && b < 130) poleCells.add(cell);
      if (g > 190 && r < 110 && b < 130) snakeCells.add(cell);
      if (r > 220 && g < 90 && b < 80) appleCells.add(cell);
    }
  }
  view.destroy();
  env.destroy();
  gpu.release();
  return {
    instances: view.instances,
    cellsWithShapes: shapeCells.size,
    cellsWithPoles: poleCells.size,
    cellsWithSnakes: snakeCells.size,
    cellsWithApples: appleCells.size,
    shapePixels,
  };
}

const out = document.getElementById('result')!;
main()
  .then((result) => {
    window.__envView = result;
  })
  .catch((error: unknown) => {
    window.__envView = { error: error instanceof Error ? error.message : String(error) };
  })
  .finally(() => {
    out.textContent = JSON.stringify(window.__envView, null, 2);
  });
