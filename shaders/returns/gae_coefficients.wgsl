// GAE(λ) as an affine recurrence over time, one invocation per (t, n):
//   δ_t = r_t + γ·V_next·(1 − terminated_t) − V_t,
//   V_next = final_values[t][n] on truncation, last_values[n] at t = T − 1, values[t+1][n] otherwise,
//   A_t = δ_t + γλ·(1 − done_t)·A_{t+1},  A_T = 0,
// so coefficients[t·N + n] = (a_t, b_t) = (γλ(1 − done_t), δ_t) feeds returns.scan_* (REVERSE = 1).
// Schulman et al. 2016, eq. 16; CleanRL's loop with truncation bootstrapped. The critic target is
// A + V (returns.add_values). See returns/rollout.wgsl for the done convention.

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> discounts: array<vec2f>;
@group(0) @binding(1) var<storage, read> rewards: array<f32>;
@group(0) @binding(2) var<storage, read> terminated: array<u32>;
@group(0) @binding(3) var<storage, read> truncated: array<u32>;
@group(0) @binding(4) var<storage, read> values: array<f32>;
@group(0) @binding(5) var<storage, read> final_values: array<f32>;
@group(0) @binding(6) var<storage, read> last_values: array<f32>;
@group(0) @binding(7) var<storage, read_write> coefficients: array<vec2f>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= STEPS * ENVS) {
    return;
  }
  let t = i / ENVS;
  let n = i % ENVS;
  let discount = discounts[agent_of(n)];
  let gamma = discount.x;
  let is_terminated = terminated[i] != 0u;
  let is_truncated = truncated[i] != 0u && !is_terminated;
  let done = is_terminated || is_truncated;
  var next_value = 0.0;
  if (is_truncated) {
    next_value = final_values[i];
  } else if (!is_terminated) {
    if (t == STEPS - 1u) {
      next_value = last_values[n];
    } else {
      next_value = values[i + ENVS];
    }
  }
  let delta = rewards[i] + gamma * next_value - values[i];
  coefficients[i] = vec2f(select(gamma * discount.y, 0.0, done), delta);
}
