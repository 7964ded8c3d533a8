/**
 * Segmented moments on the GPU: for S segments of an f32 buffer, each segment's count of finite
 * values, Σx, Σx², mean, M2 = Σ(x − mean)², min and max, by a two-stage deterministic tree
 * (shaders/reduce/): stage 1 reduces chunks of WORKGROUP_SIZE·ITEMS_PER_THREAD elements, one
 * workgroup each (32 to 256 invocations by segment length, momentsSizing); stage 2 combines each
 * segment's chunk partials in one workgroup. No atomics, so
 * a run gives the same bits every time.
 *
 * Variance route: two passes, four dispatches. Pass 1 (reduce.moments_*) combines count, Σx, Σx²,
 * min, max, and a first mean and M2 by Chan, Golub & LeVeque's pairwise update. Pass 2
 * (reduce.deviations_*) sums d = x − mean₁ and d² about pass 1's mean and writes
 * mean = mean₁ + Σd/n, M2 = Σd² − (Σd)²/n: the shifted-data formula with a shift equal to the mean
 * to within rounding, so nothing cancels. Σx² − (Σx)²/n is never formed (with f32 values of mean
 * 10³ and spread 1 it would lose about six digits). Chan's update alone was measured at 1.3e-4
 * relative error in M2 for mean/std = 10⁴ (its M2 is first-order sensitive to the rounding of the
 * sub-means); the second pass brings that to ~1e-7 at the price of reading the data twice.
 *
 * NaN and ±Inf are skipped and counted in `nonfinite`, so a producer can write NaN for "no value
 * here" (an env whose episode did not finish) and read the mean of the rest.
 *
 * Layouts (element j of segment s, 0 ≤ j < rows·width):
 *   contiguous  data[offset + s·length + j]
 *   agents      a time-major [T][N] buffer, segment g = envs [g·N/G, (g+1)·N/G) of every row
 *   strided     data[offset + s·segmentStride + ⌊j/width⌋·rowStride + j mod width]
 * With `gather`, the layout addresses an index list and the element is data[indices[position]].
 */
import { BufferSet, STORAGE_USAGE } from './buffers';
import { createKernel, type Kernel, type KernelSpec } from './kernel';
import deviationsFinaliseWgsl from '../../shaders/reduce/deviations_finalise.wgsl';
import momentsFinaliseWgsl from '../../shaders/reduce/moments_finalise.wgsl';
import momentsLayoutWgsl from '../../shaders/reduce/moments_layout.wgsl';
import momentsWgsl from '../../shaders/reduce/moments.wgsl';
import momentsWorkgroupWgsl from '../../shaders/reduce/moments_workgroup.wgsl';
import reduceWgsl from '../../shaders/common/reduce.wgsl';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import deviationsPartialGatherWgsl from '../../shaders/reduce/deviations_partial_gather.wgsl';
import deviationsPartialWgsl from '../../shaders/reduce/deviations_partial.wgsl';
import momentsPartialGatherWgsl from '../../shaders/reduce/moments_partial_gather.wgsl';
import momentsPartialWgsl from '../../shaders/reduce/moments_partial.wgsl';

/** Words per segment in the output (the WGSL struct Moments). */
export const SEGMENT_STATS_WORDS = 8;
/** Bytes per segment in the output. */
export const SEGMENT_STATS_BYTES = 4 * SEGMENT_STATS_WORDS;

/** Where each segment's elements are. */
export type SegmentLayout =
  | {
      readonly kind: 'contiguous';
      /** Elements per segment. */
      readonly length: number;
      /** First element of segment 0 (in f32 words, or in index-list entries with `gather`); default 0. */
      readonly offset?: number;
    }
  | {
      readonly kind: 'agents';
      /** T: rows of the time-major buffer. */
      readonly steps: number;
      /** N: envs per row; divisible by the number of segments (agents). */
      readonly envs: number;
      readonly offset?: number;
    }
  | {
      readonly kind: 'strided';
      readonly rows: number;
      /** Consecutive words per row of a segment. */
      readonly width: number;
      /** Words from one row of a segment to its next. */
      readonly rowStride: number;
      /** Words from segment s to segment s + 1. */
      readonly segmentStride: number;
      readonly offset?: number;
    };

export interface SegmentedMomentsConfig {
  /** S: segments (agents, minibatches × agents, timesteps × agents, …). */
  readonly segments: number;
  readonly layout: SegmentLayout;
  /** Read values through an index list (encode's `indices`); default false. */
  readonly gather?: boolean;
  /** Output record of segment 0, in records of SEGMENT_STATS_WORDS words; default 0. */
  readonly outputOffset?: number;
  /** Elements each invocation combines serially in stage 1; default 8. */
  readonly itemsPerThread?: number;
  /** Prefix of every GPU object's label; default 'reduce.moments'. */
  readonly label?: string;
}

