/**
 * An MLP spec and the flat parameter layout it implies.
 *
 * All parameters of one network live in one f32 buffer. With G agents (independent parameter sets
 * trained in the same dispatches) agent g's block starts at g·parametersPerAgent. Inside a block,
 * each layer stores its weight row-major as W[out][in] (y = W·x + b, PyTorch's convention) followed
 * by its bias; then any extra tensors (a Gaussian policy's log-std). Every tensor starts on a
 * 4-float boundary and the block is padded to a multiple of 4 floats, so kernels may read rows as
 * vec4 when a row's length is a multiple of 4.
 *
 * Heads: the last hidden layer feeds one or more output layers. A separate actor and critic are two
 * specs with one head each; a shared torso is one spec with heads [policy, value].
 */

/** A hidden layer's activation. */
export type Activation = 'tanh' | 'relu';
export type LayerActivation = Activation | 'identity';

/**
 * Widest layer accepted. The dense kernels are bounded only by binding sizes (createMlpPasses checks
 * those against the device); this cap turns a typo (65536 for 64) into an error at spec time.
 */
export const MAX_LAYER_WIDTH = 4096;

/** One output layer of a network. */
export interface HeadSpec {
  /** e.g. 'policy' or 'value'. */
  readonly name: string;
  /** Its outputs: the number of actions (categorical logits), the action size (Gaussian mean), or 1 (value). */
  readonly size: number;
  /** Orthogonal-init gain: CleanRL uses 0.01 for the policy head and 1.0 for the value head. */
  readonly gain: number;
}

/** A multilayer perceptron: its input size, hidden layers and output heads (the parameter layout follows from it). */
export interface MlpSpec {
  /** Floats per input (the observation size). */
  readonly inputSize: number;
  /** Widths of the hidden layers, input side first ([] for a linear network). */
  readonly hiddenSizes: readonly number[];
  /** One for all hidden layers, or one per hidden layer. */
  readonly activation: Activation | readonly Activation[];
  /** The output layers, each fed by the last hidden layer. */
  readonly heads: readonly HeadSpec[];
  /** Gain of the hidden layers' orthogonal init; CleanRL's √2 by default. */
  readonly hiddenGain?: number;
  /** Extra parameter vectors after the layers, e.g. `{ logStd: actionSize }` (initialised to 0). */
  readonly extras?: Readonly<Record<string, number>>;
}

/** A named slice of an agent's parameter block. */
export interface TensorSlot {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
}

export interface DenseLayer {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly activation: LayerActivation;
  /** Index of the layer whose output this layer reads; -1 for the network input. */
  readonly inputLayer: number;
  readonly weight: TensorSlot;
  readonly bias: TensorSlot;
  readonly gain: number;
}

export interface MlpLayout {
  readonly spec: MlpSpec;
  /** Hidden layers first, in order, then one output layer per head (all reading the last hidden). */
  readonly layers: readonly DenseLayer[];
  /** Index into `layers` of each head's output layer, by head name. */
  readonly headLayer: Readonly<Record<string, number>>;
  readonly extras: Readonly<Record<string, TensorSlot>>;
  /** Floats per agent, padded to a multiple of 4. */
  readonly parametersPerAgent: number;
}

const alignTo4 = (n: number) => Math.ceil(n / 4) * 4;

