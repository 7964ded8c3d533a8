/**
 * The unit meshes every geom instance scales (src/mujoco/geometry.ts says which unit each is): a
 * sphere of radius 1, a cylinder of radius 1 from z = −1 to 1 with its end discs, a box from −1 to
 * 1, and the plane z = 0 over [−1, 1]². One vertex buffer (position and normal, 6 floats each) and
 * one index buffer hold all four, so a single pipeline draws them with an offset per shape.
 */
import { GEOM_SHAPES, type GeomShape } from '../../src/mujoco/geometry';

/** Where one shape's triangles lie in the shared buffers (drawIndexed's arguments). */
export interface MeshRange {
  readonly firstIndex: number;
  readonly indexCount: number;
  readonly baseVertex: number;
}

export interface UnitMeshes {
  /** [vertex][x, y, z, nx, ny, nz]. */
  readonly vertices: Float32Array;
  readonly indices: Uint16Array;
  readonly ranges: Readonly<Record<GeomShape, MeshRange>>;
}

interface Mesh {
  vertices: number[];
  indices: number[];
}

/** Latitude–longitude sphere: smooth enough at the sizes a body part takes on screen. */
function sphere(slices = 24, stacks = 12): Mesh {
  const mesh: Mesh = { vertices: [], indices: [] };
  for (let i = 0; i <= stacks; i += 1) {
    const theta = (i / stacks) * Math.PI;
    for (let j = 0; j <= slices; j += 1) {
      const phi = (j / slices) * 2 * Math.PI;
      const x = Math.sin(theta) * Math.cos(phi);
      const y = Math.sin(theta) * Math.sin(phi);
      const z = Math.cos(theta);
      mesh.vertices.push(x, y, z, x, y, z);
    }
  }
  for (let i = 0; i < stacks; i += 1) {
    for (let j = 0; j < slices; j += 1) {
      const a = i * (slices + 1) + j;
      const b = a + slices + 1;
      mesh.indices.push(a, b, a + 1, a + 1, b, b + 1);
    }
  }
  return mesh;
}

/** Open tube plus two discs, each with its own (flat) normals. */
function cylinder(slices = 24): Mesh {
  const mesh: Mesh = { vertices: [], indices: [] };
  for (let j = 0; j <= slices; j += 1) {
    const phi = (j / slices) * 2 * Math.PI;
    const x = Math.cos(phi);
    const y = Math.sin(phi);
    mesh.vertices.push(x, y, -1, x, y, 0, x, y, 1, x, y, 0);
  }
  for (let j = 0; j < slices; j += 1) {
    const a = 2 * j;
    mesh.indices.push(a, a + 2, a + 1, a + 1, a + 2, a + 3);
  }
  for (const z of [-1, 1]) {
    const centre = mesh.vertices.length / 6;
    mesh.vertices.push(0, 0, z, 0, 0, z);
    for (let j = 0; j <= slices; j += 1) {
      const phi = (j / slices) * 2 * Math.PI;
      mesh.vertices.push(Math.cos(phi), Math.sin(phi), z, 0, 0, z);
    }
    for (let j = 0; j < slices; j += 1) {
      const a = centre + 1 + j;
      if (z > 0) mesh.indices.push(centre, a, a + 1);
      else mesh.indices.push(centre, a + 1, a);
    }
  }
  return mesh;
}

/** Six faces of four vertices each, so every face keeps its flat normal. */
function box(): Mesh {
  const mesh: Mesh = { vertices: [], indices: [] };
  for (let axis = 0; axis < 3; axis += 1) {
    for (const sign of [-1, 1]) {
      const u = (axis + 1) % 3;
      const v = (axis + 2) % 3;
      const first = mesh.vertices.length / 6;
      for (const [a, b] of [[-1, -1], [1, -1], [1, 1], [-1, 1]] as const) {
        const p = [0, 0, 0];
        p[axis] = sign;
        p[u] = a * sign;
        p[v] = b;
        const n = [0, 0, 0];
        n[axis] = sign;
        mesh.vertices.push(p[0]!, p[1]!, p[2]!, n[0]!, n[1]!, n[2]!);
      }
      mesh.indices.push(first, first + 1, first + 2, first, first + 2, first + 3);
    }
  }
  return mesh;
}

function plane(): Mesh {
  return { vertices: [-1, -1, 0, 0, 0, 1, 1, -1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, -1, 1, 0, 0, 0, 1], indices: [0, 1, 2, 0, 2, 3] };
}

/** The four meshes packed in GEOM_SHAPES order. */
export function unitMeshes(): UnitMeshes {
  const meshes: Record<GeomShape, Mesh> = { sphere: sphere(), cylinder: cylinder(), box: box(), plane: plane() };
  const vertices: number[] = [];
  const indices: number[] = [];
  const ranges = {} as Record<GeomShape, MeshRange>;
  for (const shape of GEOM_SHAPES) {
    const mesh = meshes[shape];
    ranges[shape] = { firstIndex: indices.length, indexCount: mesh.indices.length, baseVertex: vertices.length / 6 };
    vertices.push(...mesh.vertices);
    indices.push(...mesh.indices);
  }
  return { vertices: Float32Array.from(vertices), indices: Uint16Array.from(indices), ranges };
}
