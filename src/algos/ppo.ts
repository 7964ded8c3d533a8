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
 * Parameters live in one buffer [actor | critic] that the optimiser updates; after each update the
 * two halves are copied into the actor's and critic's own buffers, which the MLP passes read (they
 * bind a whole buffer from offset 0). Likewise each backward pass writes its own gradient buffer,
 * copied into the joint one before the step.
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
import { actorSpec, criticSpec, mlpLayout, type MlpLayout } from '../nn/mlp-spec';
import { createOptimizer } from '../nn/optimizer';
import { createAdvantageNormaliser } from '../returns/normalise';
import { createReturns } from '../returns/returns';
import { encodeRngParams, RNG_PARAMS_BYTES } from '../rng/params';
import { feistelPermutationKernel, GATHER_PARAMS_BYTES, gatherRowsKernel } from '../rollout/kernels';
import { createRollout } from '../rollout/rollout';
import type { Transitions } from '../rollout/transitions';
import { createIterationLoop, type LoopReport } from '../train/loop';
import { episodeRingSpec, iterationStats, REPORT_BYTES } from '../train/report';
import type { Trainer } from '../train/trainer';
import { resolvePpoConfig, type PpoConfig, type ResolvedPpoConfig } from './ppo-config';

export { PPO_DEFAULTS, resolvePpoConfig, type PpoConfig, type ResolvedPpoConfig } from './ppo-config';

/** The Philox stream of the per-epoch permutations ('PRM'). */
export const PERMUTATION_STREAM = 0x50524d;

