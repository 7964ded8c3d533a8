// Include-only: the old distribution of a categorical KL kernel (needs categorical_common.wgsl).
// Old logit (r, a) is old_logits[r·OLD_LOGITS_STRIDE + OLD_LOGITS_OFFSET + a], under the new row's
// mask: q and p share their allowed actions.

override OLD_LOGITS_STRIDE: u32;
override OLD_LOGITS_OFFSET: u32 = 0u;

// Old logit a of row r, or CATEGORICAL_MASKED_LOGIT where the new logit `logit` is masked.
fn kl_old_logit(r: u32, a: u32, logit: f32) -> f32 {
  if (categorical_is_masked(logit)) {
    return CATEGORICAL_MASKED_LOGIT;
  }
  return old_logits[r * OLD_LOGITS_STRIDE + OLD_LOGITS_OFFSET + a];
}

// The sums of the new and the old row r (categorical_row_sums), in one pass over both.
fn kl_row_sums(r: u32, new_sums: ptr<function, CategoricalSums>, old_sums: ptr<function, CategoricalSums>) {
  *new_sums = categorical_sums_empty();
  *old_sums = categorical_sums_empty();
  for (var a = 0u; a < ACTIONS; a += 1u) {
    let logit = categorical_logit(r, a);
    categorical_sums_add(new_sums, logit);
    categorical_sums_add(old_sums, kl_old_logit(r, a, logit));
  }
}
