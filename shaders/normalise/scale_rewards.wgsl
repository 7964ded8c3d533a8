// Reward scaling by the running variance of a discounted return (gymnasium's
// wrappers/vector/stateful_reward.py NormalizeReward, then CleanRL's TransformReward clip ±10),
// per agent. Per step, in gymnasium's order:
//   R_n ← R_n·γ·(1 − terminated_n) + r_n        (truncation does not reset R, as in gymnasium)
//   (mean, var) ← merge((mean, var), moments of {R_n : n of agent g})    running_moments.wgsl
//   scaled_n = clip(r_n / √(var + ε), ±CLIP)    (divided by the std only: the mean stays)
// With UPDATE = 0 the statistics are only read (R is still accumulated).
//
// One workgroup per agent: lane k owns envs k, k + W, ... of the agent (it updates their R), the
// batch moments are two workgroup trees, every lane merges the same sums, lane 0 stores them.
// Dispatch AGENTS·WORKGROUP_SIZE invocations.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override ENVS_PER_AGENT: u32;
override GAMMA: f32;
override UPDATE: u32 = 1u;
override EPSILON: f32 = 1e-8;
override CLIP: f32 = 10.0;

// [AGENTS·ENVS_PER_AGENT], from the env's last step.
@group(0) @binding(0) var<storage, read> rewards: array<f32>;
@group(0) @binding(1) var<storage, read> terminated: array<u32>;
// [AGENTS·ENVS_PER_AGENT]: R per env, kept between steps and iterations.
@group(0) @binding(2) var<storage, read_write> discounted_returns: array<f32>;
// [AGENTS].
@group(0) @binding(3) var<storage, read_write> statistics: array<RunningMoments>;
@group(0) @binding(4) var<storage, read_write> scaled_rewards: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let agent = workgroup_index(workgroup_id, workgroups);
  if (agent >= AGENTS) {
    return;
  }
  let first = agent * ENVS_PER_AGENT;
  var sum = 0.0;
  for (var k = lane; k < ENVS_PER_AGENT; k += WORKGROUP_SIZE) {
    let n = first + k;
    let keep = select(1.0, 0.0, terminated[n] != 0u);
    let discounted = discounted_returns[n] * GAMMA * keep + rewards[n];
    discounted_returns[n] = discounted;
    sum += discounted;
  }
  var moments = statistics[agent];
  if (UPDATE != 0u) {
    let batch_mean = workgroup_sum(sum, lane) / f32(ENVS_PER_AGENT);
    var squares = 0.0;
    for (var k = lane; k < ENVS_PER_AGENT; k += WORKGROUP_SIZE) {
      // The lane's own writes above: program order makes them visible to it.
      let deviation = discounted_returns[first + k] - batch_mean;
      squares += deviation * deviation;
    }
    let batch_variance = workgroup_sum(squares, lane) / f32(ENVS_PER_AGENT);
    moments = running_moments_merge(moments, batch_mean, batch_variance, ENVS_PER_AGENT);
    if (lane == 0u) {
      statistics[agent] = moments;
    }
  }
  for (var k = lane; k < ENVS_PER_AGENT; k += WORKGROUP_SIZE) {
    let n = first + k;
    scaled_rewards[n] = running_moments_normalise(rewards[n], 0.0, moments.variance, EPSILON, CLIP);
  }
}
