// Per-agent bookkeeping before an optimiser update; one workgroup per agent.
//  1. ‖g‖₂² = Σ of the agent's CHUNKS partial sums (optim.grad_norm_partial), by a tree; written to
//     grad_norm_squared (a statistic too). CHUNKS = 0 when the norm is not computed: skipped.
//  2. clip_scale = min(1, max_grad_norm / (‖g‖₂ + 1e-6)) as torch.nn.utils.clip_grad_norm_, when
//     max_grad_norm > 0 and the norm was computed; else 1.
//  3. For an active agent (active_flags[agent] ≠ 0): step += 1 and the bias corrections advance; an
//     inactive agent's state is left as it was. Keeping t on the GPU lets many updates be encoded
//     in one submit, and lets GPU kernels (KL early stop, NaN guard) switch agents off.
//  4. coefficients[agent] gets what the update kernels need, with learning_rate read now from a
//     buffer, so a schedule (or a per-agent sweep) needs no pipeline rebuild.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
// Partial sums per agent in partial_sums; 0 = no norm this step.
override CHUNKS: u32;

@group(0) @binding(0) var<uniform> params: OptimParams;
@group(0) @binding(1) var<storage, read> partial_sums: array<f32>;
@group(0) @binding(2) var<storage, read> learning_rate: array<f32>;
@group(0) @binding(3) var<storage, read> active_flags: array<u32>;
@group(0) @binding(4) var<storage, read_write> agent_state: array<AgentState>;
@group(0) @binding(5) var<storage, read_write> grad_norm_squared: array<f32>;
@group(0) @binding(6) var<storage, read_write> coefficients: array<StepCoefficients>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let agent = workgroup_index(workgroup_id, workgroups);
  if (agent >= AGENTS) {
    return;
  }
  var sum = 0.0;
  for (var c = local_index; c < CHUNKS; c += WORKGROUP_SIZE) {
    sum += partial_sums[agent * CHUNKS + c];
  }
  let squared_norm = workgroup_sum(sum, local_index);
  if (local_index != 0u) {
    return;
  }

  var clip_scale = 1.0;
  if (CHUNKS > 0u) {
    grad_norm_squared[agent] = squared_norm;
    if (params.max_grad_norm > 0.0) {
      clip_scale = min(1.0, params.max_grad_norm / (sqrt(squared_norm) + 1e-6));
    }
  }

  let lr = learning_rate[agent];
  var out = StepCoefficients(0u, clip_scale, lr, 0.0, 0.0);
  if (active_flags[agent] != 0u) {
    var state = agent_state[agent];
    state.step += 1u;
    // c(t) = 1 − β^t by c(t) = (1 − β) + β·c(t − 1), c(0) = 0: sums and products of positive
    // terms, accurate to a few ulp for every t. (pow(β2, t) in f32 would lose ~1e-4 of
    // 1 − β2^t = 1e-3 at t = 1: WGSL's pow is only as accurate as exp2(t·log2 β).)
    state.bias_correction1 = params.one_minus_beta1 + params.beta1 * state.bias_correction1;
    state.bias_correction2 = params.one_minus_beta2 + params.beta2 * state.bias_correction2;
    agent_state[agent] = state;
    out.enabled = 1u;
    out.step_size = lr / state.bias_correction1;
    out.inv_sqrt_bias_correction2 = inverseSqrt(state.bias_correction2);
  }
  coefficients[agent] = out;
}
