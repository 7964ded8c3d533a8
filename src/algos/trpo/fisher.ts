/**
 * The Fisher-vector product of a categorical policy on the GPU (Jᵀ M J v: a tangent pass through the MLP, the head's Fisher matrix, the backward pass):
 *   F·v = (1/B) Σ_r J_rᵀ (diag(p_r) − p_r p_rᵀ) J_r v,
 * J_r = ∂logits_r/∂θ. Three steps over MLP passes the caller owns: the tangent (forward-mode) pass
 * gives J_r v for every row, natural_gradient.fisher_categorical multiplies by the logit-space
 * Fisher matrix and 1/B, and the backward pass sums J_rᵀ(·) over the agent's rows into `output`.
 * This is the Hessian of the mean KL(π_old ‖ π_θ) at θ = θ_old, the matrix TRPO's conjugate
 * gradient inverts (Schulman et al. 2015, appendix C.1; SpinningUp's trpo.py forms it by double
 * back-propagation instead).
 *
 * Order: the passes' last encodeForward must have run at θ_old on the same inputs (the tangent and
 * backward passes read its saved activations, and its logits give p_r). Damping is not added here:
 * conjugate gradient adds λ·v where it uses the product.
 */
import { BufferSet } from '../../gpu/buffers';
import { createKernel, type SizedKernel } from '../../gpu/kernel';
import type { MlpPasses } from '../../nn/mlp';
import { fisherCategoricalKernel, fisherGaussianKernel, fisherGaussianLogStdKernel } from './kernels';

export interface FisherVectorProductConfig {
  /** The actor's passes (G agents × B rows); encodeForward at θ_old precedes every product. */
  readonly passes: MlpPasses;
  /** Name of the policy head (default 'policy'): logits (categorical) or the mean (Gaussian). */
  readonly head?: string;
  /** The policy's distribution; default 'categorical'. 'gaussian' needs the layout's extras.logStd. */
  readonly distribution?: 'categorical' | 'gaussian';
  /** Rows carry an action mask (bind it in encode); default false. */
  readonly masked?: boolean;
  /**
   * A categorical head's branch sizes (a multi-discrete space's nvec, summing to the head's width);
   * default one branch of the whole width. The head kernel runs once per branch over its slices.
   */
  readonly branches?: readonly number[];
  readonly label?: string;
}

export interface FisherVectorProductIo {
  /** θ_old [G][P], the parameters of the last forward. */
  readonly params: GPUBuffer;
  /** [G·B][inputSize], the inputs of the last forward. */
  readonly inputs: GPUBuffer;
  /** v [G][P]. */
  readonly vector: GPUBuffer;
  /** F·v [G][P], written (weights and biases; padding and extras untouched). */
  readonly output: GPUBuffer;
  /** u32 [G·B][A] action mask (A = Σ branches), when configured `masked`. */
  readonly mask?: GPUBuffer;
}

export interface FisherVectorProduct {
  /** Dispatches per product (tangent + head + backward). */
  readonly dispatches: number;
  encode(encoder: GPUCommandEncoder, io: FisherVectorProductIo): void;
  destroy(): void;
}

/**
 * One FISHER_CATEGORICAL per branch, over the branch's slice of the logits, mask, tangents and head
 * gradient: a product of independent categoricals has a block-diagonal logit-space Fisher matrix.
 */
function branchKernels(label: string, passes: MlpPasses, width: number, config: FisherVectorProductConfig): SizedKernel[] {
  const branches = config.branches ?? [width];
  const total = branches.reduce((sum, n) => sum + n, 0);
  if (total !== width) throw new RangeError(`${label}: the branches [${branches.join(', ')}] sum to ${total}, but the head has ${width} logits`);
  let start = 0;
  return branches.map((actions) => {
    const slice = { stride: width, offset: start };
    start += actions;
    return fisherCategoricalKernel({ agents: passes.agents, rowsPerAgent: passes.rowsPerAgent, actions, logits: slice, grad: slice, mask: slice, masked: config.masked });
  });
}

