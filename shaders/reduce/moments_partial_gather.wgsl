// Stage 1 of the segmented moments reduction through an index list (src/gpu/reduce.ts): the segment
// layout (reduce/moments_layout.wgsl) addresses `indices`, and element j of segment s is
// values[indices[position(s, j)]], e.g. the samples of one minibatch of one agent. An index past
// the end of `values` counts as a non-finite value (it shows in `nonfinite`, not in the moments).

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read> indices: array<u32>;
@group(0) @binding(2) var<storage, read_write> partials: array<Moments>;

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
  let total = chunk_moments(group, local_index);
  if (local_index == 0u) {
    partials[group] = total;
  }
}
