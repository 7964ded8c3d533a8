/**
 * TRPO's setup (./trpo.ts), as the steps that build it: the models (returns, the batch passes,
 * the Fisher-vector product, conjugate gradient, the line search, the policy head, statistics),
 * the loss kernels, the buffers and the bind groups. Each step reads the policy's kind from the
 * scaffold: a categorical head (one or several branches, maybe masked) or a diagonal Gaussian
 * with a state-independent learned log-std (box envs).
 */
import { BufferSet } from '../../gpu/index';
import { createKernel, type Kernel, type KernelSpec } from '../../gpu/kernel';
import { packLossCoefficients } from '../../losses/layout';
import { entropyBonusKernel, surrogateLossKernel, valueLossKernel } from '../../losses/losses';
import { createStatistics, type Statistics } from '../../losses/statistics';
import { createMlpPasses, type MlpPasses } from '../../nn/mlp';
import { createAdvantageNormaliser, type AdvantageNormaliser } from '../../returns/normalise';
import { createReturns, type Returns } from '../../returns/returns';
import { GATHER_PARAMS_BYTES, gatherRowsKernel } from '../../rollout/kernels';
import type { ActorCritic } from '../../train/actor-critic';
import { createPolicyHead, type PolicyHead } from '../../train/policy-head';
import type { ResolvedTrpoConfig } from './config';
import { createConjugateGradient, type ConjugateGradient } from './conjugate-gradient';
import { createFisherVectorProduct, type FisherVectorProduct } from './fisher';
import { createLineSearch, type LineSearch } from './line-search';

/** The natural-gradient modules' name for the policy's distribution. */
export type TrpoDistribution = 'categorical' | 'gaussian';

/** TRPO's sizes and switches, resolved once from the config and the scaffold. */
export interface TrpoShape {
  readonly name: string;
  /** Rows of the batch, N·T, and of the Fisher products, N·T / fisherSubsample. */
  readonly B: number;
  readonly FB: number;
  /** The policy head's width: logits (Σ nvec) or the Gaussian's means (D). */
  readonly A: number;
  readonly OBS: number;
  /** Parameters of the actor. */
  readonly PA: number;
  readonly distribution: TrpoDistribution;
  /** Every π (gradient, Fisher, line search, statistics) is over the legal actions. */
  readonly masked: boolean;
  /** The Fisher products read a gathered subsample (fisherSubsample > 1), not the batch itself. */
  readonly subsample: boolean;
}

export function resolveTrpoShape(config: ResolvedTrpoConfig, ac: ActorCritic, name: string): TrpoShape {
  // The config refuses hybrid envs: their Fisher product would need both parts at once.
  if (ac.policy === 'hybrid') {
    throw new RangeError(`${name}: env '${config.env}' needs a 'hybrid' policy; TRPO's Fisher product and line search take a 'categorical' or a 'gaussian' one`);
  }
  const { actor } = ac;
  return {
    name,
    B: config.batchSize,
    FB: config.fisherBatchSize,
    A: actor.layers[actor.headLayer.policy!]!.outputSize,
    OBS: actor.spec.inputSize,
    PA: ac.sizes.actor,
    distribution: ac.policy,
    masked: ac.masked,
    subsample: config.fisherSubsample > 1,
  };
}

/** Returns, the batch passes, the natural gradient's modules, the policy head and statistics. */
export interface TrpoModels {
  readonly returns: Returns;
  readonly normaliser: AdvantageNormaliser;
  /** Every pass runs over the whole batch: the gradient, the line search and the value steps see all rows. */
  readonly actorPasses: MlpPasses;
  readonly criticPasses: MlpPasses;
  /** The Fisher products' passes: over every k-th row (k = fisherSubsample), or the batch passes when k = 1. */
  readonly fisherPasses: MlpPasses;
  readonly fisher: FisherVectorProduct;
  readonly cg: ConjugateGradient;
  readonly lineSearch: LineSearch;
  readonly head: PolicyHead;
  readonly statistics: Statistics;
}

