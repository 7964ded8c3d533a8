// Parallel scan, phase 1 of 3: the composed map of each chunk of each env's column,
// aggregates[n·CHUNKS + c] = e_last ∘ … ∘ e_first over chunk c (returns/affine_scan.wgsl). One
// workgroup per (env, chunk).

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> coefficients: array<vec2f>;
@group(0) @binding(1) var<storage, read_write> aggregates: array<vec2f>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let group = workgroup_id.x + workgroup_id.y * workgroups.x;
  if (group >= ENVS * CHUNKS) {
    return;
  }
  let n = chunk_env(group);
  let first = chunk_first(group) + local_index * ITEMS_PER_THREAD;
  var map = AFFINE_IDENTITY;
  for (var k = 0u; k < ITEMS_PER_THREAD; k += 1u) {
    let i = first + k;
    if (i < STEPS) {
      map = compose(coefficients[element(n, i)], map);
    }
  }
  let total = workgroup_inclusive_scan(map, local_index);
  if (local_index == WORKGROUP_SIZE - 1u) {
    aggregates[group] = total;
  }
}
