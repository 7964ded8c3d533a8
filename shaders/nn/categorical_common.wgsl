// Include-only: the categorical policy head on one row of logits (needs common/dispatch.wgsl).
//
// Rows are agent-major (G agents × B rows). Logit (r, a) of the network output is
// logits[r·LOGITS_STRIDE + LOGITS_OFFSET + a]: the logits may be a slice of a wider output. The
// optional mask is u32, 1 = allowed, 0 = masked, entry (r, a) at mask[r·MASK_STRIDE + MASK_OFFSET + a]
// (dense [ROWS][ACTIONS] when MASK_STRIDE = ACTIONS; one branch's slice of a multi-discrete mask
// row otherwise). A masked action
// has probability exactly 0 and gets exactly zero gradient. A row that allows no action has no
// distribution: the kernels that choose actions (categorical_sample.wgsl,
// agent/categorical_argmax.wgsl) record it in a MaskErrors block (below) for the host to raise;
// the others give it log p = CATEGORICAL_MASKED_LOGIT, entropy 0, KL 0 and zero gradient.
//
// The helpers stream a row from the including kernel's `logits` and `mask` bindings, one element at
// a time, rather than copying it into function memory: with up to MAX_DISCRETE_ACTIONS (1 024,
// src/rng/categories.ts) actions a private copy would not fit in registers on a real GPU and would
// spill to slow local memory. One pass gives the softmax normaliser and the entropy together (the
// online normaliser of Milakov & Gimelshein 2018, "Online normalizer calculation for softmax",
// arXiv:1805.02867); a kernel then reads the row again only where it needs each p_a (sampling, the
// gradients). categorical_logit reads a masked entry as CATEGORICAL_MASKED_LOGIT, a large finite
// negative logit (WGSL does not promise -inf arithmetic), and every helper skips that value
// explicitly, so a masked entry contributes nothing even where exp would not underflow to 0.

override ROWS: u32;
// 1 ≤ ACTIONS ≤ MAX_DISCRETE_ACTIONS (checked in src/nn/heads.ts).
override ACTIONS: u32;
override LOGITS_STRIDE: u32;
override LOGITS_OFFSET: u32 = 0u;
// Where row r's mask starts: a multi-discrete head runs once per branch, each over its own slice of
// the logits and of the mask row (src/nn/heads-multi-discrete.ts).
override MASK_STRIDE: u32;
override MASK_OFFSET: u32 = 0u;
// 1: read the mask binding; 0: every action allowed, and the mask binding is never read.
override MASKED: u32 = 0u;

const CATEGORICAL_MASKED_LOGIT: f32 = -1e30;

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

// Logit a of row r of the including kernel's `logits` binding, or CATEGORICAL_MASKED_LOGIT where
// its `mask` binding forbids a.
fn categorical_logit(r: u32, a: u32) -> f32 {
  if (MASKED != 0u && mask[r * MASK_STRIDE + MASK_OFFSET + a] == 0u) {
    return CATEGORICAL_MASKED_LOGIT;
  }
  return logits[r * LOGITS_STRIDE + LOGITS_OFFSET + a];
}

// Softmax sums over the allowed logits seen so far, relative to the largest of them, m:
//   total = Σ exp(l - m),  weighted = Σ exp(l - m)·(l - m).
// total is 0 until an allowed logit is seen and at least 1 after (the max contributes exp(0)).
struct CategoricalSums {
  max_logit: f32,
  total: f32,
  weighted: f32,
}

fn categorical_sums_empty() -> CategoricalSums {
  return CategoricalSums(CATEGORICAL_MASKED_LOGIT, 0.0, 0.0);
}

