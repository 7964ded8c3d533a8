// Include-only: the hidden-layer activations and their slopes, shared by the dense kernels.
// A layer's kind is an override constant (ACT_*), so the switch folds away at pipeline creation.
// Slopes are written through the saved post-activation a = f(z), which is all backward keeps:
//   tanh'(z) = 1 − a²,  relu'(z) = [a > 0] (0 at the kink, as PyTorch),  identity' = 1.

const ACT_IDENTITY: u32 = 0u;
const ACT_TANH: u32 = 1u;
const ACT_RELU: u32 = 2u;

// tanh saturates to ±1 in f32 beyond |z| ≈ 9; clamping first keeps implementations that form
// tanh from exp (sinh/cosh) away from inf/inf = NaN for large |z|.
const TANH_CLAMP: f32 = 15.0;

fn activate(kind: u32, z: vec4f) -> vec4f {
  switch kind {
    case ACT_TANH: {
      return tanh(clamp(z, vec4f(-TANH_CLAMP), vec4f(TANH_CLAMP)));
    }
    case ACT_RELU: {
      return max(z, vec4f(0.0));
    }
    default: {
      return z;
    }
  }
}

fn activation_slope(kind: u32, a: vec4f) -> vec4f {
  switch kind {
    case ACT_TANH: {
      return 1.0 - a * a;
    }
    case ACT_RELU: {
      return select(vec4f(0.0), vec4f(1.0), a > vec4f(0.0));
    }
    default: {
      return vec4f(1.0);
    }
  }
}

// NaN and ±Inf are the f32 values whose exponent bits are all ones. Tested on the bits, because a
// compiler allowed to assume finite math may fold `x != x` to false.
fn is_finite_f32(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}
