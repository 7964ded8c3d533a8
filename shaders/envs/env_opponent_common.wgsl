// Include-only: the policy seat of a two-player env (a body whose descriptor names a `policySeat`),
// shared by env_opponent_reply.wgsl and env_opponent_opening.wgsl. Needs envs/env_wrapper.wgsl, an
// env body that declares the seat's functions (src/envs/types.ts, EnvDescriptor.policySeat), and
// the generated forward pass `opponent_logits` (src/envs/opponent-pool.ts).
//
// The seat is played by a frozen snapshot of a policy: a member of the opponent pool, a ring of
// POOL_WINDOW parameter sets laid out like a population's (member m's block at
// m · OPPONENT_PARAMS_PER_MEMBER). Each episode whose opponent is the policy seat
// (env_policy_seat) draws its member once, when it starts: the newest snapshot with probability
// pool.latest_ratio, else one of the pool's members uniformly (ML-Agents' play-against-latest
// ratio). The member is kept in EpisodeProgress.opponent; NO_OPPONENT marks an episode against
// the body's own (scripted) opponent. The seat samples its move from the member's masked softmax
// with its own draws (stream OPPONENT_STREAM), so the env's draws are the same with or without it.

// Episodes played against the body's own opponent, not a pool member.
const NO_OPPONENT: u32 = 0xFFFFFFFFu;
// Philox stream (key word 1) of the seat's draws: 'OPP'.
const OPPONENT_STREAM: u32 = 0x4f5050u;

// The pool's uniform (src/envs/opponent-pool.ts writes it): how many members hold a snapshot,
// which of them is the newest, and the probability of playing the newest.
struct PoolParams {
  members: u32,
  newest: u32,
  latest_ratio: f32,
  pad: u32,
}

// The generator of the seat's draws at step `length` of an episode (length 0: its start).
fn opponent_rng(progress: EpisodeProgress, length: u32) -> EnvRng {
  return env_rng_start(progress.seed, OPPONENT_STREAM, progress.rng_env, length, progress.episode);
}

// The member an episode plays, drawn when it starts (two draws, always both taken).
fn opponent_member(pool: PoolParams, rng: ptr<function, EnvRng>) -> u32 {
  let latest_draw = env_uniform(rng);
  let member_draw = env_uniform(rng);
  if (latest_draw < pool.latest_ratio) {
    return pool.newest;
  }
  return min(u32(member_draw * f32(pool.members)), pool.members - 1u);
}

// A column of the member's masked softmax by inverse CDF with one uniform: the first legal
// action whose cumulative probability exceeds u (the last legal one if rounding leaves u above all).
fn opponent_sample(logits: array<f32, OPPONENT_ACTIONS>, mask: array<u32, OPPONENT_ACTIONS>, u: f32) -> u32 {
  var largest = -3.4028234663852886e38;
  var last = 0u;
  for (var a = 0u; a < OPPONENT_ACTIONS; a += 1u) {
    if (mask[a] != 0u) {
      largest = max(largest, logits[a]);
      last = a;
    }
  }
  var total = 0.0;
  for (var a = 0u; a < OPPONENT_ACTIONS; a += 1u) {
    if (mask[a] != 0u) {
      total += exp(logits[a] - largest);
    }
  }
  let goal = u * total;
  var cumulative = 0.0;
  for (var a = 0u; a < OPPONENT_ACTIONS; a += 1u) {
    if (mask[a] != 0u) {
      cumulative += exp(logits[a] - largest);
      if (goal < cumulative) {
        return a;
      }
    }
  }
  return last;
}

// The seat's move in `state` by pool member `member`, one draw from `rng`.
fn opponent_action(state: State, member: u32, rng: ptr<function, EnvRng>) -> u32 {
  let u = env_uniform(rng);
  let logits = opponent_logits(member * OPPONENT_PARAMS_PER_MEMBER, env_opponent_obs(state, env_params));
  return opponent_sample(logits, opponent_mask(state), u);
}
