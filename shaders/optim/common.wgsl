// Include-only: the optimiser's records, shared by optim.prepare_step and the update kernels
// (src/nn/optimizer-kernels.ts mirrors these layouts; change both together).

// Hyperparameters, written once when the optimiser is created. (1 − β) is computed in float64 on
// the host and rounded once: 1 − f32(0.999) would carry a relative error of 1.3e-5.
struct OptimParams {
  beta1: f32,
  beta2: f32,
  one_minus_beta1: f32,
  one_minus_beta2: f32,
  epsilon: f32,
  // ≤ 0: no clipping.
  max_grad_norm: f32,
}

// Per-agent optimiser state, advanced on the GPU by optim.prepare_step for active agents only.
// bias_correction_k = 1 − β_k^step (0 before the first step).
struct AgentState {
  step: u32,
  bias_correction1: f32,
  bias_correction2: f32,
}

// What the update kernels need per agent for this step, written by optim.prepare_step.
struct StepCoefficients {
  // 0: leave this agent's parameters and moments untouched.
  enabled: u32,
  // min(1, max_grad_norm / (‖g‖₂ + 1e-6)), or 1 without clipping.
  clip_scale: f32,
  learning_rate: f32,
  // Adam: lr / (1 − β1^t).
  step_size: f32,
  // Adam: 1 / √(1 − β2^t).
  inv_sqrt_bias_correction2: f32,
}
