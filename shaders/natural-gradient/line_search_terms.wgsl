// TRPO's line search, per-row terms of every candidate. Candidate row q = c·ROWS_PER_AGENT + j of
// candidate c = g·CANDIDATES + k evaluates batch row s = g·ROWS_PER_AGENT + j of agent g under θ_k
// (the candidate MLP pass ran over CANDIDATES copies of each agent's rows). With
// ρ = π_θk(a_s | o_s) / π_old(a_s | o_s) and the advantage Â_s:
//   terms[q]         = (ρ − 1)·Â_s              the surrogate improvement L(θ_k) − L(θ_old) of row s,
//                                               L(θ) = mean ρ·Â (Schulman et al. 2015, eq. 14)
//   terms[Q + q]     = KL(π_old(·|o_s) ‖ π_θk(·|o_s))   (Q = AGENTS·CANDIDATES·ROWS_PER_AGENT)
// so a segmented mean over each column's candidate segments gives the improvement and mean KL of
// every candidate. π_old's log-probabilities come from old_logits (the θ_old forward over the
// batch), so θ_k = θ_old gives ρ = 1 exactly. Candidate logits as in categorical_common.wgsl
// (ROWS = Q); old logits dense [AGENTS·ROWS_PER_AGENT][ACTIONS]; the mask [AGENTS·ROWS_PER_AGENT]
// [ACTIONS] is indexed by the batch row s. One invocation per candidate row.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override CANDIDATES: u32;
override ROWS_PER_AGENT: u32;

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> old_logits: array<f32>;
// Not read when MASKED = 0 (bind any buffer).
@group(0) @binding(2) var<storage, read> mask: array<u32>;
@group(0) @binding(3) var<storage, read> actions: array<u32>;
@group(0) @binding(4) var<storage, read> advantages: array<f32>;
@group(0) @binding(5) var<storage, read_write> terms: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let q = flat_index(global_id, workgroups);
  if (q >= ROWS) {
    return;
  }
  let candidate = q / ROWS_PER_AGENT;
  let s = (candidate / CANDIDATES) * ROWS_PER_AGENT + q % ROWS_PER_AGENT;
  var new_row: CategoricalRow;
  var old_row: CategoricalRow;
  for (var a = 0u; a < ACTIONS; a += 1u) {
    new_row[a] = logits[q * LOGITS_STRIDE + LOGITS_OFFSET + a];
    old_row[a] = old_logits[s * ACTIONS + a];
    if (MASKED != 0u && mask[s * ACTIONS + a] == 0u) {
      new_row[a] = CATEGORICAL_MASKED_LOGIT;
      old_row[a] = CATEGORICAL_MASKED_LOGIT;
    }
  }
  let new_normaliser = categorical_log_normaliser(&new_row);
  let old_normaliser = categorical_log_normaliser(&old_row);
  var divergence = 0.0;
  for (var a = 0u; a < ACTIONS; a += 1u) {
    if (!categorical_is_masked(old_row[a])) {
      let log_q = categorical_log_prob(&old_row, old_normaliser, a);
      divergence += exp(log_q) * (log_q - categorical_log_prob(&new_row, new_normaliser, a));
    }
  }
  let action = actions[s];
  let log_ratio = categorical_log_prob_checked(&new_row, new_normaliser, action) -
    categorical_log_prob_checked(&old_row, old_normaliser, action);
  terms[q] = (exp(log_ratio) - 1.0) * advantages[s];
  terms[ROWS + q] = divergence;
}
