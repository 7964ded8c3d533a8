// The population critic's values back in rollout order: critic_values is the value head's output
// over critic_rows_gather.wgsl's rows, [AGENTS][2][TIMES][B] (B = ENVS / AGENTS, TIMES = T + 1).
// For env n = g·B + k and t < T: values[t][n] = V(s_t), final_values[t][n] = V(final obs t);
// last_values[n] = V(s_T). One invocation per (t ≤ T, n).

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override ENVS: u32;
override TIMES: u32;

@group(0) @binding(0) var<storage, read> critic_values: array<f32>;
// [T][ENVS].
@group(0) @binding(1) var<storage, read_write> values: array<f32>;
// [ENVS].
@group(0) @binding(2) var<storage, read_write> last_values: array<f32>;
// [T][ENVS].
@group(0) @binding(3) var<storage, read_write> final_values: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= TIMES * ENVS) {
    return;
  }
  let envs_per_agent = ENVS / AGENTS;
  let t = i / ENVS;
  let n = i % ENVS;
  let agent = n / envs_per_agent;
  let k = n % envs_per_agent;
  let value = critic_values[((agent * 2u) * TIMES + t) * envs_per_agent + k];
  if (t + 1u == TIMES) {
    last_values[n] = value;
    return;
  }
  values[i] = value;
  final_values[i] = critic_values[((agent * 2u + 1u) * TIMES + t) * envs_per_agent + k];
}
