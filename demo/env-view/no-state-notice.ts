/**
 * What the env grid shows when there is no GPU state to draw (a JavaScript env steps on the CPU):
 * a line of text, drawn once on a 2D OffscreenCanvas and copied into the WebGPU canvas each frame.
 * The canvas keeps its WebGPU context, so a later view of a GPU env can reuse it.
 */
export interface NoStateNotice {
  draw(): void;
  destroy(): void;
}

const BACKGROUND = '#0d0f14';
const TEXT = '#9aa3b5';

export function createNoStateNotice(device: GPUDevice, canvas: HTMLCanvasElement, context: GPUCanvasContext, message: string): NoStateNotice {
  context.configure({
    device,
    format: navigator.gpu.getPreferredCanvasFormat(),
    alphaMode: 'opaque',
    usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_DST,
  });
  const text = new OffscreenCanvas(1, 1);
  const painter = text.getContext('2d');
  if (!painter) throw new Error('env view: no 2D OffscreenCanvas context for the notice text');
  const size = { width: 0, height: 0 };
  let destroyed = false;

  // Re-drawn only when the canvas is resized, not every frame.
  function paint(width: number, height: number): void {
    text.width = width;
    text.height = height;
    painter!.fillStyle = BACKGROUND;
    painter!.fillRect(0, 0, width, height);
    painter!.fillStyle = TEXT;
    painter!.textAlign = 'center';
    painter!.textBaseline = 'middle';
    painter!.font = `${Math.max(10, Math.min(16, Math.round(width / 30)))}px system-ui, sans-serif`;
    painter!.fillText(message, width / 2, height / 2, width - 16);
    size.width = width;
    size.height = height;
  }

  return {
    draw() {
      const { width, height } = canvas;
      if (destroyed || width === 0 || height === 0) return;
      if (width !== size.width || height !== size.height) paint(width, height);
      device.queue.copyExternalImageToTexture({ source: text }, { texture: context.getCurrentTexture() }, size);
    },
    destroy() {
      destroyed = true;
      context.unconfigure();
    },
  };
}
