// TRPO's backtracking line search, candidates: K = CANDIDATES parameter sets per agent,
//   θ_k = θ − BACKTRACK^k · step_scale · x,   k = 0 … K − 1,
// where x ≈ A⁻¹g solves the damped Fisher system for the loss gradient g (conjugate gradient) and
// step_scale = √(2δ / xᵀAx) (cg_scalars.wgsl), so k = 0 is the full step to the KL radius δ.
// Candidate (g, k) is agent g·K + k of the candidate buffer [AGENTS·CANDIDATES][P], so one MLP
// forward with AGENTS·CANDIDATES agents evaluates all of them (the agent dimension: docs/ARCHITECTURE.md).
// One invocation per candidate element.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override PARAMETERS_PER_AGENT: u32;
override CANDIDATES: u32;
override BACKTRACK: f32 = 0.5;

@group(0) @binding(0) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read> direction: array<f32>;
@group(0) @binding(2) var<storage, read> scalars: array<CgScalars>;
@group(0) @binding(3) var<storage, read_write> candidates: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= AGENTS * CANDIDATES * PARAMETERS_PER_AGENT) {
    return;
  }
  let candidate = i / PARAMETERS_PER_AGENT;
  let agent = candidate / CANDIDATES;
  let k = candidate % CANDIDATES;
  let j = agent * PARAMETERS_PER_AGENT + i % PARAMETERS_PER_AGENT;
  // BACKTRACK^k by repeated products: exact for 0.5, and the same bits on every GPU (pow need not be).
  var fraction = scalars[agent].step_scale;
  for (var n = 0u; n < k; n += 1u) {
    fraction *= BACKTRACK;
  }
  candidates[i] = params[j] - fraction * direction[j];
}
