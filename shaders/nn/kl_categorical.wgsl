// KL(old ‖ new) per row between two categorical distributions with the same mask:
//   kl[r] = Σ_j q_j (log q_j - log p_j) over the allowed j, q = softmax(old), p = softmax(new).
// New logits as in categorical_common.wgsl (LOGITS_STRIDE, LOGITS_OFFSET); old logits at
// old_logits[r·OLD_LOGITS_STRIDE + OLD_LOGITS_OFFSET + j]. One invocation per row.

override WORKGROUP_SIZE: u32 = 64u;
override OLD_LOGITS_STRIDE: u32;
override OLD_LOGITS_OFFSET: u32 = 0u;

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
  var new_row = categorical_load_row(r);
  var old_row = new_row;
  for (var j = 0u; j < ACTIONS; j += 1u) {
    if (!categorical_is_masked(new_row[j])) {
      old_row[j] = old_logits[r * OLD_LOGITS_STRIDE + OLD_LOGITS_OFFSET + j];
    }
  }
  let new_normaliser = categorical_log_normaliser(&new_row);
  let old_normaliser = categorical_log_normaliser(&old_row);
  var divergence = 0.0;
  for (var j = 0u; j < ACTIONS; j += 1u) {
    if (!categorical_is_masked(new_row[j])) {
      let log_q = categorical_log_prob(&old_row, old_normaliser, j);
      divergence += exp(log_q) * (log_q - categorical_log_prob(&new_row, new_normaliser, j));
    }
  }
  kl[r] = divergence;
}
