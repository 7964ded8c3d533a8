// After a fused rollout (rollout_fused_categorical.wgsl): each step's packed StepRecord spread into
// the transition fields the returns and the update read, element (t, n) at t·N + n of each. One
// invocation per (t, n). Needs rollout/fused_step_record.wgsl.

override WORKGROUP_SIZE: u32 = 64u;
// STEPS × NUM_ENVS.
override ELEMENTS: u32;

@group(0) @binding(0) var<storage, read> records: array<StepRecord>;
@group(0) @binding(1) var<storage, read_write> log_probs: array<f32>;
@group(0) @binding(2) var<storage, read_write> rewards: array<f32>;
@group(0) @binding(3) var<storage, read_write> terminated: array<u32>;
@group(0) @binding(4) var<storage, read_write> truncated: array<u32>;
@group(0) @binding(5) var<storage, read_write> episode_returns: array<f32>;
@group(0) @binding(6) var<storage, read_write> episode_lengths: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= ELEMENTS) {
    return;
  }
  let record = records[i];
  log_probs[i] = record.log_prob;
  rewards[i] = record.reward;
  terminated[i] = record.terminated;
  truncated[i] = record.truncated;
  episode_returns[i] = record.episode_return;
  episode_lengths[i] = record.episode_length;
}
