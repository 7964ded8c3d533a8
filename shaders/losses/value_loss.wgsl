// The value loss, scaled by the agent's vf_coef c_v in the gradient (not in the statistic), with
// d = V − R (R = returns[row], the regression target):
//   CLIPPED 0: ℓ = ½d²                                   value_grads[row] = c_v·d/M
//   CLIPPED 1 (CleanRL): V_c = V_old + clip(V − V_old, −ε_v, ε_v), d_c = V_c − R,
//              ℓ = ½ max(d², d_c²);  value_grads[row] = c_v·d/M when d² ≥ d_c², else
//              c_v·d_c·[|V − V_old| ≤ ε_v]/M (clip passes the gradient at its bounds, as torch.clamp)
// Term value_loss = ℓ. One invocation per row (see losses/common.wgsl for the row layout).

override WORKGROUP_SIZE: u32 = 64u;
override CLIPPED: u32 = 0u;

@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read> returns: array<f32>;
@group(0) @binding(2) var<storage, read> old_values: array<f32>;
@group(0) @binding(3) var<storage, read> coefficients: array<LossCoefficients>;
@group(0) @binding(4) var<storage, read_write> value_grads: array<f32>;
@group(0) @binding(5) var<storage, read_write> terms: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let row = flat_index(global_id, workgroups);
  if (row >= ROWS) {
    return;
  }
  let c = coefficients[agent_of_row(row)];
  let value = values[row];
  let target_value = returns[row];
  let d = value - target_value;
  var loss = 0.5 * d * d;
  var d_value = d;
  if (CLIPPED != 0u) {
    let old_value = old_values[row];
    let delta = value - old_value;
    let clipped_error = old_value + clamp(delta, -c.value_clip, c.value_clip) - target_value;
    if (clipped_error * clipped_error > d * d) {
      loss = 0.5 * clipped_error * clipped_error;
      d_value = select(0.0, clipped_error, abs(delta) <= c.value_clip);
    }
  }
  value_grads[row] = c.value * d_value * inverse_rows_per_agent();
  write_term(TERM_VALUE_LOSS, row, loss);
}
