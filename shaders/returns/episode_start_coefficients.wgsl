// The total-return weight R(τ) as a forward affine recurrence, one invocation per (t, n): every step
// takes the reward-to-go of its trajectory's first step in the rollout,
//   y_t = b_t + a_t·y_{t−1},  (a_t, b_t) = (0, G_t) where t starts a trajectory, (1, 0) elsewhere,
// a trajectory starting at t = 0 or after a done step (returns/rollout.wgsl). Feeds returns.scan_*
// with REVERSE = 0. A trajectory cut by the rollout's start is discounted from its first step in the
// rollout; one cut by the rollout's end keeps whatever bootstrap reward_to_go gave it.

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> terminated: array<u32>;
@group(0) @binding(1) var<storage, read> truncated: array<u32>;
@group(0) @binding(2) var<storage, read> reward_to_go: array<f32>;
@group(0) @binding(3) var<storage, read_write> coefficients: array<vec2f>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= STEPS * ENVS) {
    return;
  }
  var starts = i < ENVS;
  if (!starts) {
    starts = terminated[i - ENVS] != 0u || truncated[i - ENVS] != 0u;
  }
  coefficients[i] = select(vec2f(1.0, 0.0), vec2f(0.0, reward_to_go[i]), starts);
}
