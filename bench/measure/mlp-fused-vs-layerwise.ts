/**
 * Fused vs layer-wise MLP forward: the time of one forward pass (every head's outputs for G·B rows)
 * through the fused small-MLP kernel (src/nn/mlp-fused.ts, one dispatch) and through the layer-wise
 * passes (src/nn/mlp.ts, one dispatch per layer), for the rollout's networks at rollout batch sizes.
 *
 * Each sample encodes `forwardsPerSubmit` forwards into one command buffer (before the clock), then
 * times submit → onSubmittedWorkDone, so the fixed cost of a submit and its completion is spread
 * over many forwards; the per-forward time is sample / forwardsPerSubmit. The two paths are timed
 * alternately, repeat by repeat, so a neighbour process slows both rather than one. After timing,
 * the two paths' outputs are compared: a benchmark of a wrong kernel is worthless.
 */
import { BufferSet } from '../../src/gpu/buffers';
import { readBufferOnce } from '../../src/gpu/readback';
import type { Gpu } from '../../src/gpu/device';
import { createMlpPasses } from '../../src/nn/mlp';
import { createMlpFusedForward } from '../../src/nn/mlp-fused';
import { actorSpec, criticSpec, mlpLayout, multiplyAddsPerRow, type MlpSpec } from '../../src/nn/mlp-spec';
import { summarize, timeSubmitted, type Repetition, type Samples } from './timing';

/** One network and batch shape to time. */
export interface FusedVsLayerwiseCase {
  /** Shown in reports, e.g. 'actor 4→64→64→2 tanh'. */
  readonly network: string;
  readonly spec: MlpSpec;
  readonly agents: number;
  readonly rowsPerAgent: number;
}

export interface FusedVsLayerwiseOptions {
  /** Default: CleanRL's CartPole actor and critic at G = 1, B = 1, 64, 256, 4 096, and G = 8 × 256. */
  readonly cases?: readonly FusedVsLayerwiseCase[];
  /** Forwards per submit; default ⌈16 384 / rows⌉ clamped to [4, 64]. */
  readonly forwardsPerSubmit?: number;
  /** Untimed and timed submits per path and case (default 2 + 9). */
  readonly repetition?: Repetition;
}

export interface FusedVsLayerwiseRow {
  readonly network: string;
  readonly agents: number;
  readonly rowsPerAgent: number;
  /** G·B. */
  readonly rows: number;
  /** Multiply-adds of one forward over all rows. */
  readonly multiplyAdds: number;
  readonly forwardsPerSubmit: number;
  /** Dispatches of one layer-wise forward (one per layer); the fused forward is one. */
  readonly layerwiseDispatches: number;
  /** µs per forward. */
  readonly layerwiseMicroseconds: Samples;
  readonly fusedMicroseconds: Samples;
  /** Median layer-wise time / median fused time: > 1 means fused is faster. */
  readonly fusedSpeedup: number;
  /** max |fused − layer-wise| / max(1e-3, max |layer-wise|) over every head's outputs. */
  readonly maxRelativeDifference: number;
}

/** The cases behind the measured choice of the fused forward: CleanRL's CartPole networks (input 4, 2 actions). */
export function defaultFusedVsLayerwiseCases(): FusedVsLayerwiseCase[] {
  const networks: [string, MlpSpec][] = [
    ['actor 4→64→64→2 tanh', actorSpec(4, 2)],
    ['critic 4→64→64→1 tanh', criticSpec(4)],
  ];
  const shapes: [number, number][] = [
    [1, 1],
    [1, 64],
    [1, 256],
    [1, 4096],
    [8, 256],
  ];
  return networks.flatMap(([network, spec]) => shapes.map(([agents, rowsPerAgent]) => ({ network, spec, agents, rowsPerAgent })));
}

const defaultForwardsPerSubmit = (rows: number) => Math.max(4, Math.min(64, Math.ceil(16384 / rows)));

function randomValues(length: number, scale: number): Float32Array<ArrayBuffer> {
  return Float32Array.from({ length }, () => scale * (2 * Math.random() - 1));
}

