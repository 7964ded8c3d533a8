/**
 * TRPO (Schulman et al. 2015) for a categorical policy (one, or the independent branches of a
 * multi-discrete space: log π, the KL and the Fisher matrix's blocks are per branch) or a diagonal
 * Gaussian with a state-independent learned log-std (box envs: the Fisher matrix is diag(1/σ²) in
 * the means and 2 per log-std, the line search's KL the closed form), every phase on the GPU, one
 * command buffer per iteration. Reads in phase order: collect (the scaffold's rollout) → returns →
 * policy step (gradient, conjugate gradient on Fisher-vector products, line search with every
 * candidate at once) → value steps → statistics.
 *
 *   g   = ∇θ L(θ_old),  L(θ) = −mean ρ_θ·Â  (the surrogate loss; ρ = 1 at θ_old)
 *   x  ≈ (F + λI)⁻¹ g   by cgIterations steps of conjugate gradient, F·v the Fisher-vector product
 *                       (src/algos/trpo/fisher.ts: tangent pass, head Fisher, backward pass)
 *                       over every fisherSubsample-th sample (Baselines' arr[::5])
 *   Δθ  = −√(2δ / xᵀ(F + λI)x)·x
 *   θ  ← θ_old + c^k·Δθ for the first k < backtrackIterations with improvement > 0 and mean
 *        KL(π_old ‖ π_θ) ≤ δ, all k evaluated in one forward through the agent dimension and the
 *        choice made by a kernel; θ_old kept when none passes (src/algos/trpo/line-search.ts)
 *   V  ← valueIterations full-batch Adam steps on ½(V − R)², R = Â + V_old (GAE targets).
 * θ holds the Gaussian's log-std (the actor's extras.logStd): the gradient, the Fisher product, the
 * step and the line search all move it with the network.
 *
 * The scaffold (src/train/actor-critic.ts) owns the envs, the rollout, the joint [actor | critic]
 * vector and its Adam, the running normalisers (normObs, normReward) and the report. TRPO moves the
 * actor itself, so Adam sees an actor gradient that is always zero (its actor moments stay 0 and
 * its actor step is exactly 0), and the accepted θ is copied into the joint vector before the value
 * steps so that their parameter copies keep it. The setup's steps are in ./setup.ts.
 *
 * Report: the statistics record describes θ after the step on this batch (policy_loss = −L(θ_new),
 * approx_kl the k3 estimate, entropy; value_loss of the last value step; grad_norm the critic's),
 * and the algorithm words hold the line search's LineSearchResult (TRPO_WORD): the accepted k (−1
 * when none), its step fraction, surrogate improvement and mean KL, the full step's improvement and
 * KL, the step scale and ‖g‖.
 */
import type { MlpLayout } from '../../nn/mlp-spec';
import { returnsInputs } from '../../returns/returns';
import type { Transitions } from '../../rollout/transitions';
import { createActorCritic, type ActorCriticIteration } from '../../train/actor-critic';
import { requiredStatistics } from '../../train/nan-guard';
import { ALGORITHM_BASE } from '../../train/report';
import type { Trainer } from '../../train/trainer';
import { resolveTrpoConfig, type ResolvedTrpoConfig, type TrpoConfig } from './config';
import { LINE_SEARCH, LINE_SEARCH_WORDS } from './kernels';
import { bindTrpo, compileTrpoKernels, createTrpoBuffers, createTrpoModels, resolveTrpoShape, type TrpoGroups, type TrpoKernel, type TrpoParts } from './setup';

/** TRPO's words in the report's algorithm area: the LineSearchResult record, word for word. */
export const TRPO_WORD = LINE_SEARCH;

/** A TRPO trainer, with the buffers that tests and tools read (never inside the loop). */
export interface TrpoTrainer extends Trainer<ResolvedTrpoConfig> {
  readonly layouts: { readonly actor: MlpLayout; readonly critic: MlpLayout };
  readonly buffers: {
    /** f32 [actor | critic]: the scaffold's joint vector (the actor part mirrors actorParameters). */
    readonly parameters: GPUBuffer;
    /** f32 [P_actor]: θ, which the rollout and the line search read and write. */
    readonly actorParameters: GPUBuffer;
    /** f32 [P_actor]: the last iteration's surrogate-loss gradient g. */
    readonly policyGradient: GPUBuffer;
    /** f32 [P_actor]: the last CG solution x. */
    readonly naturalDirection: GPUBuffer;
    /** CgScalars of the last solve (CG_SCALAR word offsets): step scale, ‖g‖², xᵀAx. */
    readonly cgScalars: GPUBuffer;
    /** LineSearchResult of the last iteration (LINE_SEARCH word offsets). */
    readonly lineSearch: GPUBuffer;
    /** f32 [T·N]: the advantages the step used (normalised when normAdv). */
    readonly advantages: GPUBuffer;
    readonly transitions: Transitions['buffers'];
  };
}

