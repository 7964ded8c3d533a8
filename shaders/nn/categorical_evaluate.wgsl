// Categorical head, evaluate: for each row r < ROWS, the log-probability of the taken action and
// the entropy of softmax(logits[r]) over the allowed actions (categorical_common.wgsl):
//   log_probs[r] = l_a - log Σ_j exp(l_j),  entropies[r] = -Σ_j p_j log p_j.
// One invocation per row, one pass over it (categorical_row_sums) and the taken action's logit.
// With ACCUMULATE = 1 both are added to what the buffers hold (categorical_accumulate.wgsl).

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> logits: array<f32>;
// [ROWS][ACTIONS], 1 = allowed; not read when MASKED = 0 (bind any buffer).
@group(0) @binding(1) var<storage, read> mask: array<u32>;
// Row r's action at categorical_action_index(r) (categorical_actions.wgsl).
@group(0) @binding(2) var<storage, read> actions: array<u32>;
@group(0) @binding(3) var<storage, read_write> log_probs: array<f32>;
@group(0) @binding(4) var<storage, read_write> entropies: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let r = flat_index(global_id, workgroups);
  if (r >= ROWS) {
    return;
  }
  let sums = categorical_row_sums(r);
  let log_prob = categorical_log_prob_checked(r, categorical_log_normaliser(sums), actions[categorical_action_index(r)]);
  log_probs[r] = categorical_accumulated(log_prob, log_probs[r]);
  entropies[r] = categorical_accumulated(categorical_entropy(sums), entropies[r]);
}
