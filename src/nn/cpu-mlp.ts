/**
 * The forward pass of an MLP (src/nn/mlp-spec.ts layout) on the CPU, for inference inside a game's
 * frame, where waiting for the GPU is not an option. It computes what the GPU's dense kernels
 * compute (shaders/nn/dense_forward.wgsl and activation.wgsl): y = W·x + b per layer, W stored
 * W[out][in], tanh (clamped to ±15 first, as the shader does) or relu on the hidden layers, identity
 * on the head. Each dot product is summed in float64 and each layer's outputs are stored as float32,
 * as the GPU stores them between layers, so the two agree to float32 rounding of the sums.
 *
 * Buffers are allocated for the largest batch seen so far and reused: a call at a batch size already
 * seen allocates nothing.
 */
import { mlpLayout, type DenseLayer, type MlpSpec } from './mlp-spec';

/** activation.wgsl's TANH_CLAMP: tanh is ±1 in float32 beyond it anyway. */
const TANH_CLAMP = 15;

/** One network's hidden layers and one of its heads, run on the CPU over preallocated buffers. */
export class CpuMlp {
  /** The layers run, input side first: the hidden layers, then the head. */
  private readonly layers: readonly DenseLayer[];
  /** Floats per agent a parameter vector must hold at least. */
  readonly parametersPerAgent: number;
  /** Floats per input row. */
  readonly inputSize: number;
  /** Floats per output row: the head's size. */
  readonly outputSize: number;
  private readonly widest: number;
  private capacity = 0;
  private hiddenA = new Float32Array(0);
  private hiddenB = new Float32Array(0);
  private output = new Float32Array(0);
  /** The output rows of the last call, reused while the batch size repeats. */
  private outputView = new Float32Array(0);

  /** `head` names the output layer run (e.g. 'policy'); the spec is validated by mlpLayout. */
  constructor(spec: MlpSpec, head: string) {
    const layout = mlpLayout(spec);
    const headIndex = layout.headLayer[head];
    if (headIndex === undefined) {
      throw new RangeError(`cpuMlp: the network has no '${head}' head (its heads: ${spec.heads.map((h) => `'${h.name}'`).join(', ')})`);
    }
    this.layers = [...layout.layers.slice(0, spec.hiddenSizes.length), layout.layers[headIndex]!];
    this.parametersPerAgent = layout.parametersPerAgent;
    this.inputSize = spec.inputSize;
    this.outputSize = layout.layers[headIndex]!.outputSize;
    this.widest = Math.max(1, ...spec.hiddenSizes);
  }

  /**
   * The head's outputs [rows][outputSize] for `inputs` [rows][inputSize] (float32, row-major) under
   * `parameters` (one agent's block). Returns a view into a buffer the next call overwrites (the
   * same view object while the batch size repeats).
   */
  forward(parameters: Float32Array, inputs: Float32Array, rows: number): Float32Array {
    if (parameters.length < this.parametersPerAgent) {
      throw new RangeError(`cpuMlp.forward: parameters has ${parameters.length} values; the network needs ${this.parametersPerAgent}`);
    }
    if (!Number.isInteger(rows) || rows < 0 || inputs.length < rows * this.inputSize) {
      throw new RangeError(`cpuMlp.forward: inputs has ${inputs.length} values, fewer than rows ${rows} × inputSize ${this.inputSize}`);
    }
    this.reserve(rows);
    let source = inputs;
    let target = this.hiddenA;
    for (let l = 0; l < this.layers.length; l += 1) {
      const layer = this.layers[l]!;
      if (l === this.layers.length - 1) target = this.output;
      dense(layer, parameters, source, target, rows);
      source = target;
      target = source === this.hiddenA ? this.hiddenB : this.hiddenA;
    }
    if (this.outputView.buffer !== this.output.buffer || this.outputView.length !== rows * this.outputSize) {
      this.outputView = this.output.subarray(0, rows * this.outputSize);
    }
    return this.outputView;
  }

  /** Grows the buffers to hold `rows` rows (only ever up: a smaller batch reuses them). */
  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    this.hiddenA = new Float32Array(rows * this.widest);
    this.hiddenB = new Float32Array(rows * this.widest);
    this.output = new Float32Array(rows * this.outputSize);
  }
}

/** f(z) of a hidden layer (identity on a head), z rounded to float32 as the GPU stores it. */
function activate(activation: DenseLayer['activation'], sum: number): number {
  const z = Math.fround(sum);
  if (activation === 'tanh') return Math.tanh(Math.min(Math.max(z, -TANH_CLAMP), TANH_CLAMP));
  return activation === 'relu' ? Math.max(z, 0) : z;
}

/**
 * out[r][o] = f(b[o] + Σ_i W[o][i]·x[r][i]) for `rows` rows, summed in float64 from the bias (the
 * GPU sums in float32 from it: the two differ by its rounding only). Four rows at a time share each
 * weight load, which halves the memory traffic of a wide layer; each row's sum is the same either way.
 */
function dense(layer: DenseLayer, parameters: Float32Array, x: Float32Array, out: Float32Array, rows: number): void {
  const { inputSize: I, outputSize: O, activation } = layer;
  const W = layer.weight.offset;
  const B = layer.bias.offset;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const x0 = r * I;
    const x1 = x0 + I;
    const x2 = x1 + I;
    const x3 = x2 + I;
    for (let o = 0; o < O; o += 1) {
      const w = W + o * I;
      const bias = parameters[B + o]!;
      let s0 = bias;
      let s1 = bias;
      let s2 = bias;
      let s3 = bias;
      for (let i = 0; i < I; i += 1) {
        const weight = parameters[w + i]!;
        s0 += weight * x[x0 + i]!;
        s1 += weight * x[x1 + i]!;
        s2 += weight * x[x2 + i]!;
        s3 += weight * x[x3 + i]!;
      }
      out[r * O + o] = activate(activation, s0);
      out[(r + 1) * O + o] = activate(activation, s1);
      out[(r + 2) * O + o] = activate(activation, s2);
      out[(r + 3) * O + o] = activate(activation, s3);
    }
  }
  for (; r < rows; r += 1) {
    const xr = r * I;
    for (let o = 0; o < O; o += 1) {
      const w = W + o * I;
      let sum = parameters[B + o]!;
      for (let i = 0; i < I; i += 1) sum += parameters[w + i]! * x[xr + i]!;
      out[r * O + o] = activate(activation, sum);
    }
  }
}
