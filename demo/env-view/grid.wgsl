// The env grid: one instance per env, each drawing its cell's background and then its scene's
// shapes (ENV_SHAPES thin quads or discs, from env_shape in the scene's file, which is appended to
// this one). Everything is read straight from the trainer's states buffer, so nothing is copied
// back to the CPU. Shapes are drawn in index order within an instance (later over earlier), so a
// scene lists them back to front.

// The grid (set by env-view.ts): columns and rows of cells, and floats per env state.
override columns: u32 = 1u;
override rows: u32 = 1u;
override state_size: u32 = 1u;
// The scene's world box, letterboxed into each cell (aspect kept).
override world_left: f32 = -1.0;
override world_bottom: f32 = -1.0;
override world_right: f32 = 1.0;
override world_top: f32 = 1.0;

struct View {
  // Canvas size in pixels (the only thing that may change after creation).
  canvas: vec2f,
}

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var<storage, read> states: array<f32>;

/** Float k of env `env`'s State struct (the scene's file names them after stateNames). */
fn state(env: u32, k: u32) -> f32 {
  return states[env * state_size + k];
}

const SEGMENT: u32 = 0u;
const DISC: u32 = 1u;

// A segment from a to b, half_width either side (a rectangle when a→b is its centre line); or a
// disc of radius half_width at a. half_width 0 hides the shape. World units, y up.
struct Shape {
  a: vec2f,
  b: vec2f,
  half_width: f32,
  kind: u32,
  colour: vec3f,
}

fn segment(a: vec2f, b: vec2f, half_width: f32, colour: vec3f) -> Shape {
  return Shape(a, b, half_width, SEGMENT, colour);
}

fn disc(centre: vec2f, radius: f32, colour: vec3f) -> Shape {
  return Shape(centre, centre, radius, DISC, colour);
}

fn rect(low: vec2f, high: vec2f, colour: vec3f) -> Shape {
  let y = 0.5 * (low.y + high.y);
  return Shape(vec2f(low.x, y), vec2f(high.x, y), 0.5 * (high.y - low.y), SEGMENT, colour);
}

fn hidden() -> Shape {
  return Shape(vec2f(0.0), vec2f(0.0), 0.0, SEGMENT, vec3f(0.0));
}

/** A colour from 0–255 components, as palettes are usually written. */
fn rgb(r: f32, g: f32, b: f32) -> vec3f {
  return vec3f(r, g, b) / 255.0;
}

const CELL_BACKGROUND: vec3f = vec3f(0.090, 0.102, 0.133);
// Pixels between cells, and around the world box inside a cell.
const CELL_GAP: f32 = 1.0;
const CELL_PADDING: f32 = 2.0;
// Lines never thinner than this many pixels across, so that they survive small cells.
const MIN_LINE_PIXELS: f32 = 1.5;
// Edges fade over a pixel (coverage from the distance to the edge), so thin slanted lines and
// small discs do not break into stairs and dashes; quads grow by half of it to make room.
const EDGE_FADE: f32 = 0.5;

const CORNERS = array<vec2f, 6>(
  vec2f(-1.0, -1.0), vec2f(1.0, -1.0), vec2f(-1.0, 1.0),
  vec2f(-1.0, 1.0), vec2f(1.0, -1.0), vec2f(1.0, 1.0),
);

struct VertexOut {
  @builtin(position) position: vec4f,
  @location(0) colour: vec3f,
  // Pixels from the shape's centre: along and across a segment, or x and y from a disc's centre.
  @location(1) local: vec2f,
  // Half-length and half-width of a segment (pixels); x is a disc's radius.
  @location(2) @interpolate(flat) extent: vec2f,
  @location(3) @interpolate(flat) kind: u32,
}

// The cell's background, and a kind the fragment stage never fades.
const BACKGROUND: u32 = 2u;

@vertex
fn vertex_main(@builtin(vertex_index) vertex: u32, @builtin(instance_index) env: u32) -> VertexOut {
  let corner = CORNERS[vertex % 6u];
  let shape_index = vertex / 6u;
  let cell_size = view.canvas / vec2f(f32(columns), f32(rows));
  // Pixels, y down from the canvas's top-left corner.
  let cell_origin = vec2f(f32(env % columns), f32(env / columns)) * cell_size;

  var out: VertexOut;
  var pixel: vec2f;
  if (shape_index == 0u) {
    pixel = cell_origin + CELL_GAP + (0.5 * corner + 0.5) * max(cell_size - 2.0 * CELL_GAP, vec2f(0.0));
    out.colour = CELL_BACKGROUND;
    out.kind = BACKGROUND;
  } else {
    let world_low = vec2f(world_left, world_bottom);
    let world_high = vec2f(world_right, world_top);
    let room = max(cell_size - 2.0 * (CELL_GAP + CELL_PADDING), vec2f(1.0));
    let extent = world_high - world_low;
    // Pixels per world unit, the same on both axes (y flips: world y is up, pixels down).
    let scale = min(room.x / extent.x, room.y / extent.y);
    let cell_centre = cell_origin + 0.5 * cell_size;
    let world_centre = 0.5 * (world_low + world_high);
    let shape = env_shape(env, shape_index - 1u);
    let a = cell_centre + (shape.a - world_centre) * vec2f(scale, -scale);
    let b = cell_centre + (shape.b - world_centre) * vec2f(scale, -scale);
    let shown = shape.half_width > 0.0;
    let half_width = select(0.0, max(shape.half_width * scale, 0.5 * MIN_LINE_PIXELS), shown);
    let grow = select(0.0, EDGE_FADE, shown);
    if (shape.kind == DISC) {
      out.local = corner * (half_width + grow);
      pixel = a + out.local;
      out.extent = vec2f(half_width, 0.0);
    } else {
      let along = b - a;
      let span = length(along);
      let direction = select(vec2f(1.0, 0.0), along / span, span > 0.0);
      let normal = vec2f(-direction.y, direction.x);
      out.extent = vec2f(0.5 * span, half_width);
      out.local = corner * (out.extent + grow);
      pixel = 0.5 * (a + b) + direction * out.local.x + normal * out.local.y;
    }
    out.colour = shape.colour;
    out.kind = shape.kind;
  }
  out.position = vec4f(pixel / view.canvas * vec2f(2.0, -2.0) + vec2f(-1.0, 1.0), 0.0, 1.0);
  return out;
}

@fragment
fn fragment_main(in: VertexOut) -> @location(0) vec4f {
  var coverage = 1.0;
  if (in.kind == DISC) {
    coverage = clamp(in.extent.x - length(in.local) + EDGE_FADE, 0.0, 1.0);
  } else if (in.kind == SEGMENT) {
    let inside = in.extent - abs(in.local) + EDGE_FADE;
    coverage = clamp(inside.x, 0.0, 1.0) * clamp(inside.y, 0.0, 1.0);
  }
  return vec4f(in.colour, coverage);
}
