// A fresh permutation of each agent's batch, per epoch, with no sort: a keyed Feistel network on
// 2·HALF_BITS bits (a bijection of [0, 4^HALF_BITS)), cycle-walked into [0, SAMPLES_PER_AGENT):
// apply it again until the value lands inside. Cycle-walking a bijection of a superset restricted
// to the subset is a bijection of the subset (Black & Rogaway 2002); 4^HALF_BITS < 4·SAMPLES, so a
// walk takes fewer than 4 rounds on average.
//
// Round function: word x of the Philox block with key (agent_seeds[agent], stream) and counter
// (right half, round, epoch, iteration) (RngParams: step = epoch; params.seed is not read), masked
// to HALF_BITS. Keying by the agent's own seed, with no agent index in the counter, makes agent g's
// permutation the one a single-agent run seeded agent_seeds[g] draws: a population replays its
// members' solo runs. The CPU reference (test/gpu/ppo-update.test.ts) replays it bit for bit.
//
// Output: list position p = agent·SAMPLES_PER_AGENT + i holds the sample index t·ENVS + n of the
// agent's j-th sample, j = π(i): t = j / E, n = agent·E + j mod E with E = ENVS / AGENTS. Minibatch
// m of agent g is then positions [g·S + m·B, g·S + (m + 1)·B): the layout the per-minibatch
// advantage normaliser (returns/normalise_gather.wgsl) and the gather kernel read.
// One invocation per list position.

override WORKGROUP_SIZE: u32 = 64u;
override AGENTS: u32;
override SAMPLES_PER_AGENT: u32;
override ENVS: u32;
override HALF_BITS: u32;

const ROUNDS: u32 = 4u;

@group(0) @binding(0) var<uniform> params: RngParams;
@group(0) @binding(1) var<storage, read_write> indices: array<u32>;
// u32 [AGENTS]: each agent's seed.
@group(0) @binding(2) var<storage, read> agent_seeds: array<u32>;

fn feistel(value: u32, agent: u32) -> u32 {
  let mask = (1u << HALF_BITS) - 1u;
  var left = value >> HALF_BITS;
  var right = value & mask;
  for (var round = 0u; round < ROUNDS; round += 1u) {
    let counter = vec4u(right, round, params.step, params.iteration);
    let f = philox4x32_10(counter, vec2u(agent_seeds[agent], params.stream)).x & mask;
    let next_right = left ^ f;
    left = right;
    right = next_right;
  }
  return (left << HALF_BITS) | right;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let p = flat_index(global_id, workgroups);
  if (p >= AGENTS * SAMPLES_PER_AGENT) {
    return;
  }
  let agent = p / SAMPLES_PER_AGENT;
  var j = feistel(p % SAMPLES_PER_AGENT, agent);
  // Terminates: the walk follows i's cycle of a bijection, which comes back to i < SAMPLES_PER_AGENT.
  loop {
    if (j < SAMPLES_PER_AGENT) {
      break;
    }
    j = feistel(j, agent);
  }
  let envs_per_agent = ENVS / AGENTS;
  let t = j / envs_per_agent;
  let n = agent * envs_per_agent + j % envs_per_agent;
  indices[p] = t * ENVS + n;
}
