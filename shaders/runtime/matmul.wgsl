// C[M×N] = A[M×K]·B[K×N], f32, row-major: the dense-layer shape (batch × inputs · inputs × units),
// tiled through workgroup memory and blocked in registers.
//
// One workgroup of 64 invocations computes one 64×64 tile of C. It walks K in steps of TILE_K:
// the invocations stage A[tile rows][step] and B[step][tile columns] in workgroup memory (each
// element loaded from global memory once per workgroup instead of once per invocation), then each
// invocation accumulates an 8×8 block of C in sixteen vec4 registers. A's step is staged
// transposed, so one vec4 read gives four rows of one column of A, as one vec4 read of B gives
// four columns of one row: per depth k, four vec4 reads feed 64 multiply-adds.
//
// Why 64×64 tiles of 8×8 blocks: on SwiftShader (2 CPU cores, 4-wide SIMD) an 8×8 block ran the
// 8192×64·64×64 and 1024³ cases about twice as fast as a 4×4 block, since each workgroup-memory
// read feeds more multiply-adds; TILE_K = 16 beat 8 and 32. The accumulators are named variables,
// not an array: SwiftShader keeps a function-scope array indexed in a loop in memory, and that ran
// 4–7× slower.
//
// Workgroups: one per tile of C, ceil(M / 64)·ceil(N / 64), numbered row-major over the tiles. The
// dispatch may be split over x and y (src/gpu/dispatch.ts), so the flat workgroup index is rebuilt
// and checked. Rows, columns and depths past M, N, K are staged as zeros and never stored, so any
// sizes work; the staging loads and the stores carry the bounds checks, the inner loop none.
//
// WORKGROUP_SIZE must be (TILE_M / 8)·(TILE_N / 8) = 64, one invocation per 8×8 block; MATMUL in
// src/gpu/runtime-kernels.ts holds it there.

override WORKGROUP_SIZE: u32 = 64u;
override M: u32;
override N: u32;
override K: u32;

const TILE_M: u32 = 64u;
const TILE_N: u32 = 64u;
const TILE_K: u32 = 16u;
// vec4 slots per staged depth: four rows of A (transposed) or four columns of B each.
const A_SLOTS: u32 = TILE_M / 4u;
const B_SLOTS: u32 = TILE_N / 4u;
// 8×8 blocks across a tile's columns.
const BLOCKS_ACROSS: u32 = TILE_N / 8u;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;

// a_step[k·A_SLOTS + r/4][r % 4] = A[row0 + r][k0 + k]
var<workgroup> a_step: array<vec4f, TILE_K * A_SLOTS>;
// b_step[k·B_SLOTS + j/4][j % 4] = B[k0 + k][col0 + j]
var<workgroup> b_step: array<vec4f, TILE_K * B_SLOTS>;

fn load_a(row: u32, k: u32) -> f32 {
  if (row < M && k < K) {
    return a[row * K + k];
  }
  return 0.0;
}

fn load_b(k: u32, col: u32) -> f32 {
  if (k < K && col < N) {
    return b[k * N + col];
  }
  return 0.0;
}

