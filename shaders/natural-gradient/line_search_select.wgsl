// TRPO's line search, the choice, one invocation per agent: the first candidate k (largest step
// first) whose mean surrogate improvement is > 0 and whose mean KL(π_old ‖ π_θk) is ≤ MAX_KL, as in
// SpinningUp's trpo.py (kl ≤ δ and the loss did not rise) with TRPO's strict improvement; every
// mean must be over all ROWS_PER_AGENT rows with none non-finite. The result record (LINE_SEARCH
// in src/algos/trpo/kernels.ts) says which was taken, or −1 when none was (θ is then kept).
// `moments` holds the segmented means of line_search_terms: segment c (candidate c = g·K + k) the
// improvement, segment AGENTS·CANDIDATES + c the KL.

override WORKGROUP_SIZE: u32 = 1u;
override AGENTS: u32;
override CANDIDATES: u32;
override ROWS_PER_AGENT: u32;
override MAX_KL: f32 = 0.01;
override BACKTRACK: f32 = 0.5;

@group(0) @binding(0) var<storage, read> moments: array<Moments>;
@group(0) @binding(1) var<storage, read> scalars: array<CgScalars>;
@group(0) @binding(2) var<storage, read_write> result: array<LineSearchResult>;

fn complete(m: Moments) -> bool {
  return m.count == ROWS_PER_AGENT && m.nonfinite == 0u && cg_is_finite(m.mean);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let g = flat_index(global_id, workgroups);
  if (g >= AGENTS) {
    return;
  }
  let kl_base = AGENTS * CANDIDATES;
  var out = LineSearchResult(-1.0, 0.0, 0.0, 0.0, 0.0, 0.0, scalars[g].step_scale, sqrt(max(scalars[g].rr_initial, 0.0)));
  out.full_improvement = moments[g * CANDIDATES].mean;
  out.full_kl = moments[kl_base + g * CANDIDATES].mean;
  var fraction = 1.0;
  for (var k = 0u; k < CANDIDATES; k += 1u) {
    let gain = moments[g * CANDIDATES + k];
    let kl = moments[kl_base + g * CANDIDATES + k];
    // A zero step (step_scale 0) changes nothing: nothing to accept.
    if (scalars[g].step_scale > 0.0 && complete(gain) && complete(kl) && gain.mean > 0.0 && kl.mean <= MAX_KL) {
      out.chosen = f32(k);
      out.step_fraction = fraction;
      out.improvement = gain.mean;
      out.kl = kl.mean;
      break;
    }
    fraction *= BACKTRACK;
  }
  result[g] = out;
}
