// The policy seat's reply after a step (env_step_<kind>.wgsl ran; env_autoreset.wgsl runs next),
// one invocation per env. Where the step left the seat to move (env_opponent_turn), it samples the
// episode's pool member's move and applies env_opponent_step to next_states: its reward adds to the
// step's (the learner's view), and a move that ends the game sets `terminated` and `ended`. Where
// the episode against a pool member ended this step (by either move, or a time-out), the learner's
// result is counted for that member by the sign of opponent_result (the step's reward, as ML-Agents
// does, unless the body scores its games with env_match_result): a win when > 0, a loss when < 0,
// else a draw.
// The env contract and the done convention: envs/env_wrapper.wgsl; the seat: env_opponent_common.wgsl.

override WORKGROUP_SIZE: u32 = 64u;

// The learner's results against each member: [POOL_WINDOW][wins, draws, losses].
struct PoolResults {
  counts: array<atomic<u32>>,
}

@group(0) @binding(0) var<uniform> wrapper: WrapperParams;
@group(0) @binding(1) var<uniform> env_params: EnvParams;
@group(0) @binding(2) var<uniform> pool: PoolParams;
// [POOL_WINDOW][OPPONENT_PARAMS_PER_MEMBER] floats: the members' frozen parameters.
@group(0) @binding(3) var<storage, read> pool_parameters: array<f32>;
@group(0) @binding(4) var<storage, read_write> episode_progress: array<EpisodeProgress>;
@group(0) @binding(5) var<storage, read_write> next_states: array<State>;
@group(0) @binding(6) var<storage, read_write> rewards: array<f32>;
@group(0) @binding(7) var<storage, read_write> terminated: array<u32>;
@group(0) @binding(8) var<storage, read_write> pool_results: PoolResults;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let env = flat_index(global_id, workgroups);
  if (env >= NUM_ENVS) {
    return;
  }
  var progress = episode_progress[env];
  if (progress.opponent == NO_OPPONENT) {
    return;
  }
  let state = next_states[env];
  if (progress.ended == 0u && env_opponent_turn(state, env_params)) {
    var rng = opponent_rng(progress, progress.length);
    let action = opponent_action(state, progress.opponent, &rng);
    let reply = env_opponent_step(state, EnvAction(action), env_params);
    next_states[env] = reply.state;
    rewards[env] += reply.reward;
    progress.episode_return += reply.reward;
    if (reply.terminated) {
      terminated[env] = 1u;
      progress.ended = 1u;
    }
    episode_progress[env] = progress;
  }
  if (progress.ended != 0u) {
    let score = opponent_result(next_states[env], rewards[env]);
    let result = select(select(1u, 2u, score < 0.0), 0u, score > 0.0);
    atomicAdd(&pool_results.counts[3u * progress.opponent + result], 1u);
  }
}
