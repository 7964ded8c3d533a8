/**
 * REINFORCE (Williams 1992), every phase on the GPU, ONE gradient step per batch (on-policy). Reads
 * in phase order: setup, then one iteration = collect → weights (total return or reward-to-go) →
 * baseline (none | batch mean | per-timestep mean | learned V) → [normalise] → one full-batch step
 * of L = −Â·log π − c·H (+ c_v·½(V − w)² when the critic is the baseline) → statistics, in one
 * command buffer.
 *
 * The same step serves `a2c` (./a2c.ts), whose weights are GAE(λ) advantages with V as baseline:
 * `createPolicyGradientTrainer` takes the estimator as a plan. It reuses PPO's pieces (rollout,
 * returns, baselines, normaliser, loss kernels, MLP passes, statistics) on the scaffold of
 * src/train/actor-critic.ts (envs, rollout, joint parameters, Adam, report, loop). Without
 * minibatches no permutation or gather is needed: the networks read the rollout's buffers directly
 * (rows t·N + n).
 *
 * The rollout always runs the critic (createRollout needs one); without a value baseline the
 * critic keeps its initial parameters, its values are unused, and the weights are not bootstrapped
 * (an episode cut by the rollout's end or a time limit counts its rewards so far). With a critic,
 * time-outs and the rollout's end bootstrap from V, as in ppo.ts.
 */
import { BufferSet } from '../gpu/index';
import { createKernel, type KernelSpec } from '../gpu/kernel';
import { packLossCoefficients } from '../losses/layout';
import { essRecordKernel } from '../losses/ess';
import { entropyBonusKernel, surrogateLossKernel, trajectoryWeightsKernel, valueLossKernel } from '../losses/losses';
import { createStatistics } from '../losses/statistics';
import { categoricalBackwardKernel, categoricalEvaluateKernel } from '../nn/heads';
import { createMlpPasses } from '../nn/mlp';
import { createBaseline, type BaselineKind } from '../returns/baselines';
import { createAdvantageNormaliser } from '../returns/normalise';
import { createReturns, type ReturnEstimator } from '../returns/returns';
import { createActorCritic } from '../train/actor-critic';
import { requiredStatistics } from '../train/nan-guard';
import { ALGORITHM_BASE, ALGORITHM_WORDS } from '../train/report';
import type { Trainer } from '../train/trainer';
import { resolveReinforceConfig, type ReinforceConfig, type ResolvedPolicyGradientConfig, type ResolvedReinforceConfig } from './reinforce-config';

export * from './reinforce-config';

/** What the one-step trainer estimates: the weights and what is subtracted from them. */
export interface PolicyGradientPlan {
  readonly name: string;
  readonly estimator: ReturnEstimator;
  /** GAE's λ ('gae' only). */
  readonly lambda?: number;
  /** Subtracted from the weights; 'gae' already yields advantages (the critic is the baseline). */
  readonly baseline: BaselineKind | 'gae';
  /**
   * Off-policy reuse: K full-batch gradient steps on each rollout, step k > 0 weighting each row by
   * π_θ/π_behaviour per step ('importance') or by the product over its trajectory segment
   * ('trajectory'); absent: one on-policy step of the 'weighted' surrogate.
   */
  readonly offPolicy?: { readonly updateSteps: number; readonly importance: 'importance' | 'trajectory'; readonly cap?: number };
}

/** Report words (algorithm area) of an off-policy update: [steps recorded, ESS/n of step 0, 1, …]. */
export const ESS_HISTORY_WORDS = ALGORITHM_WORDS;

/** The learning rate of iteration i (0-based), annealed linearly when asked. */
export function policyGradientLearningRate(config: ResolvedPolicyGradientConfig, iteration: number): number {
  return config.annealLr ? (1 - iteration / config.numIterations) * config.learningRate : config.learningRate;
}

/** Builds a REINFORCE trainer; the config is validated before any GPU work. */
export async function createReinforceTrainer(device: GPUDevice, input: ReinforceConfig = {}): Promise<Trainer<ResolvedReinforceConfig>> {
  const config = resolveReinforceConfig(input);
  return createPolicyGradientTrainer(device, config, { name: 'reinforce', estimator: config.weights, baseline: config.baseline });
}

