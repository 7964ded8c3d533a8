// The policy surrogate of one minibatch and its gradient w.r.t. each row's log π (the categorical
// and Gaussian backward kernels turn ∂L/∂log π[r] into ∂L/∂logits, ∂L/∂μ, ∂L/∂log σ). With
// x = log π[r] − log π_old[r], r = exp(x), M = ROWS_PER_AGENT, Â = advantages[row]:
//   OBJECTIVE 0 weighted:   ℓ = −w·log π, w = advantages[row] detached  ∂L/∂log π = −w/M
//   OBJECTIVE 1 clone:      ℓ = −log π                                    ∂L/∂log π = −1/M
//   OBJECTIVE 2 importance: ℓ = −r·Â                                      ∂L/∂log π = −r·Â/M
//   OBJECTIVE 3 clip:       ℓ = −min(r·Â, clip(r, 1−ε, 1+ε)·Â)            ∂L/∂log π = −r·Â/M, or exactly
//                           0 when (Â > 0 and r > 1+ε) or (Â < 0 and r < 1−ε); at r = 1 ± ε the
//                           branches are equal and the unclipped gradient is used (strict inequalities)
//   OBJECTIVE 4 trajectory: ℓ = −ρ̄·Â·log π, ρ̄ = trajectory_weights[row] detached  ∂L/∂log π = −ρ̄·Â/M
// Terms: surrogate ℓ, approx_kl k3(x), clipped [|r − 1| > ε], the importance weight w (r for
// importance and clip, ρ̄ for trajectory, else 1) and w². `trajectory_weights` is read only by
// OBJECTIVE 4 (bind any buffer otherwise). One invocation per row.

override WORKGROUP_SIZE: u32 = 64u;
override OBJECTIVE: u32;

@group(0) @binding(0) var<storage, read> log_probs: array<f32>;
@group(0) @binding(1) var<storage, read> old_log_probs: array<f32>;
@group(0) @binding(2) var<storage, read> advantages: array<f32>;
@group(0) @binding(3) var<storage, read> trajectory_weights: array<f32>;
@group(0) @binding(4) var<storage, read> coefficients: array<LossCoefficients>;
@group(0) @binding(5) var<storage, read_write> log_prob_grads: array<f32>;
@group(0) @binding(6) var<storage, read_write> terms: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let row = flat_index(global_id, workgroups);
  if (row >= ROWS) {
    return;
  }
  let eps = coefficients[agent_of_row(row)].clip;
  let log_prob = log_probs[row];
  let log_ratio = log_prob - old_log_probs[row];
  let ratio = exp(log_ratio);
  var loss = 0.0;
  var d_log_prob = 0.0;
  var weight = 1.0;
  switch (OBJECTIVE) {
    case 0u: {
      let w = advantages[row];
      loss = -w * log_prob;
      d_log_prob = -w;
    }
    case 1u: {
      loss = -log_prob;
      d_log_prob = -1.0;
    }
    case 2u: {
      let advantage = advantages[row];
      loss = -ratio * advantage;
      d_log_prob = -ratio * advantage;
      weight = ratio;
    }
    case 3u: {
      let advantage = advantages[row];
      let clipped_ratio = clamp(ratio, 1.0 - eps, 1.0 + eps);
      loss = -min(ratio * advantage, clipped_ratio * advantage);
      let flat = (advantage > 0.0 && ratio > 1.0 + eps) || (advantage < 0.0 && ratio < 1.0 - eps);
      d_log_prob = select(-ratio * advantage, 0.0, flat);
      weight = ratio;
    }
    default: {
      let advantage = advantages[row];
      let rho = trajectory_weights[row];
      loss = -rho * advantage * log_prob;
      d_log_prob = -rho * advantage;
      weight = rho;
    }
  }
  log_prob_grads[row] = d_log_prob * inverse_rows_per_agent();
  write_term(TERM_SURROGATE, row, loss);
  write_term(TERM_APPROX_KL, row, approx_kl_k3(log_ratio));
  write_term(TERM_CLIPPED, row, select(0.0, 1.0, abs(ratio - 1.0) > eps));
  write_term(TERM_WEIGHT, row, weight);
  write_term(TERM_WEIGHT_SQUARED, row, weight * weight);
}