/** The strided form every layout reduces to, with derived sizes. */
export interface ResolvedSegmentLayout {
  readonly segments: number;
  readonly rows: number;
  readonly width: number;
  readonly rowStride: number;
  readonly segmentStride: number;
  readonly offset: number;
  /** rows·width. */
  readonly segmentLength: number;
  /** One past the largest position read (words of `values`, or entries of `indices`). */
  readonly extent: number;
}

export interface SegmentedMomentsIo {
  /** f32 values (read). */
  readonly values: GPUBuffer;
  /** u32 index list, with `gather` only. */
  readonly indices?: GPUBuffer;
  /** Receives SEGMENT_STATS_WORDS words per segment, from record outputOffset. */
  readonly output: GPUBuffer;
}

export interface SegmentedMoments {
  readonly layout: ResolvedSegmentLayout;
  /** Stage-1 workgroups per segment. */
  readonly chunks: number;
  readonly dispatches: 4;
  /** Scratch: chunk partials of pass 1, SEGMENT_STATS_BYTES × segments × chunks. */
  readonly partials: GPUBuffer;
  /** Scratch: chunk partials (Σd, Σd²) of pass 2, 8 bytes × segments × chunks. */
  readonly deviationPartials: GPUBuffer;
  /** Records both passes into `target` (a compute pass, or a new pass of the encoder). */
  encode(target: GPUCommandEncoder | GPUComputePassEncoder, io: SegmentedMomentsIo): void;
  destroy(): void;
}

/** One segment's moments as decoded on the CPU (tests, tools, the statistics readback). */
export interface DecodedMoments {
  count: number;
  nonfinite: number;
  sum: number;
  sumSquares: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
}

/** Largest workgroups of the two stages. */
const PARTIAL_WORKGROUP = 256;
const FINALISE_WORKGROUP = 64;
/** Smallest workgroup: one warp/wavefront-ish, so short segments do not launch 256 idle lanes. */
const MIN_WORKGROUP = 32;

const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/** Workgroup sizes and chunks per segment for a segment length: short segments get small workgroups. */
export interface MomentsSizing {
  readonly partialWorkgroup: number;
  readonly finaliseWorkgroup: number;
  readonly chunks: number;
}

export function momentsSizing(segmentLength: number, itemsPerThread = 8): MomentsSizing {
  const partialWorkgroup = Math.min(PARTIAL_WORKGROUP, Math.max(MIN_WORKGROUP, nextPowerOfTwo(Math.ceil(segmentLength / itemsPerThread))));
  const chunks = Math.ceil(segmentLength / (partialWorkgroup * itemsPerThread));
  const finaliseWorkgroup = Math.min(FINALISE_WORKGROUP, Math.max(MIN_WORKGROUP, nextPowerOfTwo(chunks)));
  return { partialWorkgroup, finaliseWorkgroup, chunks };
}

const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const isNonNegativeInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function fail(label: string, field: string, value: unknown, valid: string): never {
  throw new RangeError(`${label}: ${field} must be ${valid} (got ${String(value)})`);
}

/** Checks a layout and reduces it to the strided form; throws RangeError naming the field. */
export function resolveSegmentLayout(segments: number, layout: SegmentLayout, label = 'reduce.moments'): ResolvedSegmentLayout {
  if (!isPositiveInteger(segments)) fail(label, 'segments', segments, 'a positive integer');
  const offset = layout.offset ?? 0;
  if (!isNonNegativeInteger(offset)) fail(label, 'layout.offset', offset, 'a non-negative integer');
  let rows: number, width: number, rowStride: number, segmentStride: number;
  switch (layout.kind) {
    case 'contiguous':
      if (!isPositiveInteger(layout.length)) fail(label, 'layout.length', layout.length, 'a positive integer');
      [rows, width, rowStride, segmentStride] = [1, layout.length, layout.length, layout.length];
      break;
    case 'agents':
      if (!isPositiveInteger(layout.steps)) fail(label, 'layout.steps', layout.steps, 'a positive integer');
      if (!isPositiveInteger(layout.envs)) fail(label, 'layout.envs', layout.envs, 'a positive integer');
      if (layout.envs % segments !== 0) {
        fail(label, 'layout.envs', layout.envs, `a multiple of segments (agents) = ${segments}`);
      }
      [rows, width, rowStride, segmentStride] = [layout.steps, layout.envs / segments, layout.envs, layout.envs / segments];
      break;
    case 'strided':
      for (const field of ['rows', 'width', 'rowStride', 'segmentStride'] as const) {
        if (!isPositiveInteger(layout[field])) fail(label, `layout.${field}`, layout[field], 'a positive integer');
      }
      ({ rows, width, rowStride, segmentStride } = layout);
      break;
    default:
      fail(label, 'layout.kind', (layout as { kind: unknown }).kind, "'contiguous', 'agents' or 'strided'");
  }
  const extent = offset + (segments - 1) * segmentStride + (rows - 1) * rowStride + width;
  if (rows * width >= 2 ** 32 || extent >= 2 ** 32) fail(label, 'layout', 'its extent', 'below 2^32 elements');
  return Object.freeze({ segments, rows, width, rowStride, segmentStride, offset, segmentLength: rows * width, extent });
}

