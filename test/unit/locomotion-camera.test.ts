/**
 * The locomotion view's camera (demo/locomotion/camera.ts): lookAt puts the eye at the origin and
 * the target straight ahead on −z with world up as +y on screen; perspective maps the near plane to
 * depth 0 and the far plane to 1 (WebGPU's clip space), and a point on the view axis to the centre.
 */
import { describe, expect, it } from 'vitest';
import { lookAt, multiply, perspective } from '../../demo/locomotion/camera';

/** Column-major 4 × 4 times (x, y, z, 1). */
const apply = (m: Float32Array, [x, y, z]: number[]) => [0, 1, 2, 3].map((i) => m[i]! * x! + m[4 + i]! * y! + m[8 + i]! * z! + m[12 + i]!);
const close = (actual: number[], expected: number[]) => actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));

describe('locomotion camera', () => {
  it('lookAt from the side: eye to the origin, target ahead on −z, world z up on screen', () => {
    const view = lookAt([2, -4, 1], [2, 0, 1], [0, 0, 1], new Float32Array(16));
    close(apply(view, [2, -4, 1]), [0, 0, 0, 1]);
    close(apply(view, [2, 0, 1]), [0, 0, -4, 1]);
    close(apply(view, [2, 0, 2]), [0, 1, -4, 1]);
    // World +x (the direction the bodies run) is screen right, seen from −y.
    close(apply(view, [3, 0, 1]), [1, 0, -4, 1]);
  });

  it('perspective: near plane at depth 0, far plane at 1, the axis at the centre', () => {
    const projection = perspective(Math.PI / 2, 2, 0.1, 100, new Float32Array(16));
    const near = apply(projection, [0, 0, -0.1]);
    const far = apply(projection, [0, 0, -100]);
    expect(near[2]! / near[3]!).toBeCloseTo(0, 6);
    expect(far[2]! / far[3]!).toBeCloseTo(1, 6);
    // At 90° vertical field of view, y = −z is the top edge; at aspect 2, x = −2z the right edge.
    const corner = apply(projection, [2, 1, -1]);
    close([corner[0]! / corner[3]!, corner[1]! / corner[3]!], [1, 1]);
  });

  it('multiply composes: projection · view maps the target to the screen centre', () => {
    const view = lookAt([0, -3, 0.5], [0, 0, 0.5], [0, 0, 1], new Float32Array(16));
    const projection = perspective(Math.PI / 4, 1, 0.05, 200, new Float32Array(16));
    const clip = apply(multiply(projection, view, new Float32Array(16)), [0, 0, 0.5]);
    close([clip[0]! / clip[3]!, clip[1]! / clip[3]!], [0, 0]);
    expect(clip[3]).toBeCloseTo(3, 5);
  });
});
