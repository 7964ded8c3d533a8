/**
 * Baselines as advantage = weight − baseline, on the GPU, per agent:
 *   'none'           advantage = weight (a copy, so the weight survives);
 *   'batch-mean'     the mean of the agent's weights over the whole batch [T][N/G];
 *   'timestep-mean'  at step t, the mean of the agent's weights over its envs at t (with one env
 *                    per agent this is the weight itself, and every advantage is 0);
 *   'value'          V(s_t), the critic's value of the step's state.
 * Means come from a segmented reduction (src/gpu/reduce.ts) into a small stats buffer; nothing is
 * read back. The mean baselines include the step's own weight, as the definitions state them (a
 * leave-one-out mean would keep the estimator exactly unbiased; the bias is O(1/count)).
 */
import { BufferSet } from '../gpu/buffers';
import { createKernel } from '../gpu/kernel';
import { createSegmentedMoments, SEGMENT_STATS_BYTES, type SegmentedMoments } from '../gpu/reduce';
import { addValuesSpec, checkRolloutShape, subtractMeanSpec, type RolloutShape } from './kernels';

/**
 * What REINFORCE subtracts from each step's weight: 'none'; 'batch-mean', the mean over the agent's
 * batch; 'timestep-mean', the mean over the agent's envs at that step; 'value', a learned critic V(s_t).
 */
export type BaselineKind = 'none' | 'batch-mean' | 'timestep-mean' | 'value';

export interface BaselineConfig {
  readonly kind: BaselineKind;
  readonly steps: number;
  readonly envs: number;
  /** G; default 1. */
  readonly agents?: number;
  readonly label?: string;
}

export interface BaselineIo {
  /** f32 [T][N]: total return or reward-to-go. */
  readonly weights: GPUBuffer;
  /** f32 [T][N] V(s_t), for 'value'. */
  readonly values?: GPUBuffer;
  /** f32 [T][N], written; must not be `weights`. */
  readonly advantages: GPUBuffer;
}

export interface Baseline {
  readonly kind: BaselineKind;
  readonly dispatches: number;
  /** Per-segment Moments of the weights (mean baselines only): G records, or T·G for 'timestep-mean'. */
  readonly stats?: GPUBuffer;
  encode(target: GPUCommandEncoder | GPUComputePassEncoder, io: BaselineIo): void;
  destroy(): void;
}

const KINDS: readonly BaselineKind[] = ['none', 'batch-mean', 'timestep-mean', 'value'];

export async function createBaseline(device: GPUDevice, config: BaselineConfig): Promise<Baseline> {
  const label = config.label ?? `baseline.${config.kind}`;
  const shape: RolloutShape = { steps: config.steps, envs: config.envs, agents: config.agents ?? 1 };
  checkRolloutShape(shape, label);
  const { kind } = config;
  if (!KINDS.includes(kind)) throw new RangeError(`${label}: kind must be one of ${KINDS.join(', ')} (got ${String(kind)})`);
  const elements = shape.steps * shape.envs;
  const perAgent = shape.envs / shape.agents;

  let reduction: SegmentedMoments | undefined;
  let set: BufferSet<'stats'> | undefined;
  if (kind === 'batch-mean' || kind === 'timestep-mean') {
    const segments = kind === 'batch-mean' ? shape.agents : shape.steps * shape.agents;
    reduction = await createSegmentedMoments(device, {
      segments,
      layout: kind === 'batch-mean' ? { kind: 'agents', steps: shape.steps, envs: shape.envs } : { kind: 'contiguous', length: perAgent },
      label: `${label}.moments`,
    });
    set = new BufferSet(device, label, { stats: { size: SEGMENT_STATS_BYTES * segments } });
  }
  const kernel = await createKernel(
    device,
    reduction ? subtractMeanSpec(shape, kind === 'timestep-mean') : addValuesSpec(shape, kind === 'value' ? -1 : 0),
  );

  const groups = new Map<string, GPUBindGroup>();
  const ids = new WeakMap<GPUBuffer, number>();
  let nextId = 0;
  const idOf = (buffer: GPUBuffer | undefined) => {
    if (!buffer) return -1;
    let value = ids.get(buffer);
    if (value === undefined) ids.set(buffer, (value = nextId++));
    return value;
  };

  const check = (name: string, buffer: GPUBuffer | undefined): GPUBuffer => {
    if (!buffer) throw new Error(`${label}: '${name}' is required`);
    if (buffer.size < 4 * elements) throw new RangeError(`${label}: '${name}' (${buffer.label}) holds ${buffer.size / 4} words; needs ${elements}`);
    return buffer;
  };

  return {
    kind,
    dispatches: 1 + (reduction?.dispatches ?? 0),
    stats: set?.buffers.stats,
    encode(target, io) {
      const key = `${idOf(io.weights)}.${idOf(io.values)}.${idOf(io.advantages)}`;
      let group = groups.get(key);
      if (!group) {
        const weights = check('weights', io.weights);
        const advantages = check('advantages', io.advantages);
        if (weights === advantages) throw new Error(`${label}: advantages must be a different buffer from weights`);
        group = reduction
          ? kernel.bind({ weights, stats: set!.buffers.stats, advantages }, label)
          : kernel.bind({ x: weights, values: kind === 'value' ? check('values', io.values) : weights, output: advantages }, label);
        groups.set(key, group);
      }
      const own = !('dispatchWorkgroups' in target);
      const pass = own ? (target as GPUCommandEncoder).beginComputePass({ label }) : (target as GPUComputePassEncoder);
      reduction?.encode(pass, { values: io.weights, output: set!.buffers.stats });
      kernel.dispatch(pass, group, elements);
      if (own) pass.end();
    },
    destroy() {
      reduction?.destroy();
      set?.destroy();
    },
  };
}
