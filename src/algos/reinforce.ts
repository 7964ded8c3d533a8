/**
 * REINFORCE (Williams 1992), every phase on the GPU, ONE gradient step per batch (on-policy). Reads
 * in phase order: setup, then one iteration = collect → weights (total return or reward-to-go) →
 * baseline (none | batch mean | per-timestep mean | learned V) → [normalise] → one full-batch step
 * of L = −Â·log π − c·H (+ c_v·½(V − w)² when the critic is the baseline) → statistics, in one
 * command buffer.
 *
 * The same step serves `a2c` (./a2c.ts), whose weights are GAE(λ) advantages with V as baseline:
 * `createPolicyGradientTrainer` takes the estimator as a plan. It reuses PPO's pieces (rollout,
 * returns, baselines, normaliser, loss kernels, MLP passes, Adam, statistics, the loop and its
 * report) and duplicates PPO's small glue (the joint [actor | critic] parameter vector and its
 * copies) rather than factoring it out of ppo.ts. Without minibatches no permutation or gather is
 * needed: the networks read the rollout's buffers directly (rows t·N + n).
 *
 * The rollout always runs the critic (createRollout needs one); without a value baseline the
 * critic keeps its initial parameters, its values are unused, and the weights are not bootstrapped
 * (an episode cut by the rollout's end or a time limit counts its rewards so far). With a critic,
 * time-outs and the rollout's end bootstrap from V, as in ppo.ts.
 */
