// The statistics block: one fixed record of STATISTICS_WORDS f32 per agent (STATISTICS in
// src/losses/statistics.ts names every word), from the per-segment Moments of the loss terms and the
// rollout terms (src/gpu/reduce.ts), the optimiser's ‖g‖² and the loss coefficients. NaN marks a
// statistic that does not apply (no critic, no entropy bonus, no episode finished, Var[R] = 0).
// One invocation per agent. Moments records, in `moments`:
//   [c·AGENTS + g]                      loss term column c (LOSS_TERM) of agent g, c < 8
//   [8·AGENTS + k·AGENTS + g]           rollout term k (ROLLOUT_TERM) of agent g, k < 4
// Loss terms accumulated over UPDATES minibatch updates give per-row sums of UPDATES values, so a
// mean over the updates is the column's mean / UPDATES (UPDATES = 1 without accumulation).

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override UPDATES: u32 = 1u;
override STATISTICS_WORDS: u32 = 16u;
override HAS_ENTROPY: u32 = 1u;
override HAS_KL_PENALTY: u32 = 0u;
override HAS_VALUE: u32 = 1u;
override HAS_CRITIC: u32 = 1u;
override HAS_GRAD_NORM: u32 = 1u;

// Moments is reduce/moments.wgsl's record (included before this file).

@group(0) @binding(0) var<storage, read> moments: array<Moments>;
@group(0) @binding(1) var<storage, read> grad_norm_squared: array<f32>;
@group(0) @binding(2) var<storage, read> coefficients: array<f32>;
@group(0) @binding(3) var<storage, read_write> statistics: array<f32>;

// LOSS_COEFFICIENT_WORDS and LOSS_COEFFICIENT.klBeta (src/losses/layout.ts).
const COEFFICIENT_WORDS: u32 = 8u;
const COEFFICIENT_KL_BETA: u32 = 4u;

fn loss_term(column: u32, agent: u32) -> Moments {
  return moments[column * AGENTS + agent];
}

fn rollout_term(k: u32, agent: u32) -> Moments {
  return moments[(8u + k) * AGENTS + agent];
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let g = flat_index(global_id, workgroups);
  if (g >= AGENTS) {
    return;
  }
  let nan = bitcast<f32>(0x7fc00000u + g * 0u);
  let updates = f32(UPDATES);
  let out = g * STATISTICS_WORDS;

  var policy_loss = loss_term(0u, g).mean / updates;
  if (HAS_KL_PENALTY != 0u) {
    policy_loss += loss_term(2u, g).mean / updates;
  }
  statistics[out + 0u] = policy_loss;
  statistics[out + 1u] = select(nan, loss_term(3u, g).mean / updates, HAS_VALUE != 0u);
  statistics[out + 2u] = select(nan, loss_term(1u, g).mean / updates, HAS_ENTROPY != 0u);
  statistics[out + 3u] = loss_term(4u, g).mean / updates;
  statistics[out + 4u] = loss_term(5u, g).mean / updates;
  // ESS/n = (Σw)² / (n·Σw²) over every (row, update): the columns hold per-row sums over updates.
  let weights = loss_term(6u, g);
  let weights_squared = loss_term(7u, g);
  let samples = f32(weights.count) * updates;
  statistics[out + 5u] = (weights.sum / samples) * (weights.sum / weights_squared.sum);

  // Explained variance 1 − Var[R − V] / Var[R] (CleanRL: NaN when Var[R] = 0).
  let returns = rollout_term(0u, g);
  let residuals = rollout_term(1u, g);
  var explained = nan;
  if (HAS_CRITIC != 0u && returns.m2 > 0.0) {
    explained = 1.0 - (residuals.m2 / f32(residuals.count)) / (returns.m2 / f32(returns.count));
  }
  statistics[out + 6u] = explained;
  statistics[out + 7u] = select(nan, sqrt(grad_norm_squared[g]), HAS_GRAD_NORM != 0u);
  statistics[out + 8u] = select(nan, coefficients[g * COEFFICIENT_WORDS + COEFFICIENT_KL_BETA], HAS_KL_PENALTY != 0u);

  let episode_returns = rollout_term(2u, g);
  let episode_lengths = rollout_term(3u, g);
  let finished = episode_returns.count;
  statistics[out + 9u] = select(nan, episode_returns.mean, finished > 0u);
  statistics[out + 10u] = select(nan, episode_lengths.mean, finished > 0u);
  statistics[out + 11u] = f32(finished);
  // Loss terms that were NaN or ±Inf (skipped by the reduction): a NaN guard reads this.
  var nonfinite = 0u;
  for (var c = 0u; c < 8u; c += 1u) {
    nonfinite += loss_term(c, g).nonfinite;
  }
  statistics[out + 12u] = f32(nonfinite);
  statistics[out + 13u] = 0.0;
  statistics[out + 14u] = 0.0;
  statistics[out + 15u] = 0.0;
}
