// Categorical head, mode (greedy action): actions[r] = the allowed action with the largest logit,
// the lowest index among equal maxima (numpy's and torch's argmax), and log_probs[r] its
// log-probability under the masked distribution, by categorical_common.wgsl's arithmetic as in
// categorical_sample.wgsl, so a greedy action's log p equals what categorical_evaluate.wgsl gives it.
// A row whose mask allows no action is recorded in mask_errors (categorical_common.wgsl), for the
// host to reject the call, and gets action 0 with log p = CATEGORICAL_MASKED_LOGIT. One invocation
// per row. A multi-discrete policy's greedy action is each branch's argmax (the branches are
// independent): one dispatch per branch, its action to word b of the row (categorical_actions.wgsl)
// and its log p added to the branches before it (categorical_accumulate.wgsl).

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> logits: array<f32>;
// [ROWS][ACTIONS], 1 = allowed; not read when MASKED = 0 (bind any buffer).
@group(0) @binding(1) var<storage, read> mask: array<u32>;
@group(0) @binding(2) var<storage, read_write> actions: array<u32>;
@group(0) @binding(3) var<storage, read_write> log_probs: array<f32>;
// Rows whose mask allows no action; not written when MASKED = 0.
@group(0) @binding(4) var<storage, read_write> mask_errors: MaskErrors;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let r = flat_index(global_id, workgroups);
  if (r >= ROWS) {
    return;
  }
  // One pass: the sums, and the action that last raised their max. Strictly greater (in
  // categorical_sums_add too): the first of equal maxima wins.
  var sums = categorical_sums_empty();
  var best = 0u;
  for (var a = 0u; a < ACTIONS; a += 1u) {
    let logit = categorical_logit(r, a);
    if (!categorical_is_masked(logit) && (sums.total == 0.0 || logit > sums.max_logit)) {
      best = a;
    }
    categorical_sums_add(&sums, logit);
  }
  if (categorical_allows_none(sums)) {
    if (MASKED != 0u) {
      atomicAdd(&mask_errors.count, 1u);
      atomicMin(&mask_errors.first_row, r);
    }
    actions[categorical_action_index(r)] = 0u;
    log_probs[r] = categorical_accumulated(CATEGORICAL_MASKED_LOGIT, log_probs[r]);
    return;
  }
  actions[categorical_action_index(r)] = best;
  // The best logit is the max: log p = (m - m) - log Σ, as categorical_log_prob computes it.
  log_probs[r] = categorical_accumulated(categorical_log_prob(sums.max_logit, categorical_log_normaliser(sums)), log_probs[r]);
}
