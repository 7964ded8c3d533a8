// Stage 2 of the second pass (src/gpu/reduce.ts): one workgroup per segment sums its chunks'
// (Σd, Σd²), d = x − m about the first pass's mean m, and corrects that segment's record:
//   mean = m + Σd/n,   M2 = Σd² − (Σd)²/n
// (the shifted-data formula with a shift equal to the mean to within rounding, so the correction
// term is tiny and nothing cancels).

override WORKGROUP_SIZE: u32 = 64u;
override SEGMENTS: u32;
override CHUNKS: u32;
override OUTPUT_OFFSET: u32 = 0u;

@group(0) @binding(0) var<storage, read> partials: array<vec2f>;
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
  var sums = vec2f(0.0);
  for (var c = local_index; c < CHUNKS; c += WORKGROUP_SIZE) {
    sums += partials[segment * CHUNKS + c];
  }
  let total = workgroup_sum2(sums, local_index);
  if (local_index == 0u) {
    var record = output[OUTPUT_OFFSET + segment];
    if (record.count > 0u) {
      let n = f32(record.count);
      record.mean = record.mean + total.x / n;
      record.m2 = max(total.y - total.x * total.x / n, 0.0);
      output[OUTPUT_OFFSET + segment] = record;
    }
  }
}
