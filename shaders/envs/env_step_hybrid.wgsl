// One step of NUM_ENVS hybrid envs (one invocation per env), without the auto-reset
// (env_autoreset.wgsl runs next). An action is one row of ACTION_SIZE + ACTION_BRANCHES words: the
// ACTION_SIZE floats of the continuous part (f32 bits), then one u32 per discrete branch. The
// floats are decoded as env_step_continuous.wgsl does (a non-finite one refuses the step, the others
// are clipped to the box: CleanRL's ClipAction), the branches as env_step_multi_discrete.wgsl does
// (an index ≥ its branch's size, envs/env_branches.wgsl, refuses the step). The env contract and
// the done convention: envs/env_wrapper.wgsl.

override WORKGROUP_SIZE: u32 = 64u;

// Words of one env's action row.
const ENV_ACTION_WORDS: u32 = ACTION_SIZE + ACTION_BRANCHES;

// [NUM_ENVS][ACTION_SIZE + ACTION_BRANCHES] words: one buffer of mixed types, so read as u32 and
// the floats bitcast.
@group(0) @binding(9) var<storage, read> actions: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let env = flat_index(global_id, workgroups);
  if (env >= NUM_ENVS) {
    return;
  }
  let row = env * ENV_ACTION_WORDS;
  var action: EnvAction;
  for (var i = 0u; i < ACTION_SIZE; i += 1u) {
    let bits = actions[row + i];
    // Non-finite floats are refused, tested on the bits (a compiler may fold value != value away).
    // The refusal's "largest action" stays 0, which no refused branch index can be (every branch
    // allows 0), so the host can tell the two refusals apart.
    if ((bits & 0x7F800000u) == 0x7F800000u) {
      env_refuse_step(env, 0u);
      return;
    }
    action.continuous[i] = clamp(bitcast<f32>(bits), wrapper.action_low[i / 4u][i % 4u], wrapper.action_high[i / 4u][i % 4u]);
  }
  for (var b = 0u; b < ACTION_BRANCHES; b += 1u) {
    let value = actions[row + ACTION_SIZE + b];
    if (value >= env_branch_size(b)) {
      env_refuse_step(env, value);
      return;
    }
    action.discrete[b] = value;
  }
  env_take_step(env, action);
}
