// TRPO's line search, per-row terms of every candidate, diagonal Gaussian policy: as
// line_search_terms.wgsl (candidate row q of candidate c = g·CANDIDATES + k evaluates batch row
// s = g·ROWS_PER_AGENT + q mod ROWS_PER_AGENT), with π = N(μ, diag e^{2s}), the mean from the
// network and the state-independent log-std s from the parameters' LOG_STD_OFFSET slot:
//   terms[q]     = (ρ − 1)·Â_s,  log ρ = Σ_d [(a−μ_old)²/(2σ_old²) + s_old − (a−μ_k)²/(2σ_k²) − s_k]
//   terms[Q + q] = KL(π_old ‖ π_k) = Σ_d [s_k − s_old + (σ_old² + (μ_old − μ_k)²)/(2σ_k²) − ½]
//                = Σ_d [½·(e^{2u} − 1 − 2u) + ½·(μ_old − μ_k)²/σ_k²],  u = s_old − s_k,
// the second form without the cancellation of the first (whose O(1) terms cancel to the small KL a
// line search compares with δ); the ½·log 2π of each log-density cancels in ρ. means are the candidates' network outputs
// [Q][ACTION_DIMS]; candidates hold θ_k [AGENTS·CANDIDATES][P] (for s_k); old_means [AGENTS·B][D]
// and params θ_old [AGENTS][P] (for s_old); actions f32 [AGENTS·B][D]. One invocation per candidate row.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override CANDIDATES: u32;
override ROWS_PER_AGENT: u32;
override ACTION_DIMS: u32;
override PARAMS_PER_AGENT: u32;
override LOG_STD_OFFSET: u32;

@group(0) @binding(0) var<storage, read> means: array<f32>;
@group(0) @binding(1) var<storage, read> candidates: array<f32>;
@group(0) @binding(2) var<storage, read> old_means: array<f32>;
@group(0) @binding(3) var<storage, read> params: array<f32>;
@group(0) @binding(4) var<storage, read> actions: array<f32>;
@group(0) @binding(5) var<storage, read> advantages: array<f32>;
@group(0) @binding(6) var<storage, read_write> terms: array<f32>;

// e^x − 1 − x: a Taylor series through x⁹ for |x| < 0.5, the direct form beyond (as approx_kl_k3
// in shaders/losses/common.wgsl).
fn expm1_minus_x(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    let tail = 1.0 / 5040.0 + x * (1.0 / 40320.0 + x * (1.0 / 362880.0));
    return x * x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x * (1.0 / 720.0 + x * tail)))));
  }
  return (exp(x) - 1.0) - x;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let rows = AGENTS * CANDIDATES * ROWS_PER_AGENT;
  let q = flat_index(global_id, workgroups);
  if (q >= rows) {
    return;
  }
  let candidate = q / ROWS_PER_AGENT;
  let agent = candidate / CANDIDATES;
  let s = agent * ROWS_PER_AGENT + q % ROWS_PER_AGENT;
  var log_ratio = 0.0;
  var divergence = 0.0;
  for (var d = 0u; d < ACTION_DIMS; d += 1u) {
    let log_std = candidates[candidate * PARAMS_PER_AGENT + LOG_STD_OFFSET + d];
    let old_log_std = params[agent * PARAMS_PER_AGENT + LOG_STD_OFFSET + d];
    let inverse_variance = exp(-2.0 * log_std);
    let old_variance = exp(2.0 * old_log_std);
    let mean = means[q * ACTION_DIMS + d];
    let old_mean = old_means[s * ACTION_DIMS + d];
    let a = actions[s * ACTION_DIMS + d];
    let z_old = a - old_mean;
    let z = a - mean;
    log_ratio += 0.5 * z_old * z_old / old_variance + old_log_std - 0.5 * z * z * inverse_variance - log_std;
    let gap = old_mean - mean;
    divergence += 0.5 * expm1_minus_x(2.0 * (old_log_std - log_std)) + 0.5 * gap * gap * inverse_variance;
  }
  terms[q] = (exp(log_ratio) - 1.0) * advantages[s];
  terms[rows + q] = divergence;
}
