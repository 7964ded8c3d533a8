// One categorical sample per row: actions[r] ~ softmax(logits[r][0 .. CATEGORIES)) for r < ROWS,
// by inverse CDF with u = uniform_from_bits(word x of Philox block rng_counter(params, r)).
// logits is row-major [ROWS][CATEGORIES]; a masked action has a large negative finite logit.

override WORKGROUP_SIZE: u32 = 64u;
override ROWS: u32;
// At most MAX_CATEGORIES (checked in TypeScript by categoricalKernel).
override CATEGORIES: u32;

@group(0) @binding(0) var<uniform> params: RngParams;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> actions: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let row = flat_index(global_id, workgroups);
  if (row >= ROWS) {
    return;
  }
  let count = min(CATEGORIES, MAX_CATEGORIES);
  var row_logits: array<f32, MAX_CATEGORIES>;
  for (var i = 0u; i < count; i += 1u) {
    row_logits[i] = logits[row * CATEGORIES + i];
  }
  let u = uniform_from_bits(philox4x32_10(rng_counter(params, row), rng_key(params)).x);
  actions[row] = sample_categorical(&row_logits, count, u);
}
