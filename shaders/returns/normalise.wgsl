// Advantage normalisation per agent over the whole batch (CleanRL's
// (A − A.mean()) / (A.std() + 1e-8), torch's std with Bessel's correction):
//   output[t][n] = (x[t][n] − mean_g) / (sqrt(M2_g / (count_g − 1)) + EPSILON),  g = agent of n,
// mean and M2 from a segmented reduction (reduce/moments.wgsl, segments = agents). A segment of one
// value has std 0 (torch gives NaN), so its output is (x − mean)/EPSILON = 0.

override WORKGROUP_SIZE: u32 = 64u;
override EPSILON: f32 = 1e-8;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> stats: array<Moments>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

fn sample_std(m: Moments) -> f32 {
  if (m.count < 2u) {
    return 0.0;
  }
  return sqrt(m.m2 / f32(m.count - 1u));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= STEPS * ENVS) {
    return;
  }
  let m = stats[agent_of(i % ENVS)];
  output[i] = (x[i] - m.mean) / (sample_std(m) + EPSILON);
}