// Stores C[row][col, col + 4), dropping what lies past M or N.
fn store4(row: u32, col: u32, values: vec4f) {
  if (row >= M) {
    return;
  }
  let at = row * N + col;
  if (col + 3u < N) {
    c[at] = values.x;
    c[at + 1u] = values.y;
    c[at + 2u] = values.z;
    c[at + 3u] = values.w;
    return;
  }
  if (col < N) {
    c[at] = values.x;
  }
  if (col + 1u < N) {
    c[at + 1u] = values.y;
  }
  if (col + 2u < N) {
    c[at + 2u] = values.z;
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) group_id: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) local: u32,
) {
  let tiles_across = (N + TILE_N - 1u) / TILE_N;
  let tile = group_id.x + group_id.y * groups.x;
  // Whole workgroups return together, so the barriers below stay in uniform control flow.
  if (tile >= tiles_across * ((M + TILE_M - 1u) / TILE_M)) {
    return;
  }
  let row0 = (tile / tiles_across) * TILE_M;
  let col0 = (tile % tiles_across) * TILE_N;
  // This invocation's 8×8 block, in vec4 slots of the staged steps: rows 4·block_slot_row + 0..7,
  // columns 4·block_slot_col + 0..7 of the tile.
  let block_slot_row = (local / BLOCKS_ACROSS) * 2u;
  let block_slot_col = (local % BLOCKS_ACROSS) * 2u;

  // acc<r><l|r>: row r of the block, columns 0..3 (l) or 4..7 (r).
  var acc0l = vec4f(0.0);
  var acc0r = vec4f(0.0);
  var acc1l = vec4f(0.0);
  var acc1r = vec4f(0.0);
  var acc2l = vec4f(0.0);
  var acc2r = vec4f(0.0);
  var acc3l = vec4f(0.0);
  var acc3r = vec4f(0.0);
  var acc4l = vec4f(0.0);
  var acc4r = vec4f(0.0);
  var acc5l = vec4f(0.0);
  var acc5r = vec4f(0.0);
  var acc6l = vec4f(0.0);
  var acc6r = vec4f(0.0);
  var acc7l = vec4f(0.0);
  var acc7r = vec4f(0.0);

  for (var k0 = 0u; k0 < K; k0 += TILE_K) {
    // Consecutive invocations take consecutive k (A) or columns (B): neighbouring global addresses.
    for (var slot = local; slot < TILE_K * A_SLOTS; slot += WORKGROUP_SIZE) {
      let k = slot % TILE_K;
      let r = row0 + (slot / TILE_K) * 4u;
      a_step[k * A_SLOTS + slot / TILE_K] = vec4f(
        load_a(r, k0 + k),
        load_a(r + 1u, k0 + k),
        load_a(r + 2u, k0 + k),
        load_a(r + 3u, k0 + k),
      );
    }
    for (var slot = local; slot < TILE_K * B_SLOTS; slot += WORKGROUP_SIZE) {
      let k = k0 + slot / B_SLOTS;
      let j = col0 + (slot % B_SLOTS) * 4u;
      b_step[slot] = vec4f(load_b(k, j), load_b(k, j + 1u), load_b(k, j + 2u), load_b(k, j + 3u));
    }
    workgroupBarrier();

    // A last step reaching past K multiplies staged zeros: the trip count stays a constant.
    for (var k = 0u; k < TILE_K; k += 1u) {
      let a_top = a_step[k * A_SLOTS + block_slot_row]; // A[rows 0..3 of the block][k]
      let a_bottom = a_step[k * A_SLOTS + block_slot_row + 1u]; // rows 4..7
      let b_left = b_step[k * B_SLOTS + block_slot_col]; // B[k][columns 0..3 of the block]
      let b_right = b_step[k * B_SLOTS + block_slot_col + 1u]; // columns 4..7
      acc0l += a_top.x * b_left;
      acc0r += a_top.x * b_right;
      acc1l += a_top.y * b_left;
      acc1r += a_top.y * b_right;
      acc2l += a_top.z * b_left;
      acc2r += a_top.z * b_right;
      acc3l += a_top.w * b_left;
      acc3r += a_top.w * b_right;
      acc4l += a_bottom.x * b_left;
      acc4r += a_bottom.x * b_right;
      acc5l += a_bottom.y * b_left;
      acc5r += a_bottom.y * b_right;
      acc6l += a_bottom.z * b_left;
      acc6r += a_bottom.z * b_right;
      acc7l += a_bottom.w * b_left;
      acc7r += a_bottom.w * b_right;
    }
    // The next step overwrites the staged tiles only after every invocation has read them.
    workgroupBarrier();
  }

  let row = row0 + block_slot_row * 4u;
  let left = col0 + block_slot_col * 4u;
  let right = left + 4u;
  store4(row, left, acc0l);
  store4(row, right, acc0r);
  store4(row + 1u, left, acc1l);
  store4(row + 1u, right, acc1r);
  store4(row + 2u, left, acc2l);
  store4(row + 2u, right, acc2r);
  store4(row + 3u, left, acc3l);
  store4(row + 3u, right, acc3r);
  store4(row + 4u, left, acc4l);
  store4(row + 4u, right, acc4r);
  store4(row + 5u, left, acc5l);
  store4(row + 5u, right, acc5r);
  store4(row + 6u, left, acc6l);
  store4(row + 6u, right, acc6r);
  store4(row + 7u, left, acc7l);
  store4(row + 7u, right, acc7r);
}
