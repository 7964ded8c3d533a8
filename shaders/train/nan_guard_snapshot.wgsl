// Stage 3 of the NaN guard (src/train/nan-guard.ts): the last good snapshot. Copies one agent-major
// buffer [AGENTS][WORDS_PER_AGENT] (parameters, or optimiser state such as Adam's moments) into its
// snapshot, word by word as bits, for the agents that train.nan_guard_verdict found healthy
// (guard_state word 1 = 0). A poisoned agent's snapshot keeps its last good state for good.
// One invocation per word.

override WORKGROUP_SIZE: u32 = 256u;
override AGENTS: u32;
override WORDS_PER_AGENT: u32;
override STATE_WORDS: u32 = 4u;

@group(0) @binding(0) var<storage, read> guard_state: array<u32>;
@group(0) @binding(1) var<storage, read> source: array<u32>;
@group(0) @binding(2) var<storage, read_write> snapshot: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= AGENTS * WORDS_PER_AGENT) {
    return;
  }
  let agent = i / WORDS_PER_AGENT;
  if (guard_state[agent * STATE_WORDS + 1u] == 0u) {
    snapshot[i] = source[i];
  }
}
