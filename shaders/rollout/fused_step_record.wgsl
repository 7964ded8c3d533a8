// Include-only: one env's scalars of one fused rollout step (rollout_fused_categorical.wgsl writes
// them, rollout_fused_unpack.wgsl spreads them into the transition fields): 24 bytes, element
// (t, n) at t·N + n.
struct StepRecord {
  log_prob: f32,
  reward: f32,
  terminated: u32,
  truncated: u32,
  episode_return: f32,
  episode_length: u32,
}
