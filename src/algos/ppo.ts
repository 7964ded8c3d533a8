/**
 * PPO-clip (Schulman et al. 2017) with CleanRL's details, every phase on the GPU. Reads in phase
 * order: setup, then one iteration = collect → returns → update (K epochs × M minibatches) →
 * statistics, encoded into one command buffer by `encodeIteration`.
 *
 * CleanRL details kept: orthogonal init (√2 hidden, 0.01 policy, 1.0 value), separate actor and
 * critic MLPs trained by ONE Adam (ε 1e-5) over both parameter vectors, so the global gradient
 * norm clipped to 0.5 is the joint norm, as CleanRL's clip_grad_norm_(agent.parameters()); the
 * learning rate annealed linearly per iteration; a fresh permutation per epoch; advantages
 * normalised per minibatch; the clipped value loss; the entropy bonus.
 * One departure: a truncated episode (time limit) bootstraps from V(final observation), where
 * CleanRL treats it as terminal.
 *
 * The envs, rollout, joint [actor | critic] parameters, Adam and the report come from the scaffold
 * (src/train/actor-critic.ts); this file holds the update.
 */
import { BufferSet } from '../gpu/index';
import { createKernel, type KernelSpec } from '../gpu/kernel';
import { packLossCoefficients } from '../losses/layout';
import { entropyBonusKernel, surrogateLossKernel, valueLossKernel } from '../losses/losses';
import { createStatistics } from '../losses/statistics';
import { categoricalBackwardKernel, categoricalEvaluateKernel } from '../nn/heads';
import { createMlpPasses } from '../nn/mlp';
import type { MlpLayout } from '../nn/mlp-spec';
import { createAdvantageNormaliser } from '../returns/normalise';
import { createReturns } from '../returns/returns';
import { encodeRngParams, RNG_PARAMS_BYTES } from '../rng/params';
import { feistelPermutationKernel, GATHER_PARAMS_BYTES, gatherRowsKernel } from '../rollout/kernels';
import type { Transitions } from '../rollout/transitions';
import { createActorCritic } from '../train/actor-critic';
import type { Trainer } from '../train/trainer';
import { resolvePpoConfig, type PpoConfig, type ResolvedPpoConfig } from './ppo-config';

export { PPO_DEFAULTS, resolvePpoConfig, type PpoConfig, type ResolvedPpoConfig } from './ppo-config';

/** The Philox stream of the per-epoch permutations ('PRM'). */
export const PERMUTATION_STREAM = 0x50524d;

export { criticInitSeed } from '../train/actor-critic';

/** The learning rate of iteration i (0-based): CleanRL's frac = 1 − i / numIterations. */
export function ppoLearningRate(config: ResolvedPpoConfig, iteration: number): number {
  return config.annealLr ? (1 - iteration / config.numIterations) * config.learningRate : config.learningRate;
}

/** A PPO trainer, with the buffers and layouts that tests and tools read (never inside the loop). */
export interface PpoTrainer extends Trainer<ResolvedPpoConfig> {
  readonly layouts: { readonly actor: MlpLayout; readonly critic: MlpLayout };
  readonly buffers: {
    /** f32 [actor | critic]: the parameters the optimiser updates. */
    readonly parameters: GPUBuffer;
    /** u32 [T·N]: the last epoch's permutation (sample indices t·N + n). */
    readonly indices: GPUBuffer;
    /** The rollout record of the last iteration. */
    readonly transitions: Transitions['buffers'];
  };
}

