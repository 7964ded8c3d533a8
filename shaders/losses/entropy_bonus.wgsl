// The entropy bonus L = −c·mean(H): entropy_grads[row] = ∂L/∂H[row] = −c/M with c the agent's
// ent_coef (the head backward kernels turn it into ∂L/∂logits or ∂L/∂log σ); term entropy = H[row].
// One invocation per row (see losses/common.wgsl for the row layout).

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> entropies: array<f32>;
@group(0) @binding(1) var<storage, read> coefficients: array<LossCoefficients>;
@group(0) @binding(2) var<storage, read_write> entropy_grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> terms: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let row = flat_index(global_id, workgroups);
  if (row >= ROWS) {
    return;
  }
  entropy_grads[row] = -coefficients[agent_of_row(row)].entropy * inverse_rows_per_agent();
  write_term(TERM_ENTROPY, row, entropies[row]);
}
