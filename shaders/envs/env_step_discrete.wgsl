// One step of NUM_ENVS discrete envs (one invocation per env), without the auto-reset
// (env_autoreset.wgsl runs next). The env contract and the done convention: envs/env_wrapper.wgsl.

override WORKGROUP_SIZE: u32 = 64u;
// Number of discrete actions: an action ≥ ACTION_COUNT is refused (action_errors), not clamped.
override ACTION_COUNT: u32;

// [NUM_ENVS] action indices.
@group(0) @binding(9) var<storage, read> actions: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let env = flat_index(global_id, workgroups);
  if (env >= NUM_ENVS) {
    return;
  }
  let action = actions[env];
  if (action >= ACTION_COUNT) {
    env_refuse_step(env, action);
    return;
  }
  env_take_step(env, EnvAction(action));
}
