// The effective sample size of one gradient step, appended to a per-agent history so that every
// step of an off-policy update is reported (the statistics record keeps only the last). From the
// surrogate's terms of this step (columns TERM_WEIGHT = w and TERM_WEIGHT_SQUARED = w², written
// without accumulation), per agent over its ROWS_PER_AGENT rows:
//   ESS / n = (Σw)² / (n·Σw²)        (Kong 1992; 1 when every w is equal, 1/n when one dominates)
// history[agent·HISTORY_WORDS] counts the steps recorded (f32, zeroed by the trainer each
// iteration); step k's ESS goes to word 1 + k while k < HISTORY_WORDS − 1 (later steps are counted,
// not stored). One workgroup per agent; a tree reduction in workgroup memory.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override ROWS_PER_AGENT: u32;
override HISTORY_WORDS: u32;
// Term columns (LOSS_TERM in src/losses/layout.ts).
override TERM_WEIGHT: u32;
override TERM_WEIGHT_SQUARED: u32;

@group(0) @binding(0) var<storage, read> terms: array<f32>;
@group(0) @binding(1) var<storage, read_write> history: array<f32>;

var<workgroup> sums: array<vec2f, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lane: u32) {
  // One agent per workgroup along x; uniform per workgroup, so the barriers below are uniform.
  let agent = group.x;
  let rows = AGENTS * ROWS_PER_AGENT;
  var sum = vec2f(0.0);
  if (agent < AGENTS) {
    for (var r = lane; r < ROWS_PER_AGENT; r += WORKGROUP_SIZE) {
      let row = agent * ROWS_PER_AGENT + r;
      sum += vec2f(terms[TERM_WEIGHT * rows + row], terms[TERM_WEIGHT_SQUARED * rows + row]);
    }
  }
  sums[lane] = sum;
  workgroupBarrier();
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width /= 2u) {
    if (lane < width) {
      sums[lane] += sums[lane + width];
    }
    workgroupBarrier();
  }
  if (lane == 0u && agent < AGENTS) {
    let base = agent * HISTORY_WORDS;
    let step = u32(history[base]);
    if (step + 1u < HISTORY_WORDS) {
      let total = sums[0];
      history[base + 1u + step] = total.x * total.x / (f32(ROWS_PER_AGENT) * total.y);
    }
    history[base] = f32(step + 1u);
  }
}