/** The critic's initialisation seed: a different draw from the actor's under the same run seed. */
export const criticInitSeed = (seed: number): number => (seed + 0x9e3779b9) >>> 0;

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
  const space = config.envDescriptor.actionSpace as { kind: 'discrete'; n: number };
  const A = space.n;
  const OBS = config.envDescriptor.observationSpace.size;
  const batch = { steps: T, envs: N, agents: 1 };
  const cleanup: { destroy(): void }[] = [];
  const own = <X extends { destroy(): void }>(x: X): X => (cleanup.push(x), x);
  try {
    // ---- setup: networks, envs, rollout ----
    const actor = mlpLayout(actorSpec(OBS, A, config.hiddenSizes));
    const critic = mlpLayout(criticSpec(OBS, config.hiddenSizes));
    const PA = actor.parametersPerAgent;
    const PC = critic.parametersPerAgent;
    const env = own(await createVectorEnv(device, config.env, { numEnvs: N, seed, maxEpisodeSteps: config.maxEpisodeSteps }));
    const rollout = own(await createRollout(device, { env, steps: T, actor, critic, seed, label: 'ppo.rollout' }));
    const tr = rollout.transitions.buffers;
    const returns = own(await createReturns(device, { steps: T, envs: N, estimator: 'gae', gamma: config.gamma, lambda: config.gaeLambda, critic: true, label: 'ppo.gae' }));
    const normaliser = own(await createAdvantageNormaliser(device, { steps: T, envs: N, minibatches: M, label: 'ppo.normalise' }));
    const actorPasses = own(await createMlpPasses(device, actor, { agents: 1, rowsPerAgent: B, label: 'ppo.actor' }));
    const criticPasses = own(await createMlpPasses(device, critic, { agents: 1, rowsPerAgent: B, label: 'ppo.critic' }));
    const optimizer = own(
      await createOptimizer(device, {
        kind: 'adam',
        agents: 1,
        parametersPerAgent: PA + PC,
        learningRate: config.learningRate,
        epsilon: config.adamEpsilon,
        maxGradNorm: config.maxGradNorm,
        trackGradNorm: true,
        label: 'ppo.adam',
      }),
    );
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
    const episodeRing = await createKernel(device, episodeRingSpec(batch));

    const align = device.limits.minUniformBufferOffsetAlignment;
    const slot = (bytes: number) => Math.ceil(bytes / align) * align;
    const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    const words = (count: number) => ({ size: 4 * count });
    const set = own(
      new BufferSet(device, 'ppo', {
        parameters: words(PA + PC),
        gradients: words(PA + PC),
        actorParameters: words(PA),
        criticParameters: words(PC),
        actorGradients: words(PA),
        criticGradients: words(PC),
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
        report: { size: REPORT_BYTES },
        unused: words(4),
        epochParams: { size: K * slot(RNG_PARAMS_BYTES), usage: uniform },
        minibatchParams: { size: M * slot(GATHER_PARAMS_BYTES), usage: uniform },
      }),
    );
    const b = set.buffers;
    const { queue } = device;
    const initial = new Float32Array(PA + PC);
    initial.set(initialParameters(actor, seed), 0);
    initial.set(initialParameters(critic, criticInitSeed(seed)), PA);
    queue.writeBuffer(b.parameters, 0, initial);
    queue.writeBuffer(b.actorParameters, 0, initial, 0, PA);
    queue.writeBuffer(b.criticParameters, 0, initial, PA, PC);
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
    const ringGroup = episodeRing.bind({ episode_returns: tr.episodeReturns, terminated: tr.terminated, truncated: tr.truncated, report: b.report });

    // The envs' first reset, before the first iteration.
    {
      const encoder = device.createCommandEncoder({ label: 'ppo.reset' });
      rollout.encodeReset(encoder);
      queue.submit([encoder.finish()]);
    }

    // ---- one iteration ----
    const encodeIteration = (encoder: GPUCommandEncoder) => {
      // Collect: T steps of N envs, then V(s_t), V(s_T) and V(final obs).
      rollout.encode(encoder, { actor: b.actorParameters, critic: b.criticParameters });

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

      // Statistics, and the finished episodes' ring, into the report block.
      statistics.encode(encoder, {
        returns: b.returns,
        values: tr.values,
        terminated: tr.terminated,
        truncated: tr.truncated,
        episodeReturns: tr.episodeReturns,
        episodeLengths: tr.episodeLengths,
        gradNormSquared: optimizer.buffers.gradNormSquared,
        coefficients: b.coefficients,
      });
      encoder.copyBufferToBuffer(statistics.buffers.statistics, 0, b.report, 0, statistics.buffers.statistics.size);
      const pass = encoder.beginComputePass({ label: 'ppo.episode-ring' });
      episodeRing.dispatch(pass, ringGroup, 1);
      pass.end();
    };

    const encodeMinibatch = (encoder: GPUCommandEncoder, m: number) => {
      const gather = encoder.beginComputePass({ label: 'ppo.gather' });
      for (const column of gatherGroups[m]!) column.kernel.dispatch(gather, column.group, column.invocations);
      gather.end();

      // Policy: L = −min(r·Â, clip(r)·Â) − c·H, back through the categorical head and the actor.
      actorPasses.encodeForward(encoder, { params: b.actorParameters, inputs: b.mbObservations });
      const head = encoder.beginComputePass({ label: 'ppo.policy-loss' });
      evaluate.dispatch(head, evaluateGroup, sizes.evaluate.invocations);
      surrogate.dispatch(head, surrogateGroup, sizes.surrogate.invocations);
      entropyBonus.dispatch(head, entropyGroup, sizes.entropyBonus.invocations);
      policyBackward.dispatch(head, policyBackwardGroup, sizes.policyBackward.invocations);
      head.end();
      actorPasses.encodeBackward(encoder, { params: b.actorParameters, inputs: b.mbObservations, headGrads: { policy: b.logitGrads }, paramGrads: b.actorGradients });

      // Value: c_v · ½ max((V − R)², (V_clipped − R)²), back through the critic.
      criticPasses.encodeForward(encoder, { params: b.criticParameters, inputs: b.mbObservations });
      const valuePass = encoder.beginComputePass({ label: 'ppo.value-loss' });
      valueLoss.dispatch(valuePass, valueLossGroup, sizes.valueLoss.invocations);
      valuePass.end();
      criticPasses.encodeBackward(encoder, { params: b.criticParameters, inputs: b.mbObservations, headGrads: { value: b.valueGrads }, paramGrads: b.criticGradients });

      // One Adam step over [actor | critic], clipped by the joint gradient norm.
      encoder.copyBufferToBuffer(b.actorGradients, 0, b.gradients, 0, 4 * PA);
      encoder.copyBufferToBuffer(b.criticGradients, 0, b.gradients, 4 * PA, 4 * PC);
      optimizer.encodeStep(encoder, { parameters: b.parameters, gradients: b.gradients });
      encoder.copyBufferToBuffer(b.parameters, 0, b.actorParameters, 0, 4 * PA);
      encoder.copyBufferToBuffer(b.parameters, 4 * PA, b.criticParameters, 0, 4 * PC);
    };

    const learningRates: number[] = [];
    const loop = own(
      createIterationLoop(
        device,
        {
          prepare(iteration) {
            if (iteration >= config.numIterations) {
              throw new RangeError(`ppo: all ${config.numIterations} iterations of totalTimesteps = ${config.totalTimesteps} are done`);
            }
            const lr = ppoLearningRate(config, iteration);
            learningRates[iteration] = lr;
            optimizer.setLearningRate(lr);
            rollout.prepare(iteration);
            for (let k = 0; k < K; k += 1) {
              epochSlots.set(encodeRngParams({ seed, stream: PERMUTATION_STREAM, iteration, step: k, draw: 0 }), (k * slot(RNG_PARAMS_BYTES)) / 4);
            }
            queue.writeBuffer(b.epochParams, 0, epochSlots);
          },
          encode: encodeIteration,
          report: b.report,
          reportBytes: REPORT_BYTES,
        },
        'ppo',
      ),
    );

    const toStats = (report: LoopReport | null) => iterationStats(report, config.batchSize, learningRates);

    return {
      config,
      numIterations: config.numIterations,
      layouts: { actor, critic },
      buffers: { parameters: b.parameters, indices: b.indices, transitions: tr },
      stepsPerIteration: config.batchSize,
      iterate: async () => toStats(await loop.iterate()),
      drain: async () => toStats(await loop.drain()),
      async readParameters() {
        const all = new Float32Array(await readBufferOnce(device, b.parameters));
        return {
          networks: {
            actor: { spec: actor.spec, parameters: all.slice(0, PA) },
            critic: { spec: critic.spec, parameters: all.slice(PA, PA + PC) },
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
