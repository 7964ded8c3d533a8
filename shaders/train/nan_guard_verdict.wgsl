// Stage 2 of the NaN guard (src/train/nan-guard.ts), one invocation per agent, at the end of an
// iteration: is the agent's state finite, and what does the report block say about it?
//
// Non-finite ("poisoned") means any of:
//   - a parameter is NaN or ±Inf (the CHUNKS partial counts of train.nan_guard_partial are > 0);
//   - a statistic in REQUIRED_MASK (bit s = word s of the record) is NaN or ±Inf: those always
//     apply, so NaN is no "does not apply" marker for them;
//   - any statistic is ±Inf (NaN alone may mean "does not apply": src/losses/statistics.ts);
//   - the statistic at LOSS_TERMS_WORD (nonfinite_terms: loss terms the means skipped) is > 0.
// Bit patterns, not comparisons, decide finiteness: WGSL lets a compiler fold `x != x` away.
//
// guard_state, STATE_WORDS u32 per agent, kept across iterations:
//   0  checks so far (= the index of the iteration being checked: one check per iteration)
//   1  poison mask of the first poisoned check: bit s = statistic s, bit PARAMETERS_BIT = parameters
//      (0 while healthy; sticky: never cleared, so the snapshot stays at the last good state)
//   2  the iteration of that first poisoned check
//   3  1 + the iteration whose state the snapshot holds (0: the state at initialisation)
// Words 1–3 are copied to report[agent·REPORT_WORDS + STATUS_WORD + 0…2] for the CPU.
// train.nan_guard_snapshot then copies the state into the snapshot only while word 1 is 0.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override CHUNKS: u32;
override STATISTICS_WORDS: u32 = 16u;
override REQUIRED_MASK: u32;
// 0xffffffff: no loss-term count to check.
override LOSS_TERMS_WORD: u32 = 0xffffffffu;
override REPORT_WORDS: u32;
override STATUS_WORD: u32;
override STATE_WORDS: u32 = 4u;
override PARAMETERS_BIT: u32 = 16u;

@group(0) @binding(0) var<storage, read> partial_counts: array<u32>;
@group(0) @binding(1) var<storage, read> statistics: array<u32>;
@group(0) @binding(2) var<storage, read_write> guard_state: array<u32>;
@group(0) @binding(3) var<storage, read_write> report: array<u32>;

const EXPONENT_BITS: u32 = 0x7f800000u;
const MANTISSA_BITS: u32 = 0x007fffffu;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let g = flat_index(global_id, workgroups);
  if (g >= AGENTS) {
    return;
  }
  var poison = 0u;
  var nonfinite_parameters = 0u;
  for (var c = 0u; c < CHUNKS; c += 1u) {
    nonfinite_parameters += partial_counts[g * CHUNKS + c];
  }
  if (nonfinite_parameters > 0u) {
    poison |= 1u << PARAMETERS_BIT;
  }
  for (var s = 0u; s < STATISTICS_WORDS; s += 1u) {
    let bits = statistics[g * STATISTICS_WORDS + s];
    let nonfinite = (bits & EXPONENT_BITS) == EXPONENT_BITS;
    let infinite = nonfinite && (bits & MANTISSA_BITS) == 0u;
    let required = ((REQUIRED_MASK >> s) & 1u) != 0u;
    // A positive count: the sign bit clear and not +0 (a count is an integer-valued f32).
    let counted = s == LOSS_TERMS_WORD && (bits & 0x80000000u) == 0u && bits != 0u;
    if ((nonfinite && required) || infinite || counted) {
      poison |= 1u << s;
    }
  }

  let state = g * STATE_WORDS;
  let iteration = guard_state[state];
  guard_state[state] = iteration + 1u;
  if (guard_state[state + 1u] == 0u) {
    if (poison != 0u) {
      guard_state[state + 1u] = poison;
      guard_state[state + 2u] = iteration;
    } else {
      guard_state[state + 3u] = iteration + 1u;
    }
  }
  let status = g * REPORT_WORDS + STATUS_WORD;
  report[status] = guard_state[state + 1u];
  report[status + 1u] = guard_state[state + 2u];
  report[status + 2u] = guard_state[state + 3u];
}
