// Include-only: running mean and variance of a stream of batches (gymnasium's RunningMeanStd,
// gymnasium/wrappers/utils.py), merged batch by batch with the parallel-variance formula of Chan,
// Golub and LeVeque (1979).
//
// Count. gymnasium starts from count = 1e-4 (mean 0, var 1) and adds each batch's size in float64.
// An f32 count would stop growing exactly past 2^24 ≈ 1.7e7 samples and round the merge weights
// from there on, so the count is kept as an exact u32 number of samples seen, `count`, and the
// prior's 1e-4 is added when the weights are formed: c = f32(count) + 1e-4. The weights are then
// exact to f32 rounding at every count (relative error ~6e-8), and the u32 saturates at 2^32 − 1
// samples per statistic (4.3e9; the weights of later batches are then ≤ 2^-32·B, negligible).
//
// Merge of a batch of b samples with mean m_b and (population) variance v_b into (m, v, c):
//   w = b / (c + b),  w₀ = c / (c + b) = 1 − w,  δ = m_b − m
//   m' = m + δ·w,  v' = v·w₀ + v_b·w + δ²·w₀·w,  c' = c + b
// which is gymnasium's M2 / tot_count with M2 = v·c + v_b·b + δ²·c·b / (c + b), written with
// weights in [0, 1] so that no f32 term grows with the count.

// One statistic: 16 bytes (mean f32, var f32, count u32 samples, padding).
struct RunningMoments {
  mean: f32,
  variance: f32,
  count: u32,
  pad: u32,
}

const RUNNING_MOMENTS_PRIOR_COUNT: f32 = 1e-4;

fn running_moments_merge(old: RunningMoments, batch_mean: f32, batch_variance: f32, batch_count: u32) -> RunningMoments {
  let prior = f32(old.count) + RUNNING_MOMENTS_PRIOR_COUNT;
  let batch = f32(batch_count);
  let total = prior + batch;
  let w = batch / total;
  let w_old = prior / total;
  let delta = batch_mean - old.mean;
  var next = old;
  next.mean = old.mean + delta * w;
  next.variance = old.variance * w_old + batch_variance * w + delta * delta * w_old * w;
  // Saturating: stop at 2^32 − 1 rather than wrap to a small count.
  next.count = select(0xFFFFFFFFu, old.count + batch_count, old.count <= 0xFFFFFFFFu - batch_count);
  return next;
}

// (x − mean) / √(var + ε), clipped to ±clip: NormalizeObservation followed by CleanRL's
// TransformObservation(clip), or NormalizeReward's r / √(var + ε) (mean 0) and TransformReward(clip).
fn running_moments_normalise(x: f32, mean: f32, variance: f32, epsilon: f32, clip: f32) -> f32 {
  return clamp((x - mean) / sqrt(variance + epsilon), -clip, clip);
}
