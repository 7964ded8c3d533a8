// A mean baseline: advantages[t][n] = weights[t][n] − mean, the mean read from a segmented
// reduction's records (reduce/moments.wgsl, no readback):
//   PER_TIMESTEP = 0: batch mean of agent g's weights, stats[g] (segments = agents over [T][N]);
//   PER_TIMESTEP = 1: mean over agent g's envs at step t, stats[t·G + g] (contiguous segments of
//                     N/G words: segment t·G + g covers envs [g·N/G, (g+1)·N/G) of row t).

override WORKGROUP_SIZE: u32 = 64u;
override PER_TIMESTEP: u32 = 0u;

@group(0) @binding(0) var<storage, read> weights: array<f32>;
@group(0) @binding(1) var<storage, read> stats: array<Moments>;
@group(0) @binding(2) var<storage, read_write> advantages: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= STEPS * ENVS) {
    return;
  }
  let agent = agent_of(i % ENVS);
  var segment = agent;
  if (PER_TIMESTEP != 0u) {
    segment = (i / ENVS) * (ENVS / ENVS_PER_AGENT) + agent;
  }
  advantages[i] = weights[i] - stats[segment].mean;
}
