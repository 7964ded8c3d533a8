// Parallel scan, phase 2 of 3: one invocation per env walks its CHUNKS chunk maps in order and
// writes carries[n·CHUNKS + c] = y just before chunk c (0 before the first). CHUNKS = ⌈T / chunk⌉
// is small (T/512), so a serial walk is cheap.

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> aggregates: array<vec2f>;
@group(0) @binding(1) var<storage, read_write> carries: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let n = flat_index(global_id, workgroups);
  if (n >= ENVS) {
    return;
  }
  var y = 0.0;
  for (var c = 0u; c < CHUNKS; c += 1u) {
    carries[n * CHUNKS + c] = y;
    let map = aggregates[n * CHUNKS + c];
    y = map.y + map.x * y;
  }
}
