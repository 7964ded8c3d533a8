// Categorical head, mode (greedy action): actions[r] = the allowed action with the largest logit,
// the lowest index among equal maxima (numpy's and torch's argmax), and log_probs[r] its
// log-probability under the masked distribution, by categorical_common.wgsl's arithmetic as in
// categorical_sample.wgsl, so a greedy action's log p equals what categorical_evaluate.wgsl gives it.
// The host rejects a mask row that allows no action; should one reach the kernel, action 0 is
// written rather than an index out of range. One invocation per row.

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> logits: array<f32>;
// [ROWS][ACTIONS], 1 = allowed; not read when MASKED = 0 (bind any buffer).
@group(0) @binding(1) var<storage, read> mask: array<u32>;
@group(0) @binding(2) var<storage, read_write> actions: array<u32>;
@group(0) @binding(3) var<storage, read_write> log_probs: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let r = flat_index(global_id, workgroups);
  if (r >= ROWS) {
    return;
  }
  var row = categorical_load_row(r);
  var best = ACTIONS;
  var best_logit = CATEGORICAL_MASKED_LOGIT;
  for (var a = 0u; a < ACTIONS; a += 1u) {
    // Strictly greater: the first of equal maxima wins.
    if (!categorical_is_masked(row[a]) && (best == ACTIONS || row[a] > best_logit)) {
      best = a;
      best_logit = row[a];
    }
  }
  best = select(best, 0u, best == ACTIONS);
  let normaliser = categorical_log_normaliser(&row);
  actions[r] = best;
  log_probs[r] = categorical_log_prob(&row, normaliser, best);
}
