/**
 * The actor's head as the update sees it, categorical (one branch, or the K branches of a
 * multi-discrete space: src/nn/heads-multi-discrete.ts), Gaussian, or hybrid (a Gaussian over the
 * first D outputs and categorical branches over the rest, src/envs/types.ts HybridSpace) behind one
 * interface: evaluate log π(a|s) and H per row from the network's outputs, then turn the loss
 * kernels' per-row coefficients (∂L/∂log π, ∂L/∂H) into the gradient of the network's head output,
 * plus, for the Gaussian's state-independent log-std, its gradient summed over each agent's rows
 * into the actor gradient's `logStd` slot (encodeBackward of the MLP does not touch extras).
 *
 * A hybrid head is its two parts run in turn over slices of the same rows: the Gaussian part writes
 * log π and H, the branches add theirs (log π = log N(a_c) + Σ_b log π_b, H likewise), and each part
 * writes the gradient of its own slice of the output row.
 */
import { createKernel, type Kernel, type SizedKernel } from '../gpu/kernel';
import { gaussianBackwardKernel, gaussianEvaluateKernel, gaussianLogStdReduceKernel, learnedLogStd, type GaussianHeadConfig, type LogStdSource } from '../nn/heads';
import type { ParameterSlot } from '../nn/mlp';
import { multiCategoricalBackwardKernels, multiCategoricalEvaluateKernels, type MultiCategoricalHeadConfig } from '../nn/heads-multi-discrete';
import type { MlpLayout } from '../nn/mlp-spec';
import type { PolicyKind } from './policy-kind';

export type { PolicyKind } from './policy-kind';

export interface PolicyHeadConfig {
  readonly kind: PolicyKind;
  readonly actor: MlpLayout;
  readonly agents: number;
  readonly rowsPerAgent: number;
  /** The categorical branches read `mask` ([rows][Σ nvec] u32, 1 = legal): probabilities, entropy and gradients over the legal actions only. */
  readonly masked?: boolean;
  /**
   * The categorical branches' sizes (a multi-discrete or hybrid space's nvec; with a hybrid head's
   * D continuous dims they sum to the policy head's width); default one branch of the whole width.
   */
  readonly branches?: readonly number[];
  /** Where the actor lives in `parameters` and `parameterGrads` (default: a buffer of the actor alone; src/nn/mlp.ts). */
  readonly parameterSlot?: ParameterSlot;
  readonly label: string;
}

/** The buffers one head binds (rows agent-major, G·B). */
export interface PolicyHeadBuffers {
  /** The actor's 'policy' head output [rows][D + Σ nvec]: the means, then the logits. */
  readonly outputs: GPUBuffer;
  /** The actor's parameters [G][P] (the Gaussian reads its log-std there). */
  readonly parameters: GPUBuffer;
  /** u32 [rows], u32 [rows][K] (multi-discrete), f32 [rows][D] (box) or rows of D f32 then K u32 (hybrid). */
  readonly actions: GPUBuffer;
  readonly logProbs: GPUBuffer;
  readonly entropies: GPUBuffer;
  readonly logProbGrads: GPUBuffer;
  readonly entropyGrads: GPUBuffer;
  /** ∂L/∂output [rows][D + Σ nvec]. */
  readonly outputGrads: GPUBuffer;
  /** The actor's parameter gradients [G][P] (the Gaussian writes its log-std slot). */
  readonly parameterGrads: GPUBuffer;
  /** f32 [rows][D] scratch of the Gaussian; any buffer for a categorical head. */
  readonly logStdTerms: GPUBuffer;
  /** Any small buffer (the categorical head's absent mask). */
  readonly unused: GPUBuffer;
  /** u32 [rows][Σ nvec]: the legal actions of each row, for a masked head. */
  readonly mask?: GPUBuffer;
}

export interface PolicyHead {
  readonly kind: PolicyKind;
  /** The policy output's width, D + Σ nvec (Gaussian means, then logits): that of `outputs` and of ∂L/∂output. */
  readonly width: number;
  /** Words per row of the actions buffer: 1, K branches, D, or D + K. */
  readonly actionWords: number;
  /** The categorical branches' sizes ([A] for one categorical); empty for a Gaussian. */
  readonly branches: readonly number[];
  /** D: the Gaussian part's dims (0 for a categorical head). */
  readonly continuousDims: number;
  /** Words of a mask row, Σ nvec (0 for a Gaussian head). */
  readonly maskWidth: number;
  /** Binds a set of buffers; returns the two recorders. */
  bind(buffers: PolicyHeadBuffers): PolicyHeadRecorders;
}

/** What a bound head records. */
export interface PolicyHeadRecorders {
  /** log π and H per row. */
  evaluate(pass: GPUComputePassEncoder): void;
  /** ∂L/∂output (and the log-std gradient), from the coefficients the loss kernels wrote. */
  backward(pass: GPUComputePassEncoder): void;
}

type Compile = (sized: SizedKernel) => Promise<[Kernel, number]>;

