// out[i] = a·x[i] + y[i] for i < N: the runtime's round-trip kernel (self-check, dispatch split and
// bounds checks, dispatch-overhead benchmark). Out of place, so a test can poison `out` with NaN and
// see that every element was written.

override WORKGROUP_SIZE: u32 = 64u;
override N: u32;

struct AxpyParams {
  a: f32,
}

@group(0) @binding(0) var<uniform> params: AxpyParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= N) {
    return;
  }
  out[i] = params.a * x[i] + y[i];
}
