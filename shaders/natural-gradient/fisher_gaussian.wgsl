// Fisher-vector product, diagonal Gaussian head, mean part: the Fisher matrix of N(μ, diag σ²) in
// the mean is diag(1/σ²), so with t_r = J_r·v the mean's tangent (the MLP tangent pass),
//   fisher_grads[r][d] = t_r[d] · exp(−2·s_{g,d}) / B,
// s = log σ the state-independent log-std of the row's agent g (params[g·PARAMS_PER_AGENT +
// LOG_STD_OFFSET + d]). The actor's backward pass of these gives the network part of
// F·v = (1/B) Σ_r J_rᵀ diag(1/σ²) J_r v; the log-std part is fisher_gaussian_log_std.wgsl (the
// mean/log-std cross terms of a Gaussian's Fisher matrix vanish: E[(a − μ)((a − μ)² − σ²)] = 0).
// tangents and fisher_grads are dense [ROWS][ACTION_DIMS]. One invocation per element.

override WORKGROUP_SIZE: u32 = 64u;
override ROWS: u32;
override ROWS_PER_AGENT: u32;
override ACTION_DIMS: u32;
override PARAMS_PER_AGENT: u32;
override LOG_STD_OFFSET: u32;

@group(0) @binding(0) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read> tangents: array<f32>;
@group(0) @binding(2) var<storage, read_write> fisher_grads: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= ROWS * ACTION_DIMS) {
    return;
  }
  let agent = (i / ACTION_DIMS) / ROWS_PER_AGENT;
  let log_std = params[agent * PARAMS_PER_AGENT + LOG_STD_OFFSET + i % ACTION_DIMS];
  fisher_grads[i] = tangents[i] * exp(-2.0 * log_std) / f32(ROWS_PER_AGENT);
}
