/**
 * ONNX export of a trained policy: one agent's actor (src/nn/mlp-spec.ts layout) with the running
 * observation normaliser folded in, as a serialized onnx.ModelProto that runs anywhere ONNX runs
 * (onnxruntime-web in the browser or Node, onnxruntime, TensorRT, ...).
 *
 * The graph, for an actor with hidden layers h0 … h(L−1) and its 'policy' head:
 *
 *   observations [batch, OBS]                                  (float32, 'batch' symbolic)
 *   ─ Sub(obs_mean) ─ Div(Sqrt(Add(obs_variance, obs_epsilon))) ─ Clip(−clip, clip)   (normaliser only)
 *   ─ Gemm(hidden0.weight, hidden0.bias, transB = 1) ─ Tanh | Relu ─ … (one pair per hidden layer)
 *   ─ Gemm(policy.weight, policy.bias, transB = 1) → logits [batch, n]   (categorical)
 *   ─ Gemm(policy.weight_b, policy.bias_b, transB = 1) → logits_b [batch, nvec[b]]
 *                                                  (multi-discrete: one output per branch b, from
 *                                                   the branch's rows of the head's weight and bias)
 *                                                  → mean   [batch, A]   (Gaussian)
 *   ─ Gemm(policy.weight_mean, policy.bias_mean) → mean [batch, D], and Gemm(policy.weight_b,
 *     policy.bias_b) → logits_b [batch, nvec[b]] per branch (hybrid: the head's first D rows, then
 *     each branch's rows after them)
 *   log_std.value ─ Identity → log_std [A]                               (Gaussian, hybrid: the learned extras.logStd)
 *
 * The normaliser nodes are running_moments_normalise (shaders/normalise/running_moments.wgsl),
 * clamp((x − μ)/√(σ² + ε), −clip, clip), operation for operation in float32: the statistics go in as
 * the engine holds them (f32 mean and variance, ε and clip as f32), not pre-combined in float64,
 * so an ONNX runtime computes the same expression the engine's shader does. Weights are stored
 * W[out][in] as in the engine, which is what Gemm's transB = 1 reads (y = x·Wᵀ + b).
 *
 * Encoding: onnx-proto (the protobufjs-generated ONNX schema, onnx 1.10) writes the ModelProto.
 * Pinned to IR version 8 and opset 17 (onnx 1.12), which every current ONNX runtime accepts.
 */
import onnxProto from 'onnx-proto';
import { mlpLayout, type DenseLayer, type LayerActivation, type MlpLayout, type MlpSpec, type TensorSlot } from '../nn/mlp-spec';
import type { ObservationNormaliserRecord } from '../normalise/normaliser-record';

// onnx-proto is CommonJS (`module.exports = { onnx }`): Node's ESM loader exposes it only as the
// default export, and Vite's bundler does the same, so take the namespace from the default import.
const { onnx } = onnxProto;

/** ONNX IR version written: 8 (onnx 1.10–1.12); onnxruntime ≥ 1.10 loads it. */
export const ONNX_IR_VERSION = 8;
/** Default-domain opset written: 17 (onnx 1.12). Gemm, Tanh, Relu, Sub, Div, Add, Sqrt, Clip, Identity are all stable in it. */
export const ONNX_OPSET_VERSION = 17;

/** Names of the graph's inputs and outputs, for the code that feeds and reads the model. */
export const ONNX_POLICY_NAMES = {
  observations: 'observations',
  logits: 'logits',
  mean: 'mean',
  logStd: 'log_std',
} as const;

/** The running observation statistics a policy was trained with (src/normalise/normaliser-record.ts). */
export type OnnxObservationNormaliser = ObservationNormaliserRecord;

/** Everything exportPolicyOnnx needs: one agent's actor, its parameters and its statistics. */
export interface OnnxPolicy {
  /** The actor's spec; its parameter layout is mlpLayout(actor). It must have a 'policy' head. */
  readonly actor: MlpSpec;
  /** ONE agent's parameters in mlpLayout(actor)'s flat layout (parametersPerAgent values). */
  readonly parameters: Float32Array;
  /**
   * 'categorical': the policy head's outputs are logits. 'gaussian': means, with a learned
   * extras.logStd. 'hybrid' (src/envs/types.ts HybridSpace): D means, then the logits of
   * `branches`, with a learned extras.logStd of the D continuous dims.
   */
  readonly policy: 'categorical' | 'gaussian' | 'hybrid';
  /**
   * The discrete branches' sizes (nvec): a multi-discrete policy's (policy 'categorical', summing to
   * the head's size) or a hybrid policy's (required; the head's size less the D means). The model
   * then outputs 'logits_0' … 'logits_{K−1}', branch b's nvec[b] logits, instead of one 'logits'.
   */
  readonly branches?: readonly number[];
  /** Running observation statistics when training normalised observations: y = clip((x − mean)/sqrt(var + epsilon), −clip, clip). */
  readonly observationNormaliser?: OnnxObservationNormaliser;
  /** The engine version (ModelProto.producer_version). */
  readonly producerVersion: string;
  /** Free text stored as ModelProto.doc_string (e.g. env and training run). */
  readonly docString?: string;
}