/** Stage 1 spec (direct or through an index list) for a resolved layout. */
export function momentsPartialSpec(layout: ResolvedSegmentLayout, sizing: MomentsSizing, itemsPerThread: number, gather: boolean): KernelSpec {
  const entry = gather ? momentsPartialGatherWgsl : momentsPartialWgsl;
  return {
    label: `reduce.${gather ? 'moments_partial_gather' : 'moments_partial'}`,
    parts: [dispatchWgsl, reduceWgsl, momentsWgsl, momentsWorkgroupWgsl, momentsLayoutWgsl, entry],
    workgroupSize: sizing.partialWorkgroup,
    constants: {
      SEGMENTS: layout.segments,
      ROWS: layout.rows,
      WIDTH: layout.width,
      ROW_STRIDE: layout.rowStride,
      SEGMENT_STRIDE: layout.segmentStride,
      OFFSET: layout.offset,
      CHUNKS: sizing.chunks,
      ITEMS_PER_THREAD: itemsPerThread,
    },
  };
}

/** Pass 2, stage 1 spec (direct or through an index list). */
export function deviationsPartialSpec(
  layout: ResolvedSegmentLayout,
  sizing: MomentsSizing,
  itemsPerThread: number,
  gather: boolean,
  outputOffset = 0,
): KernelSpec {
  const partial = momentsPartialSpec(layout, sizing, itemsPerThread, gather);
  return {
    ...partial,
    label: `reduce.${gather ? 'deviations_partial_gather' : 'deviations_partial'}`,
    parts: [...partial.parts.slice(0, -1), gather ? deviationsPartialGatherWgsl : deviationsPartialWgsl],
    constants: { ...partial.constants, OUTPUT_OFFSET: outputOffset },
  };
}

/** Pass 2, stage 2 spec. */
export function deviationsFinaliseSpec(segments: number, sizing: MomentsSizing, outputOffset = 0): KernelSpec {
  return {
    ...momentsFinaliseSpec(segments, sizing, outputOffset),
    label: 'reduce.deviations_finalise',
    parts: [dispatchWgsl, reduceWgsl, momentsWgsl, deviationsFinaliseWgsl],
  };
}

/** Pass 1, stage 2 spec. */
export function momentsFinaliseSpec(segments: number, sizing: MomentsSizing, outputOffset = 0): KernelSpec {
  return {
    label: 'reduce.moments_finalise',
    parts: [dispatchWgsl, reduceWgsl, momentsWgsl, momentsWorkgroupWgsl, momentsFinaliseWgsl],
    workgroupSize: sizing.finaliseWorkgroup,
    constants: { SEGMENTS: segments, CHUNKS: sizing.chunks, OUTPUT_OFFSET: outputOffset },
  };
}

/** Representative specs for the kernel catalogue. */
export function reduceKernelExamples(): KernelSpec[] {
  const layout = resolveSegmentLayout(3, { kind: 'agents', steps: 123, envs: 21 });
  const sizing = momentsSizing(layout.segmentLength);
  return [
    momentsPartialSpec(layout, sizing, 8, false),
    momentsPartialSpec(layout, sizing, 8, true),
    momentsFinaliseSpec(3, sizing, 1),
    deviationsPartialSpec(layout, sizing, 8, false, 1),
    deviationsPartialSpec(layout, sizing, 8, true, 1),
    deviationsFinaliseSpec(3, sizing, 1),
  ];
}

function passOf(target: GPUCommandEncoder | GPUComputePassEncoder, label: string): [GPUComputePassEncoder, boolean] {
  if ('dispatchWorkgroups' in target) return [target, false];
  return [target.beginComputePass({ label }), true];
}

/**
 * Compiles the four kernels for `config` and allocates the partials scratch. encode() only records
 * dispatches; bind groups are cached per (values, indices, output) triple.
 */
