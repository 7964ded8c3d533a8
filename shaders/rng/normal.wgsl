// Standard normals: block i < COUNT gives four uniforms u0..u3 (as rng/uniform.wgsl) and writes
// normal_pair(u0, u1) to values[4i], values[4i + 1] and normal_pair(u2, u3) to values[4i + 2],
// values[4i + 3].

override WORKGROUP_SIZE: u32 = 64u;
// Philox blocks to write (4 normals each).
override COUNT: u32;

@group(0) @binding(0) var<uniform> params: RngParams;
@group(0) @binding(1) var<storage, read_write> values: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let block = flat_index(global_id, workgroups);
  if (block >= COUNT) {
    return;
  }
  let words = philox4x32_10(rng_counter(params, block), rng_key(params));
  let first = normal_pair(uniform_from_bits(words.x), uniform_from_bits(words.y));
  let second = normal_pair(uniform_from_bits(words.z), uniform_from_bits(words.w));
  let base = 4u * block;
  values[base] = first.x;
  values[base + 1u] = first.y;
  values[base + 2u] = second.x;
  values[base + 3u] = second.y;
}
