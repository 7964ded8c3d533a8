/**
 * KL(π_old ‖ π) per row between two parameter sets of the same actor, and its gradient into the
 * new policy's head output and log-std, for every kind of policy head (./policy-head.ts): a
 * categorical (or multi-discrete) head's KL is the sum of its branches' (src/nn/heads-multi-discrete.ts),
 * a Gaussian head's the closed form between diagonal Gaussians (src/nn/heads-gaussian.ts), and a
 * hybrid head's the sum of the two, its parts being independent (KL of a product distribution is
 * the sum of the factors' KLs). Used by the KL penalty of PPO-KL (src/algos/ppo/update.ts).
 *
 * Order of the writes, so that each part adds to what the earlier ones left:
 * - forward: the Gaussian part overwrites kl[r]; the branches add theirs (the first overwrites
 *   when there is no Gaussian part);
 * - backward: every part adds its ∂L/∂output to its own slice of `outputGrads` (the head's own
 *   backward has written it first); the Gaussian part's per-row log-std terms are summed over each
 *   agent's rows and added into the actor gradient's logStd slot, which the head's backward has
 *   already written (the MLP's backward pass never touches extras).
 */
import { createKernel, type Kernel, type SizedKernel } from '../gpu/kernel';
import { gaussianLogStdReduceKernel, klGaussianBackwardKernel, klGaussianKernel, learnedLogStd } from '../nn/heads';
import type { ParameterSlot } from '../nn/mlp';
import { multiCategoricalKlBackwardKernels, multiCategoricalKlKernels } from '../nn/heads-multi-discrete';
import type { MlpLayout } from '../nn/mlp-spec';
import type { PolicyHead } from './policy-head';

export interface PolicyKlConfig {
  /** The head whose distribution the KL is of (its kind, width, branches and continuous dims). */
  readonly head: PolicyHead;
  /** The actor's layout (the Gaussian part reads its log-std at extras.logStd). */
  readonly actor: MlpLayout;
  readonly agents: number;
  readonly rowsPerAgent: number;
  /** The branches' KL is over the legal actions of each row (bind `mask`). */
  readonly masked?: boolean;
  /** Where the actor lives in `parameters`, `oldParameters` and `parameterGrads` (default: buffers of the actor alone). */
  readonly parameterSlot?: ParameterSlot;
  readonly label: string;
}

/** The buffers a bound KL reads and writes (rows agent-major, G·B). */
export interface PolicyKlBuffers {
  /** The head output [rows][width] of the old parameters, and of the new ones. */
  readonly oldOutputs: GPUBuffer;
  readonly outputs: GPUBuffer;
  /** The actor's parameters [G][P], old and new (the Gaussian part reads each one's log-std). */
  readonly oldParameters: GPUBuffer;
  readonly parameters: GPUBuffer;
  /** u32 [rows][Σ nvec] legal actions, for a masked head. */
  readonly mask?: GPUBuffer;
  /** Any small buffer, bound where a part has no use for a binding. */
  readonly unused: GPUBuffer;
  /** f32 [rows]: KL per row (written by `forward`). */
  readonly kl: GPUBuffer;
  /** f32 [rows]: ∂L/∂KL per row (read by `backward`). */
  readonly klGrads: GPUBuffer;
  /** ∂L/∂output [rows][width], added to. */
  readonly outputGrads: GPUBuffer;
  /** The actor's parameter gradients [G][P]: the Gaussian part adds to the logStd slot. */
  readonly parameterGrads: GPUBuffer;
  /** f32 [rows][D] scratch of the Gaussian part (the head's own may be reused: it is reduced by then). */
  readonly logStdTerms: GPUBuffer;
}

/** What a bound KL records. */
export interface PolicyKlRecorders {
  /** kl[r] = KL(π_old ‖ π) of row r. */
  forward(pass: GPUComputePassEncoder): void;
  /** ∂L/∂output and ∂L/∂log σ from klGrads, added to the gradients. */
  backward(pass: GPUComputePassEncoder): void;
}

export interface PolicyKl {
  bind(buffers: PolicyKlBuffers): PolicyKlRecorders;
}

type Step = (pass: GPUComputePassEncoder) => void;
type Part = (b: PolicyKlBuffers) => { forward: Step[]; backward: Step[] };
type Compiled = [Kernel, number];

