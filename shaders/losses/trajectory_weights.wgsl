// Trajectory-level importance weights over a rollout [T][N] (time-major, element (t, n) at t·N + n),
// for the off-policy surrogate's `trajectory` objective (surrogate.wgsl OBJECTIVE 4).
//
// Done convention: the episode ended AT step t when terminated[t][n] or truncated[t][n]; s_{t+1} then
// belongs to a new episode. A trajectory segment of env n is a maximal run of steps s..e with no done
// at s..e−1 that ends at a done step or at t = T−1; a segment starting at t = 0 may have begun in an
// earlier rollout, and only its steps inside this rollout enter. With x_t = log π_new − log π_old:
//   PER_DECISION 0: weights[t][n] = min(exp(Σ_{t' ∈ segment} x_t'), CAP)   (whole-trajectory product)
//   PER_DECISION 1: weights[t][n] = min(exp(Σ_{t' ∈ segment, t' ≤ t} x_t'), CAP)  (per-decision IS)
// HAS_CAP 0: no cap (the product may overflow to +inf; a cap is what keeps its variance finite).
// The sum is in log space with Kahan compensation, so its error does not grow with the segment
// length. One invocation per env walks time forward (reads of neighbouring envs are adjacent).

override WORKGROUP_SIZE: u32 = 64u;
override STEPS: u32;
override ENVS: u32;
override PER_DECISION: u32 = 0u;
override HAS_CAP: u32 = 0u;
override CAP: f32 = 1.0;

@group(0) @binding(0) var<storage, read> log_probs: array<f32>;
@group(0) @binding(1) var<storage, read> old_log_probs: array<f32>;
@group(0) @binding(2) var<storage, read> terminated: array<u32>;
@group(0) @binding(3) var<storage, read> truncated: array<u32>;
@group(0) @binding(4) var<storage, read_write> weights: array<f32>;

fn capped(log_weight: f32) -> f32 {
  let w = exp(log_weight);
  if (HAS_CAP != 0u) {
    return min(w, CAP);
  }
  return w;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let env = flat_index(global_id, workgroups);
  if (env >= ENVS) {
    return;
  }
  var start = 0u;
  var sum = 0.0;
  var compensation = 0.0;
  for (var t = 0u; t < STEPS; t += 1u) {
    let i = t * ENVS + env;
    let y = (log_probs[i] - old_log_probs[i]) - compensation;
    let next = sum + y;
    compensation = (next - sum) - y;
    sum = next;
    if (PER_DECISION != 0u) {
      weights[i] = capped(sum);
    }
    if (terminated[i] != 0u || truncated[i] != 0u || t + 1u == STEPS) {
      if (PER_DECISION == 0u) {
        let w = capped(sum);
        for (var u = start; u <= t; u += 1u) {
          weights[u * ENVS + env] = w;
        }
      }
      start = t + 1u;
      sum = 0.0;
      compensation = 0.0;
    }
  }
}
