// Include-only: a per-row output of a categorical kernel (log p, entropy, KL) overwritten, or with
// ACCUMULATE = 1 added to what is there. A multi-discrete head dispatches the kernel once per
// branch, the first overwriting and the others adding, so the buffer ends holding the sums over
// branches: log π(a|s) = Σ_b log π_b(a_b|s), H = Σ_b H_b, KL = Σ_b KL_b (the branches are
// independent).

override ACCUMULATE: u32 = 0u;

fn categorical_accumulated(value: f32, previous: f32) -> f32 {
  return select(value, previous + value, ACCUMULATE != 0u);
}
