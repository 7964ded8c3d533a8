/**
 * The actor's head as the update sees it, categorical (one branch, or the K branches of a
 * multi-discrete space: src/nn/heads-multi-discrete.ts) or Gaussian behind one interface: evaluate
 * log π(a|s) and H per row from the network's outputs, then turn the loss kernels' per-row
 * coefficients (∂L/∂log π, ∂L/∂H) into the gradient of the network's head output, plus, for the
 * Gaussian's state-independent log-std, its gradient summed over each agent's rows into the actor
 * gradient's `logStd` slot (encodeBackward of the MLP does not touch extras).
 */
import { createKernel, type Kernel, type SizedKernel } from '../gpu/kernel';
import { gaussianBackwardKernel, gaussianEvaluateKernel, gaussianLogStdReduceKernel, learnedLogStd } from '../nn/heads';
import { multiCategoricalBackwardKernels, multiCategoricalEvaluateKernels } from '../nn/heads-multi-discrete';
import type { MlpLayout } from '../nn/mlp-spec';
import type { ActionSpace } from '../envs/types';

/**
 * The actor's distribution: 'categorical' (discrete or multi-discrete actions: logits), 'gaussian'
 * (a box: means and a learned log-std) or 'hybrid' (a box and discrete branches: the means, then
 * the logits, src/envs/types.ts HybridSpace).
 */
export type PolicyKind = 'categorical' | 'gaussian' | 'hybrid';

/** The policy kind an action space is learnt with. */
export function policyKindOf(space: ActionSpace): PolicyKind {
  if (space.kind === 'box') return 'gaussian';
  return space.kind === 'hybrid' ? 'hybrid' : 'categorical';
}

export interface PolicyHeadConfig {
  readonly kind: PolicyKind;
  readonly actor: MlpLayout;
  readonly agents: number;
  readonly rowsPerAgent: number;
  /** A categorical head reads `mask` ([rows][A] u32, 1 = legal): probabilities, entropy and gradients over the legal actions only. */
  readonly masked?: boolean;
  /**
   * A categorical head's branch sizes (a multi-discrete space's nvec, summing to the policy head's
   * width; actions u32 [rows][K]); default one branch of the whole width.
   */
  readonly branches?: readonly number[];
  readonly label: string;
}

/** The buffers one head binds (rows agent-major, G·B). */
export interface PolicyHeadBuffers {
  /** The actor's 'policy' head output: logits [rows][A] or means [rows][D]. */
  readonly outputs: GPUBuffer;
  /** The actor's parameters [G][P] (the Gaussian reads its log-std there). */
  readonly parameters: GPUBuffer;
  /** u32 [rows], u32 [rows][K] (multi-discrete) or f32 [rows][D]. */
  readonly actions: GPUBuffer;
  readonly logProbs: GPUBuffer;
  readonly entropies: GPUBuffer;
  readonly logProbGrads: GPUBuffer;
  readonly entropyGrads: GPUBuffer;
  /** ∂L/∂output [rows][A or D]. */
  readonly outputGrads: GPUBuffer;
  /** The actor's parameter gradients [G][P] (the Gaussian writes its log-std slot). */
  readonly parameterGrads: GPUBuffer;
  /** f32 [rows][D] scratch of the Gaussian; any buffer for a categorical head. */
  readonly logStdTerms: GPUBuffer;
  /** Any small buffer (the categorical head's absent mask). */
  readonly unused: GPUBuffer;
  /** u32 [rows][A]: the legal actions of each row, for a masked head. */
  readonly mask?: GPUBuffer;
}

export interface PolicyHead {
  readonly kind: PolicyKind;
  /** A (categorical actions) or D (Gaussian dims): the width of `outputs` and of ∂L/∂output. */
  readonly width: number;
  /** Words per row of the actions buffer: 1, K branches or D. */
  readonly actionWords: number;
  /** A categorical head's branch sizes ([A] for one categorical); empty for a Gaussian. */
  readonly branches: readonly number[];
  /** Binds a set of buffers; returns the two recorders. */
  bind(buffers: PolicyHeadBuffers): {
    /** log π and H per row. */
    evaluate(pass: GPUComputePassEncoder): void;
    /** ∂L/∂output (and the log-std gradient), from the coefficients the loss kernels wrote. */
    backward(pass: GPUComputePassEncoder): void;
  };
}

/** Compiles the head's kernels for G agents of B rows each. */
export async function createPolicyHead(device: GPUDevice, config: PolicyHeadConfig): Promise<PolicyHead> {
  const { kind, actor, agents, rowsPerAgent, label } = config;
  const width = actor.layers[actor.headLayer.policy!]!.outputSize;
  const compile = async (sized: SizedKernel): Promise<[Kernel, number]> => [
    await createKernel(device, { ...sized.spec, label: `${label}.${sized.spec.label}` }),
    sized.invocations,
  ];
  if (kind === 'categorical') {
    const masked = config.masked ?? false;
    const branches = config.branches ?? [width];
    const total = branches.reduce((sum, n) => sum + n, 0);
    if (total !== width) throw new RangeError(`${label}: the branches [${branches.join(', ')}] sum to ${total}, but the policy head has ${width} logits`);
    const head = { rows: agents * rowsPerAgent, nvec: branches, masked };
    // One evaluate and one backward per branch (src/nn/heads-multi-discrete.ts), run in order.
    const evaluates = await Promise.all(multiCategoricalEvaluateKernels(head).map(compile));
    const backwards = await Promise.all(multiCategoricalBackwardKernels(head).map(compile));
    return {
      kind,
      width,
      actionWords: branches.length,
      branches,
      bind(b) {
        if (masked && !b.mask) throw new Error(`${label}: a masked policy head binds a mask buffer`);
        const mask = masked ? b.mask! : b.unused;
        const evaluateGroups = evaluates.map(([k]) => k.bind({ logits: b.outputs, mask, actions: b.actions, log_probs: b.logProbs, entropies: b.entropies }));
        const backwardGroups = backwards.map(([k]) =>
          k.bind({
            logits: b.outputs,
            mask,
            actions: b.actions,
            log_prob_grads: b.logProbGrads,
            entropy_grads: b.entropyGrads,
            logit_grads: b.outputGrads,
          }),
        );
        return {
          evaluate: (pass) => evaluates.forEach(([k, count], i) => k.dispatch(pass, evaluateGroups[i]!, count)),
          backward: (pass) => backwards.forEach(([k, count], i) => k.dispatch(pass, backwardGroups[i]!, count)),
        };
      },
    };
  }
  const logStd = learnedLogStd(actor);
  const head = { agents, rowsPerAgent, actionDims: width, logStd };
  const [evaluate, evaluateCount] = await compile(gaussianEvaluateKernel(head));
  const [backward, backwardCount] = await compile(gaussianBackwardKernel(head));
  const [reduce, reduceCount] = await compile(gaussianLogStdReduceKernel({ agents, rowsPerAgent, actionDims: width, target: logStd }));
  return {
    kind,
    width,
    actionWords: width,
    branches: [],
    bind(b) {
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
    },
  };
}
