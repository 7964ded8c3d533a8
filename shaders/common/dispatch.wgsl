// Include-only: flat indices of a dispatch split over x and y (src/gpu/dispatch.ts), built from all
// three workgroup dimensions so that any split of the same count gives the same indices.
// Every kernel compares the result with its count and returns when past the end, because
// x·y·size can exceed it. Needs the including kernel's `override WORKGROUP_SIZE: u32`.

// The flat index of an invocation.
fn flat_index(global_id: vec3u, workgroups: vec3u) -> u32 {
  let row = workgroups.x * WORKGROUP_SIZE;
  return global_id.x + row * (global_id.y + workgroups.y * global_id.z);
}

// The flat index of a workgroup (one workgroup per agent, chunk or segment). Uniform across the
// workgroup, so returning on it keeps the barriers that follow in uniform control flow.
fn workgroup_index(workgroup_id: vec3u, workgroups: vec3u) -> u32 {
  return workgroup_id.x + workgroups.x * (workgroup_id.y + workgroups.y * workgroup_id.z);
}
