// The categorical row helpers as the engine had them before they streamed the row from memory:
// each kernel copies its row into a function-memory array of MAX_CATEGORIES floats. Kept only for
// bench/measure/categorical-heads.ts, which times this design against
// shaders/nn/categorical_common.wgsl at the sizes where both apply (A ≤ 64).

// The most categories a categorical sample may have (its logits are copied to function memory).
const MAX_CATEGORIES: u32 = 64u;

// Inverse-CDF sampling from softmax(logits[0..count)) with u in (0, 1): the first index whose
// cumulative unnormalised probability exceeds u·Σ. The walk repeats the sum's additions in the same
// order, so it reaches Σ > u·Σ and only an index with nonzero probability can be the first to
// cross; should rounding still let it run off the end, the last index with nonzero probability is
// returned, so a masked logit is never chosen. Mask with a large finite negative logit (e.g.
// -1e30): WGSL lets implementations assume that no infinities occur, so -inf is not portable.
fn sample_categorical(logits: ptr<function, array<f32, MAX_CATEGORIES>>, count: u32, u: f32) -> u32 {
  let n = min(count, MAX_CATEGORIES);
  var max_logit = (*logits)[0];
  for (var i = 1u; i < n; i += 1u) {
    max_logit = max(max_logit, (*logits)[i]);
  }
  var total = 0.0;
  for (var i = 0u; i < n; i += 1u) {
    total += exp((*logits)[i] - max_logit);
  }
  let target_mass = u * total;
  var cumulative = 0.0;
  var last_possible = 0u;
  for (var i = 0u; i < n; i += 1u) {
    let p = exp((*logits)[i] - max_logit);
    if (p > 0.0) {
      last_possible = i;
    }
    cumulative += p;
    if (cumulative > target_mass) {
      return i;
    }
  }
  return last_possible;
}

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
