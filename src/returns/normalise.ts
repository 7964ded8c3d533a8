/**
 * Advantage normalisation per agent, on the GPU with no readback (CleanRL:
 * (A − A.mean()) / (A.std() + 1e-8), torch's std with Bessel's correction):
 *   over the whole batch: each agent's T·N/G advantages (`minibatches` absent);
 *   per minibatch: given this epoch's index list, u32 [G][M][B] of sample indices t·N + n, where
 *     segment g·M + m holds agent g's minibatch m (B = T·N/(G·M)), each minibatch is normalised by
 *     its own mean and std (CleanRL normalises mb_advantages).
 * Mean and M2 come from the segmented reduction (src/gpu/reduce.ts); a segment of one sample gets
 * std 0 and output 0. Output is out of place and indexed like the input ([T][N]), so the loss
 * gathers it with the same index list.
 */
import { BufferSet } from '../gpu/buffers';
import { createKernel } from '../gpu/kernel';
import { createSegmentedMoments, SEGMENT_STATS_BYTES } from '../gpu/reduce';
import { checkRolloutShape, normaliseGatherSpec, normaliseSpec, type RolloutShape } from './kernels';

export interface AdvantageNormaliserConfig {
  readonly steps: number;
  readonly envs: number;
  /** G; default 1. */
  readonly agents?: number;
  /** M minibatches per agent: normalise per minibatch through an index list; absent: whole batch. */
  readonly minibatches?: number;
  /** Added to the std; default 1e-8 (CleanRL). */
  readonly epsilon?: number;
  readonly label?: string;
}

export interface AdvantageNormaliserIo {
  /** f32 [T][N]. */
  readonly advantages: GPUBuffer;
  /** u32 [G][M][B] sample indices, per-minibatch mode only. */
  readonly indices?: GPUBuffer;
  /** f32 [T][N], written; not `advantages`. */
  readonly output: GPUBuffer;
}

export interface AdvantageNormaliser {
  /** Segments normalised: G, or G·M. */
  readonly segments: number;
  readonly dispatches: number;
  /** Moments of each segment's advantages (before normalising). */
  readonly stats: GPUBuffer;
  encode(target: GPUCommandEncoder | GPUComputePassEncoder, io: AdvantageNormaliserIo): void;
  destroy(): void;
}

export async function createAdvantageNormaliser(device: GPUDevice, config: AdvantageNormaliserConfig): Promise<AdvantageNormaliser> {
  const label = config.label ?? 'normalise';
  const shape: RolloutShape = { steps: config.steps, envs: config.envs, agents: config.agents ?? 1 };
  checkRolloutShape(shape, label);
  const epsilon = config.epsilon ?? 1e-8;
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < 0) {
    throw new RangeError(`${label}: epsilon must be a finite number ≥ 0 (got ${String(epsilon)})`);
  }
  const elements = shape.steps * shape.envs;
  const perAgent = elements / shape.agents;
  const minibatches = config.minibatches;
  if (minibatches !== undefined) {
    if (!Number.isInteger(minibatches) || minibatches < 1) {
      throw new RangeError(`${label}: minibatches must be a positive integer (got ${String(minibatches)})`);
    }
    if (perAgent % minibatches !== 0) {
      throw new RangeError(
        `${label}: minibatches must divide each agent's batch of ${shape.steps} × ${shape.envs / shape.agents} = ${perAgent} samples (got ${minibatches})`,
      );
    }
  }
  const gather = minibatches !== undefined;
  const segments = gather ? shape.agents * minibatches : shape.agents;
  const segmentLength = gather ? perAgent / minibatches : perAgent;

  const reduction = await createSegmentedMoments(device, {
    segments,
    layout: gather ? { kind: 'contiguous', length: segmentLength } : { kind: 'agents', steps: shape.steps, envs: shape.envs },
    gather,
    label: `${label}.moments`,
  });
  const kernel = await createKernel(device, gather ? normaliseGatherSpec(segments, segmentLength, epsilon) : normaliseSpec(shape, epsilon));
  const set = new BufferSet(device, label, { stats: { size: SEGMENT_STATS_BYTES * segments } });
  const stats = set.buffers.stats;

  const cache: { io: AdvantageNormaliserIo; group: GPUBindGroup }[] = [];
  const check = (name: string, buffer: GPUBuffer | undefined, words: number): GPUBuffer => {
    if (!buffer) throw new Error(`${label}: '${name}' is required`);
    if (buffer.size < 4 * words) throw new RangeError(`${label}: '${name}' (${buffer.label}) holds ${buffer.size / 4} words; needs ${words}`);
    return buffer;
  };

  return {
    segments,
    dispatches: reduction.dispatches + 1,
    stats,
    encode(target, io) {
      let hit = cache.find((c) => c.io.advantages === io.advantages && c.io.indices === io.indices && c.io.output === io.output);
      if (!hit) {
        const x = check('advantages', io.advantages, elements);
        const output = check('output', io.output, elements);
        if (x === output) throw new Error(`${label}: output must be a different buffer from advantages`);
        if (gather !== (io.indices !== undefined)) {
          throw new Error(`${label}: ${gather ? 'per-minibatch normalisation needs' : 'whole-batch normalisation takes no'} indices buffer`);
        }
        const group = gather
          ? kernel.bind({ x, indices: check('indices', io.indices, elements), stats, output }, label)
          : kernel.bind({ x, stats, output }, label);
        hit = { io, group };
        if (cache.length >= 8) cache.shift();
        cache.push(hit);
      }
      const own = !('dispatchWorkgroups' in target);
      const pass = own ? (target as GPUCommandEncoder).beginComputePass({ label }) : (target as GPUComputePassEncoder);
      reduction.encode(pass, { values: io.advantages, output: stats, ...(gather ? { indices: io.indices! } : {}) });
      kernel.dispatch(pass, hit.group, gather ? segments * segmentLength : elements);
      if (own) pass.end();
    },
    destroy() {
      reduction.destroy();
      set.destroy();
    },
  };
}
