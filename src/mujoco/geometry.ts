/**
 * What a renderer needs of a MuJoCo scene, as plain numbers: each geom of a model becomes one or
 * more instances of four unit meshes (sphere, cylinder, box, plane), each instance a column-major
 * mat4 (WGSL's mat4x4f layout) that carries the geom's size, orientation and position, its colour,
 * and its mesh. No GPU and no MuJoCo calls here: the arrays are the model's and the data's own
 * (geom_type, geom_size, geom_rgba; geom_xpos, geom_xmat), so a test hands it numbers it worked out.
 *
 * Unit meshes: sphere of radius 1; cylinder of radius 1 along z from −1 to 1; box from −1 to 1 on
 * each axis; plane the square z = 0, x and y in [−1, 1]. A MuJoCo geom's size is half-lengths,
 * so each maps by a scale: sphere (r, r, r), ellipsoid (a, b, c), cylinder (r, r, h), box
 * (x, y, z), plane (x, y, 1). A capsule is a cylinder and two spheres (scaling one mesh would
 * squash its caps into half-ellipsoids): radius r, half-length h, caps centred at ±h on its z.
 * Height fields, meshes and SDFs have no unit mesh and are skipped (the locomotion models have none).
 */

/** MuJoCo's mjtGeom values (mujoco.d.ts: mjGEOM_PLANE … mjGEOM_BOX). */
export const MJ_GEOM = { plane: 0, hfield: 1, sphere: 2, capsule: 3, ellipsoid: 4, cylinder: 5, box: 6 } as const;

/** The unit meshes an instance draws, in the order a renderer lays them out. */
export const GEOM_SHAPES = ['sphere', 'cylinder', 'box', 'plane'] as const;
export type GeomShape = (typeof GEOM_SHAPES)[number];
const SHAPE_INDEX: Readonly<Record<GeomShape, number>> = { sphere: 0, cylinder: 1, box: 2, plane: 3 };

/** Floats per instance: mat4 (16), rgba (4), shape index (1), padding to a 16-byte stride (3). */
export const GEOM_INSTANCE_FLOATS = 24;

/** The parts of a model a renderer reads once: geom types, sizes (3 per geom), colours (4 per geom). */
export interface GeomModel {
  readonly ngeom: number;
  readonly geom_type: ArrayLike<number>;
  readonly geom_size: ArrayLike<number>;
  readonly geom_rgba: ArrayLike<number>;
}

/** The parts of an MjData a renderer reads each frame: positions (3 per geom), rotations (9 per geom, row-major). */
export interface GeomPose {
  readonly geom_xpos: ArrayLike<number>;
  readonly geom_xmat: ArrayLike<number>;
}

/** One instance: geom `geom` drawn as `shape`, scaled by `scale` in the geom's frame, shifted `offsetZ` along its z. */
export interface GeomPart {
  readonly geom: number;
  readonly shape: GeomShape;
  readonly scale: readonly [number, number, number];
  readonly offsetZ: number;
}

/** The instances of a model, grouped by shape (in GEOM_SHAPES order) so that one draw per shape covers a range. */
export interface GeomPlan {
  readonly parts: readonly GeomPart[];
  /** Per shape, the first instance and the count: instances [first, first + count) draw that shape. */
  readonly ranges: Readonly<Record<GeomShape, { readonly first: number; readonly count: number }>>;
}

export interface GeomPlanOptions {
  /** The half-extent drawn for a plane of size 0 (MuJoCo's "infinite"), default 50. */
  readonly infinitePlane?: number;
}

