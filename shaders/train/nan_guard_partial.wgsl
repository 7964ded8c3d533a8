// Stage 1 of the NaN guard (src/train/nan-guard.ts): how many of each agent's parameters are NaN
// or ±Inf. parameters is [AGENTS][PARAMETERS_PER_AGENT] f32, read as bits: WGSL lets a compiler
// assume floats are finite, so `x != x` may be folded away; an all-ones exponent may not.
// Each agent is cut into CHUNKS chunks of WORKGROUP_SIZE·ITEMS_PER_THREAD words, one workgroup per
// chunk: partial_counts[agent·CHUNKS + chunk] = non-finite words in the chunk. Each invocation counts
// ITEMS_PER_THREAD words (strided by WORKGROUP_SIZE, so neighbours read neighbouring words), then
// the workgroup sums them (common/reduce.wgsl); train.nan_guard_verdict adds the CHUNKS partials of
// each agent.

override WORKGROUP_SIZE: u32 = 256u;
override AGENTS: u32;
override PARAMETERS_PER_AGENT: u32;
// ceil(PARAMETERS_PER_AGENT / (WORKGROUP_SIZE · ITEMS_PER_THREAD)), computed in TypeScript.
override CHUNKS: u32;
override ITEMS_PER_THREAD: u32 = 8u;

@group(0) @binding(0) var<storage, read> parameters: array<u32>;
@group(0) @binding(1) var<storage, read_write> partial_counts: array<u32>;

const EXPONENT_BITS: u32 = 0x7f800000u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) local_index: u32,
) {
  let group = workgroup_index(workgroup_id, workgroups);
  if (group >= AGENTS * CHUNKS) {
    return;
  }
  let agent = group / CHUNKS;
  let chunk_start = (group % CHUNKS) * WORKGROUP_SIZE * ITEMS_PER_THREAD;
  let agent_start = agent * PARAMETERS_PER_AGENT;
  var count = 0u;
  for (var k = 0u; k < ITEMS_PER_THREAD; k += 1u) {
    let i = chunk_start + k * WORKGROUP_SIZE + local_index;
    if (i < PARAMETERS_PER_AGENT && (parameters[agent_start + i] & EXPONENT_BITS) == EXPONENT_BITS) {
      count += 1u;
    }
  }
  let total = workgroup_sum_u32(count, local_index);
  if (local_index == 0u) {
    partial_counts[group] = total;
  }
}
