// Parallel scan, phase 3 of 3: each workgroup rescans its chunk (the same maps in the same order as
// returns.scan_reduce), applies the exclusive prefix of the invocations before it to the chunk's
// carry, then runs its ITEMS_PER_THREAD elements serially and writes y at each one's time.

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> coefficients: array<vec2f>;
@group(0) @binding(1) var<storage, read> carries: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

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
  let inclusive = workgroup_inclusive_scan(map, local_index);
  // Exclusive prefix: the inclusive scan of the invocation before (identity for the first).
  var before = AFFINE_IDENTITY;
  if (local_index > 0u) {
    before = scan_scratch[local_index - 1u];
  }
  let carry = carries[group];
  var y = before.y + before.x * carry;
  for (var k = 0u; k < ITEMS_PER_THREAD; k += 1u) {
    let i = first + k;
    if (i < STEPS) {
      let at = element(n, i);
      let e = coefficients[at];
      y = e.y + e.x * y;
      output[at] = y;
    }
  }
  _ = inclusive;
}
