/**
 * The MLP passes on the GPU: forward (saving every layer's output), backward (parameter gradients
 * summed over each agent's rows, and optionally the input gradient) and the tangent (forward-mode)
 * pass, each encoded as one compute pass of layer-wise dense kernels (src/nn/mlp-kernels.ts).
 *
 * Ownership. `createMlpPasses` allocates, up front and once, everything the passes write besides
 * their results: each layer's saved output (`activations`, whose head layers are `outputs`), the
 * backward deltas, the tangents (`tangentOutputs` for the heads), the reduction's partial sums and
 * a default NaN flag word. The caller owns what it passes to encode*: parameters, inputs, head
 * gradients, the parameter-gradient buffer and the input-gradient buffer. Nothing is allocated
 * after construction; bind groups over the caller's buffers are made on first use and cached.
 *
 * Order. encodeBackward and encodeTangent read the activations saved by the last encodeForward,
 * which must have used the same params and inputs (encode it earlier in the same or an earlier
 * submit). encodeBackward overwrites every weight and bias gradient of the layout in `paramGrads`;
 * padding and extras (a Gaussian head's log-std) are not touched.
 *
 * Layer-wise kernels vs a fused small-MLP kernel: see the note at the end of this file.
 */
import { BufferSet } from '../gpu/buffers';
import { createKernel, type Kernel, type KernelSpec } from '../gpu/kernel';
import { checkLimit } from '../gpu/limits';
import {
  ACTIVATION_CODE,
  DENSE_INPUT_GRAD,
  DENSE_PARAM_GRAD_PARTIAL,
  DENSE_PARAM_GRAD_REDUCE,
  DENSE_TANGENT,
  DENSE_OVERRIDES,
  PARAM_GRAD_CHUNK_ROWS,
  constantsFor,
  denseConstants,
  denseForwardInvocations,
  denseForwardSpec,
  ROW_TILE,
  paramGradChunks,
  type BatchShape,
} from './mlp-kernels';
import type { DenseLayer, MlpLayout } from './mlp-spec';

/** A whole buffer, or a slice of one (offset a multiple of minStorageBufferOffsetAlignment). */
export type BufferBinding = GPUBuffer | GPUBufferBinding;

export interface MlpPassOptions {
  /** Independent parameter sets G; batch row r belongs to agent floor(r / rowsPerAgent). */
  readonly agents: number;
  /** Batch rows per agent B; the passes always run G·B rows. */
  readonly rowsPerAgent: number;
  /** Word of the flags buffer that the forward pass sets to 1 on a NaN/Inf input (default 0). */
  readonly nanFlagIndex?: number;
  /**
   * Where the network lives in the parameter (and gradient) buffers: agent g's block at
   * g·agentStride + offset. Default { agentStride: layout.parametersPerAgent, offset: 0 }, a buffer
   * of this network alone; a trainer's joint vector [G][actor | critic] holds a critic at offset
   * parametersPerAgent(actor) with the joint stride, so its passes read and write it in place.
   * Both multiples of 4 (the vec4 kernels' rows).
   */
  readonly parameterSlot?: ParameterSlot;
  /** Label prefix of the owned buffers (default 'mlp'). */
  readonly label?: string;
}

/** A network's block within a wider parameter buffer: agent g's at g·agentStride + offset floats. */
export interface ParameterSlot {
  readonly agentStride: number;
  readonly offset: number;
}

/** `slot` checked against `layout`: both multiples of 4, the network inside each agent's stride. */
function checkParameterSlot(layout: MlpLayout, slot: ParameterSlot | undefined): ParameterSlot {
  if (slot === undefined) return { agentStride: layout.parametersPerAgent, offset: 0 };
  const { agentStride, offset } = slot;
  const P = layout.parametersPerAgent;
  if (!Number.isInteger(offset) || offset < 0 || offset % 4 !== 0 || !Number.isInteger(agentStride) || agentStride % 4 !== 0 || offset + P > agentStride) {
    throw new RangeError(
      `mlp passes: parameterSlot must hold the network's ${P} floats inside each agent's stride, both multiples of 4 (got agentStride ${agentStride}, offset ${offset})`,
    );
  }
  return slot;
}

