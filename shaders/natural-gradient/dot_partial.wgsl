// Chunk partials of the damped quadratic form uᵀ(v + λu) per agent, where v = F·u is a product the
// Fisher-vector pass wrote: with u = p it is pᵀ(F + λI)p, the curvature in conjugate gradient's
// step size α = rᵀr / pᵀAp; with u = x it is xᵀ(F + λI)x, the quadratic form that scales the
// natural-gradient step to the KL radius (cg_scalars.wgsl). λ = DAMPING (SpinningUp's
// damping_coeff, A = F + λI). Chunking: vector_chunks.wgsl; dispatch AGENTS·CHUNKS workgroups.

override WORKGROUP_SIZE: u32 = 256u;
override DAMPING: f32 = 0.0;

@group(0) @binding(0) var<storage, read> u: array<f32>;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;

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
  var sum = 0.0;
  for (var k = 0u; k < ITEMS_PER_THREAD; k += 1u) {
    let i = chunk_item(group, k, local_index);
    if (i < AGENTS * PARAMETERS_PER_AGENT) {
      sum += u[i] * (v[i] + DAMPING * u[i]);
    }
  }
  let total = workgroup_sum(sum, local_index);
  if (local_index == 0u) {
    partials[group] = total;
  }
}
