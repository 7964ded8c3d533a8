// One step of NUM_ENVS multi-discrete envs (one invocation per env), without the auto-reset
// (env_autoreset.wgsl runs next). An action is ACTION_SIZE u32 words, one per branch (Gymnasium's
// MultiDiscrete); word b must be below branch b's size, else the step is refused (action_errors),
// not clamped, as env_step_discrete.wgsl does for one branch. The env contract and the done
// convention: envs/env_wrapper.wgsl.

override WORKGROUP_SIZE: u32 = 64u;
// The size of each branch (src/envs/kernels.ts sets the first ACTION_SIZE of them). Overrides rather
// than a buffer: they are fixed for the env's life, and the kernel already uses all its bindings.
// At most 8 branches (MAX_ACTION_BRANCHES, src/envs/action-branches.ts).
override ENV_BRANCH_SIZE_0: u32 = 1u;
override ENV_BRANCH_SIZE_1: u32 = 1u;
override ENV_BRANCH_SIZE_2: u32 = 1u;
override ENV_BRANCH_SIZE_3: u32 = 1u;
override ENV_BRANCH_SIZE_4: u32 = 1u;
override ENV_BRANCH_SIZE_5: u32 = 1u;
override ENV_BRANCH_SIZE_6: u32 = 1u;
override ENV_BRANCH_SIZE_7: u32 = 1u;

// [NUM_ENVS][ACTION_SIZE] action indices, branch 0 first.
@group(0) @binding(9) var<storage, read> actions: array<u32>;

fn env_branch_size(branch: u32) -> u32 {
  switch branch {
    case 0u: { return ENV_BRANCH_SIZE_0; }
    case 1u: { return ENV_BRANCH_SIZE_1; }
    case 2u: { return ENV_BRANCH_SIZE_2; }
    case 3u: { return ENV_BRANCH_SIZE_3; }
    case 4u: { return ENV_BRANCH_SIZE_4; }
    case 5u: { return ENV_BRANCH_SIZE_5; }
    case 6u: { return ENV_BRANCH_SIZE_6; }
    default: { return ENV_BRANCH_SIZE_7; }
  }
}

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
