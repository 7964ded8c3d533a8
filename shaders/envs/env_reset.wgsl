// Resets every env (one invocation per env): a new episode (index + 1; the first is 0), fresh
// randomness, step count and return 0, and its observation.

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> wrapper: WrapperParams;
@group(0) @binding(1) var<uniform> env_params: EnvParams;
@group(0) @binding(2) var<storage, read_write> episode_progress: array<EpisodeProgress>;
@group(0) @binding(3) var<storage, read_write> states: array<State>;
// [NUM_ENVS][OBS_SIZE] floats.
@group(0) @binding(4) var<storage, read_write> observations: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let env = flat_index(global_id, workgroups);
  if (env >= NUM_ENVS) {
    return;
  }
  let progress = episode_progress[env];
  let episode = progress.episode + 1u;
  var rng = env_rng_for_reset(wrapper, progress, episode);
  let fresh = env_reset(&rng, env_params);
  states[env] = fresh;
  let obs = env_obs(fresh, env_params);
  for (var i = 0u; i < OBS_SIZE; i += 1u) {
    observations[env * OBS_SIZE + i] = obs[i];
  }
  episode_progress[env] = env_progress_restart(progress, episode, 0u);
}
