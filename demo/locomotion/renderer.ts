/**
 * Draws one MuJoCo scene (a model's geoms at an MjData's pose) into a canvas with one render
 * pipeline: the unit meshes (meshes.ts) instanced once per geom part (src/mujoco/geometry.ts),
 * Lambert-shaded in the geom's colour, depth-tested, seen from the side by a camera that follows a
 * point (the torso). Per frame it writes the instance buffer and the camera uniform from arrays made
 * once, so drawing allocates only what WebGPU's own calls do (encoder, pass, texture view).
 */
import { GEOM_INSTANCE_FLOATS, GEOM_SHAPES, planGeomInstances, writeGeomInstances, type GeomModel, type GeomPose } from '../../src/mujoco/geometry';
import { cameraScratch, viewProjection } from './camera';
import shaderWgsl from './locomotion.wgsl?raw';
import { unitMeshes } from './meshes';

export interface LocomotionRenderer {
  /** Draws `pose` with the camera following `target` (world x, y, z). */
  draw(pose: GeomPose, target: ArrayLike<number>): void;
  /** Geom parts drawn per frame. */
  readonly instances: number;
  destroy(): void;
}

/** The sky behind the scene (also what the browser test counts as background). */
export const SKY: GPUColor = { r: 0.051, g: 0.059, b: 0.078, a: 1 };
/** The default grey MuJoCo gives a geom without a colour, and the colours drawn in its place. */
const MUJOCO_GREY = [0.5, 0.5, 0.5, 1];
const PALETTE = [
  [0.95, 0.62, 0.25],
  [0.35, 0.7, 0.95],
  [0.55, 0.85, 0.45],
  [0.9, 0.45, 0.6],
  [0.75, 0.65, 0.95],
] as const;
const DEPTH_FORMAT: GPUTextureFormat = 'depth24plus';
/** Side view: the camera sits this far along −y of the target, a little above it. */
const CAMERA = { distance: 3.5, height: 0.6, fovY: (45 * Math.PI) / 180, near: 0.05, far: 200 };
/** Towards the light: from the camera's side, above and a little ahead. */
const LIGHT = [0.3, -0.6, 0.75];

/** The model's colours with MuJoCo's default grey replaced by a palette (the locomotion models give none). */
function colouredModel(model: GeomModel): GeomModel {
  const rgba = Array.from(model.geom_rgba);
  for (let g = 0; g < model.ngeom; g += 1) {
    const isGrey = MUJOCO_GREY.every((v, c) => Math.abs(rgba[4 * g + c]! - v) < 1e-6);
    if (isGrey) rgba.splice(4 * g, 3, ...PALETTE[g % PALETTE.length]!);
  }
  return { ngeom: model.ngeom, geom_type: Array.from(model.geom_type), geom_size: Array.from(model.geom_size), geom_rgba: rgba };
}

function createBuffer(device: GPUDevice, label: string, data: Float32Array | Uint16Array, usage: number): GPUBuffer {
  // writeBuffer wants a multiple of 4 bytes (an odd count of u16 indices is padded).
  const buffer = device.createBuffer({ label, size: Math.ceil(data.byteLength / 4) * 4, usage: usage | GPUBufferUsage.COPY_DST });
  const bytes = new Uint8Array(buffer.size);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  device.queue.writeBuffer(buffer, 0, bytes);
  return buffer;
}

async function createPipeline(device: GPUDevice, format: GPUTextureFormat): Promise<GPURenderPipeline> {
  const module = device.createShaderModule({ label: 'locomotion', code: shaderWgsl });
  return device.createRenderPipelineAsync({
    label: 'locomotion',
    layout: 'auto',
    vertex: {
      module,
      entryPoint: 'vertex_main',
      buffers: [{
        arrayStride: 24,
        attributes: [
          { shaderLocation: 0, offset: 0, format: 'float32x3' },
          { shaderLocation: 1, offset: 12, format: 'float32x3' },
        ],
      }],
    },
    fragment: { module, entryPoint: 'fragment_main', targets: [{ format }] },
    // No culling: the meshes' winding need not be consistent, the depth test hides back faces.
    primitive: { topology: 'triangle-list', cullMode: 'none' },
    depthStencil: { format: DEPTH_FORMAT, depthWriteEnabled: true, depthCompare: 'less' },
  });
}

