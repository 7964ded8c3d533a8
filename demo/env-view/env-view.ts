/**
 * The env grid: many env instances at once (the first maxInstances, default 64), one cell each in
 * a √n × √n grid, drawn from the trainer's states buffer by one instanced draw per frame. The
 * vertex shader reads the states buffer as read-only storage, so there is no readback and nothing
 * is allocated per frame. Each env's picture is a scene (scenes.ts and a .wgsl file here); an env
 * without one shows its state floats as bars, and a JavaScript env (no states buffer) a line of text.
 *
 * The canvas is drawn at its own pixel size (canvas.width × canvas.height, set by the caller); the
 * grid follows a resize. Destroy the view before the trainer whose states buffer it reads.
 */
import type { TrainerEnvView } from '../../src/index';
import gridWgsl from './grid.wgsl?raw';
import { createNoStateNotice } from './no-state-notice';
import { sceneFor, shapeCount } from './scenes';

export interface EnvView {
  /** Draws the current states (call once per animation frame). */
  draw(): void;
  /** Envs drawn: min(numEnvs, maxInstances); 0 for a JavaScript env. */
  readonly instances: number;
  destroy(): void;
}

export interface EnvViewOptions {
  /** Envs drawn at most, the first ones of the states buffer (default 64). */
  maxInstances?: number;
}

/** Colour between the cells. */
const CANVAS_CLEAR: GPUColor = { r: 0.051, g: 0.059, b: 0.078, a: 1 };

export async function createEnvView(
  device: GPUDevice,
  canvas: HTMLCanvasElement,
  view: TrainerEnvView,
  options: EnvViewOptions = {},
): Promise<EnvView> {
  const maxInstances = options.maxInstances ?? 64;
  if (!Number.isInteger(maxInstances) || maxInstances < 1) {
    throw new RangeError(`options.maxInstances must be a positive integer (got ${maxInstances})`);
  }
  const context = canvas.getContext('webgpu');
  if (!context) throw new Error('env view: the canvas gives no WebGPU context (does it already have a 2D one?)');
  const states = view.states;
  if (!states) {
    const notice = createNoStateNotice(device, canvas, context, `${view.descriptor.id} runs in JavaScript: no GPU state to draw`);
    return { draw: notice.draw, instances: 0, destroy: notice.destroy };
  }

  const instances = Math.min(view.numEnvs, maxInstances);
  const columns = Math.ceil(Math.sqrt(instances));
  const rows = Math.ceil(instances / columns);
  const scene = sceneFor(view.descriptor);
  const vertices = 6 * (1 + shapeCount(scene));
  const format = navigator.gpu.getPreferredCanvasFormat();
  const label = `envView.${scene.name}`;
  context.configure({ device, format, alphaMode: 'opaque' });

  const module = device.createShaderModule({ label, code: `${gridWgsl}\n${scene.wgsl}` });
  const bindGroupLayout = device.createBindGroupLayout({
    label,
    entries: [
      { binding: 0, visibility: GPUShaderStage.VERTEX, buffer: { type: 'uniform' } },
      { binding: 1, visibility: GPUShaderStage.VERTEX, buffer: { type: 'read-only-storage' } },
    ],
  });
  const world = scene.world(view.descriptor.params);
  const pipeline = await device.createRenderPipelineAsync({
    label,
    layout: device.createPipelineLayout({ label, bindGroupLayouts: [bindGroupLayout] }),
    vertex: {
      module,
      entryPoint: 'vertex_main',
      constants: {
        columns,
        rows,
        state_size: view.stateSize,
        world_left: world.left,
        world_bottom: world.bottom,
        world_right: world.right,
        world_top: world.top,
        ...scene.constants(view.descriptor.params),
      },
    },
    fragment: {
      module,
      entryPoint: 'fragment_main',
      // Alpha is a shape's coverage of the pixel (its faded edges).
      targets: [{
        format,
        blend: {
          color: { srcFactor: 'src-alpha', dstFactor: 'one-minus-src-alpha' },
          alpha: { srcFactor: 'one', dstFactor: 'one-minus-src-alpha' },
        },
      }],
    },
    primitive: { topology: 'triangle-list' },
  });

  // View (grid.wgsl): the canvas size, rewritten only when the canvas is resized.
  const viewUniform = device.createBuffer({ label: `${label}.view`, size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const canvasSize = new Float32Array(4);
  const bindGroup = device.createBindGroup({
    label,
    layout: bindGroupLayout,
    entries: [
      { binding: 0, resource: { buffer: viewUniform } },
      // Only the drawn envs' states.
      { binding: 1, resource: { buffer: states, offset: 0, size: 4 * instances * view.stateSize } },
    ],
  });
  const colourAttachment: GPURenderPassColorAttachment = {
    view: undefined as unknown as GPUTextureView,
    clearValue: CANVAS_CLEAR,
    loadOp: 'clear',
    storeOp: 'store',
  };
  const pass: GPURenderPassDescriptor = { label, colorAttachments: [colourAttachment] };
  let destroyed = false;

  return {
    instances,
    draw() {
      const { width, height } = canvas;
      if (destroyed || width === 0 || height === 0) return;
      if (width !== canvasSize[0] || height !== canvasSize[1]) {
        canvasSize[0] = width;
        canvasSize[1] = height;
        device.queue.writeBuffer(viewUniform, 0, canvasSize);
      }
      colourAttachment.view = context.getCurrentTexture().createView();
      const encoder = device.createCommandEncoder({ label });
      const renderPass = encoder.beginRenderPass(pass);
      renderPass.setPipeline(pipeline);
      renderPass.setBindGroup(0, bindGroup);
      renderPass.draw(vertices, instances);
      renderPass.end();
      device.queue.submit([encoder.finish()]);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      viewUniform.destroy();
      context.unconfigure();
    },
  };
}
