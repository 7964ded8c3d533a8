// KL(old ‖ new) per row between diagonal Gaussians, closed form summed over dims:
//   kl[r] = Σ_d [s_n - s_o + (σ_o² + (μ_o - μ_n)²) / (2σ_n²) - ½]
// New mean and log-std as in gaussian_common.wgsl; old mean at
// old_mean[r·OLD_MEAN_STRIDE + OLD_MEAN_OFFSET + d], old log-std at
// old_log_std[agent·OLD_LOG_STD_AGENT_STRIDE + OLD_LOG_STD_OFFSET + d] (e.g. a snapshot of the
// parameters taken before the update). One invocation per row.

override WORKGROUP_SIZE: u32 = 64u;
override OLD_MEAN_STRIDE: u32;
override OLD_MEAN_OFFSET: u32 = 0u;
override OLD_LOG_STD_AGENT_STRIDE: u32;
override OLD_LOG_STD_OFFSET: u32 = 0u;

@group(0) @binding(0) var<storage, read> old_mean: array<f32>;
@group(0) @binding(1) var<storage, read> old_log_std: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> log_std: array<f32>;
@group(0) @binding(4) var<storage, read_write> kl: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let r = flat_index(global_id, workgroups);
  if (r >= ROWS) {
    return;
  }
  let agent = r / ROWS_PER_AGENT;
  var divergence = 0.0;
  for (var d = 0u; d < ACTION_DIMS; d += 1u) {
    let s_old = old_log_std[agent * OLD_LOG_STD_AGENT_STRIDE + OLD_LOG_STD_OFFSET + d];
    let s_new = log_std[gaussian_log_std_index(r, d)];
    // (μ_o - μ_n)/σ_n and σ_o/σ_n = exp(s_o - s_n): ratios first, so nothing overflows for large s.
    let shift = (old_mean[r * OLD_MEAN_STRIDE + OLD_MEAN_OFFSET + d] - mean[gaussian_mean_index(r, d)]) * exp(-s_new);
    let std_ratio = exp(s_old - s_new);
    divergence += (s_new - s_old) + 0.5 * (std_ratio * std_ratio + shift * shift) - 0.5;
  }
  kl[r] = divergence;
}