// Adds one logit (skipped when masked). A new max m' rescales what is there by exp(m - m'):
// Σ e^(l-m')·(l-m') = e^(m-m')·Σ e^(l-m)·((l-m) + (m-m')), so weighted picks up (m - m')·total.
fn categorical_sums_add(sums: ptr<function, CategoricalSums>, logit: f32) {
  if (categorical_is_masked(logit)) {
    return;
  }
  if ((*sums).total == 0.0) {
    *sums = CategoricalSums(logit, 1.0, 0.0);
  } else if (logit > (*sums).max_logit) {
    let shift = (*sums).max_logit - logit;
    let scale = exp(shift);
    *sums = CategoricalSums(logit, scale * (*sums).total + 1.0, scale * ((*sums).weighted + shift * (*sums).total));
  } else {
    let offset = logit - (*sums).max_logit;
    let weight = exp(offset);
    (*sums).total += weight;
    (*sums).weighted += weight * offset;
  }
}

// The sums of row r, in one pass over it.
fn categorical_row_sums(r: u32) -> CategoricalSums {
  var sums = categorical_sums_empty();
  for (var a = 0u; a < ACTIONS; a += 1u) {
    categorical_sums_add(&sums, categorical_logit(r, a));
  }
  return sums;
}

// True when the row allows none of its actions. With a mask (MASKED = 1) that is the error the
// choosing kernels record; without one it is only a row of nothing but CATEGORICAL_MASKED_LOGIT,
// which they give action 0 and log p = CATEGORICAL_MASKED_LOGIT without recording it.
fn categorical_allows_none(sums: CategoricalSums) -> bool {
  return sums.total == 0.0;
}

// (m, log Σ exp(l - m)): log p_a = (l_a - m) - log Σ. Subtracting the max before the log keeps log p
// accurate when the logits are large. Unused by the helpers for a row that allows nothing.
fn categorical_log_normaliser(sums: CategoricalSums) -> vec2f {
  return vec2f(sums.max_logit, log(sums.total));
}

fn categorical_log_prob(logit: f32, normaliser: vec2f) -> f32 {
  return (logit - normaliser.x) - normaliser.y;
}

// H = -Σ p_a log p_a over the allowed actions = log Σ - weighted / Σ (log p_a = (l_a - m) - log Σ);
// 0 for a row that allows nothing.
fn categorical_entropy(sums: CategoricalSums) -> f32 {
  if (sums.total == 0.0) {
    return 0.0;
  }
  return log(sums.total) - sums.weighted / sums.total;
}

// log p(action) of row r, or CATEGORICAL_MASKED_LOGIT ("log 0") for an action that is masked or not
// below ACTIONS: a caller's bug that shows up as a huge negative number rather than a read out of
// range.
fn categorical_log_prob_checked(r: u32, normaliser: vec2f, action: u32) -> f32 {
  if (action >= ACTIONS) {
    return CATEGORICAL_MASKED_LOGIT;
  }
  let logit = categorical_logit(r, action);
  if (categorical_is_masked(logit)) {
    return CATEGORICAL_MASKED_LOGIT;
  }
  return categorical_log_prob(logit, normaliser);
}

// Inverse-CDF sample of row r with u in (0, 1): the first allowed action whose cumulative
// unnormalised probability exceeds u·Σ (sums from categorical_row_sums). Σ was accumulated with
// rescalings the walk does not repeat, so rounding may leave the walk just short of u·Σ; it then
// returns the last action with nonzero probability. An action with p = 0 (masked, or underflowed)
// never adds to the walk, so it is never the first to cross. Needs a row that allows an action.
fn categorical_sample_row(r: u32, sums: CategoricalSums, u: f32) -> u32 {
  let target_mass = u * sums.total;
  var cumulative = 0.0;
  var last_possible = 0u;
  for (var a = 0u; a < ACTIONS; a += 1u) {
    let logit = categorical_logit(r, a);
    if (categorical_is_masked(logit)) {
      continue;
    }
    let p = exp(logit - sums.max_logit);
    if (p > 0.0) {
      last_possible = a;
    }
    cumulative += p;
    if (cumulative > target_mass) {
      return a;
    }
  }
  return last_possible;
}
