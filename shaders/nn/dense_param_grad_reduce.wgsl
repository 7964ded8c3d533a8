// Dense layer parameter gradients, stage 2 of 2: sums stage 1's per-chunk partials
// P[g][c][o][k] over the CHUNKS chunks of agent g and stores ∂L/∂W_g[o][k] (k < IN) and ∂L/∂b_g[o]
// (k = IN) at that agent's offsets in the flat gradient buffer (overwriting; padding and extras are
// not touched).
//
// Accuracy: the sum is a fixed tree of fan-in 32 (32 chunks, then 32 blocks of 32, then blocks of
// 1024), evaluated by one invocation. f32 rounding error grows with the depth of additions each
// term passes through, here ≤ CHUNK_ROWS + 3·32 for up to 32³ chunks, instead of the row count of
// a serial sum. One invocation per (agent, parameter): neighbours read neighbouring partials, and
// the order of additions is fixed, so results are deterministic.

override WORKGROUP_SIZE: u32 = 64u;
override IN: u32;
override OUT: u32;
override AGENTS: u32;
override CHUNKS: u32;
override PARAMS_PER_AGENT: u32;
override W_OFFSET: u32;
override B_OFFSET: u32;

const FAN_IN: u32 = 32u;

@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> param_grads: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let cols = IN + 1u;
  let per_agent = OUT * cols;
  let i = flat_index(global_id, workgroups);
  if (i >= AGENTS * per_agent) {
    return;
  }
  let agent = i / per_agent;
  let e = i % per_agent;
  let first = agent * CHUNKS * per_agent + e;

  var total = 0.0;
  for (var c2 = 0u; c2 < CHUNKS; c2 += FAN_IN * FAN_IN) {
    var level2 = 0.0;
    for (var c1 = c2; c1 < min(c2 + FAN_IN * FAN_IN, CHUNKS); c1 += FAN_IN) {
      var level1 = 0.0;
      for (var c = c1; c < min(c1 + FAN_IN, CHUNKS); c += 1u) {
        level1 += partials[first + c * per_agent];
      }
      level2 += level1;
    }
    total += level2;
  }

  let o = e / cols;
  let k = e % cols;
  let base = agent * PARAMS_PER_AGENT;
  if (k < IN) {
    param_grads[base + W_OFFSET + o * IN + k] = total;
  } else {
    param_grads[base + B_OFFSET + o] = total;
  }
}
