// Conjugate gradient, next search direction: p ← r + β·p with β = r_newᵀr_new / r_oldᵀr_old from
// the agent's scalar record (cg_scalars.wgsl, MODE_BETA). One invocation per element of the
// [AGENTS][PARAMETERS_PER_AGENT] vectors.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override PARAMETERS_PER_AGENT: u32;

@group(0) @binding(0) var<storage, read> scalars: array<CgScalars>;
@group(0) @binding(1) var<storage, read> r: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= AGENTS * PARAMETERS_PER_AGENT) {
    return;
  }
  p[i] = r[i] + scalars[i / PARAMETERS_PER_AGENT].beta * p[i];
}
