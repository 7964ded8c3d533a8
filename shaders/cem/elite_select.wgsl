// CEM, elite selection: each candidate's fitness f_g (the mean first-episode return of its
// ENVS / AGENTS envs, cem/first_episode.wgsl), then the indices of the ELITES best candidates in
// rank order: elites[0] is the best. Ranking by counting: rank_g = #{h : h beats g}, where h beats
// g when f_h > f_g, or f_h = f_g and h < g. That is a strict total order, so the ranks are a
// permutation of 0 … G − 1 and every elite slot is written exactly once, ties included (CartPole
// gives many candidates exactly 500; the lower index wins, an arbitrary choice among i.i.d.
// candidates, which favours the champion in slot 0 when elitism is on).
// A non-finite fitness ranks below every finite one (it counts as −3.4e38, so it never displaces a
// finite candidate from the elites; among themselves the index decides).
// One workgroup: G ≤ MAX_AGENTS fitnesses sit in workgroup memory and each invocation ranks
// ⌈G / WORKGROUP_SIZE⌉ candidates in O(G) each: O(G²) comparisons, 10⁶ at G = 1024, far below
// the cost of one rollout step, and no sort, no atomics, one dispatch.

override WORKGROUP_SIZE: u32 = 256u;
// G ≤ MAX_AGENTS.
override AGENTS: u32;
// N, a multiple of G: env n belongs to candidate ⌊n / (N / G)⌋.
override ENVS: u32;
// K ≤ G.
override ELITES: u32;

const MAX_AGENTS: u32 = 1024u;
const WORST: f32 = -3.4e38;

@group(0) @binding(0) var<storage, read> first_returns: array<f32>;
// [G] f32: f_g.
@group(0) @binding(1) var<storage, read_write> fitness: array<f32>;
// [K] u32: candidate indices, best first.
@group(0) @binding(2) var<storage, read_write> elites: array<u32>;

var<workgroup> keys: array<f32, MAX_AGENTS>;

fn is_finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// Dispatched as exactly one workgroup; any other does nothing (workgroup_id is uniform, so the
// early return keeps the barrier in uniform control flow).
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) workgroup: vec3u) {
  if (workgroup.x != 0u || workgroup.y != 0u) {
    return;
  }
  let envs_per_agent = ENVS / AGENTS;
  for (var g = lid; g < AGENTS; g += WORKGROUP_SIZE) {
    var sum = 0.0;
    for (var e = 0u; e < envs_per_agent; e += 1u) {
      sum += first_returns[g * envs_per_agent + e];
    }
    let f = sum / f32(envs_per_agent);
    fitness[g] = f;
    keys[g] = select(WORST, f, is_finite(f));
  }
  workgroupBarrier();
  for (var g = lid; g < AGENTS; g += WORKGROUP_SIZE) {
    let key = keys[g];
    var rank = 0u;
    for (var h = 0u; h < AGENTS; h += 1u) {
      let other = keys[h];
      rank += select(0u, 1u, other > key || (other == key && h < g));
    }
    if (rank < ELITES) {
      elites[rank] = g;
    }
  }
}
