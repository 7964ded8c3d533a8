// Include-only: what the per-row loss kernels share (src/losses/layout.ts mirrors every layout here).
//
// Rows are one minibatch, agent-major: ROWS = AGENTS·ROWS_PER_AGENT, row r belongs to agent
// r / ROWS_PER_AGENT. Every loss is a mean over the agent's M = ROWS_PER_AGENT rows, so each per-row
// coefficient written for a head backward kernel (∂L/∂log π[r], ∂L/∂H[r], ∂L/∂KL[r]) or for the
// critic (∂L/∂V[r]) carries the 1/M and the loss's coefficient.
//
// Per-row statistics terms go to `terms`, column-major [LOSS_TERM_COUNT][ROWS]: column c of row r at
// c·ROWS + r, so each (column, agent) pair is one contiguous segment of M values for the statistics
// reduction. With ACCUMULATE_TERMS = 1 a kernel adds to its columns (zeroed once per iteration) so
// the statistics average over every minibatch update; with 0 it overwrites (last minibatch only).
// The including kernel declares `terms` (array<f32>, read_write) and `coefficients`.

override ROWS: u32;
override ROWS_PER_AGENT: u32;
override ACCUMULATE_TERMS: u32 = 0u;

// Term columns (LOSS_TERM in src/losses/layout.ts).
const TERM_SURROGATE: u32 = 0u;
const TERM_ENTROPY: u32 = 1u;
const TERM_KL_PENALTY: u32 = 2u;
const TERM_VALUE_LOSS: u32 = 3u;
const TERM_APPROX_KL: u32 = 4u;
const TERM_CLIPPED: u32 = 5u;
const TERM_WEIGHT: u32 = 6u;
const TERM_WEIGHT_SQUARED: u32 = 7u;

// One agent's coefficients: f32 [AGENTS][8] (LOSS_COEFFICIENT in src/losses/layout.ts). A population
// sweep writes them per agent; an adaptive-KL kernel rewrites kl_beta on the GPU.
struct LossCoefficients {
  clip: f32,        // PPO clip ε (also the clipfrac threshold)
  value_clip: f32,  // clipped value loss ε_v
  entropy: f32,     // ent_coef c
  value: f32,       // vf_coef c_v
  kl_beta: f32,     // KL penalty β
  reserved0: f32,
  reserved1: f32,
  reserved2: f32,
}

fn agent_of_row(row: u32) -> u32 {
  return row / ROWS_PER_AGENT;
}

fn inverse_rows_per_agent() -> f32 {
  return 1.0 / f32(ROWS_PER_AGENT);
}

fn write_term(column: u32, row: u32, value: f32) {
  let index = column * ROWS + row;
  if (ACCUMULATE_TERMS != 0u) {
    terms[index] = terms[index] + value;
  } else {
    terms[index] = value;
  }
}