export async function createTrpoModels(device: GPUDevice, config: ResolvedTrpoConfig, shape: TrpoShape, ac: ActorCritic): Promise<TrpoModels> {
  const { name, B, FB, masked, distribution } = shape;
  const { own, actor, critic } = ac;
  const { numEnvs: N, numSteps: T } = config;
  const returns = own(await createReturns(device, { steps: T, envs: N, estimator: 'gae', gamma: config.gamma, lambda: config.gaeLambda, critic: true, label: `${name}.gae` }));
  const normaliser = own(await createAdvantageNormaliser(device, { steps: T, envs: N, label: `${name}.normalise` }));
  const actorPasses = own(await createMlpPasses(device, actor, { agents: 1, rowsPerAgent: B, label: `${name}.actor` }));
  const criticPasses = own(await createMlpPasses(device, critic, { agents: 1, rowsPerAgent: B, label: `${name}.critic` }));
  const fisherPasses = shape.subsample ? own(await createMlpPasses(device, actor, { agents: 1, rowsPerAgent: FB, label: `${name}.fisher-actor` })) : actorPasses;
  // A multi-discrete policy is a product of independent categoricals: its Fisher matrix is block
  // diagonal over the branches, and the line search's log ρ and KL are sums over them. A Gaussian's
  // Fisher matrix is diag(1/σ²) in the means and 2 in each log-std (fisher.ts).
  const branches = distribution === 'categorical' ? { branches: ac.branches } : {};
  const fisher = own(await createFisherVectorProduct(device, { passes: fisherPasses, distribution, masked, ...branches, label: `${name}.fisher` }));
  const cg = own(
    await createConjugateGradient(device, {
      agents: 1,
      parametersPerAgent: shape.PA,
      iterations: config.cgIterations,
      damping: config.damping,
      maxKl: config.maxKl,
      label: `${name}.cg`,
    }),
  );
  const lineSearch = own(
    await createLineSearch(device, {
      layout: actor,
      distribution,
      agents: 1,
      rowsPerAgent: B,
      candidates: config.backtrackIterations,
      masked,
      ...branches,
      backtrack: config.backtrackCoef,
      maxKl: config.maxKl,
      label: `${name}.line-search`,
    }),
  );
  // log π and H per row, and their gradient into the head output (and the Gaussian's log-std).
  const head = await createPolicyHead(device, { kind: ac.policy, actor, agents: 1, rowsPerAgent: B, masked, branches: ac.branches, label: name });
  // One "minibatch" of all B rows; the loss kernels overwrite their terms (the last write counts).
  const statistics = own(await createStatistics(device, { agents: 1, steps: T, envs: N, minibatches: 1, label: `${name}.statistics` }));
  return { returns, normaliser, actorPasses, criticPasses, fisherPasses, fisher, cg, lineSearch, head, statistics };
}

/** A compiled kernel and its invocations per dispatch. */
export type TrpoKernel = readonly [Kernel, number];

/** The loss kernels over the whole batch, and the gathers of the Fisher subsample (when there is one). */
export async function compileTrpoKernels(device: GPUDevice, config: ResolvedTrpoConfig, shape: TrpoShape) {
  const { name, B, FB, OBS, A } = shape;
  const { numEnvs: N, numSteps: T } = config;
  const loss = { agents: 1, batchPerAgent: B, minibatches: 1 };
  const compile = async (s: { spec: KernelSpec; invocations: number }): Promise<TrpoKernel> => [await createKernel(device, { ...s.spec, label: `${name}.${s.spec.label}` }), s.invocations];
  const gather = (width: number) => gatherRowsKernel({ steps: T, envs: N, agents: 1, rowsPerAgent: FB, width });
  return {
    surrogate: await compile(surrogateLossKernel({ ...loss, objective: 'importance' })),
    entropy: await compile(entropyBonusKernel(loss)),
    valueLoss: await compile(valueLossKernel({ ...loss, clipped: false })),
    gatherFisher: shape.subsample ? await compile(gather(OBS)) : undefined,
    gatherFisherMasks: shape.masked && shape.subsample ? await compile(gather(A)) : undefined,
  };
}
export type TrpoKernels = Awaited<ReturnType<typeof compileTrpoKernels>>;

