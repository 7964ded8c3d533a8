// Dense layer backward to its input: given δ = ∂L/∂z of this layer ([ROWS][OUT]), writes
//   ∂L/∂z_below[r][k] = f'_below(a_below[r][k]) · Σ_o δ[r][o] · W_g[o][k]
// for the layer below (ACTIVATION is the layer below's kind, a_below its saved output), or
// ∂L/∂x of the network input (ACTIVATION = identity; a_below is then not read).
// With ACCUMULATE = 1 the result is added to `input_delta` instead of stored: several heads read
// the last hidden layer, and their contributions add (f' distributes over the sum), one dispatch per
// head in a fixed order, so the sum is deterministic.
//
// One invocation per (tile of 4 rows of one agent, block of 4 input columns): per o it loads
// W_g[o][k..k+3] (contiguous in the row-major weight) once for the 4 rows and δ[r][o] for each, 8
// loads for 16 multiply-adds where a row per invocation needs 5 for 4 (SwiftShader, 64-64 at 8 192
// rows: 0.74 → 1.6 GFLOP/s). Each sum runs over o in order, as with a row per invocation. Tiles
// never straddle agents; rows past an agent's end read its last row (clamped) and are not stored.

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
  let tiles_per_agent = (ROWS_PER_AGENT + 3u) / 4u;
  let i = flat_index(global_id, workgroups);
  if (i >= (ROWS / ROWS_PER_AGENT) * tiles_per_agent * blocks) {
    return;
  }
  let tile = i / blocks;
  let k = (i % blocks) * 4u;
  let agent = tile / tiles_per_agent;
  let r0 = agent * ROWS_PER_AGENT + (tile % tiles_per_agent) * 4u;
  let last_row = (agent + 1u) * ROWS_PER_AGENT - 1u;
  let rows = vec4u(r0, min(r0 + 1u, last_row), min(r0 + 2u, last_row), min(r0 + 3u, last_row));
  let last = IN - 1u;
  let k_clamped = vec4u(k, min(k + 1u, last), min(k + 2u, last), min(k + 3u, last));
  let w = agent * PARAMS_PER_AGENT + W_OFFSET + k_clamped;

  var s0 = vec4f(0.0);
  var s1 = vec4f(0.0);
  var s2 = vec4f(0.0);
  var s3 = vec4f(0.0);
  let d_rows = rows * OUT;
  for (var o = 0u; o < OUT; o += 1u) {
    let w_o = w + o * IN;
    let w4 = vec4f(params[w_o.x], params[w_o.y], params[w_o.z], params[w_o.w]);
    s0 += w4 * delta[d_rows.x + o];
    s1 += w4 * delta[d_rows.y + o];
    s2 += w4 * delta[d_rows.z + o];
    s3 += w4 * delta[d_rows.w + o];
  }
  let sums = array<vec4f, 4>(s0, s1, s2, s3);

  for (var r = 0u; r < 4u && r0 + r <= last_row; r += 1u) {
    let x = (r0 + r) * IN + k_clamped;
    var g = sums[r];
    if (ACTIVATION != ACT_IDENTITY) {
      let a = vec4f(input_activation[x.x], input_activation[x.y], input_activation[x.z], input_activation[x.w]);
      g *= activation_slope(ACTIVATION, a);
    }
    for (var j = 0u; j < 4u && k + j < IN; j += 1u) {
      if (ACCUMULATE != 0u) {
        input_delta[x[j]] += g[j];
      } else {
        input_delta[x[j]] = g[j];
      }
    }
  }
}
