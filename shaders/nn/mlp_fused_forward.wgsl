// Fused MLP forward for small networks (the rollout's per-step inference): the whole network,
// observation → every head's outputs, in one dispatch. Nothing is saved for backward: training
// uses the layer-wise passes (src/nn/mlp.ts), whose results this kernel reproduces (the same
// per-output summation order as dense_forward.wgsl).
//
// Per layer ℓ (the table below: hidden layers first, then the heads, all reading the last hidden
// layer): z = W_g·x + b_g, a = f(z), where g is the rows' agent (rows are agent-major) and
// W_g[out][in] (row-major), b_g are at g·PARAMS_PER_AGENT + w_offset / b_offset of the flat
// parameter buffer (src/nn/mlp-spec.ts).
//
// Shape: one workgroup per tile of TILE_ROWS = 16 consecutive rows of one agent (an agent's last
// tile may be short; its missing rows compute on zeros and are not stored). The tile is 4 row
// groups of 4 rows, a row group being the 4 lanes of a vec4. Invocation t takes row group t % 4
// and, for each layer, output units 4·(t / 4) … +3 (then the next WORKGROUP_SIZE / 4 blocks):
// 16 accumulators (4 units × 4 rows), so each weight load feeds 4 multiply-adds and each
// activation load 4 more (register blocking both ways). A row's units are computed in parallel,
// so even B = 1 is spread over 16 invocations rather than run serially by one. The tile's
// activations stay in workgroup memory (act: ping-pong halves of MAX_WIDTH units × 4 row groups;
// unit k of row group q is act[half + 4k + q]), never in global memory; one barrier per layer
// orders its writes before the next layer's reads (and the reads before the overwrite two
// layers on). Tiles never straddle agents, so a tile reads one agent's weights.
//
// With CHECK_FINITE = 1 any NaN or ±Inf in an input sets flags[NAN_FLAG_INDEX] = 1, as the
// layer-wise forward does; every writer stores the same value, so plain stores suffice.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override ROWS_PER_AGENT: u32;
override PARAMS_PER_AGENT: u32;
override INPUT_SIZE: u32;
override HIDDEN_LAYERS: u32;
override HEADS: u32;
// The widest input or hidden layer (src/nn/mlp-fused.ts bounds it by MAX_FUSED_WIDTH).
override MAX_WIDTH: u32;
override CHECK_FINITE: u32 = 1u;
override NAN_FLAG_INDEX: u32 = 0u;

const ROW_GROUPS: u32 = 4u;
const TILE_ROWS: u32 = 16u;

// One dense layer; `output_offset` (heads only) is where the head's [G·B][out_size] block
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

var<workgroup> act: array<vec4f, 2u * ROW_GROUPS * MAX_WIDTH>;

// Units o … o+3 of `layer` (units past out_size repeat the last, clamped so the k loop has no
// branch) for the 4 rows of row group q (vec4 lanes), from the activations at act[src …].
struct UnitBlock {
  u0: vec4f,
  u1: vec4f,
  u2: vec4f,
  u3: vec4f,
}

fn dense_block(layer: FusedLayer, base: u32, src: u32, o: u32, q: u32) -> UnitBlock {
  let last = layer.out_size - 1u;
  let o_clamped = vec4u(o, min(o + 1u, last), min(o + 2u, last), min(o + 3u, last));
  let w = base + layer.w_offset + o_clamped * layer.in_size;
  let b = base + layer.b_offset + o_clamped;
  var z0 = vec4f(params[b.x]);
  var z1 = vec4f(params[b.y]);
  var z2 = vec4f(params[b.z]);
  var z3 = vec4f(params[b.w]);
  for (var k = 0u; k < layer.in_size; k += 1u) {
    let x = act[src + k * ROW_GROUPS + q];
    z0 += params[w.x + k] * x;
    z1 += params[w.y + k] * x;
    z2 += params[w.z + k] * x;
    z3 += params[w.w + k] * x;
  }
  let f = layer.activation;
  return UnitBlock(activate(f, z0), activate(f, z1), activate(f, z2), activate(f, z3));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  // workgroup_id is uniform, so this return keeps the barriers below in uniform control flow.
  // Tiles past the end come from a dispatch split over x and y.
  let tiles_per_agent = (ROWS_PER_AGENT + TILE_ROWS - 1u) / TILE_ROWS;
  let tile = workgroup_id.x + workgroup_id.y * workgroups.x;
  if (tile >= AGENTS * tiles_per_agent) {
    return;
  }
  let agent = tile / tiles_per_agent;
  let first = (tile % tiles_per_agent) * TILE_ROWS;
  let rows_here = min(TILE_ROWS, ROWS_PER_AGENT - first);
  let row0 = agent * ROWS_PER_AGENT + first;
  let base = agent * PARAMS_PER_AGENT;
  let q = lane % ROW_GROUPS;
  let block_stride = 4u * (WORKGROUP_SIZE / ROW_GROUPS);
  // Row groups past the tile's rows skip the arithmetic (not the barriers).
  let busy = q * 4u < rows_here;

  for (var i = lane; i < INPUT_SIZE * ROW_GROUPS; i += WORKGROUP_SIZE) {
    let k = i / ROW_GROUPS;
    let group = i % ROW_GROUPS;
    var x = vec4f(0.0);
    for (var r = 0u; r < 4u && group * 4u + r < rows_here; r += 1u) {
      x[r] = input[(row0 + group * 4u + r) * INPUT_SIZE + k];
    }
    if (CHECK_FINITE != 0u && any((bitcast<vec4u>(x) & vec4u(0x7f800000u)) == vec4u(0x7f800000u))) {
      flags[NAN_FLAG_INDEX] = 1u;
    }
    act[i] = x;
  }

  var src = 0u;
  for (var l = 0u; l < HIDDEN_LAYERS; l += 1u) {
    workgroupBarrier();
    let layer = layer_table[l];
    let dst = ROW_GROUPS * MAX_WIDTH - src;
    for (var o = 4u * (lane / ROW_GROUPS); busy && o < layer.out_size; o += block_stride) {
      let a = dense_block(layer, base, src, o, q);
      let at = dst + o * ROW_GROUPS + q;
      act[at] = a.u0;
      if (o + 1u < layer.out_size) { act[at + ROW_GROUPS] = a.u1; }
      if (o + 2u < layer.out_size) { act[at + 2u * ROW_GROUPS] = a.u2; }
      if (o + 3u < layer.out_size) { act[at + 3u * ROW_GROUPS] = a.u3; }
    }
    src = dst;
  }
  workgroupBarrier();

  for (var h = 0u; h < HEADS; h += 1u) {
    let layer = layer_table[HIDDEN_LAYERS + h];
    for (var o = 4u * (lane / ROW_GROUPS); busy && o < layer.out_size; o += block_stride) {
      let a = dense_block(layer, base, src, o, q);
      for (var r = 0u; r < 4u && q * 4u + r < rows_here; r += 1u) {
        let out_row = layer.output_offset + (row0 + q * 4u + r) * layer.out_size;
        outputs[out_row + o] = a.u0[r];
        if (o + 1u < layer.out_size) { outputs[out_row + o + 1u] = a.u1[r]; }
        if (o + 2u < layer.out_size) { outputs[out_row + o + 2u] = a.u2[r]; }
        if (o + 3u < layer.out_size) { outputs[out_row + o + 3u] = a.u3[r]; }
      }
    }
  }
}
