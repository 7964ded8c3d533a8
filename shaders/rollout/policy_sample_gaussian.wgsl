// The rollout's diagonal Gaussian action sampling, with a Philox key per agent (the keying of
// policy_sample_categorical.wgsl): row r of agent g = r / ROWS_PER_AGENT draws dims 4k .. 4k + 3
// from block (params.draw + k, r mod ROWS_PER_AGENT, params.step, params.iteration) under key
// (agent_seeds[g], params.stream), two Box–Muller pairs per block as nn/gaussian_sample.wgsl.
//   actions[r][d] = μ_rd + exp(s_gd)·ε_rd        (unclipped: the env clips, CleanRL's ClipAction)
//   log_probs[r] = Σ_d log N(actions[r][d]; μ_rd, exp(s_gd)²)
// log π is computed from the stored f32 action by nn/gaussian_common.wgsl's arithmetic, as
// gaussian_evaluate.wgsl does, so the rollout's log p_old equals the update's first log p_new.
// One invocation per row.

override WORKGROUP_SIZE: u32 = 64u;
// The rows sampled by one dispatch: ROW_FROM … ROW_FROM + ROW_COUNT − 1 of the ROWS (all of them, or
// one half of a JavaScript env's instances when the rollout pipelines its steps, src/rollout/host-halves.ts).
// A row keeps its global index r for its counter, its mask and its outputs, so a half draws what
// the whole batch draws for the same rows.
override ROW_FROM: u32 = 0u;
override ROW_COUNT: u32;

@group(0) @binding(0) var<uniform> params: RngParams;
// [ROWS / ROWS_PER_AGENT] u32 seeds.
@group(0) @binding(1) var<storage, read> agent_seeds: array<u32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
// The actor's parameters (learned log-std at LOG_STD_OFFSET of each agent's block).
@group(0) @binding(3) var<storage, read> log_std: array<f32>;
// Row r's dims at gaussian_action_index(r, d): [ROWS][ACTION_DIMS], or a hybrid row's first dims.
@group(0) @binding(4) var<storage, read_write> actions: array<f32>;
@group(0) @binding(5) var<storage, read_write> log_probs: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= ROW_COUNT) {
    return;
  }
  let r = ROW_FROM + i;
  let key = vec2u(agent_seeds[r / ROWS_PER_AGENT], params.stream);
  let local_row = r % ROWS_PER_AGENT;
  var noise = vec4f(0.0);
  var log_prob = 0.0;
  for (var d = 0u; d < ACTION_DIMS; d += 1u) {
    if (d % 4u == 0u) {
      let counter = rng_counter(params, local_row) + vec4u(d / 4u, 0u, 0u, 0u);
      let words = philox4x32_10(counter, key);
      let first = normal_pair(uniform_from_bits(words.x), uniform_from_bits(words.y));
      let second = normal_pair(uniform_from_bits(words.z), uniform_from_bits(words.w));
      noise = vec4f(first, second);
    }
    let mu = mean[gaussian_mean_index(r, d)];
    let s = log_std[gaussian_log_std_index(r, d)];
    let action = mu + exp(s) * noise[d % 4u];
    actions[gaussian_action_index(r, d)] = action;
    log_prob += gaussian_log_density(action, mu, s);
  }
  log_probs[r] = log_prob;
}
