/**
 * The locomotion view's camera (demo/locomotion/camera.ts, wgpu-matrix's perspective · lookAt): seen
 * from the side as the view uses it, the target lands at the screen's centre, world +z up and +x
 * right on screen, the near plane at depth 0 and the far plane at 1 (WebGPU's clip space).
 */
import { describe, expect, it } from 'vitest';
import { cameraScratch, viewProjection } from '../../demo/locomotion/camera';

/** Column-major 4 × 4 times (x, y, z, 1). */
const apply = (m: Float32Array, [x, y, z]: number[]) => [0, 1, 2, 3].map((i) => m[i]! * x! + m[4 + i]! * y! + m[8 + i]! * z! + m[12 + i]!);
const close = (actual: number[], expected: number[]) => actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));

describe('locomotion camera', () => {
  const ndc = (clip: number[]) => [clip[0]! / clip[3]!, clip[1]! / clip[3]!, clip[2]! / clip[3]!];
  const lens = { fovY: Math.PI / 2, aspect: 2, near: 0.1, far: 100 };
  const camera = () => viewProjection(lens, [2, -4, 1], [2, 0, 1], [0, 0, 1], cameraScratch(), new Float32Array(16));

  it('from the side: the target at the centre, world z up and x right on screen', () => {
    const m = camera();
    close(ndc(apply(m, [2, 0, 1])).slice(0, 2), [0, 0]);
    // 4 away with a 90° vertical field of view: 1 up is a quarter of the half-height; 1 right an eighth of the half-width (aspect 2).
    close(ndc(apply(m, [2, 0, 2])).slice(0, 2), [0, 0.25]);
    close(ndc(apply(m, [3, 0, 1])).slice(0, 2), [0.125, 0]);
    expect(apply(m, [2, 0, 1])[3]).toBeCloseTo(4, 5);
  });

  it('depth: the near plane at 0, the far plane at 1', () => {
    const m = camera();
    // Along the view axis (+y from the eye at y = −4): near at y = −3.9, far at y = 96.
    expect(ndc(apply(m, [2, -3.9, 1]))[2]).toBeCloseTo(0, 5);
    expect(ndc(apply(m, [2, 96, 1]))[2]).toBeCloseTo(1, 5);
  });
});
