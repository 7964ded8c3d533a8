// Dense layer forward-mode (tangent) pass: the directional derivative of a = f(W·x + b) along a
// direction v = (Ẇ, ḃ) in parameter space (`direction`, same layout as `params`):
//   ż = Ẇ_g·x + W_g·ẋ + ḃ_g,   ȧ = f'(a) ⊙ ż,
// where x and ẋ are the layer input and its tangent (ẋ = 0 for the network input: HAS_INPUT_TANGENT
// = 0, `input_tangent` not read) and a is this layer's saved forward output. TRPO's Fisher-vector
// product is Jᵀ·M·J·v; this is the J·v.
//
// Same shape as dense_forward: one invocation per (row, block of 4 outputs), clamped tail.

override WORKGROUP_SIZE: u32 = 64u;
override IN: u32;
override OUT: u32;
override ROWS: u32;
override ROWS_PER_AGENT: u32;
override PARAMS_PER_AGENT: u32;
override W_OFFSET: u32;
override B_OFFSET: u32;
override ACTIVATION: u32;
override HAS_INPUT_TANGENT: u32 = 1u;

@group(0) @binding(0) var<storage, read> params: array<f32>;
@group(0) @binding(1) var<storage, read> direction: array<f32>;
@group(0) @binding(2) var<storage, read> input: array<f32>;
@group(0) @binding(3) var<storage, read> input_tangent: array<f32>;
@group(0) @binding(4) var<storage, read> activation: array<f32>;
@group(0) @binding(5) var<storage, read_write> tangent: array<f32>;

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

  var dz = vec4f(direction[b.x], direction[b.y], direction[b.z], direction[b.w]);
  let x_row = row * IN;
  for (var k = 0u; k < IN; k += 1u) {
    dz += vec4f(direction[w.x + k], direction[w.y + k], direction[w.z + k], direction[w.w + k]) * input[x_row + k];
    if (HAS_INPUT_TANGENT != 0u) {
      dz += vec4f(params[w.x + k], params[w.y + k], params[w.z + k], params[w.w + k]) * input_tangent[x_row + k];
    }
  }

  let out_row = row * OUT;
  let a_index = out_row + o_clamped;
  let a = vec4f(activation[a_index.x], activation[a_index.y], activation[a_index.z], activation[a_index.w]);
  let da = activation_slope(ACTIVATION, a) * dz;
  for (var j = 0u; j < 4u && o + j < OUT; j += 1u) {
    tangent[out_row + o + j] = da[j];
  }
}
