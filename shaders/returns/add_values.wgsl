// output[i] = x[i] + SCALE·values[i] over a [T][N] buffer: SCALE = 1 turns GAE advantages into the
// critic's target (returns = A + V); SCALE = −1 is the learned-value baseline (advantage = weight −
// V(s_t)); SCALE = 0 copies x (no baseline; bind x as values too).

override WORKGROUP_SIZE: u32 = 64u;
override SCALE: f32 = 1.0;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= STEPS * ENVS) {
    return;
  }
  if (SCALE == 0.0) {
    output[i] = x[i];
  } else {
    output[i] = x[i] + SCALE * values[i];
  }
}
