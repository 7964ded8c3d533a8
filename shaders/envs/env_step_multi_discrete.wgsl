// One step of NUM_ENVS multi-discrete envs (one invocation per env), without the auto-reset
// (env_autoreset.wgsl runs next). An action is ACTION_SIZE u32 words, one per branch (Gymnasium's
// MultiDiscrete); word b must be below branch b's size (envs/env_branches.wgsl), else the step is
// refused (action_errors), not clamped, as env_step_discrete.wgsl does for one branch. The env
// contract and the done convention: envs/env_wrapper.wgsl.

override WORKGROUP_SIZE: u32 = 64u;

// [NUM_ENVS][ACTION_SIZE] action indices, branch 0 first.
@group(0) @binding(9) var<storage, read> actions: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let env = flat_index(global_id, workgroups);
  if (env >= NUM_ENVS) {
    return;
  }
  var action: EnvAction;
  for (var b = 0u; b < ACTION_SIZE; b += 1u) {
    let value = actions[env * ACTION_SIZE + b];
    if (value >= env_branch_size(b)) {
      env_refuse_step(env, value);
      return;
    }
    action[b] = value;
  }
  env_take_step(env, action);
}
