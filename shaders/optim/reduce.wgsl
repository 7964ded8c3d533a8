// Include-only: the sum of one f32 per invocation over a workgroup, by a tree in workgroup memory
// (no float atomics in WGSL; a tree's rounding error grows with log2(WORKGROUP_SIZE), a serial
// sum's with its length). Deterministic: the pairing order is fixed. WORKGROUP_SIZE (declared by
// the including kernel) must be a power of two, checked in TypeScript. Call it from uniform
// control flow: it holds barriers.

var<workgroup> reduction_scratch: array<f32, WORKGROUP_SIZE>;

fn workgroup_sum(value: f32, local_index: u32) -> f32 {
  reduction_scratch[local_index] = value;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride = stride / 2u) {
    if (local_index < stride) {
      reduction_scratch[local_index] += reduction_scratch[local_index + stride];
    }
    workgroupBarrier();
  }
  return reduction_scratch[0];
}