/** Compiles the head's kernels for G agents of B rows each. */
export async function createPolicyHead(device: GPUDevice, config: PolicyHeadConfig): Promise<PolicyHead> {
  const { kind, actor, agents, rowsPerAgent, label } = config;
  const width = actor.layers[actor.headLayer.policy!]!.outputSize;
  const compile: Compile = async (sized) => [await createKernel(device, { ...sized.spec, label: `${label}.${sized.spec.label}` }), sized.invocations];
  if (kind !== 'categorical' && kind !== 'gaussian' && kind !== 'hybrid') {
    throw new RangeError(`${label}: policy kind must be 'categorical', 'gaussian' or 'hybrid' (got ${String(kind)})`);
  }
  const D = kind === 'categorical' ? 0 : kind === 'gaussian' ? width : learnedLogStd(actor).length;
  const branches = kind === 'gaussian' ? [] : (config.branches ?? [width]);
  const total = branches.reduce((sum, n) => sum + n, 0);
  if (D + total !== width) {
    throw new RangeError(`${label}: ${D} continuous dims and the branches [${branches.join(', ')}] make ${D + total} outputs, but the policy head has ${width}`);
  }
  const rows = agents * rowsPerAgent;
  // A row of D floats, then one word per branch.
  const actionWords = D + branches.length;
  const masked = config.masked ?? false;
  const parts = [
    ...(D > 0 ? [await gaussianPart(compile, { agents, rowsPerAgent, actionDims: D, logStd: learnedLogStd(actor, 'logStd', config.parameterSlot), mean: { stride: width }, actions: { stride: actionWords } })] : []),
    ...(branches.length > 0
      ? [await categoricalPart(compile, label, masked, { rows, nvec: branches, masked, logits: { stride: width, offset: D }, actions: { stride: actionWords, offset: D }, addToRows: D > 0 })]
      : []),
  ];
  return {
    kind,
    width,
    actionWords,
    branches,
    continuousDims: D,
    maskWidth: total,
    bind(b) {
      const bound = parts.map((part) => part(b));
      return {
        evaluate: (pass) => bound.forEach((part) => part.evaluate(pass)),
        backward: (pass) => bound.forEach((part) => part.backward(pass)),
      };
    },
  };
}

/** The K branches of a categorical head (or of a hybrid head's discrete part), one evaluate and one backward per branch, run in order. */
async function categoricalPart(compile: Compile, label: string, masked: boolean, head: MultiCategoricalHeadConfig): Promise<(b: PolicyHeadBuffers) => PolicyHeadRecorders> {
  const evaluates = await Promise.all(multiCategoricalEvaluateKernels(head).map(compile));
  const backwards = await Promise.all(multiCategoricalBackwardKernels({ ...head, grad: head.logits! }).map(compile));
  return (b) => {
    if (masked && !b.mask) throw new Error(`${label}: a masked policy head binds a mask buffer`);
    const mask = masked ? b.mask! : b.unused;
    const evaluateGroups = evaluates.map(([k]) => k.bind({ logits: b.outputs, mask, actions: b.actions, log_probs: b.logProbs, entropies: b.entropies }));
    const backwardGroups = backwards.map(([k]) =>
      k.bind({ logits: b.outputs, mask, actions: b.actions, log_prob_grads: b.logProbGrads, entropy_grads: b.entropyGrads, logit_grads: b.outputGrads }),
    );
    return {
      evaluate: (pass) => evaluates.forEach(([k, count], i) => k.dispatch(pass, evaluateGroups[i]!, count)),
      backward: (pass) => backwards.forEach(([k, count], i) => k.dispatch(pass, backwardGroups[i]!, count)),
    };
  };
}

/** A diagonal Gaussian over the first D outputs of each row, with the actor's learned log-std. */
async function gaussianPart(compile: Compile, head: GaussianHeadConfig & { readonly logStd: LogStdSource }): Promise<(b: PolicyHeadBuffers) => PolicyHeadRecorders> {
  const [evaluate, evaluateCount] = await compile(gaussianEvaluateKernel(head));
  const [backward, backwardCount] = await compile(gaussianBackwardKernel({ ...head, grad: head.mean! }));
  const [reduce, reduceCount] = await compile(gaussianLogStdReduceKernel({ agents: head.agents, rowsPerAgent: head.rowsPerAgent, actionDims: head.actionDims, target: head.logStd }));
  return (b) => {
    const evaluateGroup = evaluate.bind({ mean: b.outputs, log_std: b.parameters, actions: b.actions, log_probs: b.logProbs, entropies: b.entropies });
    const backwardGroup = backward.bind({
      mean: b.outputs,
      log_std: b.parameters,
      actions: b.actions,
      log_prob_grads: b.logProbGrads,
      entropy_grads: b.entropyGrads,
      mean_grads: b.outputGrads,
      log_std_terms: b.logStdTerms,
    });
    const reduceGroup = reduce.bind({ log_std_terms: b.logStdTerms, grads: b.parameterGrads });
    return {
      evaluate: (pass) => evaluate.dispatch(pass, evaluateGroup, evaluateCount),
      backward(pass) {
        backward.dispatch(pass, backwardGroup, backwardCount);
        reduce.dispatch(pass, reduceGroup, reduceCount);
      },
    };
  };
}
