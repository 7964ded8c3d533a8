/**
 * The categorical head's sample and evaluate kernels (src/nn/heads.ts) at R rows of A actions:
 * the engine's design, which streams each row from the logits buffer
 * (shaders/nn/categorical_common.wgsl), against the design it replaced, which copied each row into
 * a function-memory array of 64 floats (bench/measure/categorical-private-row/), where both apply
 * (A ≤ 64). The point is the common small-A case: streaming must not make it slower.
 *
 * Each sample encodes `dispatchesPerSubmit` dispatches of one kernel into one command buffer, then
 * times submit → onSubmittedWorkDone (bench/measure/timing.ts); the time per dispatch is the sample
 * divided by that count. The designs are timed alternately, repeat by repeat, so a neighbour
 * process slows both rather than one. After timing, the two designs' outputs are compared: a
 * benchmark of a wrong kernel is worthless.
 */
import { BufferSet } from '../../src/gpu/buffers';
import { createKernel, type Kernel, type KernelSpec } from '../../src/gpu/kernel';
import { readBufferOnce } from '../../src/gpu/readback';
import { categoricalEvaluateKernel, categoricalSampleKernel, MASK_ERRORS_BYTES } from '../../src/nn/heads';
import { encodeRngParams, RNG_PARAMS_BYTES } from '../../src/rng/params';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import philoxWgsl from '../../shaders/rng/philox.wgsl';
import privateRowCommonWgsl from './categorical-private-row/categorical_common.wgsl';
import privateRowEvaluateWgsl from './categorical-private-row/categorical_evaluate.wgsl';
import privateRowSampleWgsl from './categorical-private-row/categorical_sample.wgsl';
import { summarize, timeSubmitted, type Repetition, type Samples } from './timing';

/** The most actions the private-row design holds (its MAX_CATEGORIES). */
const PRIVATE_ROW_LIMIT = 64;

export type CategoricalHeadKernel = 'sample' | 'evaluate';

export interface CategoricalHeadsCase {
  readonly kernel: CategoricalHeadKernel;
  readonly rows: number;
  readonly actions: number;
  readonly masked: boolean;
}

export interface CategoricalHeadsRow extends CategoricalHeadsCase {
  readonly dispatchesPerSubmit: number;
  /** µs per dispatch, the engine's streaming design. */
  readonly streamingMicroseconds: Samples;
  /** µs per dispatch, the private-row design; absent where A > 64. */
  readonly privateRowMicroseconds?: Samples;
  /** Median private-row time / median streaming time: > 1 means streaming is faster. */
  readonly streamingSpeedup?: number;
  /** Evaluate: max |Δ log p|, |Δ H| between the designs. Sample: the fraction of rows whose action differs. */
  readonly difference?: number;
}

/** R = 4 096 rows at A = 4, 64 and 1 024, sample and evaluate, without and with a mask. */
export function defaultCategoricalHeadsCases(): CategoricalHeadsCase[] {
  return [4, 64, 1024].flatMap((actions) =>
    [false, true].flatMap((masked) => (['sample', 'evaluate'] as const).map((kernel) => ({ kernel, rows: 4096, actions, masked }))),
  );
}

function privateRowSpec(c: CategoricalHeadsCase): KernelSpec {
  const body = c.kernel === 'sample' ? privateRowSampleWgsl : privateRowEvaluateWgsl;
  return {
    label: `bench.private_row.categorical_${c.kernel}`,
    parts: [dispatchWgsl, philoxWgsl, privateRowCommonWgsl, body],
    workgroupSize: 64,
    constants: { ROWS: c.rows, ACTIONS: c.actions, LOGITS_STRIDE: c.actions, LOGITS_OFFSET: 0, MASKED: c.masked ? 1 : 0 },
  };
}

function streamingSpec(c: CategoricalHeadsCase): KernelSpec {
  const config = { rows: c.rows, actions: c.actions, masked: c.masked };
  return (c.kernel === 'sample' ? categoricalSampleKernel(config) : categoricalEvaluateKernel(config)).spec;
}

/** Logits U(−3, 3), a mask allowing each action with probability 0.7 (one always), taken actions allowed. */
function inputs(c: CategoricalHeadsCase) {
  const logits = Float32Array.from({ length: c.rows * c.actions }, () => 6 * Math.random() - 3);
  const mask = new Uint32Array(c.masked ? c.rows * c.actions : 1).map(() => (Math.random() < 0.7 ? 1 : 0));
  const actions = Uint32Array.from({ length: c.rows }, (_, r) => {
    const action = Math.floor(Math.random() * c.actions);
    if (c.masked) mask[r * c.actions + action] = 1;
    return action;
  });
  const params = encodeRngParams({ seed: 12345, stream: 7, iteration: 3, step: 1, draw: 0 });
  return { logits, mask, actions, params };
}

