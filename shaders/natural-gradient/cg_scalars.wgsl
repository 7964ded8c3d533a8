// Conjugate gradient's scalars, one workgroup per agent: sums the agent's CHUNKS partials (from
// cg_init, dot_partial or cg_update) by a workgroup tree and updates its CgScalars record:
//   MODE_INIT  s = bᵀb:   rr = rr_initial = s, every other word 0
//   MODE_ALPHA s = pᵀAp:  p_ap = s, α = rr / s (0 when s ≤ 0 or not finite: a flat or broken
//                         direction leaves x where it is)
//   MODE_BETA  s = r'ᵀr': β = s / rr (0 when rr = 0), rr = s
//   MODE_STEP  s = xᵀAx:  x_ax = s, step_scale = √(2·MAX_KL / s) (0 when s ≤ 0 or not finite), so
//                         that the quadratic model of the KL, ½·ΔθᵀAΔθ, equals MAX_KL at the full
//                         step Δθ = −step_scale·x (Schulman et al. 2015, appendix C)
// Dispatch AGENTS·WORKGROUP_SIZE invocations.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override CHUNKS: u32;
override MODE: u32;
override MAX_KL: f32 = 0.01;

const MODE_INIT: u32 = 0u;
const MODE_ALPHA: u32 = 1u;
const MODE_BETA: u32 = 2u;
const MODE_STEP: u32 = 3u;

@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> scalars: array<CgScalars>;

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
    sum += partials[agent * CHUNKS + c];
  }
  let s = workgroup_sum(sum, local_index);
  if (local_index != 0u) {
    return;
  }
  var record = scalars[agent];
  switch (MODE) {
    case MODE_INIT: {
      record = CgScalars(s, 0.0, 0.0, 0.0, 0.0, 0.0, s, 0.0);
    }
    case MODE_ALPHA: {
      record.p_ap = s;
      record.alpha = select(0.0, record.rr / s, s > 0.0 && cg_is_finite(s));
    }
    case MODE_BETA: {
      record.beta = select(0.0, s / record.rr, record.rr > 0.0);
      record.rr = s;
    }
    default: {
      record.x_ax = s;
      record.step_scale = select(0.0, sqrt(2.0 * MAX_KL / s), s > 0.0 && cg_is_finite(s));
    }
  }
  scalars[agent] = record;
}