export async function createSegmentedMoments(device: GPUDevice, config: SegmentedMomentsConfig): Promise<SegmentedMoments> {
  const label = config.label ?? 'reduce.moments';
  const layout = resolveSegmentLayout(config.segments, config.layout, label);
  const gather = config.gather ?? false;
  const itemsPerThread = config.itemsPerThread ?? 8;
  if (!isPositiveInteger(itemsPerThread)) fail(label, 'itemsPerThread', itemsPerThread, 'a positive integer');
  const outputOffset = config.outputOffset ?? 0;
  if (!isNonNegativeInteger(outputOffset)) fail(label, 'outputOffset', outputOffset, 'a non-negative integer');
  const sizing = momentsSizing(layout.segmentLength, itemsPerThread);
  const { chunks, partialWorkgroup, finaliseWorkgroup } = sizing;

  const partialKernel: Kernel = await createKernel(device, momentsPartialSpec(layout, sizing, itemsPerThread, gather));
  const finaliseKernel: Kernel = await createKernel(device, momentsFinaliseSpec(layout.segments, sizing, outputOffset));
  const deviationsKernel: Kernel = await createKernel(device, deviationsPartialSpec(layout, sizing, itemsPerThread, gather, outputOffset));
  const deviationsFinaliseKernel: Kernel = await createKernel(device, deviationsFinaliseSpec(layout.segments, sizing, outputOffset));
  const scratch = new BufferSet(device, label, {
    partials: { size: SEGMENT_STATS_BYTES * layout.segments * chunks, usage: STORAGE_USAGE() },
    deviationPartials: { size: 8 * layout.segments * chunks, usage: STORAGE_USAGE() },
  });
  const { partials, deviationPartials } = scratch.buffers;

  interface Groups {
    io: SegmentedMomentsIo;
    partial: GPUBindGroup;
    finalise: GPUBindGroup;
    deviations: GPUBindGroup;
    deviationsFinalise: GPUBindGroup;
  }
  const cache: Groups[] = [];
  const bindGroups = (io: SegmentedMomentsIo) => {
    const hit = cache.find((c) => c.io.values === io.values && c.io.indices === io.indices && c.io.output === io.output);
    if (hit) return hit;
    if (gather !== (io.indices !== undefined)) {
      throw new Error(`${label}: ${gather ? 'gather needs' : 'without gather, do not pass'} an indices buffer`);
    }
    const positions = gather ? io.indices! : io.values;
    if (positions.size < 4 * layout.extent) {
      throw new RangeError(`${label}: ${gather ? 'indices' : 'values'} buffer '${positions.label}' holds ${positions.size / 4} words; the layout reads ${layout.extent}`);
    }
    const outputBytes = SEGMENT_STATS_BYTES * (outputOffset + layout.segments);
    if (io.output.size < outputBytes) {
      throw new RangeError(`${label}: output buffer '${io.output.label}' holds ${io.output.size} bytes; needs ${outputBytes}`);
    }
    const source = { values: io.values, ...(gather ? { indices: io.indices! } : {}) };
    const entry: Groups = {
      io,
      partial: partialKernel.bind({ ...source, partials }, `${label}.partial`),
      finalise: finaliseKernel.bind({ partials, output: io.output }, `${label}.finalise`),
      deviations: deviationsKernel.bind({ ...source, stats: io.output, partials: deviationPartials }, `${label}.deviations`),
      deviationsFinalise: deviationsFinaliseKernel.bind({ partials: deviationPartials, output: io.output }, `${label}.deviations-finalise`),
    };
    if (cache.length >= 8) cache.shift();
    cache.push(entry);
    return entry;
  };

  return {
    layout,
    chunks,
    dispatches: 4,
    partials,
    deviationPartials,
    encode(target, io) {
      const groups = bindGroups(io);
      const [pass, own] = passOf(target, label);
      partialKernel.dispatch(pass, groups.partial, layout.segments * chunks * partialWorkgroup);
      finaliseKernel.dispatch(pass, groups.finalise, layout.segments * finaliseWorkgroup);
      deviationsKernel.dispatch(pass, groups.deviations, layout.segments * chunks * partialWorkgroup);
      deviationsFinaliseKernel.dispatch(pass, groups.deviationsFinalise, layout.segments * finaliseWorkgroup);
      if (own) pass.end();
    },
    destroy() {
      scratch.destroy();
    },
  };
}

/** Decodes `segments` records from bytes read back (starting at record `first`). */
export function decodeMoments(bytes: ArrayBuffer, segments: number, first = 0): DecodedMoments[] {
  const u32 = new Uint32Array(bytes);
  const f32 = new Float32Array(bytes);
  return Array.from({ length: segments }, (_, s) => {
    const at = (first + s) * SEGMENT_STATS_WORDS;
    return {
      count: u32[at]!,
      nonfinite: u32[at + 1]!,
      sum: f32[at + 2]!,
      sumSquares: f32[at + 3]!,
      mean: f32[at + 4]!,
      m2: f32[at + 5]!,
      min: f32[at + 6]!,
      max: f32[at + 7]!,
    };
  });
}
