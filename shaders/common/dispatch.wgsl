// Include-only: the flat invocation index of a dispatch split over x and y (src/gpu/dispatch.ts).
// Every kernel compares the result with its element count and returns when past the end.
// Needs the including kernel's `override WORKGROUP_SIZE: u32`.

fn flat_index(global_id: vec3u, workgroups: vec3u) -> u32 {
  return global_id.x + global_id.y * workgroups.x * WORKGROUP_SIZE;
}