/** The head exported: the actor's policy head. */
const POLICY_HEAD = 'policy';

type ValueInfo = InstanceType<typeof onnx.ValueInfoProto>;

/** The bytes of an ONNX model computing `policy` (see the file comment for the graph). Throws on inconsistent input before encoding anything. */
export function exportPolicyOnnx(policy: OnnxPolicy): Uint8Array {
  const { layout, policyLayer, logStd } = checkPolicy(policy);
  const observationSize = layout.spec.inputSize;
  const parameters = policy.parameters;

  const initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  const addInitializer = (name: string, dims: readonly number[], values: ArrayLike<number>) => initializers.push(floatTensor(name, dims, values));
  const addNode = (opType: string, inputs: readonly string[], output: string, attributes: InstanceType<typeof onnx.AttributeProto>[] = []) =>
    nodes.push(onnx.NodeProto.create({ opType, name: output, input: [...inputs], output: [output], attribute: attributes }));

  // ── observation normaliser ──────────────────────────────────────────────────────────────────
  let x: string = ONNX_POLICY_NAMES.observations;
  const normaliser = policy.observationNormaliser;
  if (normaliser) {
    addInitializer('obs_mean', [observationSize], normaliser.mean);
    addInitializer('obs_variance', [observationSize], normaliser.variance);
    addInitializer('obs_epsilon', [], [normaliser.epsilon]);
    addInitializer('obs_clip_min', [], [-normaliser.clip]);
    addInitializer('obs_clip_max', [], [normaliser.clip]);
    addNode('Add', ['obs_variance', 'obs_epsilon'], 'obs_variance_plus_epsilon');
    addNode('Sqrt', ['obs_variance_plus_epsilon'], 'obs_std');
    addNode('Sub', [x, 'obs_mean'], 'obs_centred');
    addNode('Div', ['obs_centred', 'obs_std'], 'obs_scaled');
    addNode('Clip', ['obs_scaled', 'obs_clip_min', 'obs_clip_max'], 'obs_normalised');
    x = 'obs_normalised';
  }

  // ── the MLP: hidden layers, then the policy head ──────────────────────────────────────────
  const dense = (layer: DenseLayer, input: string, output: string) => {
    addInitializer(layer.weight.name, [layer.outputSize, layer.inputSize], slice(parameters, layer.weight));
    addInitializer(layer.bias.name, [layer.outputSize], slice(parameters, layer.bias));
    addNode('Gemm', [input, layer.weight.name, layer.bias.name], output, [intAttribute('transB', 1)]);
  };
  for (const layer of layout.layers.slice(0, layout.spec.hiddenSizes.length)) {
    dense(layer, x, `${layer.name}.pre_activation`);
    addNode(activationOp(layer.activation), [`${layer.name}.pre_activation`], layer.name);
    x = layer.name;
  }
  const outputs: ValueInfo[] = [];
  for (const output of headOutputs(policy, policyLayer.outputSize)) {
    if (output.suffix === '') {
      dense(policyLayer, x, output.name);
    } else {
      // One Gemm per slice over its rows of the head (the means, each branch's logits): each output
      // is one distribution's own numbers, which a runtime reads on its own, with no Split node to configure.
      const rows = (slot: TensorSlot, width: number) => parameters.subarray(slot.offset + output.start * width, slot.offset + (output.start + output.size) * width);
      const [weight, bias] = [`${policyLayer.weight.name}_${output.suffix}`, `${policyLayer.bias.name}_${output.suffix}`];
      addInitializer(weight, [output.size, policyLayer.inputSize], rows(policyLayer.weight, policyLayer.inputSize));
      addInitializer(bias, [output.size], rows(policyLayer.bias, 1));
      addNode('Gemm', [x, weight, bias], output.name, [intAttribute('transB', 1)]);
    }
    outputs.push(floatValueInfo(output.name, ['batch', output.size]));
  }
  if (logStd) {
    // A graph output must be a node's output for every runtime to accept it, so the constant
    // log-std goes out through an Identity.
    addInitializer(`${ONNX_POLICY_NAMES.logStd}.value`, [logStd.length], slice(parameters, logStd));
    addNode('Identity', [`${ONNX_POLICY_NAMES.logStd}.value`], ONNX_POLICY_NAMES.logStd);
    outputs.push(floatValueInfo(ONNX_POLICY_NAMES.logStd, [logStd.length]));
  }

  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: ONNX_OPSET_VERSION })],
    producerName: 'webgpu-rl',
    producerVersion: policy.producerVersion,
    docString: policy.docString ?? '',
    metadataProps: [
      onnx.StringStringEntryProto.create({ key: 'webgpu-rl.policy', value: policy.policy }),
      onnx.StringStringEntryProto.create({ key: 'webgpu-rl.observation_normaliser', value: normaliser ? 'folded' : 'none' }),
    ],
    graph: onnx.GraphProto.create({
      name: `webgpu-rl ${policy.policy} policy`,
      node: nodes,
      initializer: initializers,
      input: [floatValueInfo(ONNX_POLICY_NAMES.observations, ['batch', observationSize])],
      output: outputs,
    }),
  });
  // protobufjs returns a Node Buffer in Node; hand back a plain Uint8Array everywhere.
  const encoded = onnx.ModelProto.encode(model).finish();
  return new Uint8Array(encoded.buffer.slice(encoded.byteOffset, encoded.byteOffset + encoded.byteLength));
}

