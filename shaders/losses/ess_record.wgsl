// The effective sample size of one gradient step, appended to a per-agent history so that every
// step of an off-policy update is reported (the statistics record keeps only the last). From the
// surrogate's terms of this step (columns TERM_WEIGHT = w and TERM_WEIGHT_SQUARED = w², written
// without accumulation), per agent over its ROWS_PER_AGENT rows:
//   ESS / n = (Σw)² / (n·Σw²)        (Kong 1992; 1 when every w is equal, 1/n when one dominates)
// history[agent·HISTORY_WORDS] counts the steps recorded (f32, zeroed by the trainer each
// iteration); step k's ESS goes to word 1 + k while k < HISTORY_WORDS − 1 (later steps are counted,
// not stored). One workgroup per agent, summing (Σw, Σw²) by common/reduce.wgsl.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override ROWS_PER_AGENT: u32;
override HISTORY_WORDS: u32;
// Term columns (LOSS_TERM in src/losses/layout.ts).
override TERM_WEIGHT: u32;
override TERM_WEIGHT_SQUARED: u32;

@group(0) @binding(0) var<storage, read> terms: array<f32>;
@group(0) @binding(1) var<storage, read_write> history: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup_id: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  // Uniform per workgroup, so returning on it keeps the tree's barriers uniform.
  let agent = workgroup_index(workgroup_id, workgroups);
  if (agent >= AGENTS) {
    return;
  }
  let rows = AGENTS * ROWS_PER_AGENT;
  var sum = vec2f(0.0);
  for (var r = lane; r < ROWS_PER_AGENT; r += WORKGROUP_SIZE) {
    let row = agent * ROWS_PER_AGENT + r;
    sum += vec2f(terms[TERM_WEIGHT * rows + row], terms[TERM_WEIGHT_SQUARED * rows + row]);
  }
  let total = workgroup_sum2(sum, lane);
  if (lane == 0u) {
    let base = agent * HISTORY_WORDS;
    let step = u32(history[base]);
    if (step + 1u < HISTORY_WORDS) {
      history[base + 1u + step] = total.x * total.x / (f32(ROWS_PER_AGENT) * total.y);
    }
    history[base] = f32(step + 1u);
  }
}
