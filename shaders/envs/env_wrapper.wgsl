// Include-only: what the generic env wrapper's kernels share (env_step_discrete.wgsl,
// env_step_continuous.wgsl, env_autoreset.wgsl, env_reset.wgsl). Needs envs/env_rng.wgsl and an
// env body (the env contract: src/envs/types.ts).
//
// Done convention (Gymnasium's): a step reports `terminated` when the env reached a terminal state
// (no bootstrapping from it) and `truncated` when the episode reached MAX_EPISODE_STEPS steps (a
// time-out: bootstrap from the final observation). Both can be 1 on the same step, as in
// Gymnasium's TimeLimit, which sets truncated independently of terminated; a consumer then treats
// the step as terminated, since the terminal state has no future to bootstrap. An episode ends when
// either is set; the wrapper then keeps the final observation and resets the env.

// Episodes are truncated after this many steps (Gymnasium's TimeLimit max_episode_steps).
override MAX_EPISODE_STEPS: u32;
// Env instances; every kernel bounds-checks its index against it.
override NUM_ENVS: u32;

// Most action dimensions of a continuous env (ACTION_SIZE ≤ 4·MAX_ACTION_VEC4 = MAX_ACTION_SIZE of
// src/envs/contract.ts): 64, room for locomotion bodies such as MuJoCo's Humanoid (17 actuators).
const MAX_ACTION_VEC4: u32 = 16u;

// The wrapper's uniform block (src/envs/kernels.ts writes it). Byte layout: 0 seed | 4 stream |
// 8, 12 padding | 16 action_low (64 floats) | 272 action_high (64 floats); 528 bytes.
// The bounds stay in a uniform rather than a storage buffer: every invocation reads the same
// bound at the same time, which is the broadcast read uniform memory serves best, and 528 bytes is
// far under the 64 KiB maxUniformBufferBindingSize every WebGPU adapter guarantees.
struct WrapperParams {
  seed: u32,
  stream: u32,
  pad0: u32,
  pad1: u32,
  // Bounds of a continuous action, dimension i at [i / 4][i % 4]; unused by discrete envs.
  action_low: array<vec4f, MAX_ACTION_VEC4>,
  action_high: array<vec4f, MAX_ACTION_VEC4>,
}

// Per-env bookkeeping the wrapper keeps between steps (buffer `episodeProgress`, 16 bytes per env).
struct EpisodeProgress {
  // Steps taken in the current episode.
  length: u32,
  // Index of the current episode (keys its randomness: env_rng.wgsl). 0xFFFFFFFF before the first
  // reset, so that the first reset starts episode 0.
  episode: u32,
  // Sum of the current episode's rewards so far.
  episode_return: f32,
  // 1 when the last step ended the episode (terminated or truncated): auto-reset pending.
  ended: u32,
  // The env's randomness key word 0 and counter word 1 (env_rng.wgsl), written once by the host:
  // (run seed, env index), or with per-group seeds (VectorEnvOptions.seeds) (seed of the env's
  // group, index within the group), so a group replays a run of its own size under its seed.
  seed: u32,
  rng_env: u32,
  // The pool member that plays the episode's policy seat (env_opponent_common.wgsl); unused by
  // envs without one.
  opponent: u32,
  pad0: u32,
}

// The generator of an env's draws while taking step `progress.length` of its episode.
fn env_rng_for_step(params: WrapperParams, progress: EpisodeProgress) -> EnvRng {
  return env_rng_start(progress.seed, params.stream, progress.rng_env, progress.length, progress.episode);
}

// The generator of the reset that starts episode `episode` of an env.
fn env_rng_for_reset(params: WrapperParams, progress: EpisodeProgress, episode: u32) -> EnvRng {
  return env_rng_start(progress.seed, params.stream, progress.rng_env, ENV_RESET_PHASE, episode);
}

// `progress` at the start of episode `episode`: step count and return 0, its key words kept.
fn env_progress_restart(progress: EpisodeProgress, episode: u32, ended: u32) -> EpisodeProgress {
  var next = progress;
  next.length = 0u;
  next.episode = episode;
  next.episode_return = 0.0;
  next.ended = ended;
  return next;
}
