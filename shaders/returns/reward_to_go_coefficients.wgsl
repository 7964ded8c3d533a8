// Reward-to-go as an affine recurrence over time, one invocation per (t, n):
//   G_t = b_t + a_t·G_{t+1},  G_T = 0,
//   b_t = r_t + γ·bootstrap_t,  a_t = γ·(1 − done_t) (0 at t = T − 1),
// bootstrap_t = final_values[t][n] on truncation, last_values[n] at the rollout's end when not done,
// else 0 (and always 0 without a critic, CRITIC = 0: final_values and last_values are then never
// read; bind any buffer). coefficients[t·N + n] = (a_t, b_t) feeds returns.scan_* (REVERSE = 1).
// See returns/rollout.wgsl for the done convention.

override WORKGROUP_SIZE: u32 = 64u;
override CRITIC: u32 = 0u;

@group(0) @binding(0) var<storage, read> discounts: array<vec2f>;
@group(0) @binding(1) var<storage, read> rewards: array<f32>;
@group(0) @binding(2) var<storage, read> terminated: array<u32>;
@group(0) @binding(3) var<storage, read> truncated: array<u32>;
@group(0) @binding(4) var<storage, read> final_values: array<f32>;
@group(0) @binding(5) var<storage, read> last_values: array<f32>;
@group(0) @binding(6) var<storage, read_write> coefficients: array<vec2f>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= STEPS * ENVS) {
    return;
  }
  let t = i / ENVS;
  let n = i % ENVS;
  let gamma = discounts[agent_of(n)].x;
  let is_terminated = terminated[i] != 0u;
  let is_truncated = truncated[i] != 0u && !is_terminated;
  let done = is_terminated || is_truncated;
  let last = t == STEPS - 1u;
  var bootstrap = 0.0;
  if (CRITIC != 0u) {
    if (is_truncated) {
      bootstrap = final_values[i];
    } else if (last && !done) {
      bootstrap = last_values[n];
    }
  }
  let a = select(gamma, 0.0, done || last);
  coefficients[i] = vec2f(a, rewards[i] + gamma * bootstrap);
}
