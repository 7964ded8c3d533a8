// Include-only: the k3 estimator of KL(π_old ‖ π) from one sample's log-ratio (Schulman's
// "Approximating KL divergence"), shared by the surrogate and the KL controls.
//
// k3 = (r − 1) − log r = expm1(x) − x for x = log r, without the cancellation of exp(x) − 1 − x near
// x = 0 (where approx_kl lives): a Taylor series through x⁹ for |x| < 0.5 (truncation < 3e-9
// relative), the direct form beyond (cancellation < 2e-6 relative there).
fn approx_kl_k3(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    let tail = 1.0 / 5040.0 + x * (1.0 / 40320.0 + x * (1.0 / 362880.0));
    return x * x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x * (1.0 / 720.0 + x * tail)))));
  }
  return (exp(x) - 1.0) - x;
}
