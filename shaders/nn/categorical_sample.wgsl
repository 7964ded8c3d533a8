// Categorical head, sample: actions[r] ~ softmax(logits[r]) over the allowed actions, by inverse
// CDF (categorical_sample_row, categorical_common.wgsl) with u = uniform_from_bits(word x of Philox block
// rng_counter(params, r)), r the global (agent-major) row: the same draw as rng/categorical.wgsl.
// log_probs[r] is the log-probability of the chosen action by the same arithmetic as
// categorical_evaluate.wgsl, so a rollout's log p_old equals the update's first log p_new.
// A row whose mask allows no action is recorded in mask_errors, not sampled. One invocation per row, two passes over it.
// The action goes to categorical_action_index(r) (categorical_actions.wgsl) and log p is
// accumulated with ACCUMULATE (categorical_accumulate.wgsl); BRANCH (a multi-discrete head's branch) picks the uniform: uniform_from_word (rng/philox.wgsl).

override BRANCH: u32 = 0u;

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> params: RngParams;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
// [ROWS][ACTIONS], 1 = allowed; not read when MASKED = 0 (bind any buffer).
@group(0) @binding(2) var<storage, read> mask: array<u32>;
@group(0) @binding(3) var<storage, read_write> actions: array<u32>;
@group(0) @binding(4) var<storage, read_write> log_probs: array<f32>;
// Rows whose mask allows no action (categorical_common.wgsl); not written when MASKED = 0.
@group(0) @binding(5) var<storage, read_write> mask_errors: MaskErrors;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let r = flat_index(global_id, workgroups);
  if (r >= ROWS) {
    return;
  }
  let sums = categorical_row_sums(r);
  if (categorical_allows_none(sums)) {
    if (MASKED != 0u) {
      atomicAdd(&mask_errors.count, 1u);
      atomicMin(&mask_errors.first_row, r);
    }
    actions[categorical_action_index(r)] = 0u;
    log_probs[r] = categorical_accumulated(CATEGORICAL_MASKED_LOGIT, log_probs[r]);
    return;
  }
  let u = uniform_from_word(rng_counter(params, r), rng_key(params), BRANCH);
  let action = categorical_sample_row(r, sums, u);
  actions[categorical_action_index(r)] = action;
  let log_prob = categorical_log_prob(categorical_logit(r, action), categorical_log_normaliser(sums));
  log_probs[r] = categorical_accumulated(log_prob, log_probs[r]);
}