/** The output of branch b of a multi-discrete or hybrid policy: 'logits_b'. */
export function branchLogitsName(b: number): string {
  return `${ONNX_POLICY_NAMES.logits}_${b}`;
}

interface HeadOutput {
  readonly name: string;
  readonly start: number;
  readonly size: number;
  readonly suffix: string;
}

/**
 * The graph's outputs from the policy head, in order: each output's name and the rows [start,
 * start + size) of the head it is; `suffix` names its initializers ('' for the whole head, which
 * keeps the layer's own names). One whole 'logits' or 'mean'; or, with branches, the D means of a
 * hybrid policy and then one 'logits_b' per branch.
 */
function headOutputs(policy: OnnxPolicy, width: number): HeadOutput[] {
  const branches = policy.branches;
  if (!branches) return [{ name: policy.policy === 'categorical' ? ONNX_POLICY_NAMES.logits : ONNX_POLICY_NAMES.mean, start: 0, size: width, suffix: '' }];
  const D = width - branches.reduce((sum, n) => sum + n, 0);
  const outputs: HeadOutput[] = D > 0 ? [{ name: ONNX_POLICY_NAMES.mean, start: 0, size: D, suffix: 'mean' }] : [];
  let start = D;
  branches.forEach((n, b) => {
    outputs.push({ name: branchLogitsName(b), start, size: n, suffix: String(b) });
    start += n;
  });
  return outputs;
}

/**
 * Checks the policy kind against the head: `branches` (a categorical policy's, summing to the
 * head's width, or a hybrid one's, required, leaving D ≥ 1 means before them) and the learned
 * log-std (a Gaussian's of the head's width, a hybrid's of D; none for a categorical policy).
 */
function checkHead(policy: OnnxPolicy, width: number, logStd: TensorSlot | undefined): void {
  const branches = policy.branches;
  if (branches !== undefined) {
    if (policy.policy === 'gaussian') throw new RangeError(`policy.branches is only for a 'categorical' or 'hybrid' policy (got policy '${policy.policy}')`);
    if (!Array.isArray(branches) || branches.length < 1 || branches.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new RangeError(`policy.branches must be a non-empty array of positive integers (got ${JSON.stringify(branches)})`);
    }
  } else if (policy.policy === 'hybrid') {
    throw new RangeError("policy.branches is required for a 'hybrid' policy: the sizes of its discrete branches (nvec), whose logits follow the D means in the head");
  }
  const total = (branches ?? []).reduce((sum, n) => sum + n, 0);
  if (policy.policy === 'categorical') {
    if (branches && total !== width) throw new RangeError(`policy.branches [${branches.join(', ')}] sum to ${total}, but the '${POLICY_HEAD}' head has ${width} logits`);
    if (logStd) throw new RangeError(`policy.actor has extras.logStd, which only a Gaussian or hybrid actor has, but policy.policy is 'categorical'`);
    return;
  }
  const D = width - total;
  if (D < 1) {
    throw new RangeError(`policy.branches [${branches!.join(', ')}] sum to ${total}, leaving no means in the '${POLICY_HEAD}' head of ${width}: a 'hybrid' head is D ≥ 1 means, then the branches' logits`);
  }
  const dims = policy.policy === 'gaussian' ? `the Gaussian policy has ${D} action dims (the '${POLICY_HEAD}' head's size)` : `the hybrid policy has D = ${D} continuous dims (the '${POLICY_HEAD}' head's ${width} less Σ branches ${total})`;
  if (!logStd) throw new RangeError(`policy.actor has no extras.logStd; a '${policy.policy}' policy needs the learned log-std (extras: { logStd: ${D} })`);
  if (logStd.length !== D) throw new RangeError(`policy.actor.extras.logStd has ${logStd.length} values; ${dims}`);
}

