// The rollout's categorical action sampling, with a Philox key per agent: row r (env n = r) of
// agent g = r / ROWS_PER_AGENT samples with key (agent_seeds[g], params.stream) and counter
// (params.draw, r mod ROWS_PER_AGENT, params.step, params.iteration). Agent g's envs thus draw
// exactly what a single-agent rollout of ROWS_PER_AGENT envs seeded agent_seeds[g] draws; with one
// agent this is nn/categorical_sample.wgsl's draw (key (seed, stream), row r). params.seed is unused.
// Sampling and log-probability are nn/categorical_common.wgsl's, as in nn/categorical_sample.wgsl,
// so the rollout's log p_old equals the update's first log p_new. One invocation per row.
// With a mask (MASKED = 1, the env's `masks`), a row that allows no action is not sampled: it gets
// action 0 and log p = CATEGORICAL_MASKED_LOGIT, and is counted in mask_errors with its place
// params.step · ROWS + r, so the host can name the env instance and the step (atomicMin keeps the
// earliest whatever the invocation order).
// A multi-discrete policy dispatches this once per branch b (BRANCH = b): the branch's slice of the
// logits and mask, its action to word b of the row (categorical_actions.wgsl), its uniform word b of
// the draw (uniform_from_word, rng/philox.wgsl), and its log p added to the branches before it
// (ACCUMULATE, categorical_accumulate.wgsl).

override WORKGROUP_SIZE: u32 = 64u;
// The rows sampled by one dispatch: ROW_FROM … ROW_FROM + ROW_COUNT − 1 of the ROWS (all of them, or
// one half of a JavaScript env's instances when the rollout pipelines its steps, src/rollout/host-halves.ts).
// A row keeps its global index r for its counter, its mask and its outputs, so a half draws what
// the whole batch draws for the same rows.
override ROW_FROM: u32 = 0u;
override ROW_COUNT: u32;
override ROWS_PER_AGENT: u32;
override BRANCH: u32 = 0u;

@group(0) @binding(0) var<uniform> params: RngParams;
// [ROWS / ROWS_PER_AGENT] u32 seeds.
@group(0) @binding(1) var<storage, read> agent_seeds: array<u32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
// [ROWS][ACTIONS], 1 = allowed; not read when MASKED = 0 (bind any buffer).
@group(0) @binding(3) var<storage, read> mask: array<u32>;
@group(0) @binding(4) var<storage, read_write> actions: array<u32>;
@group(0) @binding(5) var<storage, read_write> log_probs: array<f32>;
// Rows whose mask allows no action (categorical_common.wgsl); not written when MASKED = 0.
@group(0) @binding(6) var<storage, read_write> mask_errors: MaskErrors;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= ROW_COUNT) {
    return;
  }
  let r = ROW_FROM + i;
  let key = vec2u(agent_seeds[r / ROWS_PER_AGENT], params.stream);
  let sums = categorical_row_sums(r);
  if (categorical_allows_none(sums)) {
    if (MASKED != 0u) {
      atomicAdd(&mask_errors.count, 1u);
      atomicMin(&mask_errors.first_row, params.step * ROWS + r);
    }
    actions[categorical_action_index(r)] = 0u;
    log_probs[r] = categorical_accumulated(CATEGORICAL_MASKED_LOGIT, log_probs[r]);
    return;
  }
  let u = uniform_from_word(rng_counter(params, r % ROWS_PER_AGENT), key, BRANCH);
  let action = categorical_sample_row(r, sums, u);
  actions[categorical_action_index(r)] = action;
  let log_prob = categorical_log_prob(categorical_logit(r, action), categorical_log_normaliser(sums));
  log_probs[r] = categorical_accumulated(log_prob, log_probs[r]);
}
