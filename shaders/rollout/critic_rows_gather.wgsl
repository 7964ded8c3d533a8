// The critic's input for a population (AGENTS > 1): the MLP passes take agent-major rows (agent g
// owns rows g·R … g·R + R − 1), while the rollout records observations time-major, [T + 1][N] with
// env n of agent ⌊n / B⌋ (B = ENVS / AGENTS). One gather puts both observation buffers in agent-major
// order, so a single critic pass of R = 2·(T + 1)·B rows per agent values them all:
//   destination[g][which][t][k][c] = (which = 0 ? observations : final_observations)[t][g·B + k][c]
// (critic_values_scatter.wgsl puts the values back in [T][N] order). One invocation per word.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override ENVS: u32;
// T + 1: rows of the observation buffers per env.
override TIMES: u32;
override OBS_SIZE: u32;

// [TIMES][ENVS][OBS_SIZE] each.
@group(0) @binding(0) var<storage, read> observations: array<f32>;
@group(0) @binding(1) var<storage, read> final_observations: array<f32>;
// [AGENTS][2][TIMES][B][OBS_SIZE].
@group(0) @binding(2) var<storage, read_write> destination: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let e = flat_index(global_id, workgroups);
  if (e >= 2u * TIMES * ENVS * OBS_SIZE) {
    return;
  }
  let envs_per_agent = ENVS / AGENTS;
  let c = e % OBS_SIZE;
  let row = e / OBS_SIZE;
  let k = row % envs_per_agent;
  let t = (row / envs_per_agent) % TIMES;
  let which = (row / (envs_per_agent * TIMES)) % 2u;
  let agent = row / (envs_per_agent * TIMES * 2u);
  let source = (t * ENVS + agent * envs_per_agent + k) * OBS_SIZE + c;
  if (which == 0u) {
    destination[e] = observations[source];
  } else {
    destination[e] = final_observations[source];
  }
}
