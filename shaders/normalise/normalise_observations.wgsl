// Observation normalisation by running statistics (gymnasium.wrappers.vector.NormalizeObservation,
// then CleanRL's TransformObservation clip ±10), per agent and observation dim. Each batch of
// observations the envs return (after a reset, after each step) updates the statistics once with
// its ENVS_PER_AGENT rows per agent, and is then normalised by the updated statistics:
//   (mean, var) ← merge((mean, var), batch moments)        running_moments.wgsl
//   normalised[n][d] = clip((x[n][d] − mean_d) / √(var_d + ε), ±CLIP)
// The final observations of the same step (before auto-reset; their critic values bootstrap
// truncations) are normalised by the same statistics but not counted in them, like gymnasium's
// final observation, which its autoreset returns separately from the batch the wrapper sees.
// With UPDATE = 0 the statistics are only read (evaluation with frozen statistics).
//
// One workgroup per (agent g, dim d): lane k reads rows k, k + W, ... of the agent's envs, the
// batch mean and then the mean squared deviation (two passes: no cancellation) are workgroup
// trees; every lane merges the same sums, so all hold the same statistics, and lane 0 stores them.
// Dispatch AGENTS·OBS_SIZE·WORKGROUP_SIZE invocations.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override ENVS_PER_AGENT: u32;
override OBS_SIZE: u32;
override UPDATE: u32 = 1u;
override EPSILON: f32 = 1e-8;
override CLIP: f32 = 10.0;

// [AGENTS·ENVS_PER_AGENT][OBS_SIZE] raw, from the env.
@group(0) @binding(0) var<storage, read> observations: array<f32>;
@group(0) @binding(1) var<storage, read> final_observations: array<f32>;
// [AGENTS][OBS_SIZE].
@group(0) @binding(2) var<storage, read_write> statistics: array<RunningMoments>;
@group(0) @binding(3) var<storage, read_write> normalised_observations: array<f32>;
@group(0) @binding(4) var<storage, read_write> normalised_final_observations: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  // workgroup_id is uniform, so this return keeps the barriers below in uniform control flow.
  let slot = workgroup_index(workgroup_id, workgroups);
  if (slot >= AGENTS * OBS_SIZE) {
    return;
  }
  let agent = slot / OBS_SIZE;
  let d = slot % OBS_SIZE;
  let first = agent * ENVS_PER_AGENT;
  var moments = statistics[slot];
  if (UPDATE != 0u) {
    var sum = 0.0;
    for (var k = lane; k < ENVS_PER_AGENT; k += WORKGROUP_SIZE) {
      sum += observations[(first + k) * OBS_SIZE + d];
    }
    let batch_mean = workgroup_sum(sum, lane) / f32(ENVS_PER_AGENT);
    var squares = 0.0;
    for (var k = lane; k < ENVS_PER_AGENT; k += WORKGROUP_SIZE) {
      let deviation = observations[(first + k) * OBS_SIZE + d] - batch_mean;
      squares += deviation * deviation;
    }
    let batch_variance = workgroup_sum(squares, lane) / f32(ENVS_PER_AGENT);
    moments = running_moments_merge(moments, batch_mean, batch_variance, ENVS_PER_AGENT);
    if (lane == 0u) {
      statistics[slot] = moments;
    }
  }
  for (var k = lane; k < ENVS_PER_AGENT; k += WORKGROUP_SIZE) {
    let i = (first + k) * OBS_SIZE + d;
    normalised_observations[i] = running_moments_normalise(observations[i], moments.mean, moments.variance, EPSILON, CLIP);
    normalised_final_observations[i] = running_moments_normalise(final_observations[i], moments.mean, moments.variance, EPSILON, CLIP);
  }
}