/** Validates `policy`, naming the field, the value and what is valid; returns its layout. */
function checkPolicy(policy: OnnxPolicy): { layout: MlpLayout; policyLayer: DenseLayer; logStd: TensorSlot | undefined } {
  if (policy.policy !== 'categorical' && policy.policy !== 'gaussian' && policy.policy !== 'hybrid') {
    throw new RangeError(`policy.policy must be 'categorical', 'gaussian' or 'hybrid' (got ${String(policy.policy)})`);
  }
  if (typeof policy.producerVersion !== 'string') {
    throw new TypeError(`policy.producerVersion must be a string, the engine version (got ${String(policy.producerVersion)})`);
  }
  const layout = mlpLayout(policy.actor);
  const headIndex = layout.headLayer[POLICY_HEAD];
  if (headIndex === undefined) {
    throw new RangeError(`policy.actor must have a '${POLICY_HEAD}' head (its heads: ${policy.actor.heads.map((h) => `'${h.name}'`).join(', ')})`);
  }
  const policyLayer = layout.layers[headIndex]!;
  const logStd = layout.extras.logStd;
  checkHead(policy, policyLayer.outputSize, logStd);

  const parameters = policy.parameters;
  if (!(parameters instanceof Float32Array)) throw new TypeError('policy.parameters must be a Float32Array');
  if (parameters.length !== layout.parametersPerAgent) {
    const agents = parameters.length / layout.parametersPerAgent;
    const hint = Number.isInteger(agents) && agents > 1 ? ` (this looks like ${agents} agents' blocks: pass one, parameters.subarray(g·${layout.parametersPerAgent}, (g + 1)·${layout.parametersPerAgent}))` : '';
    throw new RangeError(`policy.parameters has ${parameters.length} values; one agent's block of this actor has ${layout.parametersPerAgent}${hint}`);
  }
  const exported = [...layout.layers.slice(0, layout.spec.hiddenSizes.length), policyLayer].flatMap((l) => [l.weight, l.bias]);
  if (logStd) exported.push(logStd);
  for (const slot of exported) {
    for (let i = 0; i < slot.length; i += 1) {
      const value = parameters[slot.offset + i]!;
      if (!Number.isFinite(value)) throw new RangeError(`policy.parameters: ${slot.name}[${i}] (offset ${slot.offset + i}) is ${value}; every exported parameter must be finite`);
    }
  }

  const normaliser = policy.observationNormaliser;
  if (normaliser) {
    const size = layout.spec.inputSize;
    for (const field of ['mean', 'variance'] as const) {
      const values = normaliser[field];
      if (!values || values.length !== size) {
        throw new RangeError(`policy.observationNormaliser.${field} has ${values?.length} values; the actor takes ${size} observation dims`);
      }
      for (let i = 0; i < size; i += 1) {
        const value = values[i]!;
        if (!Number.isFinite(value) || (field === 'variance' && value < 0)) {
          throw new RangeError(`policy.observationNormaliser.${field}[${i}] must be a finite number${field === 'variance' ? ' ≥ 0' : ''} (got ${value})`);
        }
      }
    }
    for (const field of ['epsilon', 'clip'] as const) {
      const value = normaliser[field];
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || !(Math.fround(value) > 0)) {
        throw new RangeError(`policy.observationNormaliser.${field} must be a finite number > 0 that float32 represents as > 0 (got ${String(value)})`);
      }
    }
  }
  return { layout, policyLayer, logStd };
}

function activationOp(activation: LayerActivation): 'Tanh' | 'Relu' {
  if (activation === 'tanh') return 'Tanh';
  if (activation === 'relu') return 'Relu';
  throw new RangeError(`hidden activation ${activation} has no ONNX export`);
}

function slice(parameters: Float32Array, slot: TensorSlot): Float32Array {
  return parameters.subarray(slot.offset, slot.offset + slot.length);
}

/** A float32 initializer; raw_data is little-endian by the ONNX spec, whatever the host's order. */
function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): InstanceType<typeof onnx.TensorProto> {
  const rawData = new Uint8Array(4 * values.length);
  const view = new DataView(rawData.buffer);
  for (let i = 0; i < values.length; i += 1) view.setFloat32(4 * i, values[i]!, true);
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, rawData });
}

function intAttribute(name: string, value: number): InstanceType<typeof onnx.AttributeProto> {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
}

/** A float32 tensor's name, element type and shape; a string dim is symbolic (dim_param). */
function floatValueInfo(name: string, dims: readonly (number | string)[]): ValueInfo {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) => onnx.TensorShapeProto.Dimension.create(typeof d === 'string' ? { dimParam: d } : { dimValue: d })),
        }),
      }),
    }),
  });
}