export interface CategoricalHeadsOptions {
  readonly cases?: readonly CategoricalHeadsCase[];
  /** Untimed and timed submits per design and case (default 1 + 5). */
  readonly repetition?: Repetition;
}

/** Times every case; see the module comment. */
export async function measureCategoricalHeads(device: GPUDevice, options: CategoricalHeadsOptions = {}): Promise<CategoricalHeadsRow[]> {
  const rows: CategoricalHeadsRow[] = [];
  for (const c of options.cases ?? defaultCategoricalHeadsCases()) rows.push(await measureCase(device, c, options.repetition ?? { warmup: 1, repeats: 5 }));
  return rows;
}

async function measureCase(device: GPUDevice, c: CategoricalHeadsCase, repetition: Repetition): Promise<CategoricalHeadsRow> {
  const designs: { name: 'streaming' | 'privateRow'; kernel: Kernel }[] = [{ name: 'streaming', kernel: await createKernel(device, streamingSpec(c)) }];
  if (c.actions <= PRIVATE_ROW_LIMIT) designs.push({ name: 'privateRow', kernel: await createKernel(device, privateRowSpec(c)) });
  const data = inputs(c);
  // ~16 M logits read per submit: long enough to time, short enough on a software adapter.
  const dispatchesPerSubmit = Math.max(1, Math.min(64, Math.round((16 * 2 ** 20) / (c.rows * c.actions))));
  // Each design writes (and, evaluating, reads the taken actions from) buffers of its own.
  const outputBytes = { actions: 4 * c.rows, log_probs: 4 * c.rows, entropies: 4 * c.rows, mask_errors: MASK_ERRORS_BYTES };
  const set = new BufferSet(device, 'bench.categorical-heads', {
    params: { size: RNG_PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
    logits: { size: data.logits.byteLength },
    mask: { size: data.mask.byteLength },
    ...Object.fromEntries(designs.flatMap((d) => Object.entries(outputBytes).map(([output, size]) => [`${d.name}.${output}`, { size }]))),
  });
  try {
    const b: Record<string, GPUBuffer> = set.buffers;
    device.queue.writeBuffer(b.params!, 0, data.params);
    device.queue.writeBuffer(b.logits!, 0, data.logits);
    device.queue.writeBuffer(b.mask!, 0, data.mask);
    for (const d of designs) device.queue.writeBuffer(b[`${d.name}.actions`]!, 0, data.actions);
    const commands = designs.map(({ name, kernel }) => {
      const own = (k: string) => b[`${name}.${k}`]!;
      const bindGroup = kernel.bind(
        Object.fromEntries(
          kernel.bindings.map((binding) => [binding.name, ['params', 'logits', 'mask'].includes(binding.name) ? b[binding.name]! : own(binding.name)]),
        ),
      );
      return () => {
        const encoder = device.createCommandEncoder({ label: `bench.${name}` });
        const pass = encoder.beginComputePass();
        for (let i = 0; i < dispatchesPerSubmit; i += 1) kernel.dispatch(pass, bindGroup, c.rows);
        pass.end();
        return encoder.finish();
      };
    });
    const times: number[][] = designs.map(() => []);
    for (let i = 0; i < repetition.warmup + repetition.repeats; i += 1) {
      for (let d = 0; d < designs.length; d += 1) {
        const buffer = commands[d]!();
        const ms = await timeSubmitted(device.queue, () => device.queue.submit([buffer]));
        if (i >= repetition.warmup) times[d]!.push((ms * 1000) / dispatchesPerSubmit);
      }
    }
    const streaming = summarize(times[0]!);
    if (designs.length === 1) return { ...c, dispatchesPerSubmit, streamingMicroseconds: streaming };
    const privateRow = summarize(times[1]!);
    return {
      ...c,
      dispatchesPerSubmit,
      streamingMicroseconds: streaming,
      privateRowMicroseconds: privateRow,
      streamingSpeedup: privateRow.median / streaming.median,
      difference: await difference(device, c, b),
    };
  } finally {
    set.destroy();
  }
}

/** How far the two designs' outputs lie apart (see CategoricalHeadsRow.difference). */
async function difference(device: GPUDevice, c: CategoricalHeadsCase, b: Record<string, GPUBuffer>): Promise<number> {
  const read = async (name: string) => new Float32Array(await readBufferOnce(device, b[name]!));
  if (c.kernel === 'sample') {
    const [mine, theirs] = [new Uint32Array((await read('streaming.actions')).buffer), new Uint32Array((await read('privateRow.actions')).buffer)];
    return mine.filter((a, r) => a !== theirs[r]).length / c.rows;
  }
  let worst = 0;
  for (const output of ['log_probs', 'entropies']) {
    const [mine, theirs] = [await read(`streaming.${output}`), await read(`privateRow.${output}`)];
    mine.forEach((v, r) => (worst = Number.isNaN(v) ? Infinity : Math.max(worst, Math.abs(v - theirs[r]!))));
  }
  return worst;
}
