// Stage 1 of the segmented moments reduction (src/gpu/reduce.ts): partials[group] = Moments of one
// chunk of one segment of `values`, laid out as described in reduce/moments_layout.wgsl.

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read_write> partials: array<Moments>;

fn segment_value(position: u32) -> f32 {
  return values[position];
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
