/**
 * Latency of one act() call as a game's frame sees it: the GPU's `agent.act()` (upload, one
 * submit, one readback, awaited) beside the CPU policy's synchronous `agent.policy()` act(), on the
 * same agent and the same observations, sampled actions, each call timed on the host clock. Both run
 * in the same process, one after the other per case, so their ratio compares like with like.
 */
import { Agent, type AlgorithmConfig } from '../../src/index';
import type { Repetition } from './timing';

/** One env and network; each is timed at every batch size. */
export interface ActLatencyCase {
  /** The env id. */
  readonly env: string;
  /** The actor's hidden layers, as the PPO config takes them (absent: the env's default). */
  readonly hiddenSizes?: readonly number[];
}

/** Milliseconds per act() call at the median and the 99th percentile. */
export interface LatencyPercentiles {
  readonly p50: number;
  readonly p99: number;
}

/** One (case, batch) row. */
export interface ActLatencyRow {
  readonly env: string;
  /** The network as text: '64-64' or '256-256'. */
  readonly network: string;
  readonly batch: number;
  readonly gpu: LatencyPercentiles;
  readonly cpu: LatencyPercentiles;
}

/** The value below which a fraction q of `values` lies (nearest rank). */
function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function percentiles(values: number[]): LatencyPercentiles {
  const sorted = values.slice().sort((x, y) => x - y);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/** Times `call` warmup + repeats times; returns the timed repeats' milliseconds. */
async function time(repetition: Repetition, call: () => unknown): Promise<number[]> {
  for (let i = 0; i < repetition.warmup; i += 1) await call();
  const values: number[] = [];
  for (let i = 0; i < repetition.repeats; i += 1) {
    const started = performance.now();
    await call();
    values.push(performance.now() - started);
  }
  return values;
}

/** Every case at every batch size: GPU act() then the CPU policy's act(), on one agent per case. */
export async function measureActLatency(device: GPUDevice, cases: readonly ActLatencyCase[], batches: readonly number[], repetition: Repetition): Promise<ActLatencyRow[]> {
  const rows: ActLatencyRow[] = [];
  for (const c of cases) {
    const algorithm = { algo: 'ppo', seed: 1, ...(c.hiddenSizes ? { hiddenSizes: c.hiddenSizes } : {}) } as AlgorithmConfig;
    const agent = await Agent.create({ env: c.env, algorithm, device, maxActBatch: Math.max(...batches) });
    try {
      const policy = await agent.policy();
      const size = agent.env.observationSpace.size;
      const network = (c.hiddenSizes ?? [64, 64]).join('-');
      for (const batch of batches) {
        // A fixed pseudo-random batch: the latency does not depend on the values.
        const observations = Float32Array.from({ length: batch * size }, (_, i) => Math.sin(i * 12.9898) * 0.5);
        const gpu = await time(repetition, () => agent.act(observations));
        const cpu = await time(repetition, () => policy.act(observations));
        rows.push({ env: c.env, network, batch, gpu: percentiles(gpu), cpu: percentiles(cpu) });
      }
    } finally {
      agent.destroy();
    }
  }
  return rows;
}