import { createVectorEnv } from '../envs/vector-env';
import { BufferSet, readBufferOnce } from '../gpu/index';
import { createKernel, type KernelSpec } from '../gpu/kernel';
import { packLossCoefficients } from '../losses/layout';
import { entropyBonusKernel, surrogateLossKernel, valueLossKernel } from '../losses/losses';
import { createStatistics } from '../losses/statistics';
import { categoricalBackwardKernel, categoricalEvaluateKernel } from '../nn/heads';
import { initialParameters } from '../nn/init';
import { createMlpPasses } from '../nn/mlp';
import { actorSpec, criticSpec, mlpLayout } from '../nn/mlp-spec';
import { createOptimizer } from '../nn/optimizer';
import { createBaseline, type BaselineKind } from '../returns/baselines';
import { createAdvantageNormaliser } from '../returns/normalise';
import { createReturns, type ReturnEstimator } from '../returns/returns';
import { createRollout } from '../rollout/rollout';
import { createIterationLoop, type LoopReport } from '../train/loop';
import { episodeRingSpec, iterationStats, REPORT_BYTES } from '../train/report';
import type { Trainer } from '../train/trainer';
import { criticInitSeed } from './ppo';
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
}

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
  const { numEnvs: N, numSteps: T, seed } = config;
  const { name } = plan;
  const A = (config.envDescriptor.actionSpace as { kind: 'discrete'; n: number }).n;
  const OBS = config.envDescriptor.observationSpace.size;
  const B = T * N;
  const batch = { steps: T, envs: N, agents: 1 };
  const trainCritic = plan.baseline === 'value' || plan.baseline === 'gae';
  const cleanup: { destroy(): void }[] = [];
  const own = <X extends { destroy(): void }>(x: X): X => (cleanup.push(x), x);
  try {
    // ---- setup: networks, envs, rollout ----
    const actor = mlpLayout(actorSpec(OBS, A, config.hiddenSizes));
    const critic = mlpLayout(criticSpec(OBS, config.hiddenSizes));
    const PA = actor.parametersPerAgent;
    const PC = critic.parametersPerAgent;
    const P = trainCritic ? PA + PC : PA;
    const env = own(await createVectorEnv(device, config.env, { numEnvs: N, seed, maxEpisodeSteps: config.maxEpisodeSteps }));
    const rollout = own(await createRollout(device, { env, steps: T, actor, critic, seed, label: `${name}.rollout` }));
    const tr = rollout.transitions.buffers;

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

    // ---- setup: networks' passes over the whole batch, optimiser, statistics ----
    const actorPasses = own(await createMlpPasses(device, actor, { agents: 1, rowsPerAgent: B, label: `${name}.actor` }));
    const criticPasses = trainCritic ? own(await createMlpPasses(device, critic, { agents: 1, rowsPerAgent: B, label: `${name}.critic` })) : undefined;
    const optimizer = own(
      await createOptimizer(device, {
        kind: 'adam',
        agents: 1,
        parametersPerAgent: P,
        learningRate: config.learningRate,
        epsilon: config.adamEpsilon,
        maxGradNorm: config.maxGradNorm,
        trackGradNorm: true,
        label: `${name}.adam`,
      }),
    );
    const statistics = own(
      await createStatistics(device, { agents: 1, steps: T, envs: N, minibatches: 1, updates: 1, valueLoss: trainCritic, critic: trainCritic, label: `${name}.statistics` }),
    );

    // ---- setup: update kernels ----
    const loss = { agents: 1, batchPerAgent: B, minibatches: 1 };
    const sizes = {
      evaluate: categoricalEvaluateKernel({ rows: B, actions: A }),
      surrogate: surrogateLossKernel({ ...loss, objective: 'weighted' }),
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
    const episodeRing = await createKernel(device, episodeRingSpec(batch));

    const words = (count: number) => ({ size: 4 * count });
    const set = own(
      new BufferSet(device, name, {
        parameters: words(P),
        gradients: words(P),
        actorParameters: words(PA),
        criticParameters: words(PC),
        actorGradients: words(PA),
        criticGradients: words(PC),
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
        coefficients: words(8),
        report: { size: REPORT_BYTES },
        unused: words(4),
      }),
    );
    const b = set.buffers;
    const { queue } = device;
    const initial = new Float32Array(PA + PC);
    initial.set(initialParameters(actor, seed), 0);
    initial.set(initialParameters(critic, criticInitSeed(seed)), PA);
    queue.writeBuffer(b.parameters, 0, initial, 0, P);
    queue.writeBuffer(b.actorParameters, 0, initial, 0, PA);
    queue.writeBuffer(b.criticParameters, 0, initial, PA, PC);
    queue.writeBuffer(b.coefficients, 0, packLossCoefficients(1, { entCoef: config.entCoef, vfCoef: config.vfCoef }));

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
      trajectory_weights: b.unused,
      coefficients: b.coefficients,
      log_prob_grads: b.logProbGrads,
      terms,
    });
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
    const ringGroup = episodeRing.bind({ episode_returns: tr.episodeReturns, terminated: tr.terminated, truncated: tr.truncated, report: b.report });

    // The envs' first reset, before the first iteration.
    {
      const encoder = device.createCommandEncoder({ label: `${name}.reset` });
      rollout.encodeReset(encoder);
      queue.submit([encoder.finish()]);
    }

    // ---- one iteration ----
    const encodeIteration = (encoder: GPUCommandEncoder) => {
      // Collect: T steps of N envs, then V(s_t), V(s_T) and V(final obs).
      rollout.encode(encoder, { actor: b.actorParameters, critic: b.criticParameters });

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

      // Policy: L = −Â·log π − c·H over the batch, back through the categorical head and the actor.
      actorPasses.encodeForward(encoder, { params: b.actorParameters, inputs: tr.observations });
      const head = encoder.beginComputePass({ label: `${name}.policy-loss` });
      evaluate.dispatch(head, evaluateGroup, sizes.evaluate.invocations);
      surrogate.dispatch(head, surrogateGroup, sizes.surrogate.invocations);
      entropyBonus.dispatch(head, entropyGroup, sizes.entropyBonus.invocations);
      policyBackward.dispatch(head, policyBackwardGroup, sizes.policyBackward.invocations);
      head.end();
      actorPasses.encodeBackward(encoder, { params: b.actorParameters, inputs: tr.observations, headGrads: { policy: b.logitGrads }, paramGrads: b.actorGradients });
      encoder.copyBufferToBuffer(b.actorGradients, 0, b.gradients, 0, 4 * PA);

      // Value: c_v · ½(V − target)², back through the critic (a learned baseline only).
      if (criticPasses && valueLoss && valueLossGroup) {
        criticPasses.encodeForward(encoder, { params: b.criticParameters, inputs: tr.observations });
        const valuePass = encoder.beginComputePass({ label: `${name}.value-loss` });
        valueLoss.dispatch(valuePass, valueLossGroup, sizes.valueLoss.invocations);
        valuePass.end();
        criticPasses.encodeBackward(encoder, { params: b.criticParameters, inputs: tr.observations, headGrads: { value: b.valueGrads }, paramGrads: b.criticGradients });
        encoder.copyBufferToBuffer(b.criticGradients, 0, b.gradients, 4 * PA, 4 * PC);
      }

      // ONE Adam step over [actor | critic], clipped by the joint gradient norm.
      optimizer.encodeStep(encoder, { parameters: b.parameters, gradients: b.gradients });
      encoder.copyBufferToBuffer(b.parameters, 0, b.actorParameters, 0, 4 * PA);
      if (trainCritic) encoder.copyBufferToBuffer(b.parameters, 4 * PA, b.criticParameters, 0, 4 * PC);

      // Statistics, and the finished episodes' ring, into the report block.
      statistics.encode(encoder, {
        returns: valueTargets,
        values: tr.values,
        terminated: tr.terminated,
        truncated: tr.truncated,
        episodeReturns: tr.episodeReturns,
        episodeLengths: tr.episodeLengths,
        gradNormSquared: optimizer.buffers.gradNormSquared,
        coefficients: b.coefficients,
      });
      encoder.copyBufferToBuffer(statistics.buffers.statistics, 0, b.report, 0, statistics.buffers.statistics.size);
      const pass = encoder.beginComputePass({ label: `${name}.episode-ring` });
      episodeRing.dispatch(pass, ringGroup, 1);
      pass.end();
    };

    const learningRates: number[] = [];
    const loop = own(
      createIterationLoop(
        device,
        {
          prepare(iteration) {
            if (iteration >= config.numIterations) {
              throw new RangeError(`${name}: all ${config.numIterations} iterations of totalTimesteps = ${config.totalTimesteps} are done`);
            }
            const lr = policyGradientLearningRate(config, iteration);
            learningRates[iteration] = lr;
            optimizer.setLearningRate(lr);
            rollout.prepare(iteration);
          },
          encode: encodeIteration,
          report: b.report,
          reportBytes: REPORT_BYTES,
        },
        name,
      ),
    );

    const toStats = (report: LoopReport | null) => iterationStats(report, config.batchSize, learningRates);

    return {
      config,
      numIterations: config.numIterations,
      stepsPerIteration: config.batchSize,
      iterate: async () => toStats(await loop.iterate()),
      drain: async () => toStats(await loop.drain()),
      async readParameters() {
        const actorParameters = new Float32Array(await readBufferOnce(device, b.actorParameters));
        const criticParameters = new Float32Array(await readBufferOnce(device, b.criticParameters));
        return {
          networks: {
            actor: { spec: actor.spec, parameters: actorParameters },
            critic: { spec: critic.spec, parameters: criticParameters },
          },
        };
      },
      destroy() {
        for (const x of cleanup.reverse()) x.destroy();
        cleanup.length = 0;
      },
    };
  } catch (error) {
    for (const x of cleanup.reverse()) x.destroy();
    throw error;
  }
}
