// Include-only: the categorical policy head on one row of logits (needs rng/philox.wgsl for
// MAX_CATEGORIES, and common/dispatch.wgsl).
//
// Rows are agent-major (G agents × B rows). Logit (r, a) of the network output is
// logits[r·LOGITS_STRIDE + LOGITS_OFFSET + a]: the logits may be a slice of a wider output. The
// optional mask is a dense [ROWS][ACTIONS] array of u32, 1 = allowed, 0 = masked. A masked action
// has probability exactly 0 and gets exactly zero gradient. A row that allows no action has no
// distribution: the kernels that choose actions (categorical_sample.wgsl,
// agent/categorical_argmax.wgsl) record it in a MaskErrors block (below) for the host to raise;
// the others give it log p = CATEGORICAL_MASKED_LOGIT, entropy 0, KL 0 and zero gradient.
//
// A kernel copies its row into function memory with masked entries replaced by
// CATEGORICAL_MASKED_LOGIT, the large finite negative logit that sample_categorical expects (WGSL
// does not promise -inf arithmetic). The helpers below skip that value explicitly, so a masked entry
// contributes nothing even where exp would not underflow to 0.

override ROWS: u32;
// 1 ≤ ACTIONS ≤ MAX_CATEGORIES (checked in src/nn/heads.ts).
override ACTIONS: u32;
override LOGITS_STRIDE: u32;
override LOGITS_OFFSET: u32 = 0u;
// 1: read the mask binding; 0: every action allowed, and the mask binding is never read.
override MASKED: u32 = 0u;

const CATEGORICAL_MASKED_LOGIT: f32 = -1e30;

alias CategoricalRow = array<f32, MAX_CATEGORIES>;

fn categorical_is_masked(logit: f32) -> bool {
  return logit == CATEGORICAL_MASKED_LOGIT;
}

// Rows whose mask allows no action, recorded by the kernels that choose actions (each binds one as
// `mask_errors`); such a row gets action 0, an index every env accepts, and log p =
// CATEGORICAL_MASKED_LOGIT ("log 0"). The host clears the block to (0, 0xFFFFFFFF, 0, 0) before
// the dispatches it covers and raises when count ≠ 0 (src/nn/heads.ts, decodeMaskErrors): the
// layout and protocol of env_step_common.wgsl's ActionErrors.
struct MaskErrors {
  // How many rows allowed no action since the block was last cleared.
  count: atomic<u32>,
  // The lowest such row (0xFFFFFFFF when none): atomicMin makes it independent of invocation order.
  first_row: atomic<u32>,
  pad0: u32,
  pad1: u32,
}

// True when the mask is read (MASKED = 1) and allows none of the row's actions. Without a mask a
// logit equal to CATEGORICAL_MASKED_LOGIT is only a very unlikely action, not an error.
fn categorical_allows_none(row: ptr<function, CategoricalRow>) -> bool {
  if (MASKED == 0u) {
    return false;
  }
  for (var a = 0u; a < ACTIONS; a += 1u) {
    if (!categorical_is_masked((*row)[a])) {
      return false;
    }
  }
  return true;
}

// log Σ_j exp(l_j) over the allowed actions, as max + log Σ exp(l_j - max). log p_a = l_a - m - s
// with (m, s) = (x, y) of the result: subtracting the max before the log keeps log p accurate when
// the logits are large.
fn categorical_log_normaliser(row: ptr<function, CategoricalRow>) -> vec2f {
  var max_logit = CATEGORICAL_MASKED_LOGIT;
  for (var a = 0u; a < ACTIONS; a += 1u) {
    if (!categorical_is_masked((*row)[a])) {
      max_logit = max(max_logit, (*row)[a]);
    }
  }
  var total = 0.0;
  for (var a = 0u; a < ACTIONS; a += 1u) {
    if (!categorical_is_masked((*row)[a])) {
      total += exp((*row)[a] - max_logit);
    }
  }
  return vec2f(max_logit, log(total));
}

fn categorical_log_prob(row: ptr<function, CategoricalRow>, normaliser: vec2f, action: u32) -> f32 {
  return ((*row)[action] - normaliser.x) - normaliser.y;
}

// H = -Σ p_a log p_a over the allowed actions.
fn categorical_entropy(row: ptr<function, CategoricalRow>, normaliser: vec2f) -> f32 {
  var entropy = 0.0;
  for (var a = 0u; a < ACTIONS; a += 1u) {
    if (!categorical_is_masked((*row)[a])) {
      let log_p = categorical_log_prob(row, normaliser, a);
      entropy -= exp(log_p) * log_p;
    }
  }
  return entropy;
}

// Row r of the including kernel's `logits` binding, masked through its `mask` binding.
fn categorical_load_row(r: u32) -> CategoricalRow {
  var row: CategoricalRow;
  for (var a = 0u; a < ACTIONS; a += 1u) {
    row[a] = logits[r * LOGITS_STRIDE + LOGITS_OFFSET + a];
    if (MASKED != 0u && mask[r * ACTIONS + a] == 0u) {
      row[a] = CATEGORICAL_MASKED_LOGIT;
    }
  }
  return row;
}

// log p(action), or CATEGORICAL_MASKED_LOGIT ("log 0") for an action that is masked or not below
// ACTIONS: a caller's bug that shows up as a huge negative number rather than a read out of range.
fn categorical_log_prob_checked(row: ptr<function, CategoricalRow>, normaliser: vec2f, action: u32) -> f32 {
  if (action >= ACTIONS || categorical_is_masked((*row)[min(action, ACTIONS - 1u)])) {
    return CATEGORICAL_MASKED_LOGIT;
  }
  return categorical_log_prob(row, normaliser, action);
}
