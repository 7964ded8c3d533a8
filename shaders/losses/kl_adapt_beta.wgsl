// The adaptive KL penalty of PPO (Schulman et al. 2017, section 4), decided on the GPU after the
// iteration's statistics: with d the iteration's mean approx_kl (k3 of KL(π_old ‖ π) over every
// minibatch update) and d_targ = TARGET_KL,
//   d < d_targ / 1.5  →  β ← β / 2;      d > d_targ · 1.5  →  β ← β · 2.
// β lives in the agent's LossCoefficients (word KL_BETA_WORD), read by the next iteration's
// KL-penalty kernel; the statistics record of this iteration already holds the β it used. A
// non-finite d leaves β alone (the NaN guard reports it). β stays within [BETA_MIN, BETA_MAX]: in
// f32, halving every quiet iteration would reach 0 after ~150 iterations, and 0 can never double
// back; from BETA_MIN = 2^-16 a growing KL restores β = 1 in 16 iterations. One invocation per agent.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override TARGET_KL: f32;
override STATISTICS_WORDS: u32;
override APPROX_KL_WORD: u32;
override COEFFICIENT_WORDS: u32;
override KL_BETA_WORD: u32;

const BETA_MIN: f32 = 1.0 / 65536.0;
const BETA_MAX: f32 = 65536.0;

@group(0) @binding(0) var<storage, read> statistics: array<f32>;
@group(0) @binding(1) var<storage, read_write> coefficients: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let agent = flat_index(global_id, workgroups);
  if (agent >= AGENTS) {
    return;
  }
  let d = statistics[agent * STATISTICS_WORDS + APPROX_KL_WORD];
  let index = agent * COEFFICIENT_WORDS + KL_BETA_WORD;
  if (d < TARGET_KL / 1.5) {
    coefficients[index] = max(coefficients[index] * 0.5, BETA_MIN);
  } else if (d > TARGET_KL * 1.5) {
    coefficients[index] = min(coefficients[index] * 2.0, BETA_MAX);
  }
}
