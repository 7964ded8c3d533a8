// Gradient of KL(old ‖ new) with respect to the NEW logits, scaled by a per-row upstream
// coefficient kl_grads[r] = ∂L/∂KL_r (e.g. β/N for a KL penalty):
//   ∂L/∂l_j = kl_grads[r]·(p_j - q_j)  for allowed j, exactly 0 for masked j
// (Σ_j q_j = 1 over the allowed actions). Layout, GRAD_STRIDE, GRAD_OFFSET and ACCUMULATE as in
// categorical_backward.wgsl; old logits as in kl_categorical_common.wgsl. One invocation per row,
// two passes over both rows: the sums, then the gradient.

override WORKGROUP_SIZE: u32 = 64u;
override GRAD_STRIDE: u32;
override GRAD_OFFSET: u32 = 0u;
override ACCUMULATE: u32 = 0u;

@group(0) @binding(0) var<storage, read> old_logits: array<f32>;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
// [ROWS][ACTIONS], 1 = allowed; not read when MASKED = 0 (bind any buffer).
@group(0) @binding(2) var<storage, read> mask: array<u32>;
@group(0) @binding(3) var<storage, read> kl_grads: array<f32>;
@group(0) @binding(4) var<storage, read_write> logit_grads: array<f32>;

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
  let g_kl = kl_grads[r];
  for (var j = 0u; j < ACTIONS; j += 1u) {
    var grad = 0.0;
    let logit = categorical_logit(r, j);
    if (!categorical_is_masked(logit)) {
      let p = exp(categorical_log_prob(logit, new_normaliser));
      let q = exp(categorical_log_prob(kl_old_logit(r, j, logit), old_normaliser));
      grad = g_kl * (p - q);
    }
    let index = r * GRAD_STRIDE + GRAD_OFFSET + j;
    if (ACCUMULATE != 0u) {
      grad += logit_grads[index];
    }
    logit_grads[index] = grad;
  }
}