export interface MlpForwardArgs {
  /** [G][P] f32, the layout's parameters. */
  readonly params: GPUBuffer;
  /** [G·B][inputSize] f32. */
  readonly inputs: BufferBinding;
  /** u32 words; flags[nanFlagIndex] is set to 1 on a NaN or ±Inf input. Default: `passes.flags`. */
  readonly flags?: BufferBinding;
  /**
   * Run only rows 0 … rows − 1 (default all G·B): fewer invocations, same pipelines. For inference
   * on a batch smaller than the passes were sized for; later rows' activations keep older values.
   */
  readonly rows?: number;
}

export interface MlpBackwardArgs {
  readonly params: GPUBuffer;
  readonly inputs: BufferBinding;
  /** ∂L/∂y for every head, [G·B][head size] f32, by head name. */
  readonly headGrads: Readonly<Record<string, BufferBinding>>;
  /** [G][P] f32: every weight and bias gradient is overwritten with its sum over the agent's rows. */
  readonly paramGrads: GPUBuffer;
  /** [G·B][inputSize] f32: ∂L/∂x per row, written when given. */
  readonly inputGrad?: BufferBinding;
}

export interface MlpTangentArgs {
  readonly params: GPUBuffer;
  readonly inputs: BufferBinding;
  /** [G][P] f32: the parameter-space direction v; results in `tangentOutputs`. */
  readonly direction: GPUBuffer;
}

export interface MlpPasses {
  readonly layout: MlpLayout;
  readonly agents: number;
  readonly rowsPerAgent: number;
  /** G·B. */
  readonly rows: number;
  /** Owned: each layer's saved output a = f(z), [G·B][outputSize], indexed as layout.layers. */
  readonly activations: readonly GPUBuffer[];
  /** Owned: each head's outputs after encodeForward (its layer's activation buffer). */
  readonly outputs: Readonly<Record<string, GPUBuffer>>;
  /** Owned: each head's directional derivative after encodeTangent, [G·B][head size]. */
  readonly tangentOutputs: Readonly<Record<string, GPUBuffer>>;
  /** Owned default NaN flag buffer (zero at creation; sticky: clear it to re-arm). */
  readonly flags: GPUBuffer;
  /** Bytes of the owned buffers. */
  readonly bytes: number;
  encodeForward(encoder: GPUCommandEncoder, args: MlpForwardArgs): void;
  encodeBackward(encoder: GPUCommandEncoder, args: MlpBackwardArgs): void;
  encodeTangent(encoder: GPUCommandEncoder, args: MlpTangentArgs): void;
  destroy(): void;
}

const FLOAT = 4;

