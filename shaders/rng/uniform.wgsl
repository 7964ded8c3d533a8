// Uniforms in (0, 1): values[4i .. 4i + 3] are uniform_from_bits of the four words of Philox block i
// (same counter and key as rng/random_bits.wgsl), for block i < COUNT.

override WORKGROUP_SIZE: u32 = 64u;
// Philox blocks to write (4 uniforms each).
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
  let base = 4u * block;
  values[base] = uniform_from_bits(words.x);
  values[base + 1u] = uniform_from_bits(words.y);
  values[base + 2u] = uniform_from_bits(words.z);
  values[base + 3u] = uniform_from_bits(words.w);
}
