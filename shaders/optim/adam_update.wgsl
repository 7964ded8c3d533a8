// Adam, as torch.optim.Adam (no weight decay, no amsgrad), over [AGENTS][PARAMETERS_PER_AGENT]:
//   g ← clip_scale·g;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
//   θ ← θ − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε).
// Per-agent clip_scale, lr and bias corrections come from optim.prepare_step (coefficients);
// an inactive agent's θ, m and v are not touched. Gradients are read, never scaled in place.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override PARAMETERS_PER_AGENT: u32;

@group(0) @binding(0) var<uniform> params: OptimParams;
@group(0) @binding(1) var<storage, read> coefficients: array<StepCoefficients>;
@group(0) @binding(2) var<storage, read> gradients: array<f32>;
@group(0) @binding(3) var<storage, read_write> parameters: array<f32>;
@group(0) @binding(4) var<storage, read_write> first_moment: array<f32>;
@group(0) @binding(5) var<storage, read_write> second_moment: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= AGENTS * PARAMETERS_PER_AGENT) {
    return;
  }
  let c = coefficients[i / PARAMETERS_PER_AGENT];
  if (c.enabled == 0u) {
    return;
  }
  let g = c.clip_scale * gradients[i];
  let m = params.beta1 * first_moment[i] + params.one_minus_beta1 * g;
  let v = params.beta2 * second_moment[i] + params.one_minus_beta2 * g * g;
  first_moment[i] = m;
  second_moment[i] = v;
  parameters[i] -= c.step_size * m / (sqrt(v) * c.inv_sqrt_bias_correction2 + params.epsilon);
}
