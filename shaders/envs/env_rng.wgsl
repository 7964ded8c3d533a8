// Include-only: the randomness an env body may use, and how the wrapper keys it. Needs
// rng/philox.wgsl.
//
// An env draws uniforms from Philox4x32-10 under
//   key     = vec2u(seed, ENV stream)                       (the run's seed; src/envs/kernels.ts ENV_STREAM)
//   counter = vec4u(block, env, phase, episode)
// where `env` is the env's index (with per-group seeds, VectorEnvOptions.seeds: the group's seed
// and the index within the group; env_wrapper.wgsl EpisodeProgress.seed / rng_env), `episode` the index of its current episode (0, 1, 2, ... per env,
// counting every reset, initial and automatic), and `phase` the step of the episode being taken
// (0 for the first step) or ENV_RESET_PHASE for the draws of the reset that starts the episode.
// `block` numbers the Philox blocks one call uses; each gives four uniforms. A draw is therefore a
// pure function of (seed, env, episode, step, draw index): it does not depend on the dispatch
// shape, on the number of envs, or on how steps are split between submits, and the CPU reference
// replays it (test/reference/envs/env-rng.ts).

// `phase` of the draws of env_reset: no episode reaches 2^32 - 1 steps.
const ENV_RESET_PHASE: u32 = 0xFFFFFFFFu;

// The generator handed to env_reset and env_step. Bodies use it only through env_uniform and
// env_uniform_range.
struct EnvRng {
  key: vec2u,
  // The counter of the next Philox block.
  counter: vec4u,
  // The current block and how many of its four words have been used.
  block: vec4u,
  used: u32,
}

// A generator for `env` in `phase` of `episode`; no block is computed until the first draw, so a
// deterministic env pays nothing for it.
fn env_rng_start(seed: u32, stream: u32, env: u32, phase: u32, episode: u32) -> EnvRng {
  return EnvRng(vec2u(seed, stream), vec4u(0u, env, phase, episode), vec4u(0u), 4u);
}

// The next uniform in (0, 1) (uniform_from_bits: 23 random bits, centred, exact in f32).
fn env_uniform(rng: ptr<function, EnvRng>) -> f32 {
  if ((*rng).used >= 4u) {
    (*rng).block = philox4x32_10((*rng).counter, (*rng).key);
    (*rng).counter.x += 1u;
    (*rng).used = 0u;
  }
  let bits = (*rng).block[(*rng).used];
  (*rng).used += 1u;
  return uniform_from_bits(bits);
}

// low + (high - low)·u with u = env_uniform(rng): uniform in (low, high) up to f32 rounding.
fn env_uniform_range(rng: ptr<function, EnvRng>, low: f32, high: f32) -> f32 {
  return low + (high - low) * env_uniform(rng);
}