/** Builds everything once (kernels, buffers, bind groups on first use), then trains by `iterate()`. */
export async function createTrpoTrainer(device: GPUDevice, input: TrpoConfig = {}): Promise<TrpoTrainer> {
  const config = resolveTrpoConfig(input);
  const name = 'trpo';
  const ac = await createActorCritic(device, {
    ...config,
    name,
    trainCritic: true,
    normalizeObservations: config.normObs,
    normalizeRewards: config.normReward ? { gamma: config.gamma } : false,
  });
  try {
    const shape = resolveTrpoShape(config, ac, name);
    const models = await createTrpoModels(device, config, shape, ac);
    const kernels = await compileTrpoKernels(device, config, shape);
    const buffers = createTrpoBuffers(device, config, shape, ac, models.head);
    const parts: TrpoParts = { config, shape, ac, models, kernels, buffers };
    const groups = bindTrpo(parts);
    const trainer = await ac.finish(config, trpoIteration(parts, groups), config.batchSize);
    const p = ac.buffers;
    return {
      ...trainer,
      layouts: { actor: ac.actor, critic: ac.critic },
      buffers: {
        parameters: p.parameters,
        actorParameters: p.actorParameters,
        policyGradient: buffers.policyGradient,
        naturalDirection: models.cg.buffers.x,
        cgScalars: models.cg.buffers.scalars,
        lineSearch: models.lineSearch.buffers.result,
        advantages: groups.advantages,
        transitions: ac.transitions,
      },
    };
  } catch (error) {
    ac.destroy();
    throw error;
  }
}

/** The scaffold's per-iteration hooks: the update, the line search's record into the report. */
function trpoIteration(parts: TrpoParts, groups: TrpoGroups): ActorCriticIteration {
  const { config, ac, models, buffers: b } = parts;
  return {
    learningRates: () => [config.vfLearningRate],
    encode(encoder) {
      encodeReturns(parts, encoder);
      encodePolicyGradient(parts, groups, encoder);
      encodeNaturalDirection(parts, groups, encoder);
      encodeLineSearch(parts, groups, encoder);
      encodePolicyStatistics(parts, groups, encoder);
      encodeValueSteps(parts, groups, encoder);
    },
    encodeReport(encoder, report) {
      encoder.copyBufferToBuffer(models.lineSearch.buffers.result, 0, report, 4 * ALGORITHM_BASE, 4 * LINE_SEARCH_WORDS);
    },
    statistics: models.statistics,
    // H (entropy kernel at ent_coef 0), ½(V − R)² and the critic's gradient norm all apply.
    requiredStatistics: requiredStatistics({}),
    statisticsInputs: ac.statisticsInputs({ returns: b.returns, coefficients: b.coefficients }),
  };
}

/** A step of a compute pass: a bound kernel, or a head's recorder. */
type Step = readonly [TrpoKernel, GPUBindGroup | undefined] | ((pass: GPUComputePassEncoder) => void);

function run(encoder: GPUCommandEncoder, label: string, steps: readonly Step[]): void {
  const pass = encoder.beginComputePass({ label });
  for (const step of steps) {
    if (typeof step === 'function') step(pass);
    else if (step[1]) step[0][0].dispatch(pass, step[1], step[0][1]);
  }
  pass.end();
}

/** GAE(λ) advantages and the critic's targets R = Â + V, then Â normalised over the batch. */
function encodeReturns({ config, ac, models, buffers: b }: TrpoParts, encoder: GPUCommandEncoder): void {
  models.returns.encode(encoder, { ...returnsInputs(ac.transitions), output: b.advantages, returns: b.returns });
  if (config.normAdv) models.normaliser.encode(encoder, { advantages: b.advantages, output: b.normalisedAdvantages });
}

