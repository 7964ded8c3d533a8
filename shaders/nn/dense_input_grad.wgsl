// Dense layer backward to its input: given δ = ∂L/∂z of this layer ([ROWS][OUT]), writes
//   ∂L/∂z_below[r][k] = f'_below(a_below[r][k]) · Σ_o δ[r][o] · W_g[o][k]
// for the layer below (ACTIVATION is the layer below's kind, a_below its saved output), or
// ∂L/∂x of the network input (ACTIVATION = identity; a_below is then not read).
// With ACCUMULATE = 1 the result is added to `input_delta` instead of stored: several heads read
// the last hidden layer, and their contributions add (f' distributes over the sum), one dispatch per
// head in a fixed order, so the sum is deterministic.
//
// One invocation per (row, block of 4 input columns): W_g[o][k..k+3] is contiguous in the row-major
// weight, and each δ[r][o] loaded is used for 4 multiply-adds.

override WORKGROUP_SIZE: u32 = 64u;
override IN: u32;
override OUT: u32;
override ROWS: u32;
override ROWS_PER_AGENT: u32;
override PARAMS_PER_AGENT: u32;
override W_OFFSET: u32;
override ACTIVATION: u32;
override ACCUMULATE: u32 = 0u;

@group(0) @binding(0) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read> delta: array<f32>;
@group(0) @binding(2) var<storage, read> input_activation: array<f32>;
@group(0) @binding(3) var<storage, read_write> input_delta: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let blocks = (IN + 3u) / 4u;
  let i = flat_index(global_id, workgroups);
  if (i >= ROWS * blocks) {
    return;
  }
  let row = i / blocks;
  let k = (i % blocks) * 4u;
  let last = IN - 1u;
  let k_clamped = vec4u(k, min(k + 1u, last), min(k + 2u, last), min(k + 3u, last));
  let w = (row / ROWS_PER_AGENT) * PARAMS_PER_AGENT + W_OFFSET + k_clamped;

  var sum = vec4f(0.0);
  let d_row = row * OUT;
  for (var o = 0u; o < OUT; o += 1u) {
    let w_o = w + o * IN;
    sum += vec4f(params[w_o.x], params[w_o.y], params[w_o.z], params[w_o.w]) * delta[d_row + o];
  }

  let x = row * IN + k_clamped;
  if (ACTIVATION != ACT_IDENTITY) {
    let a = vec4f(input_activation[x.x], input_activation[x.y], input_activation[x.z], input_activation[x.w]);
    sum *= activation_slope(ACTIVATION, a);
  }
  for (var j = 0u; j < 4u && k + j < IN; j += 1u) {
    if (ACCUMULATE != 0u) {
      input_delta[x[j]] += sum[j];
    } else {
      input_delta[x[j]] = sum[j];
    }
  }
}
