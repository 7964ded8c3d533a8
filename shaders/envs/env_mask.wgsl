// masks[n] = env_mask(states[n]) for every env (one invocation per env): the legal actions of the
// state the policy acts on next. Dispatched after every reset, auto-reset and state overwrite of a
// masked env (src/envs/vector-env.ts), so `masks` always describes `observations`.

override WORKGROUP_SIZE: u32 = 64u;
// Env instances.
override NUM_ENVS: u32;

@group(0) @binding(0) var<uniform> env_params: EnvParams;
@group(0) @binding(1) var<storage, read> states: array<State>;
// [NUM_ENVS][MASK_SIZE] u32: 1 = allowed, 0 = masked (the body's verdict, kept as it said).
@group(0) @binding(2) var<storage, read_write> masks: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let env = flat_index(global_id, workgroups);
  if (env >= NUM_ENVS) {
    return;
  }
  let mask = env_mask(states[env], env_params);
  for (var a = 0u; a < MASK_SIZE; a += 1u) {
    masks[env * MASK_SIZE + a] = select(0u, 1u, mask[a] != 0u);
  }
}
