// Dense layer forward, vec4 variant for IN % 4 == 0 (src/nn/mlp.ts picks it; every hidden width
// of 64 or 256 qualifies): the same result as dense_forward.wgsl, a = f(W_g·x + b_g) per row,
// with the input row and the weight rows read as vec4. Tensor offsets and the per-agent block are
// multiples of 4 floats (MlpLayout), so with IN % 4 == 0 every weight row and input row starts on
// a vec4, and a bias block of 4 never leaves its (padded) tensor.
//
// One invocation per (row, block of 4 outputs): per 4 columns it loads one x vec4 and four weight
// vec4s for 16 multiply-adds (four dot products), against 5 scalar loads per 4 multiply-adds in
// the scalar kernel. Tail outputs read the last valid weight row (clamped) and are not stored.
// NaN/Inf inputs set flags[NAN_FLAG_INDEX] = 1 when CHECK_FINITE = 1, as in dense_forward.wgsl.

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

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let blocks = (OUT + 3u) / 4u;
  let i = flat_index(global_id, workgroups);
  if (i >= ROWS * blocks) {
    return;
  }
  let in4 = IN / 4u;
  let row = i / blocks;
  let o = (i % blocks) * 4u;
  let base = (row / ROWS_PER_AGENT) * PARAMS_PER_AGENT;
  let last = OUT - 1u;
  let o_clamped = vec4u(o, min(o + 1u, last), min(o + 2u, last), min(o + 3u, last));
  let w = (base + W_OFFSET) / 4u + o_clamped * in4;

  var z = params[(base + B_OFFSET + o) / 4u];
  var finite = true;
  let x_row = row * in4;
  for (var k = 0u; k < in4; k += 1u) {
    let x = input[x_row + k];
    if (CHECK_FINITE != 0u) {
      finite = finite && all((bitcast<vec4u>(x) & vec4u(EXPONENT_BITS)) != vec4u(EXPONENT_BITS));
    }
    z += vec4f(dot(params[w.x + k], x), dot(params[w.y + k], x), dot(params[w.z + k], x), dot(params[w.w + k], x));
  }
  if (!finite) {
    flags[NAN_FLAG_INDEX] = 1u;
  }

  let a = activate(ACTIVATION, z);
  let out_row = row * OUT + o;
  for (var j = 0u; j < 4u && o + j < OUT; j += 1u) {
    output[out_row + j] = a[j];
  }
}
