// CEM, report: the iteration's report block (src/train/report.ts layout, one record: the
// population is one learner) plus CEM's extra words, so the loop's one readback carries it all.
//   statistics record, words 0 … 15:
//     0 … 8   policy_loss … beta: NaN (CEM has no loss, critic, entropy, ratio or gradient)
//     9, 10   episodic_return, episodic_length: means over the first episodes that finished
//     11      episode_count: how many first episodes finished (N when T ≥ the step limit)
//     12      nonfinite_terms: candidates whose fitness is NaN or ±Inf
//     13 … 15 reserved: 0
//   RING_BASE + 0, RING_BASE + 4 + k: the episode ring (train/episode_ring.wgsl's layout), to
//     which this iteration's finished FIRST episodes are appended in env order: the ring holds one
//     episode per candidate-evaluation, the returns CEM ranked (later episodes of a rollout, after
//     a candidate's first one ended, are restarts CEM does not use; counting them would weigh a
//     policy by how often it fails).
//   the algorithm's words at ALGORITHM_BASE + (all f32; src/algos/cem/kernels.ts CEM_WORDS):
//     0 fitness_best: f of elites[0]; 1 fitness_mean: mean f over the candidates with a finite f;
//     2 fitness_elite: mean f over the K elites; 3 the best candidate's index; 4 mean σ_j and
//     5 max σ_j after the update; 6 K; 7 … 15: 0.
// The ring header's words RING_BASE + 1 … 3 belong to the NaN guard and are not touched.
// Sums are workgroup trees (common/reduce.wgsl) over strided partials, seven sums as the channels
// of two vec4s (channel by channel the same additions as one tree each); the ring append is one
// invocation's loop over N (appends are ordered, and N is the number of candidate-evaluations, not
// a batch of samples). One workgroup.

override WORKGROUP_SIZE: u32 = 256u;
override AGENTS: u32;
override ENVS: u32;
override ELITES: u32;
override PARAMETERS: u32;
override CAPACITY: u32;
override RING_BASE: u32;
override ALGORITHM_BASE: u32;
override ALGORITHM_WORDS: u32;

const NAN_BITS: u32 = 0x7fc00000u;

@group(0) @binding(0) var<storage, read> first_returns: array<f32>;
@group(0) @binding(1) var<storage, read> first_lengths: array<u32>;
@group(0) @binding(2) var<storage, read> fitness: array<f32>;
@group(0) @binding(3) var<storage, read> elites: array<u32>;
@group(0) @binding(4) var<storage, read> stddev: array<f32>;
@group(0) @binding(5) var<storage, read_write> report: array<u32>;

fn is_finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

fn mean_or_nan(sum: f32, count: f32) -> u32 {
  return select(bitcast<u32>(sum / max(count, 1.0)), NAN_BITS, count == 0.0);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) workgroup: vec3u) {
  if (workgroup.x != 0u || workgroup.y != 0u) {
    return;
  }
  // First episodes, over the finished ones: (Σ return, Σ length, how many, 0).
  var episodes = vec4f(0.0);
  for (var n = lid; n < ENVS; n += WORKGROUP_SIZE) {
    let length = first_lengths[n];
    if (length != 0u) {
      episodes += vec4f(first_returns[n], f32(length), 1.0, 0.0);
    }
  }
  // The population: (Σ f over the finite ones, how many, Σ f over the elites, Σ σ_j).
  var population = vec4f(0.0);
  for (var g = lid; g < AGENTS; g += WORKGROUP_SIZE) {
    let f = fitness[g];
    if (is_finite(f)) {
      population += vec4f(f, 1.0, 0.0, 0.0);
    }
  }
  for (var k = lid; k < ELITES; k += WORKGROUP_SIZE) {
    population.z += fitness[elites[k]];
  }
  var std_max = 0.0;
  for (var j = lid; j < PARAMETERS; j += WORKGROUP_SIZE) {
    population.w += stddev[j];
    std_max = max(std_max, stddev[j]);
  }
  episodes = workgroup_sum4(episodes, lid);
  population = workgroup_sum4(population, lid);
  std_max = workgroup_max(std_max, lid);
  let finished = episodes.z;
  let finite = population.y;

  if (lid != 0u) {
    return;
  }
  for (var w = 0u; w < 9u; w += 1u) {
    report[w] = NAN_BITS;
  }
  report[9] = mean_or_nan(episodes.x, finished);
  report[10] = mean_or_nan(episodes.y, finished);
  report[11] = bitcast<u32>(finished);
  report[12] = bitcast<u32>(f32(AGENTS) - finite);
  for (var w = 13u; w < 16u; w += 1u) {
    report[w] = 0u;
  }

  var count = report[RING_BASE];
  for (var n = 0u; n < ENVS; n += 1u) {
    if (first_lengths[n] != 0u) {
      report[RING_BASE + 4u + count % CAPACITY] = bitcast<u32>(first_returns[n]);
      count += 1u;
    }
  }
  report[RING_BASE] = count;

  let best = elites[0];
  report[ALGORITHM_BASE] = bitcast<u32>(fitness[best]);
  report[ALGORITHM_BASE + 1u] = mean_or_nan(population.x, finite);
  report[ALGORITHM_BASE + 2u] = bitcast<u32>(population.z / f32(ELITES));
  report[ALGORITHM_BASE + 3u] = bitcast<u32>(f32(best));
  report[ALGORITHM_BASE + 4u] = bitcast<u32>(population.w / f32(PARAMETERS));
  report[ALGORITHM_BASE + 5u] = bitcast<u32>(std_max);
  report[ALGORITHM_BASE + 6u] = bitcast<u32>(f32(ELITES));
  for (var w = 7u; w < ALGORITHM_WORDS; w += 1u) {
    report[ALGORITHM_BASE + w] = 0u;
  }
}
