// Fused MLP forward for small networks (the rollout's per-step inference): one invocation per
// batch row runs the whole network, observation → every head's outputs, in one dispatch. Hidden
// activations live in a private (function-scope) array and never touch global memory; only the
// heads' outputs are stored. Nothing is saved for backward: training uses the layer-wise passes
// (src/nn/mlp.ts), whose results this kernel reproduces (same per-output summation order as
// dense_forward.wgsl).
//
// Per layer ℓ (the table below, hidden layers first, then the heads, all reading the last hidden
// layer): z = W_g·x + b_g, a = f(z), where g = row / ROWS_PER_AGENT is the row's agent (rows are
// agent-major) and W_g[out][in] (row-major), b_g are at g·PARAMS_PER_AGENT + w_offset / b_offset of
// the flat parameter buffer (src/nn/mlp-spec.ts). Four outputs are computed together (register
// blocking: each activation read feeds 4 multiply-adds); outputs past `out_size` in the last block
// read the last valid weight row (clamped, so the k loop has no branch) and are not stored.
//
// Widths: WGSL sizes a function-scope array with a const, not an override (only workgroup arrays
// may be override-sized), so the input and every hidden width are bounded by MAX_FUSED_WIDTH,
// mirrored in src/nn/mlp-fused.ts (which checks a spec against it). Heads stream straight to
// global memory and are not bounded.
//
// With CHECK_FINITE = 1 any NaN or ±Inf in a row's input sets flags[NAN_FLAG_INDEX] = 1, as the
// layer-wise forward does; every writer stores the same value, so plain stores suffice.

override WORKGROUP_SIZE: u32 = 64u;
override ROWS: u32;
override ROWS_PER_AGENT: u32;
override PARAMS_PER_AGENT: u32;
override INPUT_SIZE: u32;
override HIDDEN_LAYERS: u32;
override HEADS: u32;
override CHECK_FINITE: u32 = 1u;
override NAN_FLAG_INDEX: u32 = 0u;

const MAX_FUSED_WIDTH: u32 = 64u;

// One dense layer; `output_offset` (heads only) is where the head's [ROWS][out_size] block
// starts in `outputs`, in floats.
struct FusedLayer {
  in_size: u32,
  out_size: u32,
  w_offset: u32,
  b_offset: u32,
  activation: u32,
  output_offset: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> layer_table: array<FusedLayer>;
@group(0) @binding(3) var<storage, read_write> outputs: array<f32>;
@group(0) @binding(4) var<storage, read_write> flags: array<u32>;

// Ping-pong halves: layer ℓ reads [src, src + in) and writes [dst, dst + out).
var<private> act: array<f32, 2u * MAX_FUSED_WIDTH>;

fn dense_block(layer: FusedLayer, base: u32, src: u32, o: u32) -> vec4f {
  let last = layer.out_size - 1u;
  let o_clamped = vec4u(o, min(o + 1u, last), min(o + 2u, last), min(o + 3u, last));
  let w = base + layer.w_offset + o_clamped * layer.in_size;
  let b = base + layer.b_offset + o_clamped;
  var z = vec4f(params[b.x], params[b.y], params[b.z], params[b.w]);
  for (var k = 0u; k < layer.in_size; k += 1u) {
    z += vec4f(params[w.x + k], params[w.y + k], params[w.z + k], params[w.w + k]) * act[src + k];
  }
  return activate(layer.activation, z);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let row = flat_index(global_id, workgroups);
  if (row >= ROWS) {
    return;
  }
  let base = (row / ROWS_PER_AGENT) * PARAMS_PER_AGENT;

  var finite = true;
  let x_row = row * INPUT_SIZE;
  for (var k = 0u; k < INPUT_SIZE; k += 1u) {
    let x = input[x_row + k];
    if (CHECK_FINITE != 0u) {
      finite = finite && is_finite_f32(x);
    }
    act[k] = x;
  }
  if (!finite) {
    flags[NAN_FLAG_INDEX] = 1u;
  }

  var src = 0u;
  for (var l = 0u; l < HIDDEN_LAYERS; l += 1u) {
    let layer = layer_table[l];
    let dst = MAX_FUSED_WIDTH - src;
    for (var o = 0u; o < layer.out_size; o += 4u) {
      let a = dense_block(layer, base, src, o);
      for (var j = 0u; j < 4u && o + j < layer.out_size; j += 1u) {
        act[dst + o + j] = a[j];
      }
    }
    src = dst;
  }

  for (var h = 0u; h < HEADS; h += 1u) {
    let layer = layer_table[HIDDEN_LAYERS + h];
    let out_row = layer.output_offset + row * layer.out_size;
    for (var o = 0u; o < layer.out_size; o += 4u) {
      let a = dense_block(layer, base, src, o);
      for (var j = 0u; j < 4u && o + j < layer.out_size; j += 1u) {
        outputs[out_row + o + j] = a[j];
      }
    }
  }
}
