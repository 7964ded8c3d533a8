// Early stop of the epoch loop (CleanRL's `target_kl`), decided on the GPU. Dispatched after the
// optimiser step of each epoch's last minibatch, while `log_probs` still holds that minibatch's
// log π evaluated BEFORE its step (what CleanRL's approx_kl measures): per agent, the mean k3 over
// its ROWS_PER_AGENT rows; above TARGET_KL, the agent's optimiser is switched off (active_flags = 0) for
// the rest of the iteration, so later epochs leave its parameters untouched. The trainer sets
// active = 1 again before each iteration. `epochs[agent]` counts the epochs whose updates ran.
// One workgroup per agent, summing by common/reduce.wgsl.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override ROWS_PER_AGENT: u32;
override TARGET_KL: f32;

@group(0) @binding(0) var<storage, read> log_probs: array<f32>;
@group(0) @binding(1) var<storage, read> old_log_probs: array<f32>;
@group(0) @binding(2) var<storage, read_write> active_flags: array<u32>;
// f32, so that it can be copied straight into the report's algorithm words.
@group(0) @binding(3) var<storage, read_write> epochs: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  // Uniform per workgroup, so returning on it keeps the tree's barriers uniform.
  let agent = workgroup_index(workgroup_id, workgroups);
  if (agent >= AGENTS) {
    return;
  }
  var sum = 0.0;
  for (var r = lane; r < ROWS_PER_AGENT; r += WORKGROUP_SIZE) {
    let row = agent * ROWS_PER_AGENT + r;
    sum += approx_kl_k3(log_probs[row] - old_log_probs[row]);
  }
  let total = workgroup_sum(sum, lane);
  if (lane == 0u && active_flags[agent] != 0u) {
    epochs[agent] += 1.0;
    if (total / f32(ROWS_PER_AGENT) > TARGET_KL) {
      active_flags[agent] = 0u;
    }
  }
}
