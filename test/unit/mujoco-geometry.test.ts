/**
 * The geom instances a renderer draws (src/mujoco/geometry.ts), against transforms worked out by
 * hand: a capsule along z is a cylinder scaled (r, r, h) and two spheres of radius r at ±h; a
 * rotated capsule's axis follows the rotation's z column; a box and an ellipsoid scale by their
 * half-sizes; a plane of size 0 gets the "infinite" extent; unsupported geoms are skipped; instances
 * are grouped by shape. Then Hopper-v5's compiled model: its torso capsule's top reaches z = 1.5.
 */
import { describe, expect, it } from 'vitest';
import { GEOM_INSTANCE_FLOATS, MJ_GEOM, planGeomInstances, writeGeomInstances, type GeomModel, type GeomPose } from '../../src/mujoco/geometry';
import { loadMujoco } from '../../src/mujoco/load';
import { HOPPER_XML } from '../../src/mujoco/models';

const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];
/** A +90° turn about y, row-major: local z goes to world +x, local x to world −z. */
const TURN_Y = [0, 0, 1, 0, 1, 0, -1, 0, 0];

interface Geom {
  type: number;
  size: number[];
  pos: number[];
  mat: number[];
  rgba?: number[];
}

function scene(geoms: Geom[]): { model: GeomModel; pose: GeomPose } {
  return {
    model: {
      ngeom: geoms.length,
      geom_type: geoms.map((g) => g.type),
      geom_size: geoms.flatMap((g) => g.size),
      geom_rgba: geoms.flatMap((g) => g.rgba ?? [0.5, 0.5, 0.5, 1]),
    },
    pose: { geom_xpos: geoms.flatMap((g) => g.pos), geom_xmat: geoms.flatMap((g) => g.mat) },
  };
}

/** The instances of `geoms`, each as its mat4 (column-major), rgba and shape index. */
function instances(geoms: Geom[]) {
  const { model, pose } = scene(geoms);
  const plan = planGeomInstances(model);
  const out = new Float32Array(plan.parts.length * GEOM_INSTANCE_FLOATS);
  writeGeomInstances(plan, model, pose, out);
  const rows = plan.parts.map((_, k) => {
    const o = k * GEOM_INSTANCE_FLOATS;
    return { mat: Array.from(out.subarray(o, o + 16)), rgba: Array.from(out.subarray(o + 16, o + 20)), shape: out[o + 20]! };
  });
  return { plan, rows };
}

/** mat4 (column-major) times the point (x, y, z, 1). */
function apply(mat: number[], [x, y, z]: number[]): number[] {
  return [0, 1, 2].map((i) => mat[i]! * x! + mat[4 + i]! * y! + mat[8 + i]! * z! + mat[12 + i]!);
}

const close = (actual: number[], expected: number[]) => actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));

