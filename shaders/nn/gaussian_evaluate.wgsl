// Diagonal Gaussian head, evaluate (gaussian_common.wgsl): for each row r < ROWS,
//   log_probs[r] = Σ_d log N(a_rd; μ_rd, σ_d²),  entropies[r] = Σ_d (s_d + ½ log 2πe).
// One invocation per row.

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> mean: array<f32>;
@group(0) @binding(1) var<storage, read> log_std: array<f32>;
@group(0) @binding(2) var<storage, read> actions: array<f32>;
@group(0) @binding(3) var<storage, read_write> log_probs: array<f32>;
@group(0) @binding(4) var<storage, read_write> entropies: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let r = flat_index(global_id, workgroups);
  if (r >= ROWS) {
    return;
  }
  var log_prob = 0.0;
  var entropy = 0.0;
  for (var d = 0u; d < ACTION_DIMS; d += 1u) {
    let s = log_std[gaussian_log_std_index(r, d)];
    log_prob += gaussian_log_density(actions[gaussian_action_index(r, d)], mean[gaussian_mean_index(r, d)], s);
    entropy += s + STANDARD_NORMAL_ENTROPY;
  }
  log_probs[r] = log_prob;
  entropies[r] = entropy;
}
