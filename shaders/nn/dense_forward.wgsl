// Dense layer forward: a = f(W_g·x + b_g) for every batch row, where g = row / ROWS_PER_AGENT is
// the row's agent (rows are agent-major) and W_g, b_g are that agent's slices of the flat parameter
// buffer (src/nn/mlp-spec.ts: W[out][in] row-major at W_OFFSET, b at B_OFFSET, agent g's block at
// g·PARAMS_PER_AGENT). The post-activation a is saved: backward and the tangent pass take f' from it.
//
// One invocation per (row, block of 4 outputs): each x[k] loaded is used for 4 multiply-adds
// (register blocking over outputs). Scalar loads, so any IN works; for IN % 4 == 0,
// dense_forward_tiled.wgsl blocks 4 rows of one agent as well and loads vec4s. Outputs past OUT in
// the last block read the last valid weight row (clamped, so the k loop has no branch) and are not
// stored.
//
// With CHECK_FINITE = 1 (the network's first layer) any NaN or ±Inf in the input sets
// flags[NAN_FLAG_INDEX] = 1. Every writer stores the same value, so plain stores suffice; the flag
// is sticky until the caller clears it.

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

@group(0) @binding(0) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;
@group(0) @binding(3) var<storage, read_write> flags: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let blocks = (OUT + 3u) / 4u;
  let i = flat_index(global_id, workgroups);
  if (i >= ROWS * blocks) {
    return;
  }
  let row = i / blocks;
  let o = (i % blocks) * 4u;
  let base = (row / ROWS_PER_AGENT) * PARAMS_PER_AGENT;
  let last = OUT - 1u;
  let o_clamped = vec4u(o, min(o + 1u, last), min(o + 2u, last), min(o + 3u, last));
  let w = base + W_OFFSET + o_clamped * IN;
  let b = base + B_OFFSET + o_clamped;

  var z = vec4f(params[b.x], params[b.y], params[b.z], params[b.w]);
  var finite = true;
  let x_row = row * IN;
  for (var k = 0u; k < IN; k += 1u) {
    let x = input[x_row + k];
    if (CHECK_FINITE != 0u) {
      finite = finite && is_finite_f32(x);
    }
    z += vec4f(params[w.x + k], params[w.y + k], params[w.z + k], params[w.w + k]) * x;
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
