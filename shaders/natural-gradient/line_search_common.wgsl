// Include-only: one agent's line-search outcome, written by line_search_select.wgsl and read by
// line_search_apply.wgsl and the trainer's report (LINE_SEARCH in src/algos/trpo/kernels.ts
// mirrors the word offsets). f32 words, so the record can be copied into the f32 report block.

struct LineSearchResult {
  chosen: f32,            // k of the accepted candidate, −1 when none
  step_fraction: f32,     // BACKTRACK^k of the accepted candidate, 0 when none
  improvement: f32,       // its mean surrogate improvement, 0 when none
  kl: f32,                // its mean KL(π_old ‖ π_new), 0 when none
  full_improvement: f32,  // the full step's (k = 0) improvement
  full_kl: f32,           // the full step's mean KL
  step_scale: f32,        // √(2δ / xᵀAx) from conjugate gradient
  grad_norm: f32,         // ‖g‖ of the surrogate loss gradient (√ of CG's bᵀb)
}
