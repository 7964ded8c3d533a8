// Include-only: where element j of segment s lives, and the stage-1 bodies of both passes, shared by
// the direct and the gather kernels. A segment is ROWS rows of WIDTH
// consecutive words: element j of segment s is at
//   OFFSET + s·SEGMENT_STRIDE + (j / WIDTH)·ROW_STRIDE + j % WIDTH,   0 ≤ j < ROWS·WIDTH.
// Contiguous segments of length L: ROWS = 1, WIDTH = L, SEGMENT_STRIDE = L. Agent g of a [T][N]
// buffer (envs [g·N/G, (g+1)·N/G) of every row): ROWS = T, WIDTH = N/G, ROW_STRIDE = N,
// SEGMENT_STRIDE = N/G. Each segment is cut into CHUNKS chunks of WORKGROUP_SIZE·ITEMS_PER_THREAD
// elements, one workgroup per chunk; invocations read elements strided by WORKGROUP_SIZE, so
// neighbours read neighbouring words. The including kernel defines segment_value(position), which
// returns NaN for an element that is not there.

override SEGMENTS: u32;
override ROWS: u32;
override WIDTH: u32;
override ROW_STRIDE: u32;
override SEGMENT_STRIDE: u32;
override OFFSET: u32 = 0u;
override CHUNKS: u32;
override ITEMS_PER_THREAD: u32 = 8u;

fn segment_position(segment: u32, j: u32) -> u32 {
  return OFFSET + segment * SEGMENT_STRIDE + (j / WIDTH) * ROW_STRIDE + j % WIDTH;
}

// The Moments of chunk (group % CHUNKS) of segment (group / CHUNKS); `group` must be uniform.
fn chunk_moments(group: u32, local_index: u32) -> Moments {
  let segment = group / CHUNKS;
  let chunk_start = (group % CHUNKS) * WORKGROUP_SIZE * ITEMS_PER_THREAD;
  let length = ROWS * WIDTH;
  var m = moments_empty();
  for (var k = 0u; k < ITEMS_PER_THREAD; k += 1u) {
    let j = chunk_start + k * WORKGROUP_SIZE + local_index;
    if (j < length) {
      m = moments_combine(m, moments_of(segment_value(segment_position(segment, j))));
    }
  }
  return workgroup_moments(m, local_index);
}

// (Σd, Σd²), d = x − mean over the finite elements of one chunk (second pass); `group` uniform.
fn chunk_deviations(group: u32, local_index: u32, mean: f32) -> vec2f {
  let segment = group / CHUNKS;
  let chunk_start = (group % CHUNKS) * WORKGROUP_SIZE * ITEMS_PER_THREAD;
  let length = ROWS * WIDTH;
  var sums = vec2f(0.0);
  for (var k = 0u; k < ITEMS_PER_THREAD; k += 1u) {
    let j = chunk_start + k * WORKGROUP_SIZE + local_index;
    if (j < length) {
      let x = segment_value(segment_position(segment, j));
      if (is_finite_f32(x)) {
        let d = x - mean;
        sums += vec2f(d, d * d);
      }
    }
  }
  return workgroup_sum2(sums, local_index);
}
