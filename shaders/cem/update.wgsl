// CEM, update: the sampling distribution refitted to the elites (Rubinstein's cross-entropy
// method; de Boer, Kroese, Mannor & Rubinstein, "A tutorial on the cross-entropy method", Ann.
// Oper. Res. 134, 2005), with Szita & Lőrincz's added noise ("Learning Tetris using the noisy
// cross-entropy method", Neural Computation 18(12), 2006), per parameter j:
//   μ_j  ← (1/K) Σ_k θ_{e_k, j}
//   σ²_j ← (1/K) Σ_k (θ_{e_k, j} − μ_j)² + Z_i
// the maximum-likelihood diagonal Gaussian of the K elites, widened by Z_i, a noise variance that
// decreases with the iteration i (schedule.extra_variance, written by the host per iteration) so
// that σ does not collapse onto a premature optimum. The variance is two-pass (mean first), which
// keeps it ≥ 0 and exact for equal elites. The sums run over K elites (tens): serial per j.
// champion ← θ_{e_0}: the best candidate, which cem/sample.wgsl re-enters with KEEP_BEST.
// Parameters FROZEN_OFFSET … FROZEN_OFFSET + FROZEN_COUNT − 1 are not searched: μ_j stays, σ_j = 0
// (so every candidate, and the champion, holds μ_j). CEM freezes a Gaussian policy's log-std there
// at a tiny σ, so each candidate acts by its mean action (src/algos/cem/cem.ts).
// One invocation per parameter j.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override PARAMETERS: u32;
override ELITES: u32;
override FROZEN_OFFSET: u32 = 0u;
override FROZEN_COUNT: u32 = 0u;

struct CemSchedule {
  // Z_i ≥ 0.
  extra_variance: f32,
  pad0: f32,
  pad1: f32,
  pad2: f32,
}

@group(0) @binding(0) var<uniform> schedule: CemSchedule;
// [G][P] f32.
@group(0) @binding(1) var<storage, read> candidates: array<f32>;
// [K] u32, best first (cem/elite_select.wgsl).
@group(0) @binding(2) var<storage, read> elites: array<u32>;
// [P] f32 each.
@group(0) @binding(3) var<storage, read_write> mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> stddev: array<f32>;
@group(0) @binding(5) var<storage, read_write> champion: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let j = flat_index(global_id, workgroups);
  if (j >= PARAMETERS) {
    return;
  }
  // One unsigned comparison: below the range, j − FROZEN_OFFSET wraps past FROZEN_COUNT.
  if (j - FROZEN_OFFSET < FROZEN_COUNT) {
    stddev[j] = 0.0;
    champion[j] = mean[j];
    return;
  }
  var sum = 0.0;
  for (var k = 0u; k < ELITES; k += 1u) {
    sum += candidates[elites[k] * PARAMETERS + j];
  }
  let mu = sum / f32(ELITES);
  var squares = 0.0;
  for (var k = 0u; k < ELITES; k += 1u) {
    let d = candidates[elites[k] * PARAMETERS + j] - mu;
    squares += d * d;
  }
  mean[j] = mu;
  stddev[j] = sqrt(squares / f32(ELITES) + schedule.extra_variance);
  champion[j] = candidates[elites[0] * PARAMETERS + j];
}