/** One full-batch gradient step per rollout, with the weights and baseline of `plan`. */
export async function createPolicyGradientTrainer<C extends ResolvedPolicyGradientConfig>(
  device: GPUDevice,
  config: C,
  plan: PolicyGradientPlan,
): Promise<Trainer<C>> {
  const { numEnvs: N, numSteps: T } = config;
  const { name } = plan;
  const B = T * N;
  const trainCritic = plan.baseline === 'value' || plan.baseline === 'gae';
  const K = plan.offPolicy?.updateSteps ?? 1;
  const ac = await createActorCritic(device, { ...config, name, trainCritic });
  const { own, actor, critic } = ac;
  const A = actor.layers[actor.headLayer.policy!]!.outputSize;
  const tr = ac.transitions;
  const p = ac.buffers;
  try {
    // ---- setup: weights, baseline, normaliser ----
    const returns = own(
      await createReturns(device, {
        steps: T,
        envs: N,
        estimator: plan.estimator,
        gamma: config.gamma,
        ...(plan.lambda === undefined ? {} : { lambda: plan.lambda }),
        critic: trainCritic,
        label: `${name}.returns`,
      }),
    );
    const baseline = plan.baseline === 'gae' ? undefined : own(await createBaseline(device, { kind: plan.baseline, steps: T, envs: N, label: `${name}.baseline` }));
    const normaliser = config.normAdv ? own(await createAdvantageNormaliser(device, { steps: T, envs: N, label: `${name}.normalise` })) : undefined;

    // ---- setup: networks' passes over the whole batch, statistics ----
    const actorPasses = own(await createMlpPasses(device, actor, { agents: 1, rowsPerAgent: B, label: `${name}.actor` }));
    const criticPasses = trainCritic ? own(await createMlpPasses(device, critic, { agents: 1, rowsPerAgent: B, label: `${name}.critic` })) : undefined;
    const statistics = own(
      await createStatistics(device, { agents: 1, steps: T, envs: N, minibatches: 1, updates: 1, valueLoss: trainCritic, critic: trainCritic, label: `${name}.statistics` }),
    );

    // ---- setup: update kernels ----
    const loss = { agents: 1, batchPerAgent: B, minibatches: 1 };
    const sizes = {
      evaluate: categoricalEvaluateKernel({ rows: B, actions: A }),
      surrogate: surrogateLossKernel({ ...loss, objective: plan.offPolicy?.importance ?? 'weighted' }),
      trajectoryWeights: trajectoryWeightsKernel({ steps: T, envs: N, ...(plan.offPolicy?.cap === undefined ? {} : { cap: plan.offPolicy.cap }) }),
      essRecord: essRecordKernel({ agents: 1, rowsPerAgent: B, historyWords: ESS_HISTORY_WORDS }),
      entropyBonus: entropyBonusKernel(loss),
      policyBackward: categoricalBackwardKernel({ rows: B, actions: A }),
      valueLoss: valueLossKernel({ ...loss, clipped: false }),
    };
    const compile = (s: { spec: KernelSpec }) => createKernel(device, { ...s.spec, label: `${name}.${s.spec.label}` });
    const evaluate = await compile(sizes.evaluate);
    const surrogate = await compile(sizes.surrogate);
    const entropyBonus = await compile(sizes.entropyBonus);
    const policyBackward = await compile(sizes.policyBackward);
    const valueLoss = trainCritic ? await compile(sizes.valueLoss) : undefined;
    const trajectoryWeights = plan.offPolicy?.importance === 'trajectory' ? await compile(sizes.trajectoryWeights) : undefined;
    const essRecord = plan.offPolicy ? await compile(sizes.essRecord) : undefined;

    const words = (count: number) => ({ size: 4 * count });
    const set = own(
      new BufferSet(device, name, {
        weights: words(B),
        advantages: words(B),
        normalisedAdvantages: words(B),
        valueTargets: words(B),
        logProbs: words(B),
        entropies: words(B),
        logProbGrads: words(B),
        entropyGrads: words(B),
        logitGrads: words(B * A),
        valueGrads: words(B),
        trajectoryWeights: words(trajectoryWeights ? B : 4),
        essHistory: words(ESS_HISTORY_WORDS),
        coefficients: words(8),
        unused: words(4),
      }),
    );
    const b = set.buffers;
    device.queue.writeBuffer(b.coefficients, 0, packLossCoefficients(1, { entCoef: config.entCoef, vfCoef: config.vfCoef }));

    // Bind groups, once. The critic's target: GAE's A + V, or the REINFORCE weight itself.
    const advantageSource = normaliser ? b.normalisedAdvantages : b.advantages;
    const valueTargets = plan.baseline === 'gae' ? b.valueTargets : b.weights;
    const logits = actorPasses.outputs.policy!;
    const terms = statistics.buffers.lossTerms;
    const evaluateGroup = evaluate.bind({ logits, mask: b.unused, actions: tr.actions, log_probs: b.logProbs, entropies: b.entropies });
    const surrogateGroup = surrogate.bind({
      log_probs: b.logProbs,
      old_log_probs: tr.logProbs,
      advantages: advantageSource,
      trajectory_weights: trajectoryWeights ? b.trajectoryWeights : b.unused,
      coefficients: b.coefficients,
      log_prob_grads: b.logProbGrads,
      terms,
    });
    const trajectoryGroup = trajectoryWeights?.bind({
      log_probs: b.logProbs,
      old_log_probs: tr.logProbs,
      terminated: tr.terminated,
      truncated: tr.truncated,
      weights: b.trajectoryWeights,
    });
    const essGroup = essRecord?.bind({ terms, history: b.essHistory });
    const entropyGroup = entropyBonus.bind({ entropies: b.entropies, coefficients: b.coefficients, entropy_grads: b.entropyGrads, terms });
    const policyBackwardGroup = policyBackward.bind({
      logits,
      mask: b.unused,
      actions: tr.actions,
      log_prob_grads: b.logProbGrads,
      entropy_grads: b.entropyGrads,
      logit_grads: b.logitGrads,
    });
    const valueLossGroup = valueLoss?.bind({
      values: criticPasses!.outputs.value!,
      returns: valueTargets,
      old_values: tr.values,
      coefficients: b.coefficients,
      value_grads: b.valueGrads,
      terms,
    });

    // ---- one iteration, after the scaffold's rollout ----
    const encodeUpdate = (encoder: GPUCommandEncoder) => {
      // Weights: total return, reward-to-go, or GAE advantages (with the critic's targets A + V).
      returns.encode(encoder, {
        rewards: tr.rewards,
        terminated: tr.terminated,
        truncated: tr.truncated,
        values: tr.values,
        finalValues: tr.finalValues,
        lastValues: tr.lastValues,
        output: plan.baseline === 'gae' ? b.advantages : b.weights,
        ...(plan.baseline === 'gae' ? { returns: b.valueTargets } : {}),
      });

      // Baseline, then normalisation over the whole batch.
      baseline?.encode(encoder, { weights: b.weights, values: tr.values, advantages: b.advantages });
      normaliser?.encode(encoder, { advantages: b.advantages, output: b.normalisedAdvantages });

      if (essRecord) encoder.clearBuffer(b.essHistory);
      for (let k = 0; k < K; k += 1) encodeStep(encoder);
    };

    const encodeStep = (encoder: GPUCommandEncoder) => {
      // Policy: L = −Â·log π − c·H over the batch (off-policy: −r·Â or −ρ̄·Â·log π), back through
      // the categorical head and the actor.
      actorPasses.encodeForward(encoder, { params: p.actorParameters, inputs: tr.observations });
      const head = encoder.beginComputePass({ label: `${name}.policy-loss` });
      evaluate.dispatch(head, evaluateGroup, sizes.evaluate.invocations);
      if (trajectoryWeights && trajectoryGroup) trajectoryWeights.dispatch(head, trajectoryGroup, sizes.trajectoryWeights.invocations);
      surrogate.dispatch(head, surrogateGroup, sizes.surrogate.invocations);
      if (essRecord && essGroup) essRecord.dispatch(head, essGroup, sizes.essRecord.invocations);
      entropyBonus.dispatch(head, entropyGroup, sizes.entropyBonus.invocations);
      policyBackward.dispatch(head, policyBackwardGroup, sizes.policyBackward.invocations);
      head.end();
      actorPasses.encodeBackward(encoder, { params: p.actorParameters, inputs: tr.observations, headGrads: { policy: b.logitGrads }, paramGrads: p.actorGradients });

      // Value: c_v · ½(V − target)², back through the critic (a learned baseline only).
      if (criticPasses && valueLoss && valueLossGroup) {
        criticPasses.encodeForward(encoder, { params: p.criticParameters, inputs: tr.observations });
        const valuePass = encoder.beginComputePass({ label: `${name}.value-loss` });
        valueLoss.dispatch(valuePass, valueLossGroup, sizes.valueLoss.invocations);
        valuePass.end();
        criticPasses.encodeBackward(encoder, { params: p.criticParameters, inputs: tr.observations, headGrads: { value: b.valueGrads }, paramGrads: p.criticGradients });
      }

      // ONE Adam step over [actor | critic], clipped by the joint gradient norm.
      ac.encodeStep(encoder);
    };

    return await ac.finish(
      config,
      {
        learningRates: (iteration) => [policyGradientLearningRate(config, iteration)],
        encode: encodeUpdate,
        encodeReport(encoder, report) {
          if (essRecord) encoder.copyBufferToBuffer(b.essHistory, 0, report, 4 * ALGORITHM_BASE, 4 * ESS_HISTORY_WORDS);
        },
        statistics,
        requiredStatistics: requiredStatistics({ valueLoss: trainCritic }),
        statisticsInputs: ac.statisticsInputs({ returns: valueTargets, coefficients: b.coefficients }),
      },
      config.batchSize,
    );
  } catch (error) {
    ac.destroy();
    throw error;
  }
}
