// One minibatch of a rollout column, gathered through the epoch's index list: minibatch row
// r = g·ROWS_PER_AGENT + k of agent g reads sample i = indices[g·SAMPLES_PER_AGENT + m·ROWS_PER_AGENT + k]
// (m = params.minibatch) and copies its WIDTH words:
//   destination[r·WIDTH + c] = source[i·WIDTH + c].
// Words are moved as u32 bits, so one kernel serves f32 observations, u32 actions and f32 scalars.
// One invocation per destination word.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override ROWS_PER_AGENT: u32;
override SAMPLES_PER_AGENT: u32;
override WIDTH: u32;

// One slot per minibatch, written once at initialisation (src/rollout/kernels.ts).
struct GatherParams {
  minibatch: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> params: GatherParams;
@group(0) @binding(1) var<storage, read> indices: array<u32>;
@group(0) @binding(2) var<storage, read> source: array<u32>;
@group(0) @binding(3) var<storage, read_write> destination: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let e = flat_index(global_id, workgroups);
  if (e >= AGENTS * ROWS_PER_AGENT * WIDTH) {
    return;
  }
  let r = e / WIDTH;
  let c = e % WIDTH;
  let agent = r / ROWS_PER_AGENT;
  let k = r % ROWS_PER_AGENT;
  let i = indices[agent * SAMPLES_PER_AGENT + params.minibatch * ROWS_PER_AGENT + k];
  destination[e] = source[i * WIDTH + c];
}
