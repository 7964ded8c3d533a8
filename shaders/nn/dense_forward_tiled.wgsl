// Dense layer forward, row-tiled vec4 variant for IN % 4 == 0: a = f(W_g·x + b_g) per row, as
// dense_forward.wgsl, with one invocation per (tile of 4 rows of one agent, block of 4 outputs) and
// the input and weight rows read as vec4 (every weight row and input row starts on a vec4: tensor
// offsets and the per-agent block are multiples of 4 floats, MlpLayout). Per 4 columns it loads
// four weight vec4s and four input vec4s for 64 multiply-adds, where a row per invocation needs 20
// loads (vec4) for the same work: on SwiftShader that doubled the layer's throughput (64-64 at
// 8 192 rows: 1.1 → 2.2 GFLOP/s), and it is the register blocking a hardware GPU wants too.
// src/nn/mlp.ts uses it for every layer whose input width is a multiple of 4.
//
// Tiles never straddle agents: an agent's rows are ⌈ROWS_PER_AGENT/4⌉ tiles, the last one's rows
// past the agent's end read the agent's last row (clamped) and are not stored. Tail outputs read
// the last valid weight row (clamped) and are not stored. NaN/Inf inputs set
// flags[NAN_FLAG_INDEX] = 1 when CHECK_FINITE = 1, as in dense_forward.wgsl.

override WORKGROUP_SIZE: u32 = 64u;
override IN: u32;
override OUT: u32;
override ROWS: u32;
override ROWS_PER_AGENT: u32;
override PARAMS_PER_AGENT: u32;
override W_OFFSET: u32;
override B_OFFSET: u32;
override ACTIVATION: u32;
override CHECK_FINITE: u32 = 0u;
override NAN_FLAG_INDEX: u32 = 0u;

@group(0) @binding(0) var<storage, read> params: array<vec4f>;
@group(0) @binding(1) var<storage, read> input: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;
@group(0) @binding(3) var<storage, read_write> flags: array<u32>;

const EXPONENT_BITS: u32 = 0x7f800000u;

fn is_finite4(x: vec4f) -> bool {
  return all((bitcast<vec4u>(x) & vec4u(EXPONENT_BITS)) != vec4u(EXPONENT_BITS));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let blocks = (OUT + 3u) / 4u;
  let tiles_per_agent = (ROWS_PER_AGENT + 3u) / 4u;
  let i = flat_index(global_id, workgroups);
  if (i >= (ROWS / ROWS_PER_AGENT) * tiles_per_agent * blocks) {
    return;
  }
  let in4 = IN / 4u;
  let tile = i / blocks;
  let o = (i % blocks) * 4u;
  let agent = tile / tiles_per_agent;
  let r0 = agent * ROWS_PER_AGENT + (tile % tiles_per_agent) * 4u;
  let last_row = (agent + 1u) * ROWS_PER_AGENT - 1u;
  let x_rows = vec4u(r0, min(r0 + 1u, last_row), min(r0 + 2u, last_row), min(r0 + 3u, last_row)) * in4;
  let base = agent * PARAMS_PER_AGENT;
  let last = OUT - 1u;
  let o_clamped = vec4u(o, min(o + 1u, last), min(o + 2u, last), min(o + 3u, last));
  let w = (base + W_OFFSET) / 4u + o_clamped * in4;

  let bias = params[(base + B_OFFSET + o) / 4u];
  var z0 = bias;
  var z1 = bias;
  var z2 = bias;
  var z3 = bias;
  var finite = true;
  for (var k = 0u; k < in4; k += 1u) {
    let w0 = params[w.x + k];
    let w1 = params[w.y + k];
    let w2 = params[w.z + k];
    let w3 = params[w.w + k];
    let x0 = input[x_rows.x + k];
    let x1 = input[x_rows.y + k];
    let x2 = input[x_rows.z + k];
    let x3 = input[x_rows.w + k];
    if (CHECK_FINITE != 0u) {
      finite = finite && is_finite4(x0) && is_finite4(x1) && is_finite4(x2) && is_finite4(x3);
    }
    z0 += vec4f(dot(w0, x0), dot(w1, x0), dot(w2, x0), dot(w3, x0));
    z1 += vec4f(dot(w0, x1), dot(w1, x1), dot(w2, x1), dot(w3, x1));
    z2 += vec4f(dot(w0, x2), dot(w1, x2), dot(w2, x2), dot(w3, x2));
    z3 += vec4f(dot(w0, x3), dot(w1, x3), dot(w2, x3), dot(w3, x3));
  }
  if (!finite) {
    flags[NAN_FLAG_INDEX] = 1u;
  }

  let a = array<vec4f, 4>(activate(ACTIVATION, z0), activate(ACTIVATION, z1), activate(ACTIVATION, z2), activate(ACTIVATION, z3));
  for (var r = 0u; r < 4u && r0 + r <= last_row; r += 1u) {
    let out_row = (r0 + r) * OUT + o;
    for (var j = 0u; j < 4u && o + j < OUT; j += 1u) {
      output[out_row + j] = a[r][j];
    }
  }
}
