/**
 * The dense-layer kernels the MLP passes are built from (shaders/nn/dense_*.wgsl), as specs without
 * sizes, and `denseConstants`, which sizes them for one layer of a layout. src/nn/mlp.ts chains them
 * into forward, backward and tangent passes.
 *
 * Shapes: batch rows are agent-major (row r belongs to agent floor(r / rowsPerAgent)); activations
 * and deltas are [rows][width] row-major f32; parameters and their gradients are [agents][P] with
 * the offsets of MlpLayout.
 */
import type { KernelSpec } from '../gpu/kernel';
import type { ShaderPart } from '../gpu/shaders';
import type { DenseLayer, LayerActivation, MlpLayout } from './mlp-spec';
import activationWgsl from '../../shaders/nn/activation.wgsl';
import denseParamGradPartialWgsl from '../../shaders/nn/dense_param_grad_partial.wgsl';
import denseParamGradReduceWgsl from '../../shaders/nn/dense_param_grad_reduce.wgsl';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import denseForwardWgsl from '../../shaders/nn/dense_forward.wgsl';
import denseForwardTiledWgsl from '../../shaders/nn/dense_forward_tiled.wgsl';
import denseInputGradWgsl from '../../shaders/nn/dense_input_grad.wgsl';
import denseTangentWgsl from '../../shaders/nn/dense_tangent.wgsl';

/** WGSL codes of the activations (ACT_* in shaders/nn/activation.wgsl). */
export const ACTIVATION_CODE: Readonly<Record<LayerActivation, number>> = { identity: 0, tanh: 1, relu: 2 };

/** Rows each stage-1 invocation of the parameter-gradient reduction sums serially. */
export const PARAM_GRAD_CHUNK_ROWS = 64;

const WORKGROUP = 64;
const denseParts = (kernel: ShaderPart) => [
  dispatchWgsl,
  activationWgsl,
  kernel,
];

/**
 * a = f(W_g·x + b_g) for ROWS rows, one invocation per (row, 4 outputs): dispatch ROWS·⌈OUT/4⌉.
 * Bindings: params, input [ROWS][IN], output [ROWS][OUT], flags (u32; flags[NAN_FLAG_INDEX] = 1
 * when CHECK_FINITE and an input is NaN or ±Inf).
 */
export const DENSE_FORWARD: KernelSpec = {
  label: 'nn.dense_forward',
  parts: denseParts(denseForwardWgsl),
  workgroupSize: WORKGROUP,
};

/**
 * DENSE_FORWARD for IN % 4 == 0, 4 rows of one agent and 4 outputs per invocation (a 4×4 register
 * block), input and weight rows read as vec4: the same sums in the same order, 2.5× fewer loads
 * per multiply-add. Same bindings and overrides (params and input are bound as
 * array<vec4f>); dispatch AGENTS·⌈ROWS_PER_AGENT/4⌉·⌈OUT/4⌉ (denseForwardInvocations).
 */
export const DENSE_FORWARD_TILED: KernelSpec = {
  ...DENSE_FORWARD,
  label: 'nn.dense_forward_tiled',
  parts: denseParts(denseForwardTiledWgsl),
};

/** Rows per invocation of the row-tiled kernels (dense_forward_tiled, dense_input_grad). */
export const ROW_TILE = 4;

/** The forward kernel for a layer: row-tiled with vec4 loads where its input width allows them. */
export const denseForwardSpec = (layer: DenseLayer): KernelSpec => (layer.inputSize % 4 === 0 ? DENSE_FORWARD_TILED : DENSE_FORWARD);

/**
 * Invocations of a layer's forward over the first `rows` rows of the batch (agent-major,
 * `rowsPerAgent` each): a row per invocation per 4 outputs, or for the row-tiled kernel every tile
 * that holds one of those rows (whole agents' tiles, then the partial agent's). Rows past them
 * that share a tile or a workgroup are computed too (from whatever the input holds there).
 */
export function denseForwardInvocations(layer: DenseLayer, rowsPerAgent: number, rows: number): number {
  const blocks = Math.ceil(layer.outputSize / 4);
  if (denseForwardSpec(layer) !== DENSE_FORWARD_TILED) return rows * blocks;
  const tilesPerAgent = Math.ceil(rowsPerAgent / ROW_TILE);
  const wholeAgents = Math.floor(rows / rowsPerAgent);
  return (wholeAgents * tilesPerAgent + Math.ceil((rows - wholeAgents * rowsPerAgent) / ROW_TILE)) * blocks;
}

/**
 * ∂L/∂z of the layer below (or ∂L/∂x of the network input) from this layer's δ = ∂L/∂z:
 * f'_below(a_below) ⊙ (δ·W_g), stored or (ACCUMULATE) added; 4 rows of one agent per invocation.
 * Dispatch AGENTS·⌈ROWS_PER_AGENT/4⌉·⌈IN/4⌉.
 * Bindings: params, delta [ROWS][OUT], input_activation [ROWS][IN], input_delta [ROWS][IN].
 */
export const DENSE_INPUT_GRAD: KernelSpec = {
  label: 'nn.dense_input_grad',
  parts: denseParts(denseInputGradWgsl),
  workgroupSize: WORKGROUP,
};

/**
 * Stage 1 of ∂L/∂W, ∂L/∂b: per-chunk partial sums of δᵀ·(x, 1), [AGENTS][CHUNKS][OUT][IN + 1].
 * Dispatch AGENTS·CHUNKS·⌈OUT/4⌉·⌈(IN + 1)/4⌉. Bindings: delta, input, partials.
 */
