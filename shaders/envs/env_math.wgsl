// Include-only: sin and cos accurate to a few f32 ULP, for env bodies (every wrapper kernel
// includes this file before the body).
//
// Why: WGSL bounds the error of the built-in sin and cos only absolutely, by 2^-11 on [−π, π],
// and implementations use that room. SwiftShader's cos(x) is off by ~2e-4 near 0, which moves a
// CartPole step's θ̇ by ~1e-4: far outside the 1e-5 agreement with Gymnasium's float64 that the
// env tests ask for. These are Cephes' single-precision sinf/cosf (S. L. Moshier, Cephes Math
// Library): Cody–Waite reduction by π/2 in three parts, then minimax polynomials on [−π/4, π/4],
// using only +, ·, round and comparisons, whose WGSL precision is exact rounding. Accurate for
// |x| < 2^16·π/2 ≈ 1e5 (k·ENV_PIO2_A is exact while k has at most 16 bits); beyond that, the
// reduction loses precision gracefully, as the built-ins do.

// π/2 split into three parts: ENV_PIO2_A has 8 significant bits, so k·ENV_PIO2_A is exact.
const ENV_PIO2_A: f32 = 1.5703125;
const ENV_PIO2_B: f32 = 4.837512969970703125e-4;
const ENV_PIO2_C: f32 = 7.54978995489188216e-8;
const ENV_TWO_OVER_PI: f32 = 0.636619772367581343;

// sin(r) and cos(r) for r in [−π/4, π/4] (Cephes sinf/cosf polynomials).
fn env_sincos_kernel(r: f32) -> vec2f {
  let z = r * r;
  let s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  let c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  return vec2f(s, c);
}

// vec2f(sin x, cos x).
fn env_sincos(x: f32) -> vec2f {
  let k = round(x * ENV_TWO_OVER_PI);
  let r = ((x - k * ENV_PIO2_A) - k * ENV_PIO2_B) - k * ENV_PIO2_C;
  let sc = env_sincos_kernel(r);
  // x = k·π/2 + r: rotate (sin r, cos r) by k quarter turns. i32(k) & 3 is k mod 4, also for k < 0.
  switch (i32(k) & 3) {
    case 0: {
      return sc;
    }
    case 1: {
      return vec2f(sc.y, -sc.x);
    }
    case 2: {
      return -sc;
    }
    default: {
      return vec2f(-sc.y, sc.x);
    }
  }
}

fn env_sin(x: f32) -> f32 {
  return env_sincos(x).x;
}

fn env_cos(x: f32) -> f32 {
  return env_sincos(x).y;
}
