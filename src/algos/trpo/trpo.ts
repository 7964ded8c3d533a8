/**
 * TRPO (Schulman et al. 2015) for a categorical policy (one, or the independent branches of a
 * multi-discrete space: log π, the KL and the Fisher matrix's blocks are per branch), every phase on the GPU, one command buffer
 * per iteration. Reads in phase order: collect (the scaffold's rollout) → returns → policy step
 * (gradient, conjugate gradient on Fisher-vector products, line search with every candidate at
 * once) → value steps → statistics.
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
 *
 * The scaffold (src/train/actor-critic.ts) owns the envs, the rollout, the joint [actor | critic]
 * vector and its Adam, and the report. TRPO moves the actor itself, so Adam sees an actor gradient
 * that is always zero (its actor moments stay 0 and its actor step is exactly 0), and the accepted
 * θ is copied into the joint vector before the value steps so that their parameter copies keep it.
 *
 * Report: the statistics record describes θ after the step on this batch (policy_loss = −L(θ_new),
 * approx_kl the k3 estimate, entropy; value_loss of the last value step; grad_norm the critic's),
 * and the algorithm words hold the line search's LineSearchResult (TRPO_WORD): the accepted k (−1
 * when none), its step fraction, surrogate improvement and mean KL, the full step's improvement and
 * KL, the step scale and ‖g‖.
 */
