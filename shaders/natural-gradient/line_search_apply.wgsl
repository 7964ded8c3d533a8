// TRPO's line search, the update: θ ← θ_k of the candidate the select kernel accepted, or θ kept
// when it accepted none (chosen = −1). One invocation per element of θ [AGENTS][P].

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override PARAMETERS_PER_AGENT: u32;
override CANDIDATES: u32;

@group(0) @binding(0) var<storage, read> result: array<LineSearchResult>;
@group(0) @binding(1) var<storage, read> candidates: array<f32>;
@group(0) @binding(2) var<storage, read_write> params: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= AGENTS * PARAMETERS_PER_AGENT) {
    return;
  }
  let agent = i / PARAMETERS_PER_AGENT;
  let chosen = result[agent].chosen;
  if (chosen < 0.0) {
    return;
  }
  let k = u32(chosen);
  params[i] = candidates[(agent * CANDIDATES + k) * PARAMETERS_PER_AGENT + i % PARAMETERS_PER_AGENT];
}
