// dst[i] = src[i] for i < N, N counted in vec4s: the copy-bandwidth benchmark's kernel, the
// ceiling for any kernel that streams memory (16 bytes read and 16 written per invocation),
// beside copyBufferToBuffer.

override WORKGROUP_SIZE: u32 = 256u;
override N: u32;

@group(0) @binding(0) var<storage, read> src: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4f>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= N) {
    return;
  }
  dst[i] = src[i];
}
