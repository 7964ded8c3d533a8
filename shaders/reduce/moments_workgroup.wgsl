// Include-only: the Moments records (reduce/moments.wgsl) of a workgroup combined into one, by
// common/reduce.wgsl's tree (same pairs, same barriers) with moments_combine in place of an
// addition, which that module cannot name (WGSL has no generics). Needs both files and the
// including kernel's WORKGROUP_SIZE; call from uniform control flow (the tree holds barriers).

var<workgroup> moments_scratch: array<Moments, WORKGROUP_SIZE>;

// The combination of every invocation's `value`, returned to every invocation.
fn workgroup_moments(value: Moments, local_index: u32) -> Moments {
  moments_scratch[local_index] = value;
  workgroupBarrier();
  for (var stride = reduce_first_stride(); stride > 0u; stride /= 2u) {
    if (reduce_takes(local_index, stride)) {
      moments_scratch[local_index] = moments_combine(moments_scratch[local_index], moments_scratch[local_index + stride]);
    }
    workgroupBarrier();
  }
  let total = moments_scratch[0];
  workgroupBarrier();
  return total;
}
