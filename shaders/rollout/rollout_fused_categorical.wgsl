// One rollout step of a WGSL env under a categorical policy, fused into one dispatch: one
// invocation per env runs the observation, the actor's forward pass, the sampling, the env step
// with its auto-reset, and writes step t of the record where the update reads it. A rollout is T
// of these dispatches in one pass each, instead of five dispatches and nine copies per step.
// src/rollout/fused-steps.ts says which rollouts qualify; everything else takes the layer-wise
// steps (src/rollout/rollout.ts), whose record this reproduces:
//   - the forward pass sums each output in the order the dense kernels do (the bias, then the
//     inputs in order, four at a time where the width allows: nn/dense_forward_tiled.wgsl), so
//     the logits agree to float32 rounding (bit for bit on SwiftShader);
//   - the draw is policy_sample_categorical.wgsl's: key (agent_seeds[g], stream), counter
//     (0, env within its agent, step, iteration) from the step's RngParams slot, word 0, and the
//     same inverse-CDF walk and log p (nn/categorical_common.wgsl, reading this invocation's
//     private `logits`);
//   - the env step and auto-reset are envs/env_step_common.wgsl's and envs/env_autoreset.wgsl's,
//     with the same draws (env_rng_for_step / env_rng_for_reset).
// Sampled actions are always valid, so the wrapper's refused-action check has nothing to catch.
// One step per dispatch, not a loop over the T steps in one: SwiftShader's compiler did not
// finish (minutes, then out of memory) with Acrobot-v1's RK4 step inside such a loop, and a step
// per dispatch leaves a paced loop its point to yield after each step, as the layer-wise steps do.
//
// Eight storage buffers (the WebGPU default maxStorageBuffersPerShaderStage): the per-env scalars
// of a step are packed into one StepRecord; rollout_fused_unpack.wgsl spreads them into the
// transition fields after the T steps. The env's own `observations` are refreshed by a copy of
// row T (src/rollout/fused-steps.ts).

override WORKGROUP_SIZE: u32 = 64u;
// T: the last step also writes observations row T.
override STEPS: u32;
override ROWS_PER_AGENT: u32;
override PARAMS_PER_AGENT: u32;
override HIDDEN_LAYERS: u32;
// Bit l set: layer l's input width is a multiple of 4 (the vec4 sums). An override rather than a
// test of the uniform layer table, so that the branch is a constant for the compiler: SwiftShader
// ran out of memory compiling Acrobot-v1's kernel (a large RK4 step) with a uniform-valued branch
// around each layer's loop.
override VEC4_LAYERS: u32;

// Bounds the private arrays below; src/rollout/fused-steps.ts checks a network against them.
const FUSED_MAX_UNITS: u32 = 64u;
const FUSED_MAX_LAYERS: u32 = 8u;