async function measureCase(gpu: Gpu, c: FusedVsLayerwiseCase, options: FusedVsLayerwiseOptions): Promise<FusedVsLayerwiseRow> {
  const { device } = gpu;
  const layout = mlpLayout(c.spec);
  const rows = c.agents * c.rowsPerAgent;
  const forwards = options.forwardsPerSubmit ?? defaultForwardsPerSubmit(rows);
  if (!Number.isInteger(forwards) || forwards < 1) throw new RangeError(`forwardsPerSubmit must be a positive integer (got ${forwards})`);
  const { warmup, repeats } = options.repetition ?? { warmup: 2, repeats: 9 };
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`repetition.warmup must be a non-negative integer (got ${warmup})`);
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repetition.repeats must be a positive integer (got ${repeats})`);

  const shape = { agents: c.agents, rowsPerAgent: c.rowsPerAgent };
  const layerwise = await createMlpPasses(device, layout, { ...shape, label: 'bench.layerwise' });
  const fused = await createMlpFusedForward(device, layout, { ...shape, label: 'bench.fused' });
  const inputs = new BufferSet(device, 'bench.fused-vs-layerwise', {
    params: { size: c.agents * layout.parametersPerAgent * 4 },
    observations: { size: rows * c.spec.inputSize * 4 },
  });
  try {
    const { params, observations } = inputs.buffers;
    // Weights at the orthogonal init's scale (≈ 1/√in) keep tanh out of saturation, as in training.
    const values = new Float32Array(c.agents * layout.parametersPerAgent);
    for (let g = 0; g < c.agents; g += 1) {
      for (const layer of layout.layers) {
        const at = g * layout.parametersPerAgent + layer.weight.offset;
        values.set(randomValues(layer.weight.length, Math.sqrt(3 / layer.inputSize)), at);
      }
    }
    device.queue.writeBuffer(params, 0, values);
    device.queue.writeBuffer(observations, 0, randomValues(rows * c.spec.inputSize, 1));
    const args = { params, inputs: observations };

    const encode = (path: 'layerwise' | 'fused'): GPUCommandBuffer => {
      const encoder = device.createCommandEncoder({ label: `bench.${path}` });
      for (let i = 0; i < forwards; i += 1) (path === 'fused' ? fused : layerwise).encodeForward(encoder, args);
      return encoder.finish();
    };
    const time = async (path: 'layerwise' | 'fused') => {
      const commands = encode(path);
      const ms = await timeSubmitted(device.queue, () => device.queue.submit([commands]));
      return (ms * 1000) / forwards;
    };
    for (let i = 0; i < warmup; i += 1) {
      await time('layerwise');
      await time('fused');
    }
    const layerwiseTimes: number[] = [];
    const fusedTimes: number[] = [];
    for (let i = 0; i < repeats; i += 1) {
      layerwiseTimes.push(await time('layerwise'));
      fusedTimes.push(await time('fused'));
    }

    let difference = 0;
    let scale = 1e-3;
    for (const head of c.spec.heads) {
      const slice = fused.outputs[head.name]!;
      const got = new Float32Array(await readBufferOnce(device, slice.buffer, slice.size, slice.offset));
      const want = new Float32Array(await readBufferOnce(device, layerwise.outputs[head.name]!));
      for (let i = 0; i < got.length; i += 1) {
        difference = Number.isNaN(got[i]!) ? Infinity : Math.max(difference, Math.abs(got[i]! - want[i]!));
        scale = Math.max(scale, Math.abs(want[i]!));
      }
    }

    const layerwiseMicroseconds = summarize(layerwiseTimes);
    const fusedMicroseconds = summarize(fusedTimes);
    return {
      network: c.network,
      agents: c.agents,
      rowsPerAgent: c.rowsPerAgent,
      rows,
      multiplyAdds: rows * multiplyAddsPerRow(layout),
      forwardsPerSubmit: forwards,
      layerwiseDispatches: layout.layers.length,
      layerwiseMicroseconds,
      fusedMicroseconds,
      fusedSpeedup: layerwiseMicroseconds.median / fusedMicroseconds.median,
      maxRelativeDifference: difference / scale,
    };
  } finally {
    inputs.destroy();
    fused.destroy();
    layerwise.destroy();
  }
}

/**
 * Times the fused and the layer-wise forward on `gpu` for each case (default: the cases above) and
 * returns one row per case. Throws if a case's two outputs disagree beyond 1e-5 (relative).
 */
export async function measureFusedVsLayerwise(gpu: Gpu, options: FusedVsLayerwiseOptions = {}): Promise<FusedVsLayerwiseRow[]> {
  const rows: FusedVsLayerwiseRow[] = [];
  for (const c of options.cases ?? defaultFusedVsLayerwiseCases()) {
    const row = await measureCase(gpu, c, options);
    if (!(row.maxRelativeDifference < 1e-5)) {
      throw new Error(`${c.network}, G=${c.agents} × B=${c.rowsPerAgent}: fused and layer-wise outputs differ by ${row.maxRelativeDifference} (relative)`);
    }
    rows.push(row);
  }
  return rows;
}
