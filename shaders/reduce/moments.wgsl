// Include-only: moments of a set of f32 values and their deterministic combination in a workgroup
// tree. A Moments record summarises a set of values: how many were finite (NaN and ±Inf are
// skipped and counted apart), Σx and Σx² as plain tree sums, and mean and M2 = Σ(x − mean)² by
// Chan, Golub & LeVeque's pairwise update
//   δ = mean_b − mean_a,  mean = mean_a + δ·n_b/n,  M2 = M2_a + M2_b + δ²·n_a·n_b/n,
// which never forms Σx² − (Σx)²/n. Its M2 is still first-order sensitive to the rounding of the
// sub-means (about 1e-4 relative at mean/std = 1e4), so the second pass (reduce.deviations_*)
// recomputes mean and M2 from Σ(x − mean) and Σ(x − mean)² about this pass's mean. The same record
// is the per-segment output (src/gpu/reduce.ts decodes it). reduce/moments_workgroup.wgsl combines
// the records of a workgroup.

struct Moments {
  count: u32,       // finite values
  nonfinite: u32,   // NaN or ±Inf values, skipped
  sum: f32,         // Σx over finite values
  sum_squares: f32, // Σx²
  mean: f32,
  m2: f32,          // Σ(x − mean)²
  min: f32,         // ±3.4e38 sentinels while count = 0 (finalise writes 0 then)
  max: f32,
}

const MOMENTS_BIG: f32 = 3.4e38;

fn moments_empty() -> Moments {
  return Moments(0u, 0u, 0.0, 0.0, 0.0, 0.0, MOMENTS_BIG, -MOMENTS_BIG);
}

// Exponent bits all ones: Inf or NaN. Tested on the bits because a compiler may assume x == x.
fn is_finite_f32(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

fn moments_of(x: f32) -> Moments {
  if (!is_finite_f32(x)) {
    var m = moments_empty();
    m.nonfinite = 1u;
    return m;
  }
  return Moments(1u, 0u, x, x * x, x, 0.0, x, x);
}

fn moments_combine(a: Moments, b: Moments) -> Moments {
  var r: Moments;
  r.count = a.count + b.count;
  r.nonfinite = a.nonfinite + b.nonfinite;
  r.sum = a.sum + b.sum;
  r.sum_squares = a.sum_squares + b.sum_squares;
  r.min = min(a.min, b.min);
  r.max = max(a.max, b.max);
  if (a.count == 0u) {
    r.mean = b.mean;
    r.m2 = b.m2;
  } else if (b.count == 0u) {
    r.mean = a.mean;
    r.m2 = a.m2;
  } else {
    let delta = b.mean - a.mean;
    let weight_b = f32(b.count) / f32(r.count);
    r.mean = a.mean + delta * weight_b;
    r.m2 = a.m2 + b.m2 + delta * delta * f32(a.count) * weight_b;
  }
  return r;
}
