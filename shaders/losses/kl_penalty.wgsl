// The KL penalty L = β·mean(KL(π_old ‖ π)) of the KL-penalised surrogate −(r·Â − β·KL) (its −r·Â
// part is surrogate.wgsl's OBJECTIVE 2): kl_grads[row] = ∂L/∂KL[row] = β/M with β the agent's
// kl_beta, read when the kernel runs (an adaptive-KL kernel may have rewritten it on the GPU); the
// KL backward kernels turn it into ∂L/∂logits or ∂L/∂μ, ∂L/∂log σ. Term kl_penalty = β·KL[row].
// One invocation per row (see losses/common.wgsl for the row layout).

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> kl: array<f32>;
@group(0) @binding(1) var<storage, read> coefficients: array<LossCoefficients>;
@group(0) @binding(2) var<storage, read_write> kl_grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> terms: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let row = flat_index(global_id, workgroups);
  if (row >= ROWS) {
    return;
  }
  let beta = coefficients[agent_of_row(row)].kl_beta;
  kl_grads[row] = beta * inverse_rows_per_agent();
  write_term(TERM_KL_PENALTY, row, beta * kl[row]);
}
