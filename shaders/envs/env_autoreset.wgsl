// The second half of a step (after env_step_discrete.wgsl or env_step_continuous.wgsl), one
// invocation per env: keep the observation of the state the step reached (final_observations, for
// every env, so a truncated episode can bootstrap from it), and where the episode ended emit its
// return and length and reset the env with fresh randomness (episode index + 1). Afterwards
// `states`/`observations` hold what the policy acts on next.

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> wrapper: WrapperParams;
@group(0) @binding(1) var<uniform> env_params: EnvParams;
@group(0) @binding(2) var<storage, read> next_states: array<State>;
@group(0) @binding(3) var<storage, read_write> episode_progress: array<EpisodeProgress>;
@group(0) @binding(4) var<storage, read_write> states: array<State>;
// [NUM_ENVS][OBS_SIZE] floats each.
@group(0) @binding(5) var<storage, read_write> observations: array<f32>;
@group(0) @binding(6) var<storage, read_write> final_observations: array<f32>;
// [NUM_ENVS]: the ended episode's return and length; 0 where no episode ended this step.
@group(0) @binding(7) var<storage, read_write> episode_returns: array<f32>;
@group(0) @binding(8) var<storage, read_write> episode_lengths: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let env = flat_index(global_id, workgroups);
  if (env >= NUM_ENVS) {
    return;
  }
  let progress = episode_progress[env];
  let reached = next_states[env];
  let final_obs = env_obs(reached, env_params);
  for (var i = 0u; i < OBS_SIZE; i += 1u) {
    final_observations[env * OBS_SIZE + i] = final_obs[i];
  }
  if (progress.ended == 0u) {
    states[env] = reached;
    for (var i = 0u; i < OBS_SIZE; i += 1u) {
      observations[env * OBS_SIZE + i] = final_obs[i];
    }
    episode_returns[env] = 0.0;
    episode_lengths[env] = 0u;
    return;
  }
  episode_returns[env] = progress.episode_return;
  episode_lengths[env] = progress.length;
  let episode = progress.episode + 1u;
  var rng = env_rng_for_reset(wrapper, progress, episode);
  let fresh = env_reset(&rng, env_params);
  states[env] = fresh;
  let fresh_obs = env_obs(fresh, env_params);
  for (var i = 0u; i < OBS_SIZE; i += 1u) {
    observations[env * OBS_SIZE + i] = fresh_obs[i];
  }
  // `ended` stays 1 until the next step overwrites it: it says the last step ended an episode.
  episode_progress[env] = env_progress_restart(progress, episode, 1u);
}
