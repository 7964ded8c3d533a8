// The gradient of a state-independent log-std: for each agent g < AGENTS and dim d < ACTION_DIMS,
//   grads[g·GRAD_AGENT_STRIDE + GRAD_LOG_STD_OFFSET + d] (+)= Σ_{b < ROWS_PER_AGENT} terms[(g·B + b)·D + d]
// where terms are the per-row contributions written by gaussian_backward.wgsl or
// kl_gaussian_backward.wgsl, and grads is the agent-major parameter-gradient buffer.
//
// One workgroup per (g, d), deterministic and without atomics: lane k first sums rows k, k + W,
// k + 2W, ... (⌈B/W⌉ terms, e.g. 40 at B = 10 000 and W = 256), then common/reduce.wgsl's tree sums
// the W partial sums (⌈log2 W⌉ levels). The float32 error grows with ⌈B/W⌉ + log2 W, not B.
// Dispatch AGENTS·ACTION_DIMS·WORKGROUP_SIZE invocations.

override WORKGROUP_SIZE: u32 = 256u;
override AGENTS: u32;
override ROWS_PER_AGENT: u32;
override ACTION_DIMS: u32;
override GRAD_AGENT_STRIDE: u32;
override GRAD_LOG_STD_OFFSET: u32;
override ACCUMULATE: u32 = 0u;

@group(0) @binding(0) var<storage, read> log_std_terms: array<f32>;
@group(0) @binding(1) var<storage, read_write> grads: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  // The workgroup's (agent, dim) slot; workgroup_id is uniform, so this return keeps the barriers
  // below in uniform control flow. Slots past the end come from a dispatch split over x and y.
  let slot = workgroup_index(workgroup_id, workgroups);
  if (slot >= AGENTS * ACTION_DIMS) {
    return;
  }
  let agent = slot / ACTION_DIMS;
  let d = slot % ACTION_DIMS;
  let first_row = agent * ROWS_PER_AGENT;
  var sum = 0.0;
  for (var b = lane; b < ROWS_PER_AGENT; b += WORKGROUP_SIZE) {
    sum += log_std_terms[(first_row + b) * ACTION_DIMS + d];
  }
  let rows_sum = workgroup_sum(sum, lane);
  if (lane == 0u) {
    let index = agent * GRAD_AGENT_STRIDE + GRAD_LOG_STD_OFFSET + d;
    var total = rows_sum;
    if (ACCUMULATE != 0u) {
      total += grads[index];
    }
    grads[index] = total;
  }
}
