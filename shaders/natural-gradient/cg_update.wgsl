// Conjugate gradient, one step along p (Nocedal & Wright, algorithm 5.2):
//   x ← x + α·p,   r ← r − α·A·p,   A·p = F·p + λ·p,
// with α = rᵀr / pᵀAp from the agent's scalar record (cg_scalars.wgsl, MODE_ALPHA), F·p the
// Fisher-vector product `fvp` and λ = DAMPING; and the chunk partials of the new rᵀr (summed by
// MODE_BETA). Chunking: vector_chunks.wgsl; dispatch AGENTS·CHUNKS workgroups.

override WORKGROUP_SIZE: u32 = 256u;
override DAMPING: f32 = 0.0;

@group(0) @binding(0) var<storage, read> scalars: array<CgScalars>;
@group(0) @binding(1) var<storage, read> p: array<f32>;
@group(0) @binding(2) var<storage, read> fvp: array<f32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> r: array<f32>;
@group(0) @binding(5) var<storage, read_write> partials: array<f32>;

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
  let alpha = scalars[group / CHUNKS].alpha;
  var sum = 0.0;
  for (var k = 0u; k < ITEMS_PER_THREAD; k += 1u) {
    let i = chunk_item(group, k, local_index);
    if (i < AGENTS * PARAMETERS_PER_AGENT) {
      x[i] = x[i] + alpha * p[i];
      let residual = r[i] - alpha * (fvp[i] + DAMPING * p[i]);
      r[i] = residual;
      sum += residual * residual;
    }
  }
  let total = workgroup_sum(sum, local_index);
  if (local_index == 0u) {
    partials[group] = total;
  }
}