/** The camera uniform: view-projection (16 floats) then the light direction (4), written per frame from arrays made once. */
function createCamera(device: GPUDevice) {
  const data = new Float32Array(20);
  const buffer = device.createBuffer({ label: 'locomotion.frame', size: data.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const lightLength = Math.hypot(...LIGHT);
  for (let i = 0; i < 3; i += 1) data[16 + i] = LIGHT[i]! / lightLength;
  const scratch = cameraScratch();
  const eye = new Float32Array(3);
  const focus = new Float32Array(3);
  const up = new Float32Array([0, 0, 1]);
  return {
    buffer,
    write(target: ArrayLike<number>, aspect: number): void {
      // Follow x and y; hold the height near the body's middle so a hop moves the body, not the horizon.
      focus[0] = target[0]!;
      focus[1] = target[1]!;
      focus[2] = Math.min(1, Math.max(0.3, 0.6 * target[2]!));
      eye[0] = focus[0];
      eye[1] = focus[1] - CAMERA.distance;
      eye[2] = focus[2] + CAMERA.height;
      viewProjection({ ...CAMERA, aspect }, eye, focus, up, scratch, data.subarray(0, 16));
      device.queue.writeBuffer(buffer, 0, data);
    },
  };
}

/** A depth attachment for the canvas's size, its texture made again only when the canvas is resized. */
function createDepth(device: GPUDevice) {
  let texture: GPUTexture | null = null;
  const attachment: GPURenderPassDepthStencilAttachment = { view: undefined as unknown as GPUTextureView, depthClearValue: 1, depthLoadOp: 'clear', depthStoreOp: 'discard' };
  return {
    attachment,
    fit(width: number, height: number): void {
      if (texture && texture.width === width && texture.height === height) return;
      texture?.destroy();
      texture = device.createTexture({ label: 'locomotion.depth', size: [width, height], format: DEPTH_FORMAT, usage: GPUTextureUsage.RENDER_ATTACHMENT });
      attachment.view = texture.createView();
    },
    destroy: () => texture?.destroy(),
  };
}

/** Builds the renderer for `model`'s geoms (their types, sizes and colours are read once). */
export async function createLocomotionRenderer(device: GPUDevice, canvas: HTMLCanvasElement, mujocoModel: GeomModel): Promise<LocomotionRenderer> {
  const context = canvas.getContext('webgpu');
  if (!context) throw new Error('locomotion view: the canvas gives no WebGPU context');
  const format = navigator.gpu.getPreferredCanvasFormat();
  const model = colouredModel(mujocoModel);
  const plan = planGeomInstances(model);
  const meshes = unitMeshes();
  const pipeline = await createPipeline(device, format);
  context.configure({ device, format, alphaMode: 'opaque' });

  const vertexBuffer = createBuffer(device, 'locomotion.vertices', meshes.vertices, GPUBufferUsage.VERTEX);
  const indexBuffer = createBuffer(device, 'locomotion.indices', meshes.indices, GPUBufferUsage.INDEX);
  const instanceData = new Float32Array(Math.max(1, plan.parts.length) * GEOM_INSTANCE_FLOATS);
  const instanceBuffer = device.createBuffer({ label: 'locomotion.instances', size: instanceData.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const camera = createCamera(device);
  const depth = createDepth(device);
  const bindGroup = device.createBindGroup({
    label: 'locomotion',
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: camera.buffer } },
      { binding: 1, resource: { buffer: instanceBuffer } },
    ],
  });
  const colour: GPURenderPassColorAttachment = { view: undefined as unknown as GPUTextureView, clearValue: SKY, loadOp: 'clear', storeOp: 'store' };
  const pass: GPURenderPassDescriptor = { label: 'locomotion', colorAttachments: [colour], depthStencilAttachment: depth.attachment };
  let destroyed = false;

  return {
    instances: plan.parts.length,
    draw(pose, target) {
      const { width, height } = canvas;
      if (destroyed || width === 0 || height === 0) return;
      depth.fit(width, height);
      camera.write(target, width / height);
      writeGeomInstances(plan, model, pose, instanceData);
      device.queue.writeBuffer(instanceBuffer, 0, instanceData);
      colour.view = context.getCurrentTexture().createView();
      const encoder = device.createCommandEncoder({ label: 'locomotion' });
      const renderPass = encoder.beginRenderPass(pass);
      renderPass.setPipeline(pipeline);
      renderPass.setBindGroup(0, bindGroup);
      renderPass.setVertexBuffer(0, vertexBuffer);
      renderPass.setIndexBuffer(indexBuffer, 'uint16');
      for (const shape of GEOM_SHAPES) {
        const { first, count } = plan.ranges[shape];
        const mesh = meshes.ranges[shape];
        if (count > 0) renderPass.drawIndexed(mesh.indexCount, count, mesh.firstIndex, mesh.baseVertex, first);
      }
      renderPass.end();
      device.queue.submit([encoder.finish()]);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const buffer of [vertexBuffer, indexBuffer, instanceBuffer, camera.buffer]) buffer.destroy();
      depth.destroy();
      // The context stays configured: a newer renderer of the same canvas (another env chosen while
      // this one was built) may have configured it already, and unconfiguring would take it away.
    },
  };
}