function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${field} must be a positive integer (got ${String(value)})`);
  }
  return value;
}

const bufferOf = (b: BufferBinding): GPUBuffer => ('buffer' in b ? b.buffer : b);
const bindingBytes = (b: BufferBinding): number =>
  'buffer' in b ? (b.size ?? b.buffer.size - (b.offset ?? 0)) : b.size;

function requireBytes(field: string, binding: BufferBinding | undefined, bytes: number, what: string): BufferBinding {
  if (!binding) throw new TypeError(`${field} is required (${what}, ${bytes} bytes)`);
  const have = bindingBytes(binding);
  if (have < bytes) {
    throw new RangeError(`${field} ('${bufferOf(binding).label}') has ${have} bytes; it must hold ${what} = ${bytes} bytes`);
  }
  return binding;
}

/** Bind groups over caller buffers, made on first use; keyed by buffer identity and slice. */
class BindGroupCache {
  private static ids = new WeakMap<GPUBuffer, number>();
  private static nextId = 0;
  private readonly groups = new Map<string, GPUBindGroup>();

  constructor(private readonly kernel: Kernel) {}

  private static key(binding: BufferBinding): string {
    const buffer = bufferOf(binding);
    let id = BindGroupCache.ids.get(buffer);
    if (id === undefined) BindGroupCache.ids.set(buffer, (id = BindGroupCache.nextId++));
    return 'buffer' in binding ? `${id}@${binding.offset ?? 0}+${binding.size ?? '*'}` : `${id}`;
  }

  get(resources: Readonly<Record<string, BufferBinding>>): GPUBindGroup {
    const key = this.kernel.bindings.map((b) => BindGroupCache.key(resources[b.name]!)).join(',');
    let group = this.groups.get(key);
    if (!group) {
      // A caller cycling through many buffers would grow this without bound; keep it small.
      if (this.groups.size >= 64) this.groups.clear();
      group = this.kernel.bind(resources);
      this.groups.set(key, group);
    }
    return group;
  }
}

interface Step {
  readonly kernel: Kernel;
  readonly bindings: BindGroupCache;
  readonly invocations: number;
}

async function step(device: GPUDevice, spec: KernelSpec, label: string, invocations: number): Promise<Step> {
  const kernel = await createKernel(device, { ...spec, label: `${spec.label}[${label}]` });
  return { kernel, bindings: new BindGroupCache(kernel), invocations };
}

function run(pass: GPUComputePassEncoder, s: Step, resources: Record<string, BufferBinding>): void {
  s.kernel.dispatch(pass, s.bindings.get(resources), s.invocations);
}

interface LayerSteps {
  forward: Step;
  tangent: Step;
  paramGradPartial: Step;
  paramGradReduce: Step;
  inputGrad: Step;
}

/**
 * Validates the batch shape against the device's limits, allocates the scratch buffers and
 * compiles every layer's kernels. Throws RangeError for a bad option and GpuLimitError (naming the
 * limit and the sizes) when parameters or activations exceed maxStorageBufferBindingSize.
 */
export async function createMlpPasses(device: GPUDevice, layout: MlpLayout, options: MlpPassOptions): Promise<MlpPasses> {
  const agents = positiveInteger('mlp passes: agents', options.agents);
  const rowsPerAgent = positiveInteger('mlp passes: rowsPerAgent', options.rowsPerAgent);
  const nanFlagIndex = options.nanFlagIndex ?? 0;
  if (!Number.isInteger(nanFlagIndex) || nanFlagIndex < 0) {
    throw new RangeError(`mlp passes: nanFlagIndex must be a non-negative integer (got ${nanFlagIndex})`);
  }
  const prefix = options.label ?? 'mlp';
  const rows = agents * rowsPerAgent;
  const shape: BatchShape = { agents, rowsPerAgent };
  const slot = checkParameterSlot(layout, options.parameterSlot);
  // Floats per agent of the parameter and gradient buffers the passes bind.
  const P = slot.agentStride;
  const { layers } = layout;
  const chunks = paramGradChunks(rowsPerAgent);

  // Every binding is checked here, before anything exists, with the sizes spelled out.
  const limits = device.limits;
  const bindingLimit = 'maxStorageBufferBindingSize';
  checkLimit(limits, bindingLimit, agents * P * FLOAT, `mlp parameters (${agents} agents × ${P} floats × ${FLOAT} B)`);
  checkLimit(limits, bindingLimit, rows * layout.spec.inputSize * FLOAT, `mlp inputs (${rows} rows × ${layout.spec.inputSize} floats × ${FLOAT} B)`);
  for (const layer of layers) {
    const what = `mlp activations of layer '${layer.name}' (${rows} rows × ${layer.outputSize} floats × ${FLOAT} B)`;
    checkLimit(limits, bindingLimit, rows * layer.outputSize * FLOAT, what);
  }
  const partialFloats = Math.max(...layers.map((l) => l.outputSize * (l.inputSize + 1)));
  checkLimit(
    limits,
    bindingLimit,
    agents * chunks * partialFloats * FLOAT,
    `mlp gradient partial sums (${agents} agents × ${chunks} chunks of ${PARAM_GRAD_CHUNK_ROWS} rows × ${partialFloats} floats × ${FLOAT} B)`,
  );

  const declarations: Record<string, { size: number }> = {
    partials: { size: agents * chunks * partialFloats * FLOAT },
    flags: { size: (nanFlagIndex + 1) * 4 },
  };
  for (const layer of layers) {
    declarations[`activation.${layer.name}`] = { size: rows * layer.outputSize * FLOAT };
    declarations[`tangent.${layer.name}`] = { size: rows * layer.outputSize * FLOAT };
    if (layer.activation !== 'identity') declarations[`delta.${layer.name}`] = { size: rows * layer.outputSize * FLOAT };
  }
  const set = new BufferSet(device, prefix, declarations);
  const buffer = (name: string) => set.buffers[name]!;

  let steps: LayerSteps[];
  try {
    steps = await Promise.all(
      layers.map(async (layer, l): Promise<LayerSteps> => {
        const c = denseConstants(slot, layer, shape);
        const below = layer.inputLayer < 0 ? null : layers[layer.inputLayer]!;
        // The first layer (walking backwards) to write a target stores; later ones add.
        const accumulate = layers.some((other, m) => m > l && other.inputLayer === layer.inputLayer);
        const all = {
          ...c,
          CHECK_FINITE: layer.inputLayer < 0 ? 1 : 0,
          NAN_FLAG_INDEX: nanFlagIndex,
          HAS_INPUT_TANGENT: layer.inputLayer < 0 ? 0 : 1,
          AGENTS: agents,
          CHUNK_ROWS: PARAM_GRAD_CHUNK_ROWS,
          CHUNKS: chunks,
          ACCUMULATE: accumulate ? 1 : 0,
        };
        const outBlocks = Math.ceil(layer.outputSize / 4);
        // The input gradient applies the slope of the layer below (identity for the network input).
        const belowActivation = ACTIVATION_CODE[below ? below.activation : 'identity'];
        const inputGradSpec = constantsFor(DENSE_INPUT_GRAD, { ...all, ACTIVATION: belowActivation }, DENSE_OVERRIDES.inputGrad);
        const [forward, tangent, paramGradPartial, paramGradReduce, inputGrad] = await Promise.all([
          step(device, constantsFor(denseForwardSpec(layer), all, DENSE_OVERRIDES.forward), layer.name, denseForwardInvocations(layer, rowsPerAgent, rows)),
          step(device, constantsFor(DENSE_TANGENT, all, DENSE_OVERRIDES.tangent), layer.name, rows * outBlocks),
          step(
            device,
            constantsFor(DENSE_PARAM_GRAD_PARTIAL, all, DENSE_OVERRIDES.paramGradPartial),
            layer.name,
            agents * chunks * outBlocks * Math.ceil((layer.inputSize + 1) / 4),
          ),
          step(
            device,
            constantsFor(DENSE_PARAM_GRAD_REDUCE, all, DENSE_OVERRIDES.paramGradReduce),
            layer.name,
            agents * layer.outputSize * (layer.inputSize + 1),
          ),
          step(device, inputGradSpec, layer.name, agents * Math.ceil(rowsPerAgent / ROW_TILE) * Math.ceil(layer.inputSize / 4)),
        ]);
        return { forward, tangent, paramGradPartial, paramGradReduce, inputGrad };
      }),
    );
  } catch (error) {
    set.destroy();
    throw error;
  }

  const activations = layers.map((layer) => buffer(`activation.${layer.name}`));
  const tangents = layers.map((layer) => buffer(`tangent.${layer.name}`));
  const headBuffers = (of: GPUBuffer[]) =>
    Object.fromEntries(Object.entries(layout.headLayer).map(([head, l]) => [head, of[l]!]));
  const paramBytes = agents * P * FLOAT;
  const rowsOf = (layer: DenseLayer) => `${rows} rows × ${layer.outputSize} floats`;
  const inputWhat = `${rows} rows × ${layout.spec.inputSize} floats`;
  const layerInput = (layer: DenseLayer, inputs: BufferBinding): BufferBinding =>
    layer.inputLayer < 0 ? inputs : activations[layer.inputLayer]!;
  let destroyed = false;
  const alive = (what: string) => {
    if (destroyed) throw new Error(`mlp passes '${prefix}': ${what} after destroy()`);
  };

  return {
    layout,
    agents,
    rowsPerAgent,
    rows,
    activations,
    outputs: headBuffers(activations),
    tangentOutputs: headBuffers(tangents),
    flags: buffer('flags'),
    bytes: set.bytes,

    encodeForward(encoder, args) {
      alive('encodeForward');
      const params = requireBytes('params', args.params, paramBytes, `${agents} agents × ${P} floats`) as GPUBuffer;
      const inputs = requireBytes('inputs', args.inputs, rows * layout.spec.inputSize * FLOAT, inputWhat);
      const flags = args.flags ? requireBytes('flags', args.flags, (nanFlagIndex + 1) * 4, `${nanFlagIndex + 1} u32 words`) : buffer('flags');
      const runRows = args.rows ?? rows;
      if (!Number.isInteger(runRows) || runRows < 1 || runRows > rows) {
        throw new RangeError(`mlp passes '${prefix}': rows must be an integer in [1, ${rows}] (got ${runRows})`);
      }
      const pass = encoder.beginComputePass({ label: `${prefix}.forward` });
      layers.forEach((layer, l) => {
        const s = steps[l]!.forward;
        // Invocations are ordered by row (tile), then block of 4 outputs: a prefix of rows is a prefix of invocations.
        const invocations = runRows === rows ? s.invocations : denseForwardInvocations(layer, rowsPerAgent, runRows);
        s.kernel.dispatch(pass, s.bindings.get({ params, input: layerInput(layer, inputs), output: activations[l]!, flags }), invocations);
      });
      pass.end();
    },

    encodeBackward(encoder, args) {
      alive('encodeBackward');
      const params = requireBytes('params', args.params, paramBytes, `${agents} agents × ${P} floats`) as GPUBuffer;
      const inputs = requireBytes('inputs', args.inputs, rows * layout.spec.inputSize * FLOAT, inputWhat);
      const paramGrads = requireBytes('paramGrads', args.paramGrads, paramBytes, `${agents} agents × ${P} floats`);
      const inputGrad = args.inputGrad && requireBytes('inputGrad', args.inputGrad, rows * layout.spec.inputSize * FLOAT, inputWhat);
      for (const head of Object.keys(args.headGrads)) {
        if (!(head in layout.headLayer)) {
          throw new RangeError(`headGrads.${head}: the network has no head '${head}' (heads: ${Object.keys(layout.headLayer).join(', ')})`);
        }
      }
      // δ = ∂L/∂z per layer: the heads' are the caller's ∂L/∂y (identity activation).
      const deltas: BufferBinding[] = layers.map((layer) =>
        layer.activation === 'identity'
          ? requireBytes(`headGrads.${layer.name}`, args.headGrads[layer.name], rows * layer.outputSize * FLOAT, rowsOf(layer))
          : buffer(`delta.${layer.name}`),
      );
      const pass = encoder.beginComputePass({ label: `${prefix}.backward` });
      // Walking the layers backwards visits each layer after every layer that reads it.
      for (let l = layers.length - 1; l >= 0; l -= 1) {
        const layer = layers[l]!;
        const s = steps[l]!;
        const delta = deltas[l]!;
        run(pass, s.paramGradPartial, { delta, input: layerInput(layer, inputs), partials: buffer('partials') });
        run(pass, s.paramGradReduce, { partials: buffer('partials'), param_grads: paramGrads });
        if (layer.inputLayer >= 0) {
          const below = layer.inputLayer;
          run(pass, s.inputGrad, { params, delta, input_activation: activations[below]!, input_delta: deltas[below]! });
        } else if (inputGrad) {
          // The network input has no activation: input_activation is not read (bound to delta).
          run(pass, s.inputGrad, { params, delta, input_activation: delta, input_delta: inputGrad });
        }
      }
      pass.end();
    },

    encodeTangent(encoder, args) {
      alive('encodeTangent');
      const params = requireBytes('params', args.params, paramBytes, `${agents} agents × ${P} floats`) as GPUBuffer;
      const inputs = requireBytes('inputs', args.inputs, rows * layout.spec.inputSize * FLOAT, inputWhat);
      const direction = requireBytes('direction', args.direction, paramBytes, `${agents} agents × ${P} floats`);
      const pass = encoder.beginComputePass({ label: `${prefix}.tangent` });
      layers.forEach((layer, l) => {
        const input = layerInput(layer, inputs);
        // The network input does not move with θ: input_tangent is not read (bound to input).
        const inputTangent = layer.inputLayer < 0 ? input : tangents[layer.inputLayer]!;
        run(pass, steps[l]!.tangent, {
          params,
          direction,
          input,
          input_tangent: inputTangent,
          activation: activations[l]!,
          tangent: tangents[l]!,
        });
      });
      pass.end();
    },

    destroy() {
      destroyed = true;
      set.destroy();
    },
  };
}

/*
 * Layer-wise kernels vs a fused small-MLP kernel.
 *
 * These passes issue one dispatch per layer for forward and tangent (4 for a 2-hidden-layer,
 * 2-head net) and two or three per layer for backward (11 for that net). Each layer's output goes
 * through global memory, which a real GPU's L2 absorbs at RL batch sizes (B·64 floats per layer).
 * Kernel shapes: the forward and the input gradient take 4 rows × 4 outputs (columns) of one agent
 * per invocation, register-blocked, the forward with vec4 loads where the input width is a multiple
 * of 4 (dense_forward_tiled; one row × 4 outputs otherwise); the parameter gradient is a split-K
 * δᵀ·x with 4×4 register blocks per chunk of 64 rows, then a deterministic fan-in-32 sum (vec4
 * loads there measured no faster on SwiftShader).
 * The next step on real GPUs is staging weight tiles through workgroup memory.
 *
 * A fused small-MLP kernel would run one workgroup per tile of rows (say 64) through every layer:
 * the tile's activations stay in workgroup memory (64 rows × 64 floats = 16 KiB, already the
 * default limit, so hidden 64 needs half-tiles or f16), weights stream through in 16×64 slices,
 * one dispatch per pass. It would save the dispatches and the global round trips; it would give
 * up arbitrary widths (bounded by workgroup memory) and cannot do the parameter-gradient
 * reduction across rows without a second dispatch anyway. It pays off where dispatches dominate:
 * the rollout's per-step forward at small N on a real GPU.
 *
 * Measured on SwiftShader (2 cores, shared with other test runs, so rough): an empty-ish dispatch
 * costs ~12 µs (11 tiny axpy dispatches in one pass: 0.22 ms vs 0.10 ms for one); the [64, 64]
 * two-head forward at B = 123 takes ~1.9 ms (best of 40), of which its 4 dispatches are ~0.16 ms
 * (the same passes at B = 1). So on SwiftShader the layer-wise passes are compute-bound, not
 * dispatch-bound, at B = 123; on a hardware GPU, where that forward is microseconds of arithmetic,
 * they would be dispatch-bound, and that is where the fused kernel belongs.
 *
 * The measured choice: that fused forward exists (src/nn/mlp-fused.ts, 16-row tiles, 8 KiB of
 * workgroup memory at width 64, forward only). On SwiftShader it was measured against these passes
 * for CleanRL's actor and critic at B = 1 … 4 096 and G = 8 × 256: these passes were fastest at
 * every size (the fused kernel ~2× slower from B = 256 up), so software adapters use them;
 * hardware adapters use the fused kernel for rollout inference (rolloutForwardPath), a prediction
 * until `bench nn` runs on one. The table and reasoning are at the end of mlp-fused.ts.
 */
