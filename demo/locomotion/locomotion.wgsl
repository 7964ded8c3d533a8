// The locomotion view: every MuJoCo geom instance (src/mujoco/geometry.ts) is a unit mesh
// (meshes.ts) moved by its own mat4, lit by one directional light (Lambert plus an ambient term so
// the side away from the light still reads). The floor plane gets a checker grid in world x and y,
// which is what shows the body moving when the camera follows it.

struct Frame {
  view_projection: mat4x4f,
  // xyz: unit direction towards the light; w unused.
  light: vec4f,
}

// Matches GEOM_INSTANCE_FLOATS: mat4, rgba, shape index, padding.
struct Instance {
  model: mat4x4f,
  rgba: vec4f,
  shape: f32,
  pad0: f32,
  pad1: f32,
  pad2: f32,
}

@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var<storage, read> instances: array<Instance>;

// The plane's index in GEOM_SHAPES.
const SHAPE_PLANE: f32 = 3.0;

struct VertexOut {
  @builtin(position) clip: vec4f,
  @location(0) world: vec3f,
  @location(1) normal: vec3f,
  @location(2) rgba: vec4f,
  @location(3) @interpolate(flat) is_plane: u32,
}

@vertex
fn vertex_main(@location(0) position: vec3f, @location(1) normal: vec3f, @builtin(instance_index) index: u32) -> VertexOut {
  let instance = instances[index];
  let m = instance.model;
  let world = m * vec4f(position, 1.0);
  // The model matrix is rotation × scale, so its inverse transpose on a normal is the same
  // columns divided by their squared lengths: no inverse needed in the shader.
  let c0 = m[0].xyz;
  let c1 = m[1].xyz;
  let c2 = m[2].xyz;
  let n = c0 * (normal.x / max(dot(c0, c0), 1e-12)) + c1 * (normal.y / max(dot(c1, c1), 1e-12)) + c2 * (normal.z / max(dot(c2, c2), 1e-12));
  var out: VertexOut;
  out.clip = frame.view_projection * world;
  out.world = world.xyz;
  out.normal = normalize(n);
  out.rgba = instance.rgba;
  out.is_plane = select(0u, 1u, instance.shape == SHAPE_PLANE);
  return out;
}

// Checker squares of 1 m with darker lines every 1 m, fading with distance so it does not alias.
fn floor_colour(world: vec3f) -> vec3f {
  let cell = floor(world.xy);
  let checker = (i32(cell.x) + i32(cell.y)) & 1;
  let base = select(vec3f(0.20, 0.24, 0.30), vec3f(0.25, 0.30, 0.37), checker == 1);
  let to_line = abs(fract(world.xy + 0.5) - 0.5);
  let width = fwidth(world.xy) * 1.5;
  let line = 1.0 - min(smoothstep(vec2f(0.0), width, to_line).x, smoothstep(vec2f(0.0), width, to_line).y);
  return mix(base, vec3f(0.42, 0.48, 0.56), line * 0.6);
}

@fragment
fn fragment_main(in: VertexOut) -> @location(0) vec4f {
  let n = normalize(in.normal);
  // Both faces lit alike: the meshes are drawn without culling, and a plane is seen from above.
  let diffuse = abs(dot(n, frame.light.xyz));
  // Computed for every fragment, not under a branch: fwidth needs uniform control flow.
  let ground = floor_colour(in.world);
  let albedo = select(in.rgba.rgb, ground, in.is_plane == 1u);
  let shade = 0.35 + 0.65 * diffuse;
  return vec4f(albedo * shade, 1.0);
}
