// Conjugate gradient, start (Nocedal & Wright, algorithm 5.2, with x₀ = 0): x = 0, r = b, p = b,
// and the chunk partials of rᵀr = bᵀb (summed by cg_scalars.wgsl, MODE_INIT). b is the right-hand
// side, the loss gradient g. Chunking: vector_chunks.wgsl; dispatch AGENTS·CHUNKS workgroups.

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<storage, read> rhs: array<f32>;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> r: array<f32>;
@group(0) @binding(3) var<storage, read_write> p: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;

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
      let b = rhs[i];
      x[i] = 0.0;
      r[i] = b;
      p[i] = b;
      sum += b * b;
    }
  }
  let total = workgroup_sum(sum, local_index);
  if (local_index == 0u) {
    partials[group] = total;
  }
}
