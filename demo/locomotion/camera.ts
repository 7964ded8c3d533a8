/**
 * The view's camera: a perspective projection (WebGPU's clip depth, 0 at the near plane to 1 at the
 * far one) times a look-at view, column-major like WGSL's mat4x4f, written into arrays the caller
 * keeps, so a frame allocates nothing. The page has no matrix library (wgpu-matrix is not among the
 * project's dependencies), and these two matrices are all it needs; they follow wgpu-matrix's
 * mat4.perspective and mat4.lookAt (a camera looking down its −z).
 */

export type Vec3 = readonly [number, number, number] | Float32Array;

/** `out` = perspective(fovY radians, aspect, near, far), depth mapped to [0, 1]. */
export function perspective(fovY: number, aspect: number, near: number, far: number, out: Float32Array): Float32Array {
  const f = 1 / Math.tan(fovY / 2);
  const rangeInv = 1 / (near - far);
  out.fill(0);
  out[0] = f / aspect;
  out[5] = f;
  out[10] = far * rangeInv;
  out[11] = -1;
  out[14] = far * near * rangeInv;
  return out;
}

/** `out` = the view matrix of a camera at `eye` looking at `target` with `up` roughly up. */
export function lookAt(eye: Vec3, target: Vec3, up: Vec3, out: Float32Array): Float32Array {
  // z points from the target back to the eye; x = up × z; y = z × x.
  let zx = eye[0]! - target[0]!;
  let zy = eye[1]! - target[1]!;
  let zz = eye[2]! - target[2]!;
  const zl = Math.hypot(zx, zy, zz) || 1;
  zx /= zl;
  zy /= zl;
  zz /= zl;
  let xx = up[1]! * zz - up[2]! * zy;
  let xy = up[2]! * zx - up[0]! * zz;
  let xz = up[0]! * zy - up[1]! * zx;
  const xl = Math.hypot(xx, xy, xz) || 1;
  xx /= xl;
  xy /= xl;
  xz /= xl;
  const yx = zy * xz - zz * xy;
  const yy = zz * xx - zx * xz;
  const yz = zx * xy - zy * xx;
  out[0] = xx;
  out[1] = yx;
  out[2] = zx;
  out[3] = 0;
  out[4] = xy;
  out[5] = yy;
  out[6] = zy;
  out[7] = 0;
  out[8] = xz;
  out[9] = yz;
  out[10] = zz;
  out[11] = 0;
  out[12] = -(xx * eye[0]! + xy * eye[1]! + xz * eye[2]!);
  out[13] = -(yx * eye[0]! + yy * eye[1]! + yz * eye[2]!);
  out[14] = -(zx * eye[0]! + zy * eye[1]! + zz * eye[2]!);
  out[15] = 1;
  return out;
}

/** `out` = a · b (column-major 4 × 4); `out` must be neither. */
export function multiply(a: Float32Array, b: Float32Array, out: Float32Array): Float32Array {
  for (let column = 0; column < 4; column += 1) {
    for (let row = 0; row < 4; row += 1) {
      let sum = 0;
      for (let k = 0; k < 4; k += 1) sum += a[4 * k + row]! * b[4 * column + k]!;
      out[4 * column + row] = sum;
    }
  }
  return out;
}
