// observations[n] = env_obs(states[n]) for every env (one invocation per env): after the host
// overwrites states (VectorEnv.writeStates), so that observations agree with them.

override WORKGROUP_SIZE: u32 = 64u;
// Env instances.
override NUM_ENVS: u32;

@group(0) @binding(0) var<uniform> env_params: EnvParams;
@group(0) @binding(1) var<storage, read> states: array<State>;
// [NUM_ENVS][OBS_SIZE] floats.
@group(0) @binding(2) var<storage, read_write> observations: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let env = flat_index(global_id, workgroups);
  if (env >= NUM_ENVS) {
    return;
  }
  let obs = env_obs(states[env], env_params);
  for (var i = 0u; i < OBS_SIZE; i += 1u) {
    observations[env * OBS_SIZE + i] = obs[i];
  }
}