export const DENSE_PARAM_GRAD_PARTIAL: KernelSpec = {
  label: 'nn.dense_param_grad_partial',
  parts: [dispatchWgsl, denseParamGradPartialWgsl],
  workgroupSize: WORKGROUP,
};

/**
 * Stage 2: sums the chunks (fan-in-32 tree) into the agent's gradient slots. Dispatch
 * AGENTS·OUT·(IN + 1). Bindings: partials, param_grads.
 */
export const DENSE_PARAM_GRAD_REDUCE: KernelSpec = {
  label: 'nn.dense_param_grad_reduce',
  parts: [dispatchWgsl, denseParamGradReduceWgsl],
  workgroupSize: WORKGROUP,
};

/**
 * Tangent: ȧ = f'(a) ⊙ (Ẇ_g·x + W_g·ẋ + ḃ_g). Dispatch ROWS·⌈OUT/4⌉. Bindings: params, direction,
 * input, input_tangent (not read when HAS_INPUT_TANGENT = 0), activation (this layer's a), tangent.
 */
export const DENSE_TANGENT: KernelSpec = {
  label: 'nn.dense_tangent',
  parts: denseParts(denseTangentWgsl),
  workgroupSize: WORKGROUP,
};

/** Batch shape of the passes: G agents × rowsPerAgent rows. */
export interface BatchShape {
  readonly agents: number;
  readonly rowsPerAgent: number;
}

/** Chunks per agent of the parameter-gradient reduction. */
export const paramGradChunks = (rowsPerAgent: number) => Math.ceil(rowsPerAgent / PARAM_GRAD_CHUNK_ROWS);

/**
 * The override constants shared by the dense kernels, for one layer and batch shape, with the
 * network's block at `slot` (agent g's at g·agentStride + offset of the parameter buffer).
 */
export function denseConstants(slot: { readonly agentStride: number; readonly offset: number }, layer: DenseLayer, shape: BatchShape): Record<string, number> {
  return {
    IN: layer.inputSize,
    OUT: layer.outputSize,
    ROWS: shape.agents * shape.rowsPerAgent,
    ROWS_PER_AGENT: shape.rowsPerAgent,
    PARAMS_PER_AGENT: slot.agentStride,
    W_OFFSET: slot.offset + layer.weight.offset,
    B_OFFSET: slot.offset + layer.bias.offset,
    ACTIVATION: ACTIVATION_CODE[layer.activation],
  };
}

const SHAPE = ['IN', 'OUT', 'ROWS', 'ROWS_PER_AGENT', 'PARAMS_PER_AGENT', 'W_OFFSET'];
/** The overrides each dense kernel declares (besides WORKGROUP_SIZE). */
export const DENSE_OVERRIDES = {
  forward: [...SHAPE, 'B_OFFSET', 'ACTIVATION', 'CHECK_FINITE', 'NAN_FLAG_INDEX'],
  inputGrad: [...SHAPE, 'ACTIVATION', 'ACCUMULATE'],
  paramGradPartial: ['IN', 'OUT', 'AGENTS', 'ROWS_PER_AGENT', 'CHUNK_ROWS', 'CHUNKS'],
  paramGradReduce: ['IN', 'OUT', 'AGENTS', 'CHUNKS', 'PARAMS_PER_AGENT', 'W_OFFSET', 'B_OFFSET'],
  tangent: [...SHAPE, 'B_OFFSET', 'ACTIVATION', 'HAS_INPUT_TANGENT'],
} as const;

/** Picks the overrides a kernel declares out of a larger set (WGSL rejects unknown constants). */
export function constantsFor(spec: KernelSpec, all: Readonly<Record<string, number>>, names: readonly string[]): KernelSpec {
  const constants: Record<string, number> = {};
  for (const name of names) {
    const value = all[name];
    if (value === undefined) throw new Error(`${spec.label}: no value for override ${name}`);
    constants[name] = value;
  }
  return { ...spec, constants };
}

/**
 * The dense kernels sized for one representative layer (input 7 → 33, tanh, input gradient
 * accumulated, 3 agents × 123 rows; the vec4 forward with input 64), for the kernel catalogue.
 */
export function denseKernelExamples(): KernelSpec[] {
  const shape: BatchShape = { agents: 3, rowsPerAgent: 123 };
  const all: Record<string, number> = {
    IN: 7,
    OUT: 33,
    ROWS: shape.agents * shape.rowsPerAgent,
    ROWS_PER_AGENT: shape.rowsPerAgent,
    PARAMS_PER_AGENT: 300,
    W_OFFSET: 0,
    B_OFFSET: 232,
    ACTIVATION: ACTIVATION_CODE.tanh,
    CHECK_FINITE: 1,
    NAN_FLAG_INDEX: 0,
    HAS_INPUT_TANGENT: 1,
    AGENTS: shape.agents,
    CHUNK_ROWS: PARAM_GRAD_CHUNK_ROWS,
    CHUNKS: paramGradChunks(shape.rowsPerAgent),
    ACCUMULATE: 1,
  };
  return [
    constantsFor(DENSE_FORWARD, all, DENSE_OVERRIDES.forward),
    constantsFor(DENSE_FORWARD_TILED, { ...all, IN: 64, PARAMS_PER_AGENT: 64 * 33 + 36 }, DENSE_OVERRIDES.forward),
    constantsFor(DENSE_INPUT_GRAD, all, DENSE_OVERRIDES.inputGrad),
    constantsFor(DENSE_PARAM_GRAD_PARTIAL, all, DENSE_OVERRIDES.paramGradPartial),
    constantsFor(DENSE_PARAM_GRAD_REDUCE, all, DENSE_OVERRIDES.paramGradReduce),
    constantsFor(DENSE_TANGENT, all, DENSE_OVERRIDES.tangent),
  ];
}
