// Include-only: the chunking shared by the natural-gradient vector kernels (they sum by
// common/reduce.wgsl and index chunks by common/dispatch.wgsl's workgroup_index). Vectors are [AGENTS][PARAMETERS_PER_AGENT] f32 (an MLP's flat parameter
// layout, padding included: the padding of every vector stays 0, since gradients and products
// never write it). Each agent's vector is cut into CHUNKS chunks of WORKGROUP_SIZE·ITEMS_PER_THREAD
// elements, one workgroup per chunk; element k of invocation j of a chunk is chunk_start +
// k·WORKGROUP_SIZE + j, so neighbouring invocations touch neighbouring words. A kernel writes its
// chunk's partial sum to partials[agent·CHUNKS + chunk]; cg_scalars.wgsl sums an agent's partials
// by a tree. Two stages and no atomics, so every run gives the same bits.

override AGENTS: u32;
override PARAMETERS_PER_AGENT: u32;
// ceil(PARAMETERS_PER_AGENT / (WORKGROUP_SIZE · ITEMS_PER_THREAD)), computed in TypeScript.
override CHUNKS: u32;
override ITEMS_PER_THREAD: u32 = 8u;

// Flat index of item k of this invocation in chunk `group`, or a value ≥ AGENTS·PARAMETERS_PER_AGENT
// past the agent's end (the caller skips it).
fn chunk_item(group: u32, k: u32, local_index: u32) -> u32 {
  let agent = group / CHUNKS;
  let i = (group % CHUNKS) * WORKGROUP_SIZE * ITEMS_PER_THREAD + k * WORKGROUP_SIZE + local_index;
  if (i >= PARAMETERS_PER_AGENT) {
    return AGENTS * PARAMETERS_PER_AGENT;
  }
  return agent * PARAMETERS_PER_AGENT + i;
}
