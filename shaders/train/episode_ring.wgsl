// The last CAPACITY finished episodes' returns, kept on the GPU across iterations, so that
// "mean return of the last 100 episodes" needs no readback beyond the report block. Layout of
// `report` (u32/f32 words), one record per agent at agent·REPORT_WORDS:
//   [0, STATISTICS_WORDS)        the statistics record (copied in by the trainer)
//   RING_BASE + 0                episodes finished so far (u32, all iterations)
//   RING_BASE + 1 …  + 3         reserved
//   RING_BASE + 4 + k            return of episode number e where e mod CAPACITY = k (f32)
//   RING_BASE + 4 + CAPACITY …   the rollout's MaskErrors block (4 words), then the means of the
//                                env's metrics (METRICS_BASE + m), then the algorithm's words
//                                (src/train/report.ts)
// Episodes are appended in (t, n) order, t-major, over the agent's envs. One invocation per agent
// loops over the rollout: T·N/G steps, cheap next to one minibatch update.
// Done convention (returns/rollout.wgsl): the episode ended AT (t, n) when terminated or truncated;
// the env wrapper wrote its return at (t, n).
//
// An env's own per-episode metrics (METRICS of them; 0 for most envs, whose two metric bindings are
// then never read) get rings of their own in `metric_ring` [AGENTS][METRICS][CAPACITY], filled
// alongside the returns: they do not fit the report, which only carries their means over the same
// last min(count, CAPACITY) episodes. Summed in episode order, oldest first, as the host sums returns.

override WORKGROUP_SIZE: u32 = 1u;
override AGENTS: u32;
override STEPS: u32;
override ENVS: u32;
override CAPACITY: u32;
override RING_BASE: u32;
override REPORT_WORDS: u32;
override METRICS: u32 = 0u;
override METRICS_BASE: u32 = 0u;

@group(0) @binding(0) var<storage, read> episode_returns: array<f32>;
@group(0) @binding(1) var<storage, read> terminated: array<u32>;
@group(0) @binding(2) var<storage, read> truncated: array<u32>;
@group(0) @binding(3) var<storage, read_write> report: array<u32>;
// [STEPS][ENVS][METRICS] f32 (the transitions' episodeMetrics); any buffer when METRICS = 0.
@group(0) @binding(4) var<storage, read> episode_metrics: array<f32>;
// [AGENTS][METRICS][CAPACITY] f32, persistent like the report; any buffer when METRICS = 0.
@group(0) @binding(5) var<storage, read_write> metric_ring: array<f32>;

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
        for (var m = 0u; m < METRICS; m += 1u) {
          metric_ring[(agent * METRICS + m) * CAPACITY + count % CAPACITY] = episode_metrics[i * METRICS + m];
        }
        count += 1u;
      }
    }
  }
  report[base] = count;
  let kept = min(count, CAPACITY);
  for (var m = 0u; m < METRICS; m += 1u) {
    var total = 0.0;
    for (var j = 0u; j < kept; j += 1u) {
      total += metric_ring[(agent * METRICS + m) * CAPACITY + (count - kept + j) % CAPACITY];
    }
    // NaN before the first episode ends, as returnMean100 (0/0 is not promised to be NaN in WGSL).
    report[agent * REPORT_WORDS + METRICS_BASE + m] = select(0x7fc00000u, bitcast<u32>(total / f32(max(kept, 1u))), kept > 0u);
  }
}