/** Builds everything once (kernels, buffers, bind groups on first use), then trains by `iterate()`. */
export async function createPpoTrainer(device: GPUDevice, input: PpoConfig = {}): Promise<PpoTrainer> {
  const config = resolvePpoConfig(input);
  const { numEnvs: N, numSteps: T, updateEpochs: K, numMinibatches: M, minibatchSize: B, seed } = config;
  const batch = { steps: T, envs: N, agents: 1 };
  const ac = await createActorCritic(device, { ...config, name: 'ppo', trainCritic: true });
  const { own, actor, critic, rollout } = ac;
  const A = actor.layers[actor.headLayer.policy!]!.outputSize;
  const OBS = actor.spec.inputSize;
  const tr = ac.transitions;
  const p = ac.buffers;
  try {
    // ---- setup: returns, minibatch passes, statistics ----
    const returns = own(await createReturns(device, { steps: T, envs: N, estimator: 'gae', gamma: config.gamma, lambda: config.gaeLambda, critic: true, label: 'ppo.gae' }));
    const normaliser = own(await createAdvantageNormaliser(device, { steps: T, envs: N, minibatches: M, label: 'ppo.normalise' }));
    const actorPasses = own(await createMlpPasses(device, actor, { agents: 1, rowsPerAgent: B, label: 'ppo.actor' }));
    const criticPasses = own(await createMlpPasses(device, critic, { agents: 1, rowsPerAgent: B, label: 'ppo.critic' }));
    const statistics = own(await createStatistics(device, { agents: 1, steps: T, envs: N, minibatches: M, updates: K * M, label: 'ppo.statistics' }));

    // ---- setup: update kernels ----
    const loss = { agents: 1, batchPerAgent: T * N, minibatches: M, accumulateTerms: true };
    const sizes = {
      permute: feistelPermutationKernel(batch),
      gatherObs: gatherRowsKernel({ ...batch, rowsPerAgent: B, width: OBS }),
      gatherScalar: gatherRowsKernel({ ...batch, rowsPerAgent: B, width: 1 }),
      evaluate: categoricalEvaluateKernel({ rows: B, actions: A }),
      surrogate: surrogateLossKernel({ ...loss, objective: 'clip' }),
      entropyBonus: entropyBonusKernel(loss),
      policyBackward: categoricalBackwardKernel({ rows: B, actions: A }),
      valueLoss: valueLossKernel({ ...loss, clipped: config.clipVloss }),
    };
    const compile = (s: { spec: KernelSpec }) => createKernel(device, { ...s.spec, label: `ppo.${s.spec.label}` });
    const permute = await compile(sizes.permute);
    const gatherObs = await compile(sizes.gatherObs);
    const gatherScalar = await compile(sizes.gatherScalar);
    const evaluate = await compile(sizes.evaluate);
    const surrogate = await compile(sizes.surrogate);
    const entropyBonus = await compile(sizes.entropyBonus);
    const policyBackward = await compile(sizes.policyBackward);
    const valueLoss = await compile(sizes.valueLoss);

    const align = device.limits.minUniformBufferOffsetAlignment;
    const slot = (bytes: number) => Math.ceil(bytes / align) * align;
    const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    const words = (count: number) => ({ size: 4 * count });
    const set = own(
      new BufferSet(device, 'ppo', {
        advantages: words(T * N),
        returns: words(T * N),
        normalisedAdvantages: words(T * N),
        indices: words(T * N),
        mbObservations: words(B * OBS),
        mbActions: words(B),
        mbLogProbsOld: words(B),
        mbAdvantages: words(B),
        mbReturns: words(B),
        mbValuesOld: words(B),
        logProbs: words(B),
        entropies: words(B),
        logProbGrads: words(B),
        entropyGrads: words(B),
        logitGrads: words(B * A),
        valueGrads: words(B),
        coefficients: words(8),
        unused: words(4),
        epochParams: { size: K * slot(RNG_PARAMS_BYTES), usage: uniform },
        minibatchParams: { size: M * slot(GATHER_PARAMS_BYTES), usage: uniform },
      }),
    );
    const b = set.buffers;
    const { queue } = device;
    queue.writeBuffer(b.coefficients, 0, packLossCoefficients(1, { clipCoef: config.clipCoef, valueClipCoef: config.clipCoef, entCoef: config.entCoef, vfCoef: config.vfCoef }));
    const minibatchSlots = new Uint32Array((M * slot(GATHER_PARAMS_BYTES)) / 4);
    for (let m = 0; m < M; m += 1) minibatchSlots[(m * slot(GATHER_PARAMS_BYTES)) / 4] = m;
    queue.writeBuffer(b.minibatchParams, 0, minibatchSlots);
    const epochSlots = new Uint32Array((K * slot(RNG_PARAMS_BYTES)) / 4);

    // Bind groups, once.
    const permuteGroups = Array.from({ length: K }, (_, k) =>
      permute.bind({ params: { buffer: b.epochParams, offset: k * slot(RNG_PARAMS_BYTES), size: RNG_PARAMS_BYTES }, indices: b.indices }, `ppo.permute[${k}]`),
    );
    const advantageSource = config.normAdv ? b.normalisedAdvantages : b.advantages;
    const columns = [
      [gatherObs, tr.observations, b.mbObservations, sizes.gatherObs.invocations],
      [gatherScalar, tr.actions, b.mbActions, sizes.gatherScalar.invocations],
      [gatherScalar, tr.logProbs, b.mbLogProbsOld, sizes.gatherScalar.invocations],
      [gatherScalar, advantageSource, b.mbAdvantages, sizes.gatherScalar.invocations],
      [gatherScalar, b.returns, b.mbReturns, sizes.gatherScalar.invocations],
      [gatherScalar, tr.values, b.mbValuesOld, sizes.gatherScalar.invocations],
    ] as const;
    const gatherGroups = Array.from({ length: M }, (_, m) =>
      columns.map(([kernel, source, destination, invocations]) => ({
        kernel,
        invocations,
        group: kernel.bind(
          { params: { buffer: b.minibatchParams, offset: m * slot(GATHER_PARAMS_BYTES), size: GATHER_PARAMS_BYTES }, indices: b.indices, source, destination },
          `ppo.gather[${m}].${destination.label}`,
        ),
      })),
    );
    const logits = actorPasses.outputs.policy!;
    const values = criticPasses.outputs.value!;
    const terms = statistics.buffers.lossTerms;
    const evaluateGroup = evaluate.bind({ logits, mask: b.unused, actions: b.mbActions, log_probs: b.logProbs, entropies: b.entropies });
    const surrogateGroup = surrogate.bind({
      log_probs: b.logProbs,
      old_log_probs: b.mbLogProbsOld,
      advantages: b.mbAdvantages,
      trajectory_weights: b.unused,
      coefficients: b.coefficients,
      log_prob_grads: b.logProbGrads,
      terms,
    });
    const entropyGroup = entropyBonus.bind({ entropies: b.entropies, coefficients: b.coefficients, entropy_grads: b.entropyGrads, terms });
    const policyBackwardGroup = policyBackward.bind({
      logits,
      mask: b.unused,
      actions: b.mbActions,
      log_prob_grads: b.logProbGrads,
      entropy_grads: b.entropyGrads,
      logit_grads: b.logitGrads,
    });
    const valueLossGroup = valueLoss.bind({
      values,
      returns: b.mbReturns,
      old_values: b.mbValuesOld,
      coefficients: b.coefficients,
      value_grads: b.valueGrads,
      terms,
    });

    // ---- one iteration, after the scaffold's rollout ----
    const encodeUpdate = (encoder: GPUCommandEncoder) => {
      // Returns: GAE(λ) advantages and the critic's targets A + V.
      returns.encode(encoder, {
        rewards: tr.rewards,
        terminated: tr.terminated,
        truncated: tr.truncated,
        values: tr.values,
        finalValues: tr.finalValues,
        lastValues: tr.lastValues,
        output: b.advantages,
        returns: b.returns,
      });

      // Update: K epochs of M minibatches over a fresh permutation each epoch.
      statistics.encodeClearTerms(encoder);
      for (let epoch = 0; epoch < K; epoch += 1) {
        const pass = encoder.beginComputePass({ label: 'ppo.permute' });
        permute.dispatch(pass, permuteGroups[epoch]!, sizes.permute.invocations);
        if (config.normAdv) normaliser.encode(pass, { advantages: b.advantages, indices: b.indices, output: b.normalisedAdvantages });
        pass.end();
        for (let m = 0; m < M; m += 1) encodeMinibatch(encoder, m);
      }
    };

    const encodeMinibatch = (encoder: GPUCommandEncoder, m: number) => {
      const gather = encoder.beginComputePass({ label: 'ppo.gather' });
      for (const column of gatherGroups[m]!) column.kernel.dispatch(gather, column.group, column.invocations);
      gather.end();

      // Policy: L = −min(r·Â, clip(r)·Â) − c·H, back through the categorical head and the actor.
      actorPasses.encodeForward(encoder, { params: p.actorParameters, inputs: b.mbObservations });
      const head = encoder.beginComputePass({ label: 'ppo.policy-loss' });
      evaluate.dispatch(head, evaluateGroup, sizes.evaluate.invocations);
      surrogate.dispatch(head, surrogateGroup, sizes.surrogate.invocations);
      entropyBonus.dispatch(head, entropyGroup, sizes.entropyBonus.invocations);
      policyBackward.dispatch(head, policyBackwardGroup, sizes.policyBackward.invocations);
      head.end();
      actorPasses.encodeBackward(encoder, { params: p.actorParameters, inputs: b.mbObservations, headGrads: { policy: b.logitGrads }, paramGrads: p.actorGradients });

      // Value: c_v · ½ max((V − R)², (V_clipped − R)²), back through the critic.
      criticPasses.encodeForward(encoder, { params: p.criticParameters, inputs: b.mbObservations });
      const valuePass = encoder.beginComputePass({ label: 'ppo.value-loss' });
      valueLoss.dispatch(valuePass, valueLossGroup, sizes.valueLoss.invocations);
      valuePass.end();
      criticPasses.encodeBackward(encoder, { params: p.criticParameters, inputs: b.mbObservations, headGrads: { value: b.valueGrads }, paramGrads: p.criticGradients });

      // One Adam step over [actor | critic], clipped by the joint gradient norm.
      ac.encodeStep(encoder);
    };

    const trainer = ac.finish(
      config,
      {
        learningRates: (iteration) => [ppoLearningRate(config, iteration)],
        prepare(iteration) {
          for (let k = 0; k < K; k += 1) {
            epochSlots.set(encodeRngParams({ seed, stream: PERMUTATION_STREAM, iteration, step: k, draw: 0 }), (k * slot(RNG_PARAMS_BYTES)) / 4);
          }
          queue.writeBuffer(b.epochParams, 0, epochSlots);
        },
        encode: encodeUpdate,
        statistics,
        statisticsInputs: {
          returns: b.returns,
          values: tr.values,
          terminated: tr.terminated,
          truncated: tr.truncated,
          episodeReturns: tr.episodeReturns,
          episodeLengths: tr.episodeLengths,
          gradNormSquared: ac.optimizer.buffers.gradNormSquared,
          coefficients: b.coefficients,
        },
      },
      config.batchSize,
    );
    return { ...trainer, layouts: { actor, critic }, buffers: { parameters: p.parameters, indices: b.indices, transitions: tr } };
  } catch (error) {
    ac.destroy();
    throw error;
  }
}
