// CEM, sample: the population of iteration i, θ_g = μ + σ ⊙ ε_g with ε_g ~ N(0, I) (a diagonal
// Gaussian over the actor's flat parameters). One invocation per (candidate g, block b of four
// parameters): Philox block rng_counter(params, g) with draw = b gives the four normals of
// parameters 4b … 4b + 3 (normal_pair on words x, y and z, w, as rng/normal.wgsl), so a draw is a
// pure function of (seed, stream, iteration, g, parameter) and not of the dispatch shape.
// With KEEP_BEST = 1, candidate 0 is instead the previous iteration's best candidate (`champion`,
// written by cem/update.wgsl; μ₀ before the first update): elitism, re-evaluated every iteration.
//
// Layout: mean, stddev, champion f32 [PARAMETERS]; candidates f32 [AGENTS][PARAMETERS], the [G][P]
// parameter buffer the rollout's actor reads.

override WORKGROUP_SIZE: u32 = 64u;
// G: candidates.
override AGENTS: u32;
// P: parameters per candidate.
override PARAMETERS: u32;
// ⌈P / 4⌉.
override BLOCKS_PER_AGENT: u32;
// 1: candidate 0 copies the champion.
override KEEP_BEST: u32 = 0u;

@group(0) @binding(0) var<uniform> params: RngParams;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read> stddev: array<f32>;
@group(0) @binding(3) var<storage, read> champion: array<f32>;
@group(0) @binding(4) var<storage, read_write> candidates: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let index = flat_index(global_id, workgroups);
  if (index >= AGENTS * BLOCKS_PER_AGENT) {
    return;
  }
  let g = index / BLOCKS_PER_AGENT;
  let block = index % BLOCKS_PER_AGENT;
  var counter = rng_counter(params, g);
  counter.x = block;
  let words = philox4x32_10(counter, rng_key(params));
  let first = normal_pair(uniform_from_bits(words.x), uniform_from_bits(words.y));
  let second = normal_pair(uniform_from_bits(words.z), uniform_from_bits(words.w));
  let noise = array<f32, 4>(first.x, first.y, second.x, second.y);
  let copy_champion = KEEP_BEST != 0u && g == 0u;
  for (var k = 0u; k < 4u; k += 1u) {
    let j = 4u * block + k;
    if (j < PARAMETERS) {
      candidates[g * PARAMETERS + j] = select(mean[j] + stddev[j] * noise[k], champion[j], copy_champion);
    }
  }
}
