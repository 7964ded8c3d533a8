// Fisher-vector product, diagonal Gaussian head, log-std part: ∂²KL(N(μ, σ_old²) ‖ N(μ, σ²))/∂s²
// = 2 at s = log σ_old for every row and dim, and the log-std is state-independent, so the mean
// over rows gives (F·v)_s = 2·v_s. Written into the log-std slot of `output` (which the MLP backward
// pass leaves alone). One invocation per (agent, dim).

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override ACTION_DIMS: u32;
override PARAMS_PER_AGENT: u32;
override LOG_STD_OFFSET: u32;

@group(0) @binding(0) var<storage, read> vector: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= AGENTS * ACTION_DIMS) {
    return;
  }
  let j = (i / ACTION_DIMS) * PARAMS_PER_AGENT + LOG_STD_OFFSET + i % ACTION_DIMS;
  output[j] = 2.0 * vector[j];
}
