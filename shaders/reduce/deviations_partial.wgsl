// Stage 1 of the second pass of the segmented moments reduction (src/gpu/reduce.ts):
// partials[group] = (Σd, Σd²) over one chunk of one segment, d = x − mean, where mean is the first
// pass's mean of that segment (stats[OUTPUT_OFFSET + segment]). The first pass's mean is within a
// few ulps of the true one, so x − mean is exact for values near it and nothing cancels.

override WORKGROUP_SIZE: u32 = 256u;
override OUTPUT_OFFSET: u32 = 0u;

@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read> stats: array<Moments>;
@group(0) @binding(2) var<storage, read_write> partials: array<vec2f>;

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
  let total = chunk_deviations(group, local_index, stats[OUTPUT_OFFSET + group / CHUNKS].mean);
  if (local_index == 0u) {
    partials[group] = total;
  }
}