// One dense layer of the actor: W[out][in] row-major at w_offset, the bias at b_offset, within an
// agent's block of the parameters (src/nn/mlp-spec.ts).
struct FusedLayer {
  in_size: u32,
  out_size: u32,
  w_offset: u32,
  b_offset: u32,
  activation: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

// The actor's hidden layers in order, then its policy head at index HIDDEN_LAYERS (written once).
struct FusedNetwork {
  layers: array<FusedLayer, FUSED_MAX_LAYERS>,
}


@group(0) @binding(0) var<uniform> wrapper: WrapperParams;
@group(0) @binding(1) var<uniform> env_params: EnvParams;
// The step's slot of the rollout's draws (iteration, step, stream; its seed is not read).
@group(0) @binding(2) var<uniform> step_params: RngParams;
@group(0) @binding(3) var<uniform> network: FusedNetwork;
// f32 [G][PARAMS_PER_AGENT] (PARAMS_PER_AGENT a multiple of 4), read as vec4s.
@group(0) @binding(4) var<storage, read> actor: array<vec4f>;
@group(0) @binding(5) var<storage, read> agent_seeds: array<u32>;
@group(0) @binding(6) var<storage, read_write> states: array<State>;
@group(0) @binding(7) var<storage, read_write> episode_progress: array<EpisodeProgress>;
// The transitions' observations and final observations, [T + 1][NUM_ENVS][OBS_SIZE].
@group(0) @binding(8) var<storage, read_write> observations: array<f32>;
@group(0) @binding(9) var<storage, read_write> final_observations: array<f32>;
// [T][NUM_ENVS].
@group(0) @binding(10) var<storage, read_write> actions: array<u32>;
@group(0) @binding(11) var<storage, read_write> records: array<StepRecord>;

// The layer being computed reads one half and writes the other: unit u of a half at [u / 4][u % 4].
var<private> units: array<vec4f, FUSED_MAX_UNITS / 2u>;
// The policy head's output: what categorical_common.wgsl's helpers read as row 0 of `logits`.
var<private> logits: array<f32, FUSED_MAX_UNITS>;
// Never read (MASKED = 0); categorical_logit names it.
var<private> mask: array<u32, 1>;

const FUSED_HALF: u32 = FUSED_MAX_UNITS / 4u;

// Outputs o … o + 3 of `layer` (past out_size: repeats of the last, never read) from the input
// half starting at units[src]. Summed as the layer-wise kernels sum them: the bias, then, where the
// input width is a multiple of 4, one dot product per 4 inputs (nn/dense_forward_tiled.wgsl),
// else one input at a time (nn/dense_forward.wgsl).
fn fused_block(layer: FusedLayer, l: u32, base: u32, src: u32, o: u32) -> vec4f {
  let last = layer.out_size - 1u;
  let rows = vec4u(o, min(o + 1u, last), min(o + 2u, last), min(o + 3u, last));
  let b = base + layer.b_offset + rows;
  var z = vec4f(actor[b.x / 4u][b.x % 4u], actor[b.y / 4u][b.y % 4u], actor[b.z / 4u][b.z % 4u], actor[b.w / 4u][b.w % 4u]);
  let w = base + layer.w_offset + rows * layer.in_size;
  if (((VEC4_LAYERS >> l) & 1u) != 0u) {
    // Every row starts on a vec4: parameter blocks, tensors and rows of 4k floats all do.
    let w4 = w / 4u;
    for (var k = 0u; k < layer.in_size / 4u; k += 1u) {
      let x = units[src + k];
      z += vec4f(dot(actor[w4.x + k], x), dot(actor[w4.y + k], x), dot(actor[w4.z + k], x), dot(actor[w4.w + k], x));
    }
  } else {
    for (var k = 0u; k < layer.in_size; k += 1u) {
      let x = units[src + k / 4u][k % 4u];
      let i = w + k;
      z += vec4f(actor[i.x / 4u][i.x % 4u], actor[i.y / 4u][i.y % 4u], actor[i.z / 4u][i.z % 4u], actor[i.w / 4u][i.w % 4u]) * x;
    }
  }
  return activate(layer.activation, z);
}

// The policy head's logits of the observation in units[0 …], for the agent whose block starts at `base`.
fn fused_policy_logits(base: u32) {
  var src = 0u;
  for (var l = 0u; l < HIDDEN_LAYERS; l += 1u) {
    let layer = network.layers[l];
    let dst = FUSED_HALF - src;
    for (var o = 0u; o < layer.out_size; o += 4u) {
      units[dst + o / 4u] = fused_block(layer, l, base, src, o);
    }
    src = dst;
  }
  let head = network.layers[HIDDEN_LAYERS];
  for (var o = 0u; o < head.out_size; o += 4u) {
    let z = fused_block(head, HIDDEN_LAYERS, base, src, o);
    for (var j = 0u; j < 4u && o + j < head.out_size; j += 1u) {
      logits[o + j] = z[j];
    }
  }
}

// action ~ softmax(logits) and its log p, as policy_sample_categorical.wgsl draws row `row` of an agent.
fn fused_sample(key: vec2u, row: u32) -> vec2u {
  let sums = categorical_row_sums(0u);
  if (categorical_allows_none(sums)) {
    return vec2u(0u, bitcast<u32>(CATEGORICAL_MASKED_LOGIT));
  }
  let u = uniform_from_word(rng_counter(step_params, row), key, 0u);
  let action = categorical_sample_row(0u, sums, u);
  let log_prob = categorical_log_prob(categorical_logit(0u, action), categorical_log_normaliser(sums));
  return vec2u(action, bitcast<u32>(log_prob));
}

fn fused_write_final_observation(at: u32, obs: array<f32, OBS_SIZE>) {
  for (var i = 0u; i < OBS_SIZE; i += 1u) {
    final_observations[at + i] = obs[i];
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let env = flat_index(global_id, workgroups);
  if (env >= NUM_ENVS) {
    return;
  }
  let agent = env / ROWS_PER_AGENT;
  let t = step_params.step;
  let slot = t * NUM_ENVS + env;
  let state = states[env];
  var progress = episode_progress[env];
  let obs = env_obs(state, env_params);
  for (var i = 0u; i < OBS_SIZE; i += 1u) {
    observations[slot * OBS_SIZE + i] = obs[i];
    units[i / 4u][i % 4u] = obs[i];
  }
  fused_policy_logits(agent * PARAMS_PER_AGENT);
  let sampled = fused_sample(vec2u(agent_seeds[agent], step_params.stream), env % ROWS_PER_AGENT);
  let action = sampled.x;
  actions[slot] = action;

  // env_take_step (envs/env_step_common.wgsl).
  var rng = env_rng_for_step(wrapper, progress);
  let result = env_step(state, EnvAction(action), &rng, env_params);
  progress.length += 1u;
  progress.episode_return += result.reward;
  let time_out = progress.length >= MAX_EPISODE_STEPS;

  // The auto-reset (envs/env_autoreset.wgsl).
  fused_write_final_observation(slot * OBS_SIZE, env_obs(result.state, env_params));
  var record = StepRecord(bitcast<f32>(sampled.y), result.reward, select(0u, 1u, result.terminated), select(0u, 1u, time_out), 0.0, 0u);
  var next = result.state;
  if (result.terminated || time_out) {
    record.episode_return = progress.episode_return;
    record.episode_length = progress.length;
    let episode = progress.episode + 1u;
    var reset_rng = env_rng_for_reset(wrapper, progress, episode);
    next = env_reset(&reset_rng, env_params);
    progress = env_progress_restart(progress, episode, 1u);
  } else {
    progress.ended = 0u;
  }
  records[slot] = record;
  states[env] = next;
  episode_progress[env] = progress;
  if (t + 1u == STEPS) {
    // s_T, where the next rollout starts.
    let last = env_obs(next, env_params);
    for (var i = 0u; i < OBS_SIZE; i += 1u) {
      observations[(STEPS * NUM_ENVS + env) * OBS_SIZE + i] = last[i];
    }
  }
}
