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
// (ROWS = Q); old logit (s, a) at s·OLD_LOGITS_STRIDE + OLD_LOGITS_OFFSET + a; the mask is indexed
// by the batch row s (categorical_common.wgsl's MASK_STRIDE, MASK_OFFSET); the action of s at
// categorical_action_index(s) (categorical_actions.wgsl). One invocation per candidate row.
//
// A multi-discrete policy is a product of independent categoricals: log ρ and the KL are sums over
// the branches. The kernel then runs once per branch over the branch's slices (in order): with
// ACCUMULATE = 1 the branch adds its log ρ and KL to what the earlier branches left in terms[q] and
// terms[Q + q]; terms[q] holds the running log ρ until the dispatch with LAST_BRANCH = 1 turns it
// into (ρ − 1)·Â. One categorical is one dispatch with ACCUMULATE = 0 and LAST_BRANCH = 1.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override CANDIDATES: u32;
override ROWS_PER_AGENT: u32;
override OLD_LOGITS_STRIDE: u32;
override OLD_LOGITS_OFFSET: u32 = 0u;
override ACCUMULATE: u32 = 0u;
override LAST_BRANCH: u32 = 1u;

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> old_logits: array<f32>;
// Not read when MASKED = 0 (bind any buffer).
@group(0) @binding(2) var<storage, read> mask: array<u32>;
@group(0) @binding(3) var<storage, read> actions: array<u32>;
@group(0) @binding(4) var<storage, read> advantages: array<f32>;
@group(0) @binding(5) var<storage, read_write> terms: array<f32>;

// (new, old) logit a of candidate row q and batch row s, both CATEGORICAL_MASKED_LOGIT where the
// mask of s forbids a.
fn candidate_logits(q: u32, s: u32, a: u32) -> vec2f {
  if (MASKED != 0u && mask[s * MASK_STRIDE + MASK_OFFSET + a] == 0u) {
    return vec2f(CATEGORICAL_MASKED_LOGIT);
  }
  return vec2f(logits[q * LOGITS_STRIDE + LOGITS_OFFSET + a], old_logits[s * OLD_LOGITS_STRIDE + OLD_LOGITS_OFFSET + a]);
}

// log p of an allowed logit, CATEGORICAL_MASKED_LOGIT ("log 0") for a masked one.
fn checked_log_prob(logit: f32, normaliser: vec2f) -> f32 {
  return select(categorical_log_prob(logit, normaliser), CATEGORICAL_MASKED_LOGIT, categorical_is_masked(logit));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let q = flat_index(global_id, workgroups);
  if (q >= ROWS) {
    return;
  }
  let candidate = q / ROWS_PER_AGENT;
  let s = (candidate / CANDIDATES) * ROWS_PER_AGENT + q % ROWS_PER_AGENT;
  var new_sums = categorical_sums_empty();
  var old_sums = categorical_sums_empty();
  for (var a = 0u; a < ACTIONS; a += 1u) {
    let pair = candidate_logits(q, s, a);
    categorical_sums_add(&new_sums, pair.x);
    categorical_sums_add(&old_sums, pair.y);
  }
  let new_normaliser = categorical_log_normaliser(new_sums);
  let old_normaliser = categorical_log_normaliser(old_sums);
  var divergence = 0.0;
  for (var a = 0u; a < ACTIONS; a += 1u) {
    let pair = candidate_logits(q, s, a);
    if (!categorical_is_masked(pair.y)) {
      let log_q = categorical_log_prob(pair.y, old_normaliser);
      divergence += exp(log_q) * (log_q - categorical_log_prob(pair.x, new_normaliser));
    }
  }
  let action = actions[categorical_action_index(s)];
  var log_ratio = 0.0;
  if (action < ACTIONS) {
    let pair = candidate_logits(q, s, action);
    log_ratio = checked_log_prob(pair.x, new_normaliser) - checked_log_prob(pair.y, old_normaliser);
  }
  if (ACCUMULATE != 0u) {
    log_ratio += terms[q];
    divergence += terms[ROWS + q];
  }
  terms[q] = select(log_ratio, (exp(log_ratio) - 1.0) * advantages[s], LAST_BRANCH != 0u);
  terms[ROWS + q] = divergence;
}
