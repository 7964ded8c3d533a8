// Diagonal Gaussian head, sample: actions[r][d] = μ_rd + σ_d·ε_rd with ε standard normal, and
// log_probs[r] = log π(actions[r]) computed from the stored f32 action by the same arithmetic as
// gaussian_evaluate.wgsl (so a rollout's log p_old equals the update's first log p_new).
// Noise: dims 4k .. 4k+3 of row r come from Philox block rng_counter(params, r) with the draw word
// advanced by k, as rng/normal.wgsl lays out one block (normal_pair of words x, y, then of z, w).
// A row thus uses draws params.draw .. params.draw + ceil(ACTION_DIMS / 4) - 1 of its stream.
// One invocation per row.

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: RngParams;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read> log_std: array<f32>;
@group(0) @binding(3) var<storage, read_write> actions: array<f32>;
@group(0) @binding(4) var<storage, read_write> log_probs: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let r = flat_index(global_id, workgroups);
  if (r >= ROWS) {
    return;
  }
  var noise = vec4f(0.0);
  var log_prob = 0.0;
  for (var d = 0u; d < ACTION_DIMS; d += 1u) {
    if (d % 4u == 0u) {
      let counter = rng_counter(params, r) + vec4u(d / 4u, 0u, 0u, 0u);
      let words = philox4x32_10(counter, rng_key(params));
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