/** TRPO's own buffers, with the loss coefficients and the Fisher subsample's indices written. */
export function createTrpoBuffers(device: GPUDevice, config: ResolvedTrpoConfig, shape: TrpoShape, ac: ActorCritic, head: PolicyHead) {
  const { name, B, FB, A, OBS, PA, masked, subsample } = shape;
  const words = (count: number) => ({ size: 4 * count });
  const set = ac.own(
    new BufferSet(device, name, {
      advantages: words(B),
      normalisedAdvantages: words(B),
      returns: words(B),
      logProbsOld: words(B),
      logProbs: words(B),
      entropies: words(B),
      logProbGrads: words(B),
      entropyGrads: words(B),
      outputGrads: words(B * A),
      logStdTerms: words(head.continuousDims > 0 ? B * head.continuousDims : 4),
      valueGrads: words(B),
      // Zero padding (never written) keeps CG's vectors' padding at 0.
      policyGradient: words(PA),
      oldOutputs: words(B * A),
      coefficients: words(8),
      unused: words(4),
      fisherIndices: words(FB),
      fisherObservations: words(subsample ? FB * OBS : 4),
      fisherMasks: words(masked && subsample ? FB * A : 4),
      gatherParams: { size: GATHER_PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
    }),
  );
  const b = set.buffers;
  // ent_coef 0: the entropy kernel only records H; vf_coef 1: the critic's loss is ½(V − R)².
  device.queue.writeBuffer(b.coefficients, 0, packLossCoefficients(1, { entCoef: 0, vfCoef: 1 }));
  // Sample i·k of the batch (t·N + n order): Baselines' arr[::5]. Minibatch 0 of the gather.
  device.queue.writeBuffer(b.fisherIndices, 0, Uint32Array.from({ length: FB }, (_, i) => i * config.fisherSubsample));
  device.queue.writeBuffer(b.gatherParams, 0, new Uint32Array(GATHER_PARAMS_BYTES / 4));
  return b;
}
export type TrpoBuffers = ReturnType<typeof createTrpoBuffers>;

/** Everything the bind groups and the encode read, built by the steps above. */
export interface TrpoParts {
  readonly config: ResolvedTrpoConfig;
  readonly shape: TrpoShape;
  readonly ac: ActorCritic;
  readonly models: TrpoModels;
  readonly kernels: TrpoKernels;
  readonly buffers: TrpoBuffers;
}

/** The head at θ_old and at θ_new, the losses, and the Fisher subsample's gathers: every bind group, made once. */
export function bindTrpo({ config, shape, ac, models, kernels: k, buffers: b }: TrpoParts) {
  const tr = ac.transitions;
  const terms = models.statistics.buffers.lossTerms;
  const advantages = config.normAdv ? b.normalisedAdvantages : b.advantages;
  const headBuffers = {
    outputs: models.actorPasses.outputs.policy!,
    parameters: ac.buffers.actorParameters,
    actions: tr.actions,
    entropies: b.entropies,
    logProbGrads: b.logProbGrads,
    entropyGrads: b.entropyGrads,
    outputGrads: b.outputGrads,
    parameterGrads: b.policyGradient,
    logStdTerms: b.logStdTerms,
    unused: b.unused,
    ...(shape.masked ? { mask: tr.masks! } : {}),
  };
  const surrogateAt = (logProbs: GPUBuffer) =>
    k.surrogate[0].bind({
      log_probs: logProbs,
      old_log_probs: b.logProbsOld,
      advantages,
      trajectory_weights: b.unused,
      coefficients: b.coefficients,
      log_prob_grads: b.logProbGrads,
      terms,
    });
  const gather = (source: GPUBuffer, destination: GPUBuffer) => ({ params: b.gatherParams, indices: b.fisherIndices, source, destination });
  return {
    /** The advantages the step uses: normalised over the batch when normAdv. */
    advantages,
    // Old: log π_old (and, through the backward, the policy gradient); new: log π_θnew for the statistics.
    headOld: models.head.bind({ ...headBuffers, logProbs: b.logProbsOld }),
    headNew: models.head.bind({ ...headBuffers, logProbs: b.logProbs }),
    // At θ_old: ρ = 1, ∂L/∂log π = −Â/B.
    surrogateOld: surrogateAt(b.logProbsOld),
    // At θ_new, for the statistics: ℓ = −ρ·Â, k3, |ρ − 1| > ε.
    surrogateNew: surrogateAt(b.logProbs),
    entropy: k.entropy[0].bind({ entropies: b.entropies, coefficients: b.coefficients, entropy_grads: b.entropyGrads, terms }),
    valueLoss: k.valueLoss[0].bind({
      values: models.criticPasses.outputs.value!,
      returns: b.returns,
      old_values: tr.values,
      coefficients: b.coefficients,
      value_grads: b.valueGrads,
      terms,
    }),
    gatherFisher: k.gatherFisher?.[0].bind(gather(tr.observations, b.fisherObservations)),
    gatherFisherMasks: k.gatherFisherMasks?.[0].bind(gather(tr.masks!, b.fisherMasks)),
  };
}
export type TrpoGroups = ReturnType<typeof bindTrpo>;