/** The instances of geom g: its shape(s) and their scales. */
function partsOf(type: number, size: readonly number[], geom: number, infinitePlane: number): GeomPart[] {
  const [a, b, c] = size as [number, number, number];
  switch (type) {
    case MJ_GEOM.plane:
      return [{ geom, shape: 'plane', scale: [a > 0 ? a : infinitePlane, b > 0 ? b : infinitePlane, 1], offsetZ: 0 }];
    case MJ_GEOM.sphere:
      return [{ geom, shape: 'sphere', scale: [a, a, a], offsetZ: 0 }];
    case MJ_GEOM.ellipsoid:
      return [{ geom, shape: 'sphere', scale: [a, b, c], offsetZ: 0 }];
    case MJ_GEOM.cylinder:
      return [{ geom, shape: 'cylinder', scale: [a, a, b], offsetZ: 0 }];
    case MJ_GEOM.box:
      return [{ geom, shape: 'box', scale: [a, b, c], offsetZ: 0 }];
    case MJ_GEOM.capsule:
      return [
        { geom, shape: 'cylinder', scale: [a, a, b], offsetZ: 0 },
        { geom, shape: 'sphere', scale: [a, a, a], offsetZ: b },
        { geom, shape: 'sphere', scale: [a, a, a], offsetZ: -b },
      ];
    default:
      return [];
  }
}

/** The instances that draw `model`'s geoms (its types and sizes do not change while it runs). */
export function planGeomInstances(model: GeomModel, options: GeomPlanOptions = {}): GeomPlan {
  const infinitePlane = options.infinitePlane ?? 50;
  const all: GeomPart[] = [];
  for (let g = 0; g < model.ngeom; g += 1) {
    const size = [model.geom_size[3 * g]!, model.geom_size[3 * g + 1]!, model.geom_size[3 * g + 2]!];
    all.push(...partsOf(model.geom_type[g]!, size, g, infinitePlane));
  }
  const parts: GeomPart[] = [];
  const ranges = {} as Record<GeomShape, { first: number; count: number }>;
  for (const shape of GEOM_SHAPES) {
    const ofShape = all.filter((part) => part.shape === shape);
    ranges[shape] = { first: parts.length, count: ofShape.length };
    parts.push(...ofShape);
  }
  return { parts, ranges };
}

/**
 * Writes each planned instance of the current pose into `out` (GEOM_INSTANCE_FLOATS floats each,
 * at least plan.parts.length of them): mat4 columns j = 0..2 are the geom's rotation column j
 * times the part's scale j, column 3 its position (plus offsetZ along the rotation's z column);
 * then the geom's rgba and the shape index. Allocates nothing, so a renderer calls it every frame.
 */
export function writeGeomInstances(plan: GeomPlan, model: GeomModel, pose: GeomPose, out: Float32Array): void {
  const { geom_xpos: xpos, geom_xmat: xmat } = pose;
  const parts = plan.parts;
  if (out.length < parts.length * GEOM_INSTANCE_FLOATS) {
    throw new RangeError(`writeGeomInstances: out holds ${out.length} floats, the plan needs ${parts.length * GEOM_INSTANCE_FLOATS}`);
  }
  for (let k = 0; k < parts.length; k += 1) {
    const { geom: g, scale, offsetZ, shape } = parts[k]!;
    const o = k * GEOM_INSTANCE_FLOATS;
    const m = 9 * g;
    // xmat is row-major: R[i][j] = xmat[3i + j]; column j of the mat4 is R[:, j] · scale[j].
    for (let j = 0; j < 3; j += 1) {
      for (let i = 0; i < 3; i += 1) out[o + 4 * j + i] = xmat[m + 3 * i + j]! * scale[j]!;
      out[o + 4 * j + 3] = 0;
    }
    for (let i = 0; i < 3; i += 1) out[o + 12 + i] = xpos[3 * g + i]! + offsetZ * xmat[m + 3 * i + 2]!;
    out[o + 15] = 1;
    for (let c = 0; c < 4; c += 1) out[o + 16 + c] = model.geom_rgba[4 * g + c]!;
    out[o + 20] = SHAPE_INDEX[shape];
    out[o + 21] = out[o + 22] = out[o + 23] = 0;
  }
}
