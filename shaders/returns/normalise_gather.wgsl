// Advantage normalisation per minibatch (CleanRL normalises mb_advantages): the index list holds
// SEGMENTS segments of SEGMENT_LENGTH sample indices (t·N + n), e.g. segment g·M + m = agent g's
// minibatch m of this epoch's permutation. For each list position p, with s = p / SEGMENT_LENGTH
// and i = indices[p]:
//   output[i] = (x[i] − mean_s) / (sqrt(M2_s / (count_s − 1)) + EPSILON),
// mean and M2 from the segmented reduction over the same list (gather). Each sample appears in one
// segment of a permutation, so every output element is written once; an index past the end of x is
// skipped.

override WORKGROUP_SIZE: u32 = 64u;
override SEGMENTS: u32;
override SEGMENT_LENGTH: u32;
override EPSILON: f32 = 1e-8;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> indices: array<u32>;
@group(0) @binding(2) var<storage, read> stats: array<Moments>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;

fn sample_std(m: Moments) -> f32 {
  if (m.count < 2u) {
    return 0.0;
  }
  return sqrt(m.m2 / f32(m.count - 1u));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let p = flat_index(global_id, workgroups);
  if (p >= SEGMENTS * SEGMENT_LENGTH) {
    return;
  }
  let i = indices[p];
  if (i >= arrayLength(&x)) {
    return;
  }
  let m = stats[p / SEGMENT_LENGTH];
  output[i] = (x[i] - m.mean) / (sample_std(m) + EPSILON);
}