/** Compiles the head kernel and allocates its [G·B][A] scratch; no other allocation, ever. */
export async function createFisherVectorProduct(device: GPUDevice, config: FisherVectorProductConfig): Promise<FisherVectorProduct> {
  const { passes } = config;
  const label = config.label ?? 'fisher';
  const head = config.head ?? 'policy';
  const layer = passes.layout.headLayer[head];
  if (layer === undefined) {
    throw new RangeError(`${label}: head '${head}' is not a head of the network (heads: ${Object.keys(passes.layout.headLayer).join(', ')})`);
  }
  const width = passes.layout.layers[layer]!.outputSize;
  const gaussian = config.distribution === 'gaussian';
  if (config.distribution !== undefined && config.distribution !== 'categorical' && !gaussian) {
    throw new RangeError(`${label}: distribution must be 'categorical' or 'gaussian' (got ${String(config.distribution)})`);
  }
  const logStd = passes.layout.extras.logStd;
  if (gaussian && (!logStd || logStd.length !== width)) {
    throw new RangeError(`${label}: a Gaussian policy needs the layout's extras.logStd of ${width} floats (got ${logStd ? logStd.length : 'none'})`);
  }
  const P = passes.layout.parametersPerAgent;
  const gaussianConfig = { agents: passes.agents, rowsPerAgent: passes.rowsPerAgent, actionDims: width, parametersPerAgent: P, logStdOffset: logStd?.offset ?? 0 };
  const heads = gaussian ? [fisherGaussianKernel(gaussianConfig)] : branchKernels(label, passes, width, config);
  const kernels = await Promise.all(heads.map((sized) => createKernel(device, { ...sized.spec, label: `${label}.${sized.spec.label}` })));
  const logStdSized = gaussian ? fisherGaussianLogStdKernel(gaussianConfig) : undefined;
  const logStdKernel = logStdSized && (await createKernel(device, { ...logStdSized.spec, label: `${label}.${logStdSized.spec.label}` }));
  // `unused` stands in for the mask binding when there is no mask (never read then).
  const set = new BufferSet(device, label, { headGrads: { size: 4 * passes.rows * width }, unused: { size: 16 } });
  const headGrads = set.buffers.headGrads;
  const groups = new Map<string, GPUBindGroup>();
  const ids = new WeakMap<GPUBuffer, number>();
  let nextId = 0;
  const idOf = (buffer: GPUBuffer) => {
    let id = ids.get(buffer);
    if (id === undefined) ids.set(buffer, (id = nextId++));
    return id;
  };
  const outputs = passes.outputs[head]!;
  const tangents = passes.tangentOutputs[head]!;
  const layerCount = passes.layout.layers.length;
  const cached = (key: string, make: () => GPUBindGroup) => {
    let group = groups.get(key);
    if (!group) {
      if (groups.size >= 64) groups.clear();
      groups.set(key, (group = make()));
    }
    return group;
  };

  return {
    // Tangent: one per layer; head: one (two for a Gaussian); backward: two per layer plus the input gradients below each.
    dispatches: layerCount + heads.length + (gaussian ? 1 : 0) + 2 * layerCount + passes.layout.layers.filter((l) => l.inputLayer >= 0).length,
    encode(encoder, io) {
      if (config.masked && !io.mask) throw new TypeError(`${label}: configured masked, so encode needs a mask buffer`);
      const mask = io.mask ?? set.buffers.unused;
      const groupOf = (i: number) =>
        gaussian
          ? cached(`g${idOf(io.params)}`, () => kernels[i]!.bind({ params: io.params, tangents, fisher_grads: headGrads }, `${label}.head`))
          : cached(`c${i},${idOf(mask)}`, () => kernels[i]!.bind({ logits: outputs, mask, tangents, fisher_grads: headGrads }, `${label}.head`));
      passes.encodeTangent(encoder, { params: io.params, inputs: io.inputs, direction: io.vector });
      let pass = encoder.beginComputePass({ label: `${label}.head` });
      kernels.forEach((kernel, i) => kernel.dispatch(pass, groupOf(i), heads[i]!.invocations));
      pass.end();
      passes.encodeBackward(encoder, { params: io.params, inputs: io.inputs, headGrads: { [head]: headGrads }, paramGrads: io.output });
      if (logStdKernel && logStdSized) {
        const logStdGroup = cached(`s${idOf(io.vector)},${idOf(io.output)}`, () => logStdKernel.bind({ vector: io.vector, output: io.output }, `${label}.log-std`));
        pass = encoder.beginComputePass({ label: `${label}.log-std` });
        logStdKernel.dispatch(pass, logStdGroup, logStdSized.invocations);
        pass.end();
      }
    },
    destroy() {
      set.destroy();
    },
  };
}
