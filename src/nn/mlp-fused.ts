/**
 * The fused small-MLP forward (shaders/nn/mlp_fused_forward.wgsl): one dispatch runs the whole
 * network for every batch row: one workgroup per tile of 16 rows of one agent, each invocation a
 * 4-unit × 4-row register block, hidden activations in workgroup memory; only the heads' outputs
 * reach global memory. It is meant for the rollout's per-step inference (observation → logits /
 * value, nothing saved for backward). Training, the tangent pass and anything wider than
 * MAX_FUSED_WIDTH use the layer-wise passes (src/nn/mlp.ts), whose outputs this reproduces.
 *
 * Which one to use where is a measured choice: see the note at the end of this file.
 */
import { BufferSet, createBufferWithData, destroyBuffer } from '../gpu/buffers';
import { createKernel, type Kernel, type KernelSpec } from '../gpu/kernel';
import { checkLimit } from '../gpu/limits';
import type { BufferBinding, MlpForwardArgs } from './mlp';
import { ACTIVATION_CODE } from './mlp-kernels';
import { mlpLayout, type DenseLayer, type MlpLayout } from './mlp-spec';
import activationWgsl from '../../shaders/nn/activation.wgsl';
import mlpFusedForwardWgsl from '../../shaders/nn/mlp_fused_forward.wgsl';

/**
 * The widest input or hidden layer the fused kernel takes. Its workgroup memory is 2 (ping-pong)
 * × width × 16 rows × 4 B = 8 KiB at 64, within the 16 KiB default limit. Past ~64 a forward is
 * compute-bound even at small batches, where fusing saves nothing (note at the end of this file).
 */
export const MAX_FUSED_WIDTH = 64;

/** Rows per workgroup (the WGSL's TILE_ROWS: 4 row groups of 4 rows). */
export const FUSED_TILE_ROWS = 16;

const FLOAT = 4;
/** u32 words per FusedLayer entry of the layer table (the WGSL struct, padded to 32 bytes). */
const TABLE_WORDS = 8;

/**
 * One workgroup per tile of 16 rows of one agent: G·⌈B/16⌉ workgroups (fusedInvocations).
 * Bindings: params [G][P], input [G·B][inputSize], layer_table (FusedLayer entries: hidden layers,
 * then heads), outputs (each head's [G·B][size] block at its output_offset), flags (u32).
 */
export const MLP_FUSED_FORWARD: KernelSpec = {
  label: 'nn.mlp_fused_forward',
  parts: [activationWgsl, mlpFusedForwardWgsl],
  workgroupSize: 64,
};

/**
 * Why `layout` cannot run fused (the first layer wider than MAX_FUSED_WIDTH), or null when it can.
 * Only the input and hidden widths are bounded: heads are written straight to global memory.
 */
export function fusedForwardUnsupported(layout: MlpLayout): string | null {
  const { inputSize, hiddenSizes } = layout.spec;
  if (inputSize > MAX_FUSED_WIDTH) {
    return `mlp.inputSize is ${inputSize}, beyond MAX_FUSED_WIDTH = ${MAX_FUSED_WIDTH} of the fused forward kernel; use the layer-wise passes (createMlpPasses)`;
  }
  const wide = hiddenSizes.findIndex((size) => size > MAX_FUSED_WIDTH);
  if (wide >= 0) {
    return `mlp.hiddenSizes[${wide}] is ${hiddenSizes[wide]}, beyond MAX_FUSED_WIDTH = ${MAX_FUSED_WIDTH} of the fused forward kernel; use the layer-wise passes (createMlpPasses)`;
  }
  return null;
}

export interface MlpFusedForwardOptions {
  /** Independent parameter sets G; batch row r belongs to agent floor(r / rowsPerAgent). */
  readonly agents: number;
  /** Batch rows per agent B; the kernel always runs G·B rows. */
  readonly rowsPerAgent: number;
  /** Word of the flags buffer set to 1 on a NaN/Inf input (default 0). */
  readonly nanFlagIndex?: number;
  /** Label prefix of the owned buffers (default 'mlp-fused'). */
  readonly label?: string;
}

export interface MlpFusedForward {
  readonly layout: MlpLayout;
  readonly agents: number;
  readonly rowsPerAgent: number;
  /** G·B. */
  readonly rows: number;
  /**
   * Owned: each head's outputs after encodeForward, [G·B][head size], as a slice of one buffer
   * (`outputBuffer`) starting on minStorageBufferOffsetAlignment, so it binds directly.
   */
  readonly outputs: Readonly<Record<string, GPUBufferBinding>>;
  readonly outputBuffer: GPUBuffer;
  /** Owned default NaN flag buffer (zero at creation; sticky: clear it to re-arm). */
  readonly flags: GPUBuffer;
  /** Bytes of the owned buffers. */
  readonly bytes: number;
  /** One compute pass with one dispatch: every head's outputs for every row. */
  encodeForward(encoder: GPUCommandEncoder, args: MlpForwardArgs): void;
  destroy(): void;
}

