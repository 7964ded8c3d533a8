// The affine recurrence y_i = b_i + a_i·y_{i−1} (returns/affine_scan.wgsl), one invocation per env
// looping over time (backwards when REVERSE = 1): T dependent steps per env, coalesced reads across
// envs. The path for many envs; returns.scan_reduce/carry/apply is the path for long horizons.

override WORKGROUP_SIZE: u32 = 64u;
override REVERSE: u32 = 1u;

@group(0) @binding(0) var<storage, read> coefficients: array<vec2f>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let n = flat_index(global_id, workgroups);
  if (n >= ENVS) {
    return;
  }
  var y = 0.0;
  for (var i = 0u; i < STEPS; i += 1u) {
    let t = select(i, STEPS - 1u - i, REVERSE != 0u);
    let e = coefficients[t * ENVS + n];
    y = e.y + e.x * y;
    output[t * ENVS + n] = y;
  }
}
