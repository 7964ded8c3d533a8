// Stage 1 of the per-agent squared gradient norm ‖g‖₂² (torch.nn.utils.clip_grad_norm_ takes the
// norm over all of one agent's parameters). gradients is [AGENTS][PARAMETERS_PER_AGENT]; each agent
// is cut into CHUNKS chunks of WORKGROUP_SIZE·ITEMS_PER_THREAD elements, one workgroup per chunk:
// partial_sums[agent·CHUNKS + chunk] = Σ g² over the chunk. optim.prepare_step sums the partials.
// Each invocation adds ITEMS_PER_THREAD squares serially (strided by WORKGROUP_SIZE so neighbouring
// invocations read neighbouring words), then the workgroup sums them (common/reduce.wgsl).

override WORKGROUP_SIZE: u32 = 256u;
override AGENTS: u32;
override PARAMETERS_PER_AGENT: u32;
// ceil(PARAMETERS_PER_AGENT / (WORKGROUP_SIZE · ITEMS_PER_THREAD)), computed in TypeScript.
override CHUNKS: u32;
override ITEMS_PER_THREAD: u32 = 8u;

@group(0) @binding(0) var<storage, read> gradients: array<f32>;
@group(0) @binding(1) var<storage, read_write> partial_sums: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let group = workgroup_index(workgroup_id, workgroups);
  if (group >= AGENTS * CHUNKS) {
    return;
  }
  let agent = group / CHUNKS;
  let chunk_start = (group % CHUNKS) * WORKGROUP_SIZE * ITEMS_PER_THREAD;
  let agent_start = agent * PARAMETERS_PER_AGENT;
  var sum = 0.0;
  for (var k = 0u; k < ITEMS_PER_THREAD; k += 1u) {
    let i = chunk_start + k * WORKGROUP_SIZE + local_index;
    if (i < PARAMETERS_PER_AGENT) {
      let g = gradients[agent_start + i];
      sum += g * g;
    }
  }
  let total = workgroup_sum(sum, local_index);
  if (local_index == 0u) {
    partial_sums[group] = total;
  }
}
