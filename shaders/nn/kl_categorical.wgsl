// KL(old ‖ new) per row between two categorical distributions with the same mask:
//   kl[r] = Σ_j q_j (log q_j - log p_j) over the allowed j, q = softmax(old), p = softmax(new).
// New logits as in categorical_common.wgsl (LOGITS_STRIDE, LOGITS_OFFSET); old logits as in
// kl_categorical_common.wgsl. One invocation per row, two passes over both rows: the sums, then the
// divergence (summing q·(log q - log p) term by term keeps it accurate when q and p are close,
// where a difference of normalisers would cancel). With ACCUMULATE = 1 the KL is added to kl[r]
// (categorical_accumulate.wgsl): a multi-discrete KL is the sum of its branches'.

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> old_logits: array<f32>;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
// [ROWS][ACTIONS], 1 = allowed; not read when MASKED = 0 (bind any buffer).
@group(0) @binding(2) var<storage, read> mask: array<u32>;
@group(0) @binding(3) var<storage, read_write> kl: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let r = flat_index(global_id, workgroups);
  if (r >= ROWS) {
    return;
  }
  var new_sums: CategoricalSums;
  var old_sums: CategoricalSums;
  kl_row_sums(r, &new_sums, &old_sums);
  let new_normaliser = categorical_log_normaliser(new_sums);
  let old_normaliser = categorical_log_normaliser(old_sums);
  var divergence = 0.0;
  for (var j = 0u; j < ACTIONS; j += 1u) {
    let logit = categorical_logit(r, j);
    if (!categorical_is_masked(logit)) {
      let log_q = categorical_log_prob(kl_old_logit(r, j, logit), old_normaliser);
      divergence += exp(log_q) * (log_q - categorical_log_prob(logit, new_normaliser));
    }
  }
  kl[r] = categorical_accumulated(divergence, kl[r]);
}
