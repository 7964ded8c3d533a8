// Include-only: reductions over a workgroup, one value per invocation in, the total out to every
// invocation. Deterministic and without atomics (WGSL has no float atomics): a tree in workgroup
// memory whose pairing order is fixed, so every run gives the same bits, and whose rounding error
// grows with log2(WORKGROUP_SIZE) rather than with the workgroup's size.
// Needs the including kernel's `override WORKGROUP_SIZE: u32`; any size works, powers of two or not.
// Call from uniform control flow, every invocation of the workgroup (the trees hold barriers).
//
// The tree. Level by level, invocation i < s takes in invocation i + s's value (when that exists)
// with s = the largest power of two below WORKGROUP_SIZE, then s/2, …, 1. The first level folds the
// invocations past a power of two onto the lower ones; for a power-of-two size it is the usual
// halving tree, pair for pair. Barriers: after the values are stored, after every level (so the
// total is complete when it is read) and after it is read (so that a following call, which stores
// into the same array, cannot overwrite it before every invocation has read it).
//
// The shapes. WGSL has no generics, and passing a pointer to workgroup memory needs a language
// extension, so each element type has its array here and its own copy of the eight-line tree:
// workgroup_sum (f32), workgroup_sum2 and workgroup_sum4 (several channels summed at once, e.g.
// (Σw, Σw²) or (Σx, count)), workgroup_sum_u32 (counts) and workgroup_max (f32). A kernel pays only
// for the arrays it uses: workgroup storage is sized per entry point from the variables it
// statically uses. A record with its own combine (reduce/moments.wgsl's Chan update) walks the same
// schedule through reduce_first_stride and reduce_takes.

var<workgroup> reduce_f32: array<f32, WORKGROUP_SIZE>;
var<workgroup> reduce_vec2f: array<vec2f, WORKGROUP_SIZE>;
var<workgroup> reduce_vec4f: array<vec4f, WORKGROUP_SIZE>;
var<workgroup> reduce_u32: array<u32, WORKGROUP_SIZE>;

// The first level's stride: the largest power of two below WORKGROUP_SIZE; 0 for a workgroup of one
// (nothing to combine).
fn reduce_first_stride() -> u32 {
  return select(0u, 1u << firstLeadingBit(max(WORKGROUP_SIZE - 1u, 1u)), WORKGROUP_SIZE > 1u);
}

// Whether invocation `lane` takes in invocation lane + stride's value at the level of `stride`.
fn reduce_takes(lane: u32, stride: u32) -> bool {
  return lane < stride && lane + stride < WORKGROUP_SIZE;
}

fn workgroup_sum(value: f32, lane: u32) -> f32 {
  reduce_f32[lane] = value;
  workgroupBarrier();
  for (var stride = reduce_first_stride(); stride > 0u; stride /= 2u) {
    if (reduce_takes(lane, stride)) {
      reduce_f32[lane] += reduce_f32[lane + stride];
    }
    workgroupBarrier();
  }
  let total = reduce_f32[0];
  workgroupBarrier();
  return total;
}

// Channel by channel: the same additions as workgroup_sum on each component.
fn workgroup_sum2(value: vec2f, lane: u32) -> vec2f {
  reduce_vec2f[lane] = value;
  workgroupBarrier();
  for (var stride = reduce_first_stride(); stride > 0u; stride /= 2u) {
    if (reduce_takes(lane, stride)) {
      reduce_vec2f[lane] += reduce_vec2f[lane + stride];
    }
    workgroupBarrier();
  }
  let total = reduce_vec2f[0];
  workgroupBarrier();
  return total;
}

fn workgroup_sum4(value: vec4f, lane: u32) -> vec4f {
  reduce_vec4f[lane] = value;
  workgroupBarrier();
  for (var stride = reduce_first_stride(); stride > 0u; stride /= 2u) {
    if (reduce_takes(lane, stride)) {
      reduce_vec4f[lane] += reduce_vec4f[lane + stride];
    }
    workgroupBarrier();
  }
  let total = reduce_vec4f[0];
  workgroupBarrier();
  return total;
}

// Exact while the total fits a u32 (it wraps past 2^32 − 1).
fn workgroup_sum_u32(value: u32, lane: u32) -> u32 {
  reduce_u32[lane] = value;
  workgroupBarrier();
  for (var stride = reduce_first_stride(); stride > 0u; stride /= 2u) {
    if (reduce_takes(lane, stride)) {
      reduce_u32[lane] += reduce_u32[lane + stride];
    }
    workgroupBarrier();
  }
  let total = reduce_u32[0];
  workgroupBarrier();
  return total;
}

// Callers that may see NaN filter it first: a WGSL implementation may assume floats are finite.
fn workgroup_max(value: f32, lane: u32) -> f32 {
  reduce_f32[lane] = value;
  workgroupBarrier();
  for (var stride = reduce_first_stride(); stride > 0u; stride /= 2u) {
    if (reduce_takes(lane, stride)) {
      reduce_f32[lane] = max(reduce_f32[lane], reduce_f32[lane + stride]);
    }
    workgroupBarrier();
  }
  let total = reduce_f32[0];
  workgroupBarrier();
  return total;
}
