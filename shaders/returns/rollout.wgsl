// Include-only: the rollout's shape and done convention, shared by the returns kernels.
//
// A rollout is time-major [T][N]: element (t, n) at t·N + n. Env n belongs to agent
// n / ENVS_PER_AGENT; discounts[agent] = (γ, λ).
// Done convention: the episode ended AT step t when terminated[t][n] or truncated[t][n]; s_{t+1}
// then belongs to a new episode. Terminated → no bootstrap (value 0 after it; terminated wins when
// both flags are set). Truncated → bootstrap from final_values[t][n] = V(final pre-reset obs).
// Rollout end (t = T − 1, not done) → bootstrap from last_values[n] = V(s_T) when a critic exists,
// else 0.

override STEPS: u32;
override ENVS: u32;
override ENVS_PER_AGENT: u32;

fn agent_of(n: u32) -> u32 {
  return n / ENVS_PER_AGENT;
}
