// Include-only: the bindings and the per-env step shared by the step kernels env_step_<kind>.wgsl
// (discrete, multi-discrete, continuous, hybrid: each declares `actions` at binding 9, the last,
// and decodes one env's action).
// Needs envs/env_wrapper.wgsl and an env body.
//
// One step of env n: load its state, draw its randomness (env_rng_for_step), call env_step, count
// the step, truncate at MAX_EPISODE_STEPS, accumulate the episode return, and write the step's
// results. Auto-reset happens in the next kernel (env_autoreset.wgsl): eight storage buffers per
// stage (the WebGPU default limit) do not hold a step's inputs and all its outputs at once.

// Actions the wrapper refused to apply: a discrete action ≥ ACTION_COUNT (a branch's index ≥ its
// size), or a continuous action that is not finite. The env is not stepped (next state = state, reward 0, no flags); the host
// reads this block to report it (VectorEnv.checkActions).
struct ActionErrors {
  // How many env-steps were refused since the block was last cleared.
  count: atomic<u32>,
  // The smallest env index refused (0xFFFFFFFF when none).
  first_env: atomic<u32>,
  // The largest refused discrete action (0 for a refused non-finite float).
  largest_action: atomic<u32>,
  pad: u32,
}

@group(0) @binding(0) var<uniform> wrapper: WrapperParams;
@group(0) @binding(1) var<uniform> env_params: EnvParams;
// [NUM_ENVS] State structs: STATE_SIZE f32 each, so the host sees [N][STATE_SIZE] floats.
@group(0) @binding(2) var<storage, read> states: array<State>;
@group(0) @binding(3) var<storage, read_write> next_states: array<State>;
@group(0) @binding(4) var<storage, read_write> rewards: array<f32>;
@group(0) @binding(5) var<storage, read_write> terminated: array<u32>;
@group(0) @binding(6) var<storage, read_write> truncated: array<u32>;
@group(0) @binding(7) var<storage, read_write> episode_progress: array<EpisodeProgress>;
@group(0) @binding(8) var<storage, read_write> action_errors: ActionErrors;

fn env_take_step(env: u32, action: EnvAction) {
  var progress = episode_progress[env];
  var rng = env_rng_for_step(wrapper, progress);
  let result = env_step(states[env], action, &rng, env_params);
  progress.length += 1u;
  progress.episode_return += result.reward;
  // Gymnasium's TimeLimit: truncated once elapsed steps reach the limit, whatever `terminated` says.
  let time_out = progress.length >= MAX_EPISODE_STEPS;
  progress.ended = select(0u, 1u, result.terminated || time_out);
  next_states[env] = result.state;
  rewards[env] = result.reward;
  terminated[env] = select(0u, 1u, result.terminated);
  truncated[env] = select(0u, 1u, time_out);
  episode_progress[env] = progress;
}

// An action the wrapper will not apply: flag it and leave the env where it was.
fn env_refuse_step(env: u32, discrete_action: u32) {
  atomicAdd(&action_errors.count, 1u);
  atomicMin(&action_errors.first_env, env);
  atomicMax(&action_errors.largest_action, discrete_action);
  next_states[env] = states[env];
  rewards[env] = 0.0;
  terminated[env] = 0u;
  truncated[env] = 0u;
  episode_progress[env].ended = 0u;
}
