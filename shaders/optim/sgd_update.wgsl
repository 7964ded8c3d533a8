// Plain SGD (no momentum) over [AGENTS][PARAMETERS_PER_AGENT]: θ ← θ − lr·clip_scale·g, with the
// per-agent lr and clip_scale from optim.prepare_step (coefficients); an inactive agent's θ is
// not touched.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override PARAMETERS_PER_AGENT: u32;

@group(0) @binding(0) var<storage, read> coefficients: array<StepCoefficients>;
@group(0) @binding(1) var<storage, read> gradients: array<f32>;
@group(0) @binding(2) var<storage, read_write> parameters: array<f32>;

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
  parameters[i] -= c.learning_rate * c.clip_scale * gradients[i];
}
