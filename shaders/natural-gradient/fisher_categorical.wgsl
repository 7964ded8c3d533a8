// Fisher-vector product, categorical head part: the logit-space Fisher matrix of row r applied to
// the row's tangent t_r = J_r·v (from the MLP tangent pass), divided by the agent's row count B:
//   fisher_grads[r] = (diag(p_r) − p_r p_rᵀ)·t_r / B = p_r ⊙ (t_r − ⟨p_r, t_r⟩) / B,
// p_r = softmax(logits[r]) over the allowed actions. diag(p) − ppᵀ is the Hessian of
// KL(π_old ‖ π) in the logits at π = π_old (and the Fisher information of the softmax), so the
// actor's backward pass of these head gradients sums J_rᵀ·(…) over rows into
//   F·v = (1/B) Σ_r J_rᵀ (diag(p_r) − p_r p_rᵀ) J_r v,
// the Hessian of the mean KL at θ_old applied to v (Schulman et al. 2015, appendix C).
// Masked actions have p = 0 and get exactly 0. Logits and mask as in categorical_common.wgsl;
// tangent and output (r, a) both sit at r·GRAD_STRIDE + GRAD_OFFSET + a (dense [ROWS][ACTIONS] by
// default). A multi-discrete policy is a product of independent categoricals, so its logit-space
// Fisher matrix is block diagonal over the branches: the kernel runs once per branch over that
// branch's slice of the logits, mask, tangents and output (src/algos/trpo/fisher.ts), and the
// slices are disjoint, so each dispatch overwrites its own. One invocation per row, three passes over it (the sums,
// ⟨p, t⟩, the output): p_a is recomputed from the logit rather than kept, as a row of up to
// MAX_DISCRETE_ACTIONS probabilities would not fit in registers.

override WORKGROUP_SIZE: u32 = 64u;
override ROWS_PER_AGENT: u32;
override GRAD_STRIDE: u32;
override GRAD_OFFSET: u32 = 0u;

@group(0) @binding(0) var<storage, read> logits: array<f32>;
// [ROWS][ACTIONS], 1 = allowed; not read when MASKED = 0 (bind any buffer).
@group(0) @binding(1) var<storage, read> mask: array<u32>;
@group(0) @binding(2) var<storage, read> tangents: array<f32>;
@group(0) @binding(3) var<storage, read_write> fisher_grads: array<f32>;

// p_a of row r, exactly 0 when masked.
fn fisher_probability(r: u32, a: u32, normaliser: vec2f) -> f32 {
  let logit = categorical_logit(r, a);
  if (categorical_is_masked(logit)) {
    return 0.0;
  }
  return exp(categorical_log_prob(logit, normaliser));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let r = flat_index(global_id, workgroups);
  if (r >= ROWS) {
    return;
  }
  let normaliser = categorical_log_normaliser(categorical_row_sums(r));
  let base = r * GRAD_STRIDE + GRAD_OFFSET;
  var mean_tangent = 0.0;
  for (var a = 0u; a < ACTIONS; a += 1u) {
    mean_tangent += fisher_probability(r, a, normaliser) * tangents[base + a];
  }
  let scale = 1.0 / f32(ROWS_PER_AGENT);
  for (var a = 0u; a < ACTIONS; a += 1u) {
    fisher_grads[base + a] = scale * fisher_probability(r, a, normaliser) * (tangents[base + a] - mean_tangent);
  }
}