function checkSize(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${field} must be a positive integer (got ${String(value)})`);
  }
  if (value > MAX_LAYER_WIDTH) {
    throw new RangeError(`${field} must be at most ${MAX_LAYER_WIDTH}, the widest layer the kernels take (got ${value})`);
  }
  return value;
}

/** Validates a spec (every size a positive integer within MAX_LAYER_WIDTH) and lays it out. */
export function mlpLayout(spec: MlpSpec): MlpLayout {
  checkSize('mlp.inputSize', spec.inputSize);
  spec.hiddenSizes.forEach((size, i) => checkSize(`mlp.hiddenSizes[${i}]`, size));
  const activations = typeof spec.activation === 'string' ? spec.hiddenSizes.map(() => spec.activation as Activation) : spec.activation;
  if (activations.length !== spec.hiddenSizes.length) {
    throw new RangeError(`mlp.activation has ${activations.length} entries for ${spec.hiddenSizes.length} hidden layers`);
  }
  activations.forEach((a, i) => {
    if (a !== 'tanh' && a !== 'relu') throw new RangeError(`mlp.activation[${i}] must be 'tanh' or 'relu' (got ${String(a)})`);
  });
  if (spec.heads.length === 0) throw new RangeError('mlp.heads must name at least one output head');
  // Head names label buffers beside the hidden layers', so they must not collide with them.
  const headNames = new Set<string>(spec.hiddenSizes.map((_, i) => `hidden${i}`));
  spec.heads.forEach((head, i) => {
    checkSize(`mlp.heads[${i}].size`, head.size);
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(head.name) || headNames.has(head.name)) {
      throw new RangeError(`mlp.heads[${i}].name must be a unique identifier other than hidden0…hidden${spec.hiddenSizes.length - 1} (got '${head.name}')`);
    }
    headNames.add(head.name);
    if (!Number.isFinite(head.gain) || head.gain < 0) throw new RangeError(`mlp.heads[${i}].gain must be a finite number ≥ 0 (got ${head.gain})`);
  });
  const hiddenGain = spec.hiddenGain ?? Math.SQRT2;

  let offset = 0;
  const slot = (name: string, length: number): TensorSlot => {
    const s = { name, offset, length };
    offset = alignTo4(offset + length);
    return s;
  };
  const layers: DenseLayer[] = [];
  let inputSize = spec.inputSize;
  spec.hiddenSizes.forEach((outputSize, i) => {
    const name = `hidden${i}`;
    layers.push({
      name,
      inputSize,
      outputSize,
      activation: activations[i]!,
      inputLayer: i - 1,
      weight: slot(`${name}.weight`, outputSize * inputSize),
      bias: slot(`${name}.bias`, outputSize),
      gain: hiddenGain,
    });
    inputSize = outputSize;
  });
  const headLayer: Record<string, number> = {};
  for (const head of spec.heads) {
    headLayer[head.name] = layers.length;
    layers.push({
      name: head.name,
      inputSize,
      outputSize: head.size,
      activation: 'identity',
      inputLayer: spec.hiddenSizes.length - 1,
      weight: slot(`${head.name}.weight`, head.size * inputSize),
      bias: slot(`${head.name}.bias`, head.size),
      gain: head.gain,
    });
  }
  const extras: Record<string, TensorSlot> = {};
  for (const [name, length] of Object.entries(spec.extras ?? {})) {
    checkSize(`mlp.extras.${name}`, length);
    extras[name] = slot(name, length);
  }
  return { spec, layers, headLayer, extras, parametersPerAgent: offset };
}

/** Multiply-adds of one forward pass for one row (the FLOP count is twice this). */
export function multiplyAddsPerRow(layout: MlpLayout): number {
  return layout.layers.reduce((sum, layer) => sum + layer.inputSize * layer.outputSize, 0);
}

/** CleanRL's actor: 64-64 tanh, policy head gain 0.01. */
export function actorSpec(inputSize: number, actionSize: number, hiddenSizes: readonly number[] = [64, 64]): MlpSpec {
  return { inputSize, hiddenSizes, activation: 'tanh', heads: [{ name: 'policy', size: actionSize, gain: 0.01 }] };
}

/** CleanRL's critic: 64-64 tanh, value head gain 1.0. */
export function criticSpec(inputSize: number, hiddenSizes: readonly number[] = [64, 64]): MlpSpec {
  return { inputSize, hiddenSizes, activation: 'tanh', heads: [{ name: 'value', size: 1, gain: 1 }] };
}

/**
 * CleanRL's continuous actor (ppo_continuous_action.py): 64-64 tanh, a 'policy' head of actionSize
 * means (gain 0.01) and a state-independent learned log-std `extras.logStd` (initialised to 0).
 */
export function gaussianActorSpec(inputSize: number, actionSize: number, hiddenSizes: readonly number[] = [64, 64]): MlpSpec {
  return { ...actorSpec(inputSize, actionSize, hiddenSizes), extras: { logStd: actionSize } };
}

/**
 * The actor of a hybrid action space (src/envs/types.ts HybridSpace): one 'policy' head of the D
 * Gaussian means followed by the logits of the discrete branches, and a learned log-std of the D
 * continuous dims only.
 */
export function hybridActorSpec(inputSize: number, continuousDims: number, logits: number, hiddenSizes: readonly number[] = [64, 64]): MlpSpec {
  return { ...actorSpec(inputSize, continuousDims + logits, hiddenSizes), extras: { logStd: continuousDims } };
}
