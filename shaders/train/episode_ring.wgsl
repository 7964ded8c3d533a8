// The last CAPACITY finished episodes' returns, kept on the GPU across iterations, so that
// "mean return of the last 100 episodes" needs no readback beyond the report block. Layout of
// `report` (u32/f32 words), one record per agent at agent·REPORT_WORDS:
//   [0, STATISTICS_WORDS)        the statistics record (copied in by the trainer)
//   RING_BASE + 0                episodes finished so far (u32, all iterations)
//   RING_BASE + 1 …  + 3         reserved
//   RING_BASE + 4 + k            return of episode number e where e mod CAPACITY = k (f32)
//   RING_BASE + 4 + CAPACITY …   the algorithm's words (src/train/report.ts ALGORITHM_WORDS)
// Episodes are appended in (t, n) order, t-major, over the agent's envs. One invocation per agent
// loops over the rollout: T·N/G steps, cheap next to one minibatch update.
// Done convention (returns/rollout.wgsl): the episode ended AT (t, n) when terminated or truncated;
// the env wrapper wrote its return at (t, n).

override WORKGROUP_SIZE: u32 = 1u;
override AGENTS: u32;
override STEPS: u32;
override ENVS: u32;
override CAPACITY: u32;
override RING_BASE: u32;
override REPORT_WORDS: u32;

@group(0) @binding(0) var<storage, read> episode_returns: array<f32>;
@group(0) @binding(1) var<storage, read> terminated: array<u32>;
@group(0) @binding(2) var<storage, read> truncated: array<u32>;
@group(0) @binding(3) var<storage, read_write> report: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let agent = flat_index(global_id, workgroups);
  if (agent >= AGENTS) {
    return;
  }
  let base = agent * REPORT_WORDS + RING_BASE;
  let envs_per_agent = ENVS / AGENTS;
  var count = report[base];
  for (var t = 0u; t < STEPS; t += 1u) {
    for (var k = 0u; k < envs_per_agent; k += 1u) {
      let i = t * ENVS + agent * envs_per_agent + k;
      if (terminated[i] != 0u || truncated[i] != 0u) {
        report[base + 4u + count % CAPACITY] = bitcast<u32>(episode_returns[i]);
        count += 1u;
      }
    }
  }
  report[base] = count;
}
