// CEM, fitness per env: the undiscounted return of the FIRST episode of env n in the rollout
// (the envs are reset at the start of each CEM iteration, so it starts at t = 0), and its length.
// A per-step mean reward would rank nothing on CartPole (every step pays 1); the episode return
// does. One invocation per env, walking forward in time to the first done; rows [T][N] t-major,
// so neighbouring invocations read neighbouring words.
// Done convention (returns/rollout.wgsl): the episode ended AT step t when terminated[t][n] or
// truncated[t][n]; reward[t][n] is its last reward.
// An env whose first episode has not ended by step T (only when T is below the step limit) gets
// the return of its first T steps and length 0, which marks it unfinished.

override WORKGROUP_SIZE: u32 = 64u;
override STEPS: u32;
override ENVS: u32;

@group(0) @binding(0) var<storage, read> rewards: array<f32>;
@group(0) @binding(1) var<storage, read> terminated: array<u32>;
@group(0) @binding(2) var<storage, read> truncated: array<u32>;
// [N] f32.
@group(0) @binding(3) var<storage, read_write> first_returns: array<f32>;
// [N] u32: steps of the first episode, 0 if it did not end within the rollout.
@group(0) @binding(4) var<storage, read_write> first_lengths: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let n = flat_index(global_id, workgroups);
  if (n >= ENVS) {
    return;
  }
  var episode_return = 0.0;
  var length = 0u;
  for (var t = 0u; t < STEPS; t += 1u) {
    let i = t * ENVS + n;
    episode_return += rewards[i];
    if (terminated[i] != 0u || truncated[i] != 0u) {
      length = t + 1u;
      break;
    }
  }
  first_returns[n] = episode_return;
  first_lengths[n] = length;
}