import { BufferSet } from '../../gpu/index';
import { createKernel, type KernelSpec } from '../../gpu/kernel';
import { packLossCoefficients } from '../../losses/layout';
import { entropyBonusKernel, surrogateLossKernel, valueLossKernel } from '../../losses/losses';
import { createStatistics } from '../../losses/statistics';
import { createConjugateGradient } from './conjugate-gradient';
import { createFisherVectorProduct } from './fisher';
import { LINE_SEARCH, LINE_SEARCH_WORDS } from './kernels';
import { createLineSearch } from './line-search';
import { createMlpPasses } from '../../nn/mlp';
import { createPolicyHead } from '../../train/policy-head';
import type { MlpLayout } from '../../nn/mlp-spec';
import { createAdvantageNormaliser } from '../../returns/normalise';
import { createReturns, returnsInputs } from '../../returns/returns';
import { GATHER_PARAMS_BYTES, gatherRowsKernel } from '../../rollout/kernels';
import type { Transitions } from '../../rollout/transitions';
import { createActorCritic } from '../../train/actor-critic';
import { requiredStatistics } from '../../train/nan-guard';
import { ALGORITHM_BASE } from '../../train/report';
import type { Trainer } from '../../train/trainer';
import { resolveTrpoConfig, type ResolvedTrpoConfig, type TrpoConfig } from './config';


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
  const { numEnvs: N, numSteps: T, batchSize: B } = config;
  const name = 'trpo';
  const ac = await createActorCritic(device, {
    ...config,
    name,
    trainCritic: true,
    numIterations: config.numIterations,
    totalTimesteps: config.totalTimesteps,
  });
  const { own, actor, critic } = ac;
  const A = actor.layers[actor.headLayer.policy!]!.outputSize;
  // Masked: every π here (gradient, Fisher, line search, statistics) is over the legal actions.
  const masked = ac.masked;
  const OBS = actor.spec.inputSize;
  const PA = ac.sizes.actor;
  const tr = ac.transitions;
  const rolloutInputs = returnsInputs(tr);
  const p = ac.buffers;
  try {
    // ---- setup: returns, the batch passes, natural gradient, statistics ----
    const returns = own(await createReturns(device, { steps: T, envs: N, estimator: 'gae', gamma: config.gamma, lambda: config.gaeLambda, critic: true, label: `${name}.gae` }));
    const normaliser = own(await createAdvantageNormaliser(device, { steps: T, envs: N, label: `${name}.normalise` }));
    // Every pass runs over the whole batch: the Fisher matrix and the line search see all T·N rows.
    const actorPasses = own(await createMlpPasses(device, actor, { agents: 1, rowsPerAgent: B, label: `${name}.actor` }));
    const criticPasses = own(await createMlpPasses(device, critic, { agents: 1, rowsPerAgent: B, label: `${name}.critic` }));
    // Fisher-vector products over every k-th sample (k = fisherSubsample), gathered once per
    // iteration through a fixed index list; k = 1 uses the batch passes themselves.
    const FB = config.fisherBatchSize;
    const subsample = config.fisherSubsample > 1;
    const fisherPasses = subsample ? own(await createMlpPasses(device, actor, { agents: 1, rowsPerAgent: FB, label: `${name}.fisher-actor` })) : actorPasses;
    // A multi-discrete policy is a product of independent categoricals: its Fisher matrix is block
    // diagonal over the branches, and the line search's log ρ and KL are sums over them.
    const branches = ac.branches;
    const fisher = own(await createFisherVectorProduct(device, { passes: fisherPasses, masked, branches, label: `${name}.fisher` }));
    const cg = own(
      await createConjugateGradient(device, {
        agents: 1,
        parametersPerAgent: PA,
        iterations: config.cgIterations,
        damping: config.damping,
        maxKl: config.maxKl,
        label: `${name}.cg`,
      }),
    );
    const lineSearch = own(
      await createLineSearch(device, {
        layout: actor,
        agents: 1,
        rowsPerAgent: B,
        candidates: config.backtrackIterations,
        masked,
        branches,
        backtrack: config.backtrackCoef,
        maxKl: config.maxKl,
        label: `${name}.line-search`,
      }),
    );
    // One "minibatch" of all B rows; the loss kernels overwrite their terms (the last write counts).
    const statistics = own(await createStatistics(device, { agents: 1, steps: T, envs: N, minibatches: 1, label: `${name}.statistics` }));

    const loss = { agents: 1, batchPerAgent: B, minibatches: 1 };
    // Evaluate and backward per branch over its slice of the logits (src/nn/heads-multi-discrete.ts).
    const head = await createPolicyHead(device, { kind: 'categorical', actor, agents: 1, rowsPerAgent: B, masked, branches, label: name });
    const sizes = {
      surrogate: surrogateLossKernel({ ...loss, objective: 'importance' }),
      entropy: entropyBonusKernel(loss),
      valueLoss: valueLossKernel({ ...loss, clipped: false }),
      gatherFisher: gatherRowsKernel({ steps: T, envs: N, agents: 1, rowsPerAgent: FB, width: OBS }),
      gatherFisherMasks: gatherRowsKernel({ steps: T, envs: N, agents: 1, rowsPerAgent: FB, width: A }),
    };
    const compile = (s: { spec: KernelSpec }) => createKernel(device, { ...s.spec, label: `${name}.${s.spec.label}` });
    const surrogate = await compile(sizes.surrogate);
    const entropy = await compile(sizes.entropy);
    const valueLoss = await compile(sizes.valueLoss);
    const gatherFisher = await compile(sizes.gatherFisher);
    const gatherFisherMasks = masked && subsample ? await compile(sizes.gatherFisherMasks) : undefined;

    const words = (count: number) => ({ size: 4 * count });
    const set = own(
      new BufferSet(device, name, {
        advantages: words(B),
        normalisedAdvantages: words(B),
        returns: words(B),
        logProbsOld: words(B),
        logProbs: words(B),
        entropies: words(B),
        logProbGrads: words(B),
        entropyGrads: words(B),
        logitGrads: words(B * A),
        valueGrads: words(B),
        // Zero padding (never written) keeps CG's vectors' padding at 0.
        policyGradient: words(PA),
        oldLogits: words(B * A),
        coefficients: words(8),
        unused: words(4),
        fisherIndices: words(FB),
        fisherObservations: words(FB * OBS),
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
    const fisherInputs = subsample ? b.fisherObservations : tr.observations;
    const mask = masked ? tr.masks! : b.unused;
    const fisherMask = masked ? (subsample ? b.fisherMasks : tr.masks!) : undefined;

    const advantages = config.normAdv ? b.normalisedAdvantages : b.advantages;
    const logits = actorPasses.outputs.policy!;
    const terms = statistics.buffers.lossTerms;
    const headBuffers = {
      outputs: logits,
      parameters: p.actorParameters,
      actions: tr.actions,
      entropies: b.entropies,
      logProbGrads: b.logProbGrads,
      entropyGrads: b.entropyGrads,
      outputGrads: b.logitGrads,
      parameterGrads: b.policyGradient,
      logStdTerms: b.unused,
      unused: b.unused,
      ...(masked ? { mask } : {}),
    };
    // Old: log π_old (and, through the backward, the policy gradient); new: log π_θnew for the statistics.
    const headOld = head.bind({ ...headBuffers, logProbs: b.logProbsOld });
    const headNew = head.bind({ ...headBuffers, logProbs: b.logProbs });
    const groups = {
      // At θ_old: ρ = 1, ∂L/∂log π = −Â/B.
      surrogateOld: surrogate.bind({
        log_probs: b.logProbsOld,
        old_log_probs: b.logProbsOld,
        advantages,
        trajectory_weights: b.unused,
        coefficients: b.coefficients,
        log_prob_grads: b.logProbGrads,
        terms,
      }),
      entropy: entropy.bind({ entropies: b.entropies, coefficients: b.coefficients, entropy_grads: b.entropyGrads, terms }),
      // At θ_new, for the statistics: ℓ = −ρ·Â, k3, |ρ − 1| > ε.
      surrogateNew: surrogate.bind({
        log_probs: b.logProbs,
        old_log_probs: b.logProbsOld,
        advantages,
        trajectory_weights: b.unused,
        coefficients: b.coefficients,
        log_prob_grads: b.logProbGrads,
        terms,
      }),
      valueLoss: valueLoss.bind({
        values: criticPasses.outputs.value!,
        returns: b.returns,
        old_values: tr.values,
        coefficients: b.coefficients,
        value_grads: b.valueGrads,
        terms,
      }),
    };
    const gatherFisherGroup = gatherFisher.bind({ params: b.gatherParams, indices: b.fisherIndices, source: tr.observations, destination: b.fisherObservations });
    const gatherFisherMasksGroup =
      masked && subsample ? gatherFisherMasks!.bind({ params: b.gatherParams, indices: b.fisherIndices, source: tr.masks!, destination: b.fisherMasks }) : undefined;
    type Step = [{ dispatch: typeof surrogate.dispatch }, GPUBindGroup, number] | ((pass: GPUComputePassEncoder) => void);
    const run = (encoder: GPUCommandEncoder, label: string, steps: Step[]) => {
      const pass = encoder.beginComputePass({ label: `${name}.${label}` });
      for (const step of steps) {
        if (typeof step === 'function') step(pass);
        else step[0].dispatch(pass, step[1], step[2]);
      }
      pass.end();
    };

    // ---- one iteration, after the scaffold's rollout ----
    const encodeUpdate = (encoder: GPUCommandEncoder) => {
      // Returns: GAE(λ) advantages and the critic's targets R = Â + V.
      returns.encode(encoder, { ...rolloutInputs, output: b.advantages, returns: b.returns });
      if (config.normAdv) normaliser.encode(encoder, { advantages: b.advantages, output: b.normalisedAdvantages });

      // Policy gradient at θ_old: g = ∇θ(−mean ρ·Â), through the categorical head and the actor.
      actorPasses.encodeForward(encoder, { params: p.actorParameters, inputs: tr.observations });
      run(encoder, 'policy-gradient', [
        headOld.evaluate,
        [surrogate, groups.surrogateOld, sizes.surrogate.invocations],
        headOld.backward,
      ]);
      actorPasses.encodeBackward(encoder, { params: p.actorParameters, inputs: tr.observations, headGrads: { policy: b.logitGrads }, paramGrads: b.policyGradient });
      // π_old's logits for the line search's KL and ratios (the FVPs below leave them in place,
      // but the line search reads a copy so that this stays true whatever the passes do next).
      encoder.copyBufferToBuffer(logits, 0, b.oldLogits, 0, 4 * B * A);

      // Natural direction x ≈ (F + λI)⁻¹g and the step scale √(2δ / xᵀ(F + λI)x), F at θ_old.
      if (subsample) {
        run(encoder, 'fisher-subsample', [
          [gatherFisher, gatherFisherGroup, sizes.gatherFisher.invocations],
          ...(gatherFisherMasksGroup ? [[gatherFisherMasks!, gatherFisherMasksGroup, sizes.gatherFisherMasks.invocations] as Step] : []),
        ]);
        fisherPasses.encodeForward(encoder, { params: p.actorParameters, inputs: fisherInputs });
      }
      cg.encode(encoder, {
        rhs: b.policyGradient,
        operator: (e, vector, output) => fisher.encode(e, { params: p.actorParameters, inputs: fisherInputs, vector, output, ...(fisherMask ? { mask: fisherMask } : {}) }),
      });

      // Line search: all candidates θ − c^k·scale·x at once; θ ← the first acceptable one (or kept).
      lineSearch.encode(encoder, {
        params: p.actorParameters,
        direction: cg.buffers.x,
        scalars: cg.buffers.scalars,
        inputs: tr.observations,
        oldOutputs: b.oldLogits,
        actions: tr.actions,
        advantages,
        ...(masked ? { mask: tr.masks! } : {}),
      });
      // The joint vector mirrors θ, so the value steps' copies (joint → actor) keep the new θ.
      encoder.copyBufferToBuffer(p.actorParameters, 0, p.parameters, 0, 4 * PA);

      // Statistics of θ_new on this batch: −ρ·Â, k3 approx_kl, entropy.
      actorPasses.encodeForward(encoder, { params: p.actorParameters, inputs: tr.observations });
      run(encoder, 'policy-statistics', [
        headNew.evaluate,
        [surrogate, groups.surrogateNew, sizes.surrogate.invocations],
        [entropy, groups.entropy, sizes.entropy.invocations],
      ]);

      // Value: valueIterations full-batch Adam steps on ½(V − R)² (the actor's gradient stays 0).
      for (let i = 0; i < config.valueIterations; i += 1) {
        criticPasses.encodeForward(encoder, { params: p.criticParameters, inputs: tr.observations });
        run(encoder, 'value-loss', [[valueLoss, groups.valueLoss, sizes.valueLoss.invocations]]);
        criticPasses.encodeBackward(encoder, { params: p.criticParameters, inputs: tr.observations, headGrads: { value: b.valueGrads }, paramGrads: p.criticGradients });
        ac.encodeStep(encoder);
      }
    };

    const trainer = await ac.finish(
      config,
      {
        learningRates: () => [config.vfLearningRate],
        encode: encodeUpdate,
        encodeReport(encoder, report) {
          encoder.copyBufferToBuffer(lineSearch.buffers.result, 0, report, 4 * ALGORITHM_BASE, 4 * LINE_SEARCH_WORDS);
        },
        statistics,
        // H (entropy kernel at ent_coef 0), ½(V − R)² and the critic's gradient norm all apply.
        requiredStatistics: requiredStatistics({}),
        statisticsInputs: ac.statisticsInputs({ returns: b.returns, coefficients: b.coefficients }),
      },
      B,
    );
    return {
      ...trainer,
      layouts: { actor, critic },
      buffers: {
        parameters: p.parameters,
        actorParameters: p.actorParameters,
        policyGradient: b.policyGradient,
        naturalDirection: cg.buffers.x,
        cgScalars: cg.buffers.scalars,
        lineSearch: lineSearch.buffers.result,
        advantages,
        transitions: tr,
      },
    };
  } catch (error) {
    ac.destroy();
    throw error;
  }
}
