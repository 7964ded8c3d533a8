// One step of NUM_ENVS continuous envs (one invocation per env), without the auto-reset
// (env_autoreset.wgsl runs next). Each action is clipped to the action box first (CleanRL's
// ClipAction wrapper), so a Gaussian policy's unbounded sample reaches the env inside its bounds.
// The env contract and the done convention: envs/env_wrapper.wgsl.

override WORKGROUP_SIZE: u32 = 64u;

// [NUM_ENVS][ACTION_SIZE] floats.
@group(0) @binding(9) var<storage, read> actions: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let env = flat_index(global_id, workgroups);
  if (env >= NUM_ENVS) {
    return;
  }
  var action: array<f32, ACTION_SIZE>;
  for (var i = 0u; i < ACTION_SIZE; i += 1u) {
    let value = actions[env * ACTION_SIZE + i];
    // Non-finite actions are refused. Tested on the bits: WGSL lets a compiler assume floats are
    // finite, so a comparison such as value != value may be folded away.
    if ((bitcast<u32>(value) & 0x7F800000u) == 0x7F800000u) {
      env_refuse_step(env, 0u);
      return;
    }
    action[i] = clamp(value, wrapper.action_low[i / 4u][i % 4u], wrapper.action_high[i / 4u][i % 4u]);
  }
  env_take_step(env, action);
}
