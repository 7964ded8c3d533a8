// Per-(t, n) statistics terms of a rollout [T][N] (time-major, element (t, n) at t·N + n), for the
// segmented moments reduction (src/gpu/reduce.ts) to reduce per agent. Output layout [T][4][N]:
// term k of (t, n) at (t·4 + k)·N + n, so agent g's segment of term k is, in every row t, the N/G
// consecutive words from (t·4 + k)·N + g·N/G (one strided reduction covers all 4·G segments):
//   0 returns R[t][n] (the value targets)
//   1 R − V (NaN without a critic: HAS_CRITIC 0; `values` is then never read)
//   2 the finished episode's return where the episode ended at step t, else NaN (skipped)
//   3 its length (f32), else NaN
// Done convention: the episode ended AT step t when terminated[t][n] or truncated[t][n]; the env
// wrapper writes that episode's return and length at (t, n). One invocation per (t, n).

override WORKGROUP_SIZE: u32 = 64u;
override STEPS: u32;
override ENVS: u32;
override HAS_CRITIC: u32 = 1u;

const ROLLOUT_TERMS: u32 = 4u;

@group(0) @binding(0) var<storage, read> returns: array<f32>;
@group(0) @binding(1) var<storage, read> values: array<f32>;
@group(0) @binding(2) var<storage, read> terminated: array<u32>;
@group(0) @binding(3) var<storage, read> truncated: array<u32>;
@group(0) @binding(4) var<storage, read> episode_returns: array<f32>;
@group(0) @binding(5) var<storage, read> episode_lengths: array<u32>;
@group(0) @binding(6) var<storage, read_write> rollout_terms: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= STEPS * ENVS) {
    return;
  }
  let t = i / ENVS;
  let n = i % ENVS;
  // A quiet NaN built at run time: the reduction skips it; a constant NaN is not valid WGSL.
  let no_value = bitcast<f32>(0x7fc00000u + n * 0u);
  let base = t * ROLLOUT_TERMS * ENVS + n;
  let target_value = returns[i];
  rollout_terms[base] = target_value;
  var residual = no_value;
  if (HAS_CRITIC != 0u) {
    residual = target_value - values[i];
  }
  rollout_terms[base + ENVS] = residual;
  let done = terminated[i] != 0u || truncated[i] != 0u;
  rollout_terms[base + 2u * ENVS] = select(no_value, episode_returns[i], done);
  rollout_terms[base + 3u * ENVS] = select(no_value, f32(episode_lengths[i]), done);
}
