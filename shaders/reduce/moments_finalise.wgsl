// Stage 2 of the segmented moments reduction (src/gpu/reduce.ts): one workgroup per segment combines
// its CHUNKS partials (each invocation serially over partials strided by WORKGROUP_SIZE, then the
// workgroup tree) and writes output[OUTPUT_OFFSET + segment]. A segment with no finite value gets
// count 0 and mean, m2, min, max 0.

override WORKGROUP_SIZE: u32 = 64u;
override SEGMENTS: u32;
override CHUNKS: u32;
// In Moments records (8 words) from the start of `output`.
override OUTPUT_OFFSET: u32 = 0u;

@group(0) @binding(0) var<storage, read> partials: array<Moments>;
@group(0) @binding(1) var<storage, read_write> output: array<Moments>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let segment = workgroup_index(workgroup_id, workgroups);
  if (segment >= SEGMENTS) {
    return;
  }
  var m = moments_empty();
  for (var c = local_index; c < CHUNKS; c += WORKGROUP_SIZE) {
    m = moments_combine(m, partials[segment * CHUNKS + c]);
  }
  var total = workgroup_moments(m, local_index);
  if (local_index == 0u) {
    if (total.count == 0u) {
      total.min = 0.0;
      total.max = 0.0;
    }
    output[OUTPUT_OFFSET + segment] = total;
  }
}