/** g = ∇θ(−mean ρ·Â) at θ_old, through the head (and the Gaussian's log-std) and the actor; π_old's outputs kept. */
function encodePolicyGradient({ shape, ac, models, kernels: k, buffers: b }: TrpoParts, groups: TrpoGroups, encoder: GPUCommandEncoder): void {
  const p = ac.buffers;
  const inputs = ac.transitions.observations;
  models.actorPasses.encodeForward(encoder, { params: p.actorParameters, inputs });
  run(encoder, `${shape.name}.policy-gradient`, [groups.headOld.evaluate, [k.surrogate, groups.surrogateOld], groups.headOld.backward]);
  models.actorPasses.encodeBackward(encoder, { params: p.actorParameters, inputs, headGrads: { policy: b.outputGrads }, paramGrads: b.policyGradient });
  // π_old's logits or means for the line search's KL and ratios (the FVPs below leave them in
  // place, but the line search reads a copy so that this stays true whatever the passes do next).
  encoder.copyBufferToBuffer(models.actorPasses.outputs.policy!, 0, b.oldOutputs, 0, 4 * shape.B * shape.A);
}

/** The natural direction x ≈ (F + λI)⁻¹g and the step scale √(2δ / xᵀ(F + λI)x), F at θ_old. */
function encodeNaturalDirection({ shape, ac, models, kernels: k, buffers: b }: TrpoParts, groups: TrpoGroups, encoder: GPUCommandEncoder): void {
  const p = ac.buffers;
  const tr = ac.transitions;
  const inputs = shape.subsample ? b.fisherObservations : tr.observations;
  const mask = shape.masked ? (shape.subsample ? b.fisherMasks : tr.masks!) : undefined;
  if (shape.subsample) {
    const gathers: Step[] = [[k.gatherFisher!, groups.gatherFisher]];
    if (k.gatherFisherMasks) gathers.push([k.gatherFisherMasks, groups.gatherFisherMasks]);
    run(encoder, `${shape.name}.fisher-subsample`, gathers);
    models.fisherPasses.encodeForward(encoder, { params: p.actorParameters, inputs });
  }
  models.cg.encode(encoder, {
    rhs: b.policyGradient,
    operator: (e, vector, output) => models.fisher.encode(e, { params: p.actorParameters, inputs, vector, output, ...(mask ? { mask } : {}) }),
  });
}

/** All candidates θ − c^k·scale·x at once; θ ← the first acceptable one (or kept), mirrored into the joint vector. */
function encodeLineSearch({ shape, ac, models, buffers: b }: TrpoParts, groups: TrpoGroups, encoder: GPUCommandEncoder): void {
  const p = ac.buffers;
  const tr = ac.transitions;
  models.lineSearch.encode(encoder, {
    params: p.actorParameters,
    direction: models.cg.buffers.x,
    scalars: models.cg.buffers.scalars,
    inputs: tr.observations,
    oldOutputs: b.oldOutputs,
    actions: tr.actions,
    advantages: groups.advantages,
    ...(shape.masked ? { mask: tr.masks! } : {}),
  });
  // The joint vector mirrors θ, so the value steps' copies (joint → actor) keep the new θ.
  encoder.copyBufferToBuffer(p.actorParameters, 0, p.parameters, 0, 4 * shape.PA);
}

/** Statistics of θ_new on this batch: −ρ·Â, k3 approx_kl, entropy. */
function encodePolicyStatistics({ shape, ac, models, kernels: k }: TrpoParts, groups: TrpoGroups, encoder: GPUCommandEncoder): void {
  models.actorPasses.encodeForward(encoder, { params: ac.buffers.actorParameters, inputs: ac.transitions.observations });
  run(encoder, `${shape.name}.policy-statistics`, [groups.headNew.evaluate, [k.surrogate, groups.surrogateNew], [k.entropy, groups.entropy]]);
}

/** valueIterations full-batch Adam steps on ½(V − R)² (the actor's gradient stays 0). */
function encodeValueSteps({ config, shape, ac, models, kernels: k, buffers: b }: TrpoParts, groups: TrpoGroups, encoder: GPUCommandEncoder): void {
  const p = ac.buffers;
  const inputs = ac.transitions.observations;
  for (let i = 0; i < config.valueIterations; i += 1) {
    models.criticPasses.encodeForward(encoder, { params: p.criticParameters, inputs });
    run(encoder, `${shape.name}.value-loss`, [[k.valueLoss, groups.valueLoss]]);
    models.criticPasses.encodeBackward(encoder, { params: p.criticParameters, inputs, headGrads: { value: b.valueGrads }, paramGrads: p.criticGradients });
    ac.encodeStep(encoder);
  }
}