function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${field} must be a positive integer (got ${String(value)})`);
  }
  return value;
}

const bufferOf = (b: BufferBinding): GPUBuffer => ('buffer' in b ? b.buffer : b);
const bindingBytes = (b: BufferBinding): number => ('buffer' in b ? (b.size ?? b.buffer.size - (b.offset ?? 0)) : b.size);

function requireBytes(field: string, binding: BufferBinding | undefined, bytes: number, what: string): BufferBinding {
  if (!binding) throw new TypeError(`${field} is required (${what}, ${bytes} bytes)`);
  const have = bindingBytes(binding);
  if (have < bytes) {
    throw new RangeError(`${field} ('${bufferOf(binding).label}') has ${have} bytes; it must hold ${what} = ${bytes} bytes`);
  }
  return binding;
}

/** The layer table as the WGSL's array<FusedLayer>: hidden layers in order, then the heads. */
function layerTable(layout: MlpLayout, headOffsets: ReadonlyMap<string, number>): Uint32Array<ArrayBuffer> {
  const table = new Uint32Array(layout.layers.length * TABLE_WORDS);
  layout.layers.forEach((layer: DenseLayer, l) => {
    table.set(
      [layer.inputSize, layer.outputSize, layer.weight.offset, layer.bias.offset, ACTIVATION_CODE[layer.activation], headOffsets.get(layer.name) ?? 0, 0, 0],
      l * TABLE_WORDS,
    );
  });
  return table;
}

/** Invocations to dispatch: one workgroup per tile of FUSED_TILE_ROWS rows of one agent. */
export function fusedInvocations(agents: number, rowsPerAgent: number, workgroupSize = MLP_FUSED_FORWARD.workgroupSize): number {
  return agents * Math.ceil(rowsPerAgent / FUSED_TILE_ROWS) * workgroupSize;
}

/** The fused kernel sized for a layout and batch shape (override constants). */
export function mlpFusedForwardSpec(layout: MlpLayout, agents: number, rowsPerAgent: number, nanFlagIndex = 0): KernelSpec {
  return {
    ...MLP_FUSED_FORWARD,
    constants: {
      AGENTS: agents,
      ROWS_PER_AGENT: rowsPerAgent,
      PARAMS_PER_AGENT: layout.parametersPerAgent,
      INPUT_SIZE: layout.spec.inputSize,
      HIDDEN_LAYERS: layout.spec.hiddenSizes.length,
      HEADS: layout.spec.heads.length,
      MAX_WIDTH: Math.max(layout.spec.inputSize, ...layout.spec.hiddenSizes),
      CHECK_FINITE: 1,
      NAN_FLAG_INDEX: nanFlagIndex,
    },
  };
}

/**
 * Validates the layout (input and hidden widths ≤ MAX_FUSED_WIDTH, else a RangeError pointing to
 * the layer-wise passes) and batch shape, allocates the outputs, layer table and flag word, and
 * compiles the kernel. Throws GpuLimitError when parameters, inputs or outputs exceed
 * maxStorageBufferBindingSize.
 */
export async function createMlpFusedForward(device: GPUDevice, layout: MlpLayout, options: MlpFusedForwardOptions): Promise<MlpFusedForward> {
  const unsupported = fusedForwardUnsupported(layout);
  if (unsupported) throw new RangeError(unsupported);
  const agents = positiveInteger('mlp fused forward: agents', options.agents);
  const rowsPerAgent = positiveInteger('mlp fused forward: rowsPerAgent', options.rowsPerAgent);
  const nanFlagIndex = options.nanFlagIndex ?? 0;
  if (!Number.isInteger(nanFlagIndex) || nanFlagIndex < 0) {
    throw new RangeError(`mlp fused forward: nanFlagIndex must be a non-negative integer (got ${nanFlagIndex})`);
  }
  const prefix = options.label ?? 'mlp-fused';
  const rows = agents * rowsPerAgent;
  const P = layout.parametersPerAgent;
  const limits = device.limits;
  const bindingLimit = 'maxStorageBufferBindingSize';
  checkLimit(limits, bindingLimit, agents * P * FLOAT, `mlp parameters (${agents} agents × ${P} floats × ${FLOAT} B)`);
  checkLimit(limits, bindingLimit, rows * layout.spec.inputSize * FLOAT, `mlp inputs (${rows} rows × ${layout.spec.inputSize} floats × ${FLOAT} B)`);

  // Each head's block starts on the binding-offset alignment, so a consumer can bind it alone.
  const alignFloats = limits.minStorageBufferOffsetAlignment / FLOAT;
  const headOffsets = new Map<string, number>();
  let outputFloats = 0;
  for (const head of layout.spec.heads) {
    outputFloats = Math.ceil(outputFloats / alignFloats) * alignFloats;
    headOffsets.set(head.name, outputFloats);
    outputFloats += rows * head.size;
  }
  checkLimit(limits, bindingLimit, outputFloats * FLOAT, `mlp fused outputs (${rows} rows × ${layout.spec.heads.map((h) => h.size).join(' + ')} floats × ${FLOAT} B, head blocks aligned)`);

  const set = new BufferSet(device, prefix, {
    outputs: { size: outputFloats * FLOAT },
    flags: { size: (nanFlagIndex + 1) * 4 },
  });
  let table: GPUBuffer | undefined;
  let kernel: Kernel;
  try {
    table = createBufferWithData(device, `${prefix}.layer-table`, layerTable(layout, headOffsets));
    kernel = await createKernel(device, mlpFusedForwardSpec(layout, agents, rowsPerAgent, nanFlagIndex));
  } catch (error) {
    set.destroy();
    if (table) destroyBuffer(device, table);
    throw error;
  }
  const layerTableBuffer = table;
  const { outputs: outputBuffer, flags: ownedFlags } = set.buffers;
  const outputs = Object.fromEntries(
    layout.spec.heads.map((head) => [head.name, { buffer: outputBuffer, offset: headOffsets.get(head.name)! * FLOAT, size: rows * head.size * FLOAT }]),
  );
  const paramBytes = agents * P * FLOAT;
  const invocations = fusedInvocations(agents, rowsPerAgent);
  const inputWhat = `${rows} rows × ${layout.spec.inputSize} floats`;
  // Bind groups over the caller's buffers, made on first use (a rollout alternates a few).
  const groups = new Map<string, GPUBindGroup>();
  const ids = new WeakMap<GPUBuffer, number>();
  let nextId = 0;
  const keyOf = (b: BufferBinding) => {
    const buffer = bufferOf(b);
    let id = ids.get(buffer);
    if (id === undefined) ids.set(buffer, (id = nextId++));
    return 'buffer' in b ? `${id}@${b.offset ?? 0}+${b.size ?? '*'}` : `${id}`;
  };
  let destroyed = false;

  return {
    layout,
    agents,
    rowsPerAgent,
    rows,
    outputs,
    outputBuffer,
    flags: ownedFlags,
    bytes: set.bytes + layerTableBuffer.size,

    encodeForward(encoder, args) {
      if (destroyed) throw new Error(`mlp fused forward '${prefix}': encodeForward after destroy()`);
      const params = requireBytes('params', args.params, paramBytes, `${agents} agents × ${P} floats`);
      const inputs = requireBytes('inputs', args.inputs, rows * layout.spec.inputSize * FLOAT, inputWhat);
      const flags = args.flags ? requireBytes('flags', args.flags, (nanFlagIndex + 1) * 4, `${nanFlagIndex + 1} u32 words`) : ownedFlags;
      const key = [params, inputs, flags].map(keyOf).join(',');
      let group = groups.get(key);
      if (!group) {
        if (groups.size >= 64) groups.clear();
        group = kernel.bind({ params, input: inputs, layer_table: layerTableBuffer, outputs: outputBuffer, flags });
        groups.set(key, group);
      }
      const pass = encoder.beginComputePass({ label: `${prefix}.forward` });
      kernel.dispatch(pass, group, invocations);
      pass.end();
    },

    destroy() {
      if (destroyed) return;
      destroyed = true;
      set.destroy();
      destroyBuffer(device, layerTableBuffer);
    },
  };
}

/** The fused kernel sized for input 7, hidden [33, 64] tanh, heads 3 + 5, 3 agents × 123 rows (catalogue). */
export function fusedKernelExamples(): KernelSpec[] {
  const layout = mlpLayout({
    inputSize: 7,
    hiddenSizes: [33, 64],
    activation: 'tanh',
    heads: [
      { name: 'policy', size: 3, gain: 0.01 },
      { name: 'value', size: 5, gain: 1 },
    ],
  });
  return [mlpFusedForwardSpec(layout, 3, 123)];
}

/** Which forward the rollout should use for per-step inference (see the measured choice below). */
export type RolloutForwardPath = 'fused' | 'layerwise';

/**
 * The measured choice below as a rule: the layer-wise forward on software adapters (SwiftShader,
 * where it was measured fastest at every batch size) and for networks wider than
 * MAX_FUSED_WIDTH; the fused forward on hardware adapters, where the rollout's forward is
 * dispatch-bound. The hardware half is a prediction until `bench nn` confirms it on one.
 */
export function rolloutForwardPath(adapter: { readonly isSoftware: boolean }, layout: MlpLayout): RolloutForwardPath {
  if (adapter.isSoftware || fusedForwardUnsupported(layout) !== null) return 'layerwise';
  return 'fused';
}

/*
 * Fused vs layer-wise forward for rollout inference: the measured choice.
 *
 * Measured with bench/measure/mlp-fused-vs-layerwise.ts's method (forwards encoded before the clock,
 * 4–64 per submit, submit → onSubmittedWorkDone, the paths alternated repeat by repeat, median
 * of 11) on SwiftShader, 2 cores, while other test runs kept the load average at 5–6: treat
 * differences under ~30 % as noise. µs per forward (min in brackets); "per-row" is a fused kernel
 * with one invocation per row running the whole net from private arrays, tried and not shipped.
 *
 *   network, G × B       layer-wise (3 dispatches)  fused tile (shipped)  fused per-row (tried)
 *   actor   1 × 1                 75 (66)               629 (388)              225 (93)
 *   actor   1 × 64              1258 (1021)            1803 (1552)            1615 (1203)
 *   actor   1 × 256             4988 (4077)           20861 (17865)          11337 (7104)
 *   actor   1 × 4096          173571 (152259)        354628 (308937)        201560 (175743)
 *   actor   8 × 256            82855 (74120)         164842 (157472)        104263 (87911)
 *   critic  1 × 1                123 (67)              400 (396)               98 (93)
 *   critic  1 × 64              1820 (1039)            2264 (1673)            1484 (1188)
 *   critic  1 × 256             4943 (3990)           22902 (18381)          12627 (7388)
 *   critic  1 × 4096          183259 (166930)        391583 (334122)        215362 (198966)
 *   critic  8 × 256            81214 (66230)         179467 (165704)        102971 (93915)
 * (actor 4→64→64→2, critic 4→64→64→1, tanh: CleanRL's CartPole networks, 18 kFLOP per row.)
 * In an earlier, quieter run (load ≈ 3) the ordering was the same: at 1 × 256 layer-wise 4.0 ms,
 * tile 6.9 ms, per-row 4.8 ms; at 1 × 4096 105 ms, 179 ms, 122 ms.
 *
 * On SwiftShader every size from B ≈ 64 up is compute-bound (0.2–0.6 GFLOP/s for all three) and
 * the three dispatches of the layer-wise forward (~20 µs each) are noise beside the arithmetic;
 * fusing buys nothing, and the layer-wise kernels (vec4 weight loads, 16 invocations per row per
 * layer, no barriers) are the fastest. Only at B = 1, where the forward is pure overhead, did the
 * per-row kernel tie or beat them. The tile kernel is ~2× slower. Not profiled; the likely reason
 * is that SwiftShader emulates workgroup memory and barriers on the CPU (a workgroup's invocations
 * run as coroutines on one thread), which costs more than the loads the register blocking saves;
 * unrolling the register block by hand changed nothing. So on software adapters: layer-wise, at
 * every size.
 *
 * On a hardware GPU (none in this workplace; not measured) the same forward is a few µs of
 * arithmetic at CleanRL's sizes, so the layer-wise forward is dispatch-bound: 3–4 dependent
 * dispatches with a barrier each, against one for the fused kernel, whose hidden activations also
 * never leave the SM. The fused kernel is shaped for that: a row's units are spread over 16
 * invocations (B = 1 is ~200 dependent loop steps, not the ~1 100 a per-row kernel runs serially,
 * which is why the per-row kernel is not shipped although it did best at B = 1 here), each weight
 * load feeds 4 rows and each activation load 4 units, and activations are broadcast from
 * workgroup memory. Expected: fused ahead by roughly the saved dispatches (2–3× at B ≤ a few
 * hundred), the two converging by B ≈ 4 096–65 536 where both are compute- or L2-bound (the fused
 * kernel rereads an agent's ~18 KB of weights per 16-row tile, from L1/L2). rolloutForwardPath
 * encodes this; run `npm run bench:nn` on a hardware adapter before relying on its hardware half,
 * and move the rule (or add a row threshold) if the numbers disagree.
 */
