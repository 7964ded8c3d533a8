// The env's own per-episode figures (one invocation per env), after the auto-reset of a step: where
// that step ended an episode (`ended`, which env_autoreset.wgsl leaves at 1), env_metrics of the
// state the episode ended in (next_states, before the reset); 0 elsewhere, like episode_returns.
// Needs envs/env_wrapper.wgsl (EpisodeProgress, NUM_ENVS) and an env body that reports metrics.

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> env_params: EnvParams;
@group(0) @binding(1) var<storage, read> next_states: array<State>;
@group(0) @binding(2) var<storage, read> episode_progress: array<EpisodeProgress>;
// [NUM_ENVS][METRIC_COUNT] f32.
@group(0) @binding(3) var<storage, read_write> episode_metrics: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let env = flat_index(global_id, workgroups);
  if (env >= NUM_ENVS) {
    return;
  }
  let ended = episode_progress[env].ended != 0u;
  var values: array<f32, METRIC_COUNT>;
  if (ended) {
    values = env_metrics(next_states[env], env_params);
  }
  for (var m = 0u; m < METRIC_COUNT; m += 1u) {
    episode_metrics[env * METRIC_COUNT + m] = select(0.0, values[m], ended);
  }
}
