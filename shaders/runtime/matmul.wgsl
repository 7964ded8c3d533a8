// C[M×N] = A[M×K]·B[K×N], f32, row-major: the dense-layer shape (batch × inputs · inputs × units),
// tiled through workgroup memory and blocked in registers.
//
// One workgroup computes one TILE_M×TILE_N tile of C. It walks K in steps of TILE_K: the
// invocations stage A[tile rows][step] and B[step][tile cols] in workgroup memory (each element
// loaded from global memory once per workgroup), then each invocation accumulates a 4×4 block of C
// in four vec4 registers. A's step is staged transposed, so one vec4 read gives four rows of one
// column of A and one gives four columns of one row of B: 16 multiply-adds per two workgroup
// reads.
//
// Workgroups: one per tile of C, ceil(M / TILE_M)·ceil(N / TILE_N), numbered row-major over the
// tiles. The dispatch may be split over x and y (src/gpu/dispatch.ts), so the flat workgroup index
// is rebuilt and checked. Rows, columns and depths past M, N, K are staged as zeros and never
// stored, so any sizes work; only the stores and the staging loads carry bounds checks.
//
// WORKGROUP_SIZE must be (TILE_M / 4)·(TILE_N / 4) = 64: one invocation per 4×4 block (the spec,
// MATMUL in src/gpu/runtime-kernels.ts, holds it there).

override WORKGROUP_SIZE: u32 = 64u;
override M: u32;
override N: u32;
override K: u32;

const TILE_M: u32 = 32u;
const TILE_N: u32 = 32u;
const TILE_K: u32 = 32u;
// vec4 slots per staged row: four rows of A (transposed) or four columns of B each.
const A_SLOTS: u32 = TILE_M / 4u;
const B_SLOTS: u32 = TILE_N / 4u;

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

fn store_row(row: u32, col: u32, values: vec4f) {
  if (row >= M) {
    return;
  }
  for (var j = 0u; j < 4u; j += 1u) {
    if (col + j < N) {
      c[row * N + col + j] = values[j];
    }
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
  // This invocation's 4×4 block within the tile, in vec4 slots.
  let block_row = local / B_SLOTS;
  let block_col = local % B_SLOTS;

  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
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
    // The last step past K multiplies staged zeros: cheaper than a data-dependent trip count.
    for (var k = 0u; k < TILE_K; k += 1u) {
      let a_col = a_step[k * A_SLOTS + block_row];
      let b_row = b_step[k * B_SLOTS + block_col];
      acc0 += a_col.x * b_row;
      acc1 += a_col.y * b_row;
      acc2 += a_col.z * b_row;
      acc3 += a_col.w * b_row;
    }
    // The next step overwrites the staged tiles only after every invocation has read them.
    workgroupBarrier();
  }

  let row = row0 + block_row * 4u;
  let col = col0 + block_col * 4u;
  store_row(row, col, acc0);
  store_row(row + 1u, col, acc1);
  store_row(row + 2u, col, acc2);
  store_row(row + 3u, col, acc3);
}
