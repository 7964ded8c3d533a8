// Dense layer parameter gradients, stage 1 of 2 (split-K over batch rows). For agent g and chunk c
// of CHUNK_ROWS of that agent's rows, the partial sums
//   P[g][c][o][k] = Σ_{r ∈ chunk} δ[r][o] · x̃[r][k],   x̃ = (x, 1),  k ∈ [0, IN]
// are ∂L/∂W[o][k] (k < IN) and ∂L/∂b[o] (k = IN, the bias as a column of ones) over that chunk:
// δ = ∂L/∂z [ROWS][OUT], x the layer input [ROWS][IN]. Stage 2 (dense_param_grad_reduce) sums the
// chunks. A serial f32 sum is kept to CHUNK_ROWS terms: its error grows with the count, and the
// whole-batch sum is formed by the reduction tree instead. No atomics, so the result is the same
// every run.
//
// One invocation per (agent, chunk, 4 outputs, 4 columns): a 4×4 register block, so each row
// costs 8 loads for 16 multiply-adds. Invocations next to each other share a chunk and read the
// same rows. Tail outputs/columns read clamped indices and are not stored.

override WORKGROUP_SIZE: u32 = 64u;
override IN: u32;
override OUT: u32;
override AGENTS: u32;
override ROWS_PER_AGENT: u32;
override CHUNK_ROWS: u32;
override CHUNKS: u32;

@group(0) @binding(0) var<storage, read> delta: array<f32>;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let cols = IN + 1u;
  let col_blocks = (cols + 3u) / 4u;
  let out_blocks = (OUT + 3u) / 4u;
  let i = flat_index(global_id, workgroups);
  if (i >= AGENTS * CHUNKS * out_blocks * col_blocks) {
    return;
  }
  let k = (i % col_blocks) * 4u;
  let o = ((i / col_blocks) % out_blocks) * 4u;
  let agent_chunk = i / (col_blocks * out_blocks);
  let agent = agent_chunk / CHUNKS;
  let chunk = agent_chunk % CHUNKS;

  let o_last = OUT - 1u;
  let o_clamped = vec4u(o, min(o + 1u, o_last), min(o + 2u, o_last), min(o + 3u, o_last));
  let k_all = vec4u(k, k + 1u, k + 2u, k + 3u);
  let k_clamped = min(k_all, vec4u(IN - 1u));
  // Column IN is the bias's column of ones; columns past it are padding (0, not stored).
  let is_input = k_all < vec4u(IN);
  let ones = select(vec4f(0.0), vec4f(1.0), k_all == vec4u(IN));

  let first = agent * ROWS_PER_AGENT + chunk * CHUNK_ROWS;
  let end = agent * ROWS_PER_AGENT + min((chunk + 1u) * CHUNK_ROWS, ROWS_PER_AGENT);
  var g0 = vec4f(0.0);
  var g1 = vec4f(0.0);
  var g2 = vec4f(0.0);
  var g3 = vec4f(0.0);
  for (var r = first; r < end; r += 1u) {
    let xi = r * IN + k_clamped;
    let x = select(ones, vec4f(input[xi.x], input[xi.y], input[xi.z], input[xi.w]), is_input);
    let di = r * OUT + o_clamped;
    g0 += delta[di.x] * x;
    g1 += delta[di.y] * x;
    g2 += delta[di.z] * x;
    g3 += delta[di.w] * x;
  }

  var block = array<vec4f, 4>(g0, g1, g2, g3);
  let out_base = agent_chunk * OUT * cols;
  for (var a = 0u; a < 4u && o + a < OUT; a += 1u) {
    for (var b = 0u; b < 4u && k + b < cols; b += 1u) {
      partials[out_base + (o + a) * cols + k + b] = block[a][b];
    }
  }
}
