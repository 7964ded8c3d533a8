/**
 * The view's camera, with wgpu-matrix: a perspective projection (WebGPU's clip depth, 0 at the near
 * plane to 1 at the far one) times a look-at view (a camera looking down its −z), column-major like
 * WGSL's mat4x4f, written into arrays the caller keeps so that a frame allocates nothing.
 */
import { mat4 } from 'wgpu-matrix';

export type Vec3 = readonly [number, number, number] | Float32Array;

/** Arrays made once: the projection and view a frame writes before their product. */
export interface CameraScratch {
  readonly projection: Float32Array;
  readonly view: Float32Array;
}

export const cameraScratch = (): CameraScratch => ({ projection: new Float32Array(16), view: new Float32Array(16) });

/** `out` = perspective(fovY radians, aspect, near, far) · lookAt(eye, target, up). */
export function viewProjection(
  lens: { readonly fovY: number; readonly aspect: number; readonly near: number; readonly far: number },
  eye: Vec3,
  target: Vec3,
  up: Vec3,
  scratch: CameraScratch,
  out: Float32Array,
): Float32Array {
  mat4.perspective(lens.fovY, lens.aspect, lens.near, lens.far, scratch.projection);
  mat4.lookAt(eye, target, up, scratch.view);
  return mat4.multiply(scratch.projection, scratch.view, out) as Float32Array;
}
