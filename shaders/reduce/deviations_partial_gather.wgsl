// Stage 1 of the second pass through an index list (see reduce/deviations_partial.wgsl and
// reduce/moments_partial_gather.wgsl): element j of segment s is values[indices[position(s, j)]].

override WORKGROUP_SIZE: u32 = 256u;
override OUTPUT_OFFSET: u32 = 0u;

@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read> indices: array<u32>;
@group(0) @binding(2) var<storage, read> stats: array<Moments>;
@group(0) @binding(3) var<storage, read_write> partials: array<vec2f>;

fn segment_value(position: u32) -> f32 {
  let index = indices[position];
  if (index >= arrayLength(&values)) {
    return bitcast<f32>(0x7fc00000u + index * 0u);
  }
  return values[index];
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let group = workgroup_index(workgroup_id, workgroups);
  if (group >= SEGMENTS * CHUNKS) {
    return;
  }
  let total = chunk_deviations(group, local_index, stats[OUTPUT_OFFSET + group / CHUNKS].mean);
  if (local_index == 0u) {
    partials[group] = total;
  }
}
