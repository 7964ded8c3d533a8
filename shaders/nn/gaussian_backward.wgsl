// Diagonal Gaussian head, backward, one invocation per (row r, dim d) with r < ROWS, given per-row
// upstream coefficients g_logp[r] = ∂L/∂ log π(a_r) and g_entropy[r] = ∂L/∂H_r:
//   mean_grads[r·GRAD_STRIDE + GRAD_OFFSET + d] = g_logp·z/σ        (∂ log π/∂μ = z/σ)
//   log_std_terms[r·ACTION_DIMS + d] = g_logp·(z² - 1) + g_entropy  (∂ log π/∂s = z² - 1, ∂H/∂s = 1)
// The log-std is shared by an agent's rows, so its gradient is the sum of log_std_terms over the
// agent's rows: gaussian_log_std_reduce.wgsl (skip it for a fixed σ). ACCUMULATE = 1 adds to
// mean_grads instead of overwriting.

override WORKGROUP_SIZE: u32 = 64u;
override GRAD_STRIDE: u32;
override GRAD_OFFSET: u32 = 0u;
override ACCUMULATE: u32 = 0u;

@group(0) @binding(0) var<storage, read> mean: array<f32>;
@group(0) @binding(1) var<storage, read> log_std: array<f32>;
@group(0) @binding(2) var<storage, read> actions: array<f32>;
@group(0) @binding(3) var<storage, read> log_prob_grads: array<f32>;
@group(0) @binding(4) var<storage, read> entropy_grads: array<f32>;
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
  let s = log_std[gaussian_log_std_index(r, d)];
  let inverse_std = exp(-s);
  let z = (actions[gaussian_action_index(r, d)] - mean[gaussian_mean_index(r, d)]) * inverse_std;
  let g_logp = log_prob_grads[r];
  var mean_grad = g_logp * z * inverse_std;
  let index = r * GRAD_STRIDE + GRAD_OFFSET + d;
  if (ACCUMULATE != 0u) {
    mean_grad += mean_grads[index];
  }
  mean_grads[index] = mean_grad;
  log_std_terms[i] = g_logp * (z * z - 1.0) + entropy_grads[r];
}