/** Compiles the KL kernels of `config.head` for G agents of B rows each. */
export async function createPolicyKl(device: GPUDevice, config: PolicyKlConfig): Promise<PolicyKl> {
  const compile = async (sized: SizedKernel): Promise<Compiled> => [await createKernel(device, { ...sized.spec, label: `${config.label}.${sized.spec.label}` }), sized.invocations];
  const { head } = config;
  const parts: Part[] = [
    ...(head.continuousDims > 0 ? [await gaussianKlPart(compile, config)] : []),
    ...(head.branches.length > 0 ? [await categoricalKlPart(compile, config)] : []),
  ];
  return {
    bind(b) {
      const bound = parts.map((part) => part(b));
      return {
        forward: (pass) => bound.forEach((part) => part.forward.forEach((step) => step(pass))),
        backward: (pass) => bound.forEach((part) => part.backward.forEach((step) => step(pass))),
      };
    },
  };
}

/**
 * The branches' KL over their slice of the logits, after the Gaussian's D means when there are
 * any. A categorical head's slices are the dense defaults, so its kernels are those PPO-KL always
 * compiled (the same pipelines, the same bits).
 */
async function categoricalKlPart(compile: (s: SizedKernel) => Promise<Compiled>, config: PolicyKlConfig): Promise<Part> {
  const { head, masked = false } = config;
  const D = head.continuousDims;
  const rows = config.agents * config.rowsPerAgent;
  const slices = D > 0 ? { logits: { stride: head.width, offset: D }, oldLogits: { stride: head.width, offset: D }, addToRows: true } : {};
  const shape = { rows, nvec: head.branches, masked, ...slices };
  const kl = await Promise.all(multiCategoricalKlKernels(shape).map(compile));
  const backward = await Promise.all(
    multiCategoricalKlBackwardKernels({ ...shape, ...(D > 0 ? { grad: { stride: head.width, offset: D } } : {}), accumulate: true }).map(compile),
  );
  return (b) => {
    if (masked && !b.mask) throw new Error(`${config.label}: a masked policy KL binds a mask buffer`);
    const mask = masked ? b.mask! : b.unused;
    const klGroups = kl.map(([k]) => k.bind({ old_logits: b.oldOutputs, logits: b.outputs, mask, kl: b.kl }));
    const backwardGroups = backward.map(([k]) => k.bind({ old_logits: b.oldOutputs, logits: b.outputs, mask, kl_grads: b.klGrads, logit_grads: b.outputGrads }));
    return {
      forward: kl.map(([k, count], i) => (pass: GPUComputePassEncoder) => k.dispatch(pass, klGroups[i]!, count)),
      backward: backward.map(([k, count], i) => (pass: GPUComputePassEncoder) => k.dispatch(pass, backwardGroups[i]!, count)),
    };
  };
}

/** The closed-form KL of the Gaussian over the first D outputs, the log-std of each parameter set its own. */
async function gaussianKlPart(compile: (s: SizedKernel) => Promise<Compiled>, config: PolicyKlConfig): Promise<Part> {
  const { head, actor, agents, rowsPerAgent } = config;
  const logStd = learnedLogStd(actor, 'logStd', config.parameterSlot);
  const gaussian = {
    agents,
    rowsPerAgent,
    actionDims: head.continuousDims,
    mean: { stride: head.width },
    oldMean: { stride: head.width },
    logStd,
    oldLogStd: logStd,
  };
  const [kl, klCount] = await compile(klGaussianKernel(gaussian));
  const [backward, backwardCount] = await compile(klGaussianBackwardKernel({ ...gaussian, grad: { stride: head.width }, accumulate: true }));
  const [reduce, reduceCount] = await compile(gaussianLogStdReduceKernel({ agents, rowsPerAgent, actionDims: head.continuousDims, target: logStd, accumulate: true }));
  return (b) => {
    const olds = { old_mean: b.oldOutputs, old_log_std: b.oldParameters, mean: b.outputs, log_std: b.parameters };
    const klGroup = kl.bind({ ...olds, kl: b.kl });
    const backwardGroup = backward.bind({ ...olds, kl_grads: b.klGrads, mean_grads: b.outputGrads, log_std_terms: b.logStdTerms });
    const reduceGroup = reduce.bind({ log_std_terms: b.logStdTerms, grads: b.parameterGrads });
    return {
      forward: [(pass) => kl.dispatch(pass, klGroup, klCount)],
      backward: [(pass) => backward.dispatch(pass, backwardGroup, backwardCount), (pass) => reduce.dispatch(pass, reduceGroup, reduceCount)],
    };
  };
}
