// The start of an episode's policy seat (after env_reset.wgsl or env_autoreset.wgsl), one
// invocation per env that has just been reset (no step taken in its episode yet): draw the
// episode's pool member (NO_OPPONENT where the body plays its own opponent: env_policy_seat), and
// where the seat moves first (env_opponent_turn), play its opening move and recompute the
// observation, so the learner acts on the position after it. An opening move does not end a game.
// The seat: env_opponent_common.wgsl.

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> wrapper: WrapperParams;
@group(0) @binding(1) var<uniform> env_params: EnvParams;
@group(0) @binding(2) var<uniform> pool: PoolParams;
// [POOL_WINDOW][OPPONENT_PARAMS_PER_MEMBER] floats: the members' frozen parameters.
@group(0) @binding(3) var<storage, read> pool_parameters: array<f32>;
@group(0) @binding(4) var<storage, read_write> episode_progress: array<EpisodeProgress>;
@group(0) @binding(5) var<storage, read_write> states: array<State>;
// [NUM_ENVS][OBS_SIZE] floats.
@group(0) @binding(6) var<storage, read_write> observations: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let env = flat_index(global_id, workgroups);
  if (env >= NUM_ENVS) {
    return;
  }
  var progress = episode_progress[env];
  if (progress.length != 0u) {
    return;
  }
  var state = states[env];
  var rng = opponent_rng(progress, 0u);
  let member = opponent_member(pool, &rng);
  progress.opponent = select(NO_OPPONENT, member, env_policy_seat(state, env_params) && pool.members > 0u);
  episode_progress[env] = progress;
  if (progress.opponent == NO_OPPONENT || !env_opponent_turn(state, env_params)) {
    return;
  }
  let action = opponent_action(state, progress.opponent, &rng);
  state = env_opponent_step(state, EnvAction(action), env_params).state;
  states[env] = state;
  let obs = env_obs(state, env_params);
  for (var i = 0u; i < OBS_SIZE; i += 1u) {
    observations[env * OBS_SIZE + i] = obs[i];
  }
}
