// Gradient of KL(old ‖ new) between diagonal Gaussians with respect to the NEW mean and log-std,
// scaled by a per-row upstream coefficient kl_grads[r] = ∂L/∂KL_r; one invocation per (r, d):
//   mean_grads[r·GRAD_STRIDE + GRAD_OFFSET + d] = g·(μ_n - μ_o)/σ_n²
//   log_std_terms[r·ACTION_DIMS + d] = g·(1 - (σ_o² + (μ_o - μ_n)²)/σ_n²)
// then gaussian_log_std_reduce.wgsl sums log_std_terms over each agent's rows. Old parameters as in
// kl_gaussian.wgsl; ACCUMULATE as in gaussian_backward.wgsl.

override WORKGROUP_SIZE: u32 = 64u;
override OLD_MEAN_STRIDE: u32;
override OLD_MEAN_OFFSET: u32 = 0u;
override OLD_LOG_STD_AGENT_STRIDE: u32;
override OLD_LOG_STD_OFFSET: u32 = 0u;
override GRAD_STRIDE: u32;
override GRAD_OFFSET: u32 = 0u;
override ACCUMULATE: u32 = 0u;

@group(0) @binding(0) var<storage, read> old_mean: array<f32>;
@group(0) @binding(1) var<storage, read> old_log_std: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> log_std: array<f32>;
@group(0) @binding(4) var<storage, read> kl_grads: array<f32>;
@group(0) @binding(5) var<storage, read_write> mean_grads: array<f32>;
@group(0) @binding(6) var<storage, read_write> log_std_terms: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= ROWS * ACTION_DIMS) {
    return;
  }
  let r = i / ACTION_DIMS;
  let d = i % ACTION_DIMS;
  let agent = r / ROWS_PER_AGENT;
  let s_old = old_log_std[agent * OLD_LOG_STD_AGENT_STRIDE + OLD_LOG_STD_OFFSET + d];
  let s_new = log_std[gaussian_log_std_index(r, d)];
  let inverse_std = exp(-s_new);
  // shift = (μ_n - μ_o)/σ_n; σ_o²/σ_n² = exp(2(s_o - s_n)).
  let shift = (mean[gaussian_mean_index(r, d)] - old_mean[r * OLD_MEAN_STRIDE + OLD_MEAN_OFFSET + d]) * inverse_std;
  let std_ratio = exp(s_old - s_new);
  let g_kl = kl_grads[r];
  var mean_grad = g_kl * shift * inverse_std;
  let index = r * GRAD_STRIDE + GRAD_OFFSET + d;
  if (ACCUMULATE != 0u) {
    mean_grad += mean_grads[index];
  }
  mean_grads[index] = mean_grad;
  log_std_terms[i] = g_kl * (1.0 - std_ratio * std_ratio - shift * shift);
}
