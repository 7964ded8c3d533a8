// Raw Philox blocks: bits[4i .. 4i + 3] = philox4x32_10(rng_counter(params, i), rng_key(params))
// for block i < COUNT. The test oracle's view of the generator, and a source of raw u32 draws.

override WORKGROUP_SIZE: u32 = 64u;
// Philox blocks to write (4 u32 each).
override COUNT: u32;

@group(0) @binding(0) var<uniform> params: RngParams;
@group(0) @binding(1) var<storage, read_write> bits: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let block = flat_index(global_id, workgroups);
  if (block >= COUNT) {
    return;
  }
  let words = philox4x32_10(rng_counter(params, block), rng_key(params));
  let base = 4u * block;
  bits[base] = words.x;
  bits[base + 1u] = words.y;
  bits[base + 2u] = words.z;
  bits[base + 3u] = words.w;
}
