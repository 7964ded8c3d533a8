// Categorical head, backward: the gradient of a loss L with respect to the logits, given per-row
// upstream coefficients g_logp[r] = ∂L/∂ log p(a_r) and g_entropy[r] = ∂L/∂H_r (written by the
// loss kernel: e.g. -advantage·ratio/N for a surrogate, -entropy_coef/N for an entropy bonus):
//   ∂L/∂l_j = g_logp·([j = a] - p_j) + g_entropy·(-p_j (log p_j + H))
// for allowed j, and exactly 0 for masked j. Written to
// logit_grads[r·GRAD_STRIDE + GRAD_OFFSET + j], so the gradient can be a slice of the network's
// output gradient; with ACCUMULATE = 1 it is added to what is there (e.g. a KL term).
// One invocation per row, two passes over it: the sums, then the gradient.

override WORKGROUP_SIZE: u32 = 64u;
override GRAD_STRIDE: u32;
override GRAD_OFFSET: u32 = 0u;
override ACCUMULATE: u32 = 0u;

@group(0) @binding(0) var<storage, read> logits: array<f32>;
// [ROWS][ACTIONS], 1 = allowed; not read when MASKED = 0 (bind any buffer).
@group(0) @binding(1) var<storage, read> mask: array<u32>;
// Row r's action at categorical_action_index(r) (categorical_actions.wgsl).
@group(0) @binding(2) var<storage, read> actions: array<u32>;
@group(0) @binding(3) var<storage, read> log_prob_grads: array<f32>;
@group(0) @binding(4) var<storage, read> entropy_grads: array<f32>;
@group(0) @binding(5) var<storage, read_write> logit_grads: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let r = flat_index(global_id, workgroups);
  if (r >= ROWS) {
    return;
  }
  let sums = categorical_row_sums(r);
  let normaliser = categorical_log_normaliser(sums);
  let entropy = categorical_entropy(sums);
  let action = actions[categorical_action_index(r)];
  let g_logp = log_prob_grads[r];
  let g_entropy = entropy_grads[r];
  for (var j = 0u; j < ACTIONS; j += 1u) {
    var grad = 0.0;
    let logit = categorical_logit(r, j);
    if (!categorical_is_masked(logit)) {
      let log_p = categorical_log_prob(logit, normaliser);
      let p = exp(log_p);
      let taken = select(0.0, 1.0, j == action);
      grad = g_logp * (taken - p) - g_entropy * p * (log_p + entropy);
    }
    let index = r * GRAD_STRIDE + GRAD_OFFSET + j;
    if (ACCUMULATE != 0u) {
      grad += logit_grads[index];
    }
    logit_grads[index] = grad;
  }
}