describe('MuJoCo geom instances', () => {
  it('a capsule along z: a cylinder scaled (r, r, h) and spheres of radius r at ±h, translated', () => {
    const r = 0.05;
    const h = 0.2;
    const { plan, rows } = instances([{ type: MJ_GEOM.capsule, size: [r, h, 0], pos: [1, 2, 3], mat: IDENTITY, rgba: [0.1, 0.2, 0.3, 1] }]);
    expect(plan.parts.map((p) => p.shape)).toEqual(['sphere', 'sphere', 'cylinder']);
    const [top, bottom, body] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    close(body.mat, [r, 0, 0, 0, 0, r, 0, 0, 0, 0, h, 0, 1, 2, 3, 1]);
    close(top.mat, [r, 0, 0, 0, 0, r, 0, 0, 0, 0, r, 0, 1, 2, 3 + h, 1]);
    close(bottom.mat, [r, 0, 0, 0, 0, r, 0, 0, 0, 0, r, 0, 1, 2, 3 - h, 1]);
    close(body.rgba, [0.1, 0.2, 0.3, 1]);
    // The unit meshes' extreme points land on the capsule's: the tip at h + r, the side at r.
    close(apply(top.mat, [0, 0, 1]), [1, 2, 3 + h + r]);
    close(apply(bottom.mat, [0, 0, -1]), [1, 2, 3 - h - r]);
    close(apply(body.mat, [1, 0, 1]), [1 + r, 2, 3 + h]);
    expect([top.shape, bottom.shape, body.shape]).toEqual([0, 0, 1]);
  });

  it("a capsule turned +90° about y lies along x: the rotation's columns carry the scales", () => {
    const r = 0.04;
    const h = 0.25;
    const { rows } = instances([{ type: MJ_GEOM.capsule, size: [r, h, 0], pos: [0.5, 0, 1], mat: TURN_Y }]);
    const [top, bottom, body] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    // Column j = R[:, j] · scale j: R[:, 0] = (0, 0, −1), R[:, 1] = (0, 1, 0), R[:, 2] = (1, 0, 0).
    close(body.mat, [0, 0, -r, 0, 0, r, 0, 0, h, 0, 0, 0, 0.5, 0, 1, 1]);
    close(top.mat.slice(12, 15), [0.5 + h, 0, 1]);
    close(bottom.mat.slice(12, 15), [0.5 - h, 0, 1]);
    close(apply(top.mat, [0, 0, 1]), [0.5 + h + r, 0, 1]);
  });

  it('a box and an ellipsoid scale by their half-sizes; a sphere by its radius; a cylinder by (r, r, h)', () => {
    const { rows } = instances([
      { type: MJ_GEOM.box, size: [1, 2, 3], pos: [0, 0, 0], mat: IDENTITY },
      { type: MJ_GEOM.ellipsoid, size: [0.1, 0.2, 0.3], pos: [0, 0, 0], mat: IDENTITY },
      { type: MJ_GEOM.sphere, size: [0.7, 0, 0], pos: [0, 0, 0], mat: IDENTITY },
      { type: MJ_GEOM.cylinder, size: [0.2, 0.5, 0], pos: [0, 0, 0], mat: IDENTITY },
    ]);
    const diagonal = (row: (typeof rows)[0]) => [row.mat[0]!, row.mat[5]!, row.mat[10]!];
    // Grouped by shape: ellipsoid and sphere (spheres), cylinder, box.
    expect(rows.map((row) => row.shape)).toEqual([0, 0, 1, 2]);
    close(diagonal(rows[0]!), [0.1, 0.2, 0.3]);
    close(diagonal(rows[1]!), [0.7, 0.7, 0.7]);
    close(diagonal(rows[2]!), [0.2, 0.2, 0.5]);
    close(diagonal(rows[3]!), [1, 2, 3]);
  });

  it('a plane of size 0 gets the infinite extent; height fields and meshes are skipped; ranges cover each shape', () => {
    const { model, pose } = scene([
      { type: MJ_GEOM.plane, size: [0, 0, 0.1], pos: [0, 0, 0], mat: IDENTITY },
      { type: MJ_GEOM.hfield, size: [1, 1, 1], pos: [0, 0, 0], mat: IDENTITY },
      { type: 7, size: [1, 1, 1], pos: [0, 0, 0], mat: IDENTITY },
      { type: MJ_GEOM.plane, size: [3, 4, 0.1], pos: [0, 0, 0], mat: IDENTITY },
    ]);
    const plan = planGeomInstances(model, { infinitePlane: 80 });
    expect(plan.parts.map((p) => p.geom)).toEqual([0, 3]);
    expect(plan.ranges).toEqual({ sphere: { first: 0, count: 0 }, cylinder: { first: 0, count: 0 }, box: { first: 0, count: 0 }, plane: { first: 0, count: 2 } });
    const out = new Float32Array(2 * GEOM_INSTANCE_FLOATS);
    writeGeomInstances(plan, model, pose, out);
    expect([out[0], out[5], out[10]]).toEqual([80, 80, 1]);
    expect([out[24], out[29], out[34]]).toEqual([3, 4, 1]);
    expect(() => writeGeomInstances(plan, model, pose, new Float32Array(GEOM_INSTANCE_FLOATS))).toThrow(/needs 48/);
  });

  it("Hopper-v5's compiled model at qpos0: a floor and four capsules; the torso's top at z = 1.25 + 0.2 + 0.05", async () => {
    const mujoco = await loadMujoco();
    const model = mujoco.MjModel.from_xml_string(HOPPER_XML) as unknown as GeomModel & { delete(): void };
    const data = new mujoco.MjData(model as never) as unknown as GeomPose & { delete(): void };
    try {
      mujoco.mj_forward(model as never, data as never);
      const plan = planGeomInstances(model);
      expect(plan.ranges).toEqual({ sphere: { first: 0, count: 8 }, cylinder: { first: 8, count: 4 }, box: { first: 12, count: 0 }, plane: { first: 12, count: 1 } });
      const out = new Float32Array(plan.parts.length * GEOM_INSTANCE_FLOATS);
      writeGeomInstances(plan, model, data, out);
      // The torso is geom 1; its first sphere is the cap at +h.
      const torsoTop = plan.parts.findIndex((p) => p.geom === 1 && p.shape === 'sphere');
      close(apply(Array.from(out.subarray(torsoTop * GEOM_INSTANCE_FLOATS, torsoTop * GEOM_INSTANCE_FLOATS + 16)), [0, 0, 1]), [0, 0, 1.5]);
    } finally {
      data.delete();
      model.delete();
    }
  });
});
