// Include-only: the affine recurrence y_i = b_i + a_i·y_{i−1} (y_{−1} = 0) over the logical index
// i of one env's column of a [T][N] coefficients buffer; i runs backwards in time when REVERSE = 1
// (t = T − 1 − i), forwards when 0. An element (a, b) is the map y ↦ b + a·y; maps compose
// associatively, later ∘ earlier = (a_l·a_e, b_l + a_l·b_e), which is what lets a parallel scan
// compute the recurrence. Chunks of CHUNK_LENGTH = WORKGROUP_SIZE·ITEMS_PER_THREAD consecutive
// logical indices, one workgroup each; invocation k owns ITEMS_PER_THREAD consecutive indices.
// Needs returns/rollout.wgsl (STEPS, ENVS).

override REVERSE: u32 = 1u;
override CHUNKS: u32;
override ITEMS_PER_THREAD: u32 = 8u;

const AFFINE_IDENTITY = vec2f(1.0, 0.0);

fn compose(later: vec2f, earlier: vec2f) -> vec2f {
  return vec2f(later.x * earlier.x, later.y + later.x * earlier.y);
}

fn time_of(i: u32) -> u32 {
  return select(i, STEPS - 1u - i, REVERSE != 0u);
}

// The element at logical index i of env n (identity past the end).
fn element(coefficients_at: u32, i: u32) -> u32 {
  return time_of(i) * ENVS + coefficients_at;
}

var<workgroup> scan_scratch: array<vec2f, WORKGROUP_SIZE>;

// Hillis–Steele inclusive scan: returns value_k ∘ … ∘ value_0 to invocation k. Uniform control flow.
fn workgroup_inclusive_scan(value: vec2f, local_index: u32) -> vec2f {
  var current = value;
  scan_scratch[local_index] = current;
  workgroupBarrier();
  for (var offset = 1u; offset < WORKGROUP_SIZE; offset = offset * 2u) {
    if (local_index >= offset) {
      current = compose(current, scan_scratch[local_index - offset]);
    }
    workgroupBarrier();
    scan_scratch[local_index] = current;
    workgroupBarrier();
  }
  return current;
}

// Map at the workgroup's flat index: env and chunk.
fn chunk_env(group: u32) -> u32 {
  return group / CHUNKS;
}

fn chunk_first(group: u32) -> u32 {
  return (group % CHUNKS) * WORKGROUP_SIZE * ITEMS_PER_THREAD;
}
