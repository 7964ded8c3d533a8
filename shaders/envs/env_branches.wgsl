// Include-only: the sizes of a multi-discrete or hybrid env's discrete branches, for the step
// kernels that refuse a branch index ≥ its size (env_step_multi_discrete.wgsl, env_step_hybrid.wgsl).

// The size of each branch (src/envs/kernels.ts sets the first K of them). Overrides rather than a
// buffer: they are fixed for the env's life, and the step kernel already uses all its bindings.
// At most 8 branches (MAX_ACTION_BRANCHES, src/envs/action-branches.ts).
override ENV_BRANCH_SIZE_0: u32 = 1u;
override ENV_BRANCH_SIZE_1: u32 = 1u;
override ENV_BRANCH_SIZE_2: u32 = 1u;
override ENV_BRANCH_SIZE_3: u32 = 1u;
override ENV_BRANCH_SIZE_4: u32 = 1u;
override ENV_BRANCH_SIZE_5: u32 = 1u;
override ENV_BRANCH_SIZE_6: u32 = 1u;
override ENV_BRANCH_SIZE_7: u32 = 1u;

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
