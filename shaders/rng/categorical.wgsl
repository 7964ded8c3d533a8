// One categorical sample per row: actions[r] ~ softmax(logits[r][0 .. CATEGORIES)) for r < ROWS,
// by inverse CDF with u = uniform_from_bits(word x of Philox block rng_counter(params, r)).
// logits is row-major [ROWS][CATEGORIES]; a masked action has a large negative finite logit (e.g.
// -1e30: WGSL lets implementations assume that no infinities occur, so -inf is not portable).
// The row is read from the binding on each of three passes (max, sum, walk) rather than copied to
// function memory, so CATEGORIES may be large (at most MAX_DISCRETE_ACTIONS, checked in TypeScript
// by categoricalSpec) without a private array that would spill on a real GPU.

override WORKGROUP_SIZE: u32 = 64u;
override ROWS: u32;
override CATEGORIES: u32;

@group(0) @binding(0) var<uniform> params: RngParams;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> actions: array<u32>;

// The first index whose cumulative unnormalised probability exceeds u·Σ. The walk repeats the
// sum's additions in the same order, so it reaches Σ > u·Σ and only an index with nonzero
// probability can be the first to cross; should rounding still let it run off the end, the last
// index with nonzero probability is returned, so a masked logit is never chosen.
fn sample_row(row: u32, u: f32) -> u32 {
  let base = row * CATEGORIES;
  var max_logit = logits[base];
  for (var i = 1u; i < CATEGORIES; i += 1u) {
    max_logit = max(max_logit, logits[base + i]);
  }
  var total = 0.0;
  for (var i = 0u; i < CATEGORIES; i += 1u) {
    total += exp(logits[base + i] - max_logit);
  }
  let target_mass = u * total;
  var cumulative = 0.0;
  var last_possible = 0u;
  for (var i = 0u; i < CATEGORIES; i += 1u) {
    let p = exp(logits[base + i] - max_logit);
    if (p > 0.0) {
      last_possible = i;
    }
    cumulative += p;
    if (cumulative > target_mass) {
      return i;
    }
  }
  return last_possible;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let row = flat_index(global_id, workgroups);
  if (row >= ROWS) {
    return;
  }
  let u = uniform_from_bits(philox4x32_10(rng_counter(params, row), rng_key(params)).x);
  actions[row] = sample_row(row, u);
}
