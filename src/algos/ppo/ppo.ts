/**
 * PPO-clip (Schulman et al. 2017) with CleanRL's details, every phase on the GPU. Reads in phase
 * order: setup, then one iteration = collect → returns → update (K epochs × M minibatches) →
 * statistics, encoded into one command buffer.
 *
 * CleanRL details kept: orthogonal init (√2 hidden, 0.01 policy, 1.0 value), separate actor and
 * critic MLPs trained by ONE Adam (ε 1e-5) over both parameter vectors, so the global gradient
 * norm clipped to 0.5 is the joint norm, as CleanRL's clip_grad_norm_(agent.parameters()); the
 * learning rate annealed linearly per iteration; a fresh permutation per epoch; advantages
 * normalised per minibatch; the clipped value loss; the entropy bonus; optional target_kl. For box
 * envs: a Gaussian head with a state-independent log-std, actions clipped by the env, observation
 * normalisation and reward scaling by running statistics on the GPU (the rollout's).
 * One departure: a truncated episode (time limit) bootstraps from V(final observation), where
 * CleanRL treats it as terminal.
 *
 * Populations: with `agents: G` every kernel below runs G agents in the same dispatches (rows
 * agent-major); agent g is the solo run seeded seed + g, with its own learning rate and entropy
 * coefficient when given per agent.
 *
 * The envs, rollout, joint [actor | critic] parameters, Adam, NaN guard and report come from the
 * scaffold (src/train/actor-critic.ts); this file holds the update.
 */
import { BufferSet } from '../../gpu/index';
import { createKernel, type KernelSpec } from '../../gpu/kernel';
import { klAdaptBetaKernel, klEarlyStopKernel } from '../../losses/kl-control';
import { LOSS_COEFFICIENT, LOSS_COEFFICIENT_WORDS, packLossCoefficients } from '../../losses/layout';
import { entropyBonusKernel, klPenaltyKernel, surrogateLossKernel, valueLossKernel } from '../../losses/losses';
import { createStatistics } from '../../losses/statistics';
import { multiCategoricalKlBackwardKernels, multiCategoricalKlKernels } from '../../nn/heads-multi-discrete';
import { createMlpPasses } from '../../nn/mlp';
import type { MlpLayout } from '../../nn/mlp-spec';
import { createAdvantageNormaliser } from '../../returns/normalise';
import { createReturns, returnsInputs } from '../../returns/returns';
import { encodeRngParams, RNG_PARAMS_BYTES } from '../../rng/params';
import { feistelPermutationKernel, GATHER_PARAMS_BYTES, gatherRowsKernel } from '../../rollout/kernels';
import type { Transitions } from '../../rollout/transitions';
import { createActorCritic } from '../../train/actor-critic';
import { splitPoint } from '../../gpu/split-point';
import { requiredStatistics } from '../../train/nan-guard';
import { createPolicyHead } from '../../train/policy-head';
import { ALGORITHM_BASE, REPORT_WORDS } from '../../train/report';
import type { Trainer } from '../../train/trainer';
import { resolvePpoConfig, type PpoConfig, type ResolvedPpoConfig } from './config';


/** The Philox stream of the per-epoch permutations ('PRM'). */
export const PERMUTATION_STREAM = 0x50524d;

export { criticInitSeed } from '../../train/actor-critic';

/** CleanRL's linear schedule: frac = 1 − i / numIterations at iteration i (0-based). */
const annealed = (config: ResolvedPpoConfig, iteration: number) => 1 - iteration / config.numIterations;

/** Each agent's learning rate at iteration i. */
export function ppoLearningRates(config: ResolvedPpoConfig, iteration: number): number[] {
  const frac = config.annealLr ? annealed(config, iteration) : 1;
  return config.learningRate.map((lr) => frac * lr);
}

/** Each agent's entropy coefficient at iteration i. */
export function ppoEntropyCoefficients(config: ResolvedPpoConfig, iteration: number): number[] {
  const frac = config.annealEntCoef ? annealed(config, iteration) : 1;
  return config.entCoef.map((c) => frac * c);
}

/** A PPO trainer, with the buffers and layouts that tests and tools read (never inside the loop). */
export interface PpoTrainer<C = ResolvedPpoConfig> extends Trainer<C> {
  readonly layouts: { readonly actor: MlpLayout; readonly critic: MlpLayout };
  readonly buffers: {
    /** f32 [actor | critic]: the parameters the optimiser updates. */
    readonly parameters: GPUBuffer;
    /** u32 [T·N]: the last epoch's permutation (sample indices t·N + n). */
    readonly indices: GPUBuffer;
    /** f32 [G][8]: the loss coefficients (src/losses/layout.ts), as the last iteration used them. */
    readonly coefficients: GPUBuffer;
    /** The rollout record of the last iteration. */
    readonly transitions: Transitions['buffers'];
  };
}

/** Which member of the PPO family: the clipped surrogate, or r·Â with an adaptive KL penalty. */
export type PpoPlan =
  | { readonly name: string; readonly objective: 'clip' }
  | { readonly name: string; readonly objective: 'kl-penalty'; readonly klTarget: number; readonly klBeta: number };

/** The report's algorithm word 0 of each agent: epochs whose updates ran (< updateEpochs after an early stop). */
export const EPOCHS_RUN_WORD = 0;

/** Builds everything once (kernels, buffers, bind groups on first use), then trains by `iterate()`. */
export async function createPpoTrainer(device: GPUDevice, input: PpoConfig = {}): Promise<PpoTrainer> {
  return createPpoFamilyTrainer(device, resolvePpoConfig(input), { name: 'ppo', objective: 'clip' });
}

/**
 * PPO-clip, or PPO with the adaptive KL penalty (`plan`): the same rollout, GAE, epochs and
 * minibatches; the penalty variant adds one actor pass over the whole batch with θ_old (the old
 * logits the per-row KL needs), a gather of them per minibatch, KL(π_old ‖ π) with its gradient
 * added to the logits' gradient, and the β update on the GPU after the statistics.
 */
export async function createPpoFamilyTrainer<C extends ResolvedPpoConfig>(device: GPUDevice, config: C, plan: PpoPlan): Promise<PpoTrainer<C>> {
  const { numSteps: T, updateEpochs: K, numMinibatches: M, minibatchSize: B, seed, agents: G } = config;
  const N = config.numEnvs * G;
  const { name } = plan;
  const penalty = plan.objective === 'kl-penalty' ? plan : undefined;
  const batch = { steps: T, envs: N, agents: G };
  const ac = await createActorCritic(device, {
    ...config,
    name,
    numEnvs: N,
    trainCritic: true,
    normalizeObservations: config.normObs,
    normalizeRewards: config.normReward ? { gamma: config.gamma } : false,
  });
  const { own, actor, critic } = ac;
  const OBS = actor.spec.inputSize;
  const tr = ac.transitions;
  const rolloutInputs = returnsInputs(tr);
  const p = ac.buffers;
  try {
    // ---- setup: returns, minibatch passes (and θ_old's for the KL penalty), head, statistics ----
    const returns = own(
      await createReturns(device, { steps: T, envs: N, agents: G, estimator: 'gae', gamma: config.gamma, lambda: config.gaeLambda, critic: true, label: `${name}.gae` }),
    );
    const normaliser = own(await createAdvantageNormaliser(device, { steps: T, envs: N, agents: G, minibatches: M, label: `${name}.normalise` }));
    const passes = { agents: G, rowsPerAgent: B };
    const actorPasses = own(await createMlpPasses(device, actor, { ...passes, label: `${name}.actor` }));
    const criticPasses = own(await createMlpPasses(device, critic, { ...passes, label: `${name}.critic` }));
    const oldActorPasses = penalty ? own(await createMlpPasses(device, actor, { ...passes, label: `${name}.actor-old` })) : undefined;
    const masked = ac.masked;
    const head = await createPolicyHead(device, { kind: ac.policy, actor, ...passes, masked, branches: ac.branches, label: name });
    const A = head.width;
    const statistics = own(
      await createStatistics(device, { agents: G, steps: T, envs: N, minibatches: M, updates: K * M, klPenalty: penalty !== undefined, label: `${name}.statistics` }),
    );

    // ---- setup: update kernels ----
    const loss = { agents: G, batchPerAgent: T * config.numEnvs, minibatches: M, accumulateTerms: true };
    const rows = G * B;
    const sizes = {
      permute: feistelPermutationKernel(batch),
      gatherObs: gatherRowsKernel({ ...batch, rowsPerAgent: B, width: OBS }),
      gatherActions: gatherRowsKernel({ ...batch, rowsPerAgent: B, width: head.actionWords }),
      gatherScalar: gatherRowsKernel({ ...batch, rowsPerAgent: B, width: 1 }),
      gatherMasks: gatherRowsKernel({ ...batch, rowsPerAgent: B, width: A }),
      surrogate: surrogateLossKernel({ ...loss, objective: penalty ? 'importance' : 'clip' }),
      entropyBonus: entropyBonusKernel(loss),
      // Per branch of a (multi-)discrete head: KL = Σ_b KL_b, each branch's gradient in its slice.
      kl: penalty ? multiCategoricalKlKernels({ rows, nvec: head.branches, masked }) : [],
      klPenalty: klPenaltyKernel(loss),
      klBackward: penalty ? multiCategoricalKlBackwardKernels({ rows, nvec: head.branches, masked, accumulate: true }) : [],
      valueLoss: valueLossKernel({ ...loss, clipped: config.clipVloss }),
      earlyStop: klEarlyStopKernel({ agents: G, rowsPerAgent: B, targetKl: config.targetKl ?? 1 }),
      adaptBeta: klAdaptBetaKernel({ agents: G, targetKl: penalty?.klTarget ?? 1 }),
    };
    const compile = (s: { spec: KernelSpec }) => createKernel(device, { ...s.spec, label: `${name}.${s.spec.label}` });
    const permute = await compile(sizes.permute);
    const gatherObs = await compile(sizes.gatherObs);
    const gatherActions = head.actionWords === 1 ? undefined : await compile(sizes.gatherActions);
    const gatherScalar = await compile(sizes.gatherScalar);
    const gatherMasks = masked ? await compile(sizes.gatherMasks) : undefined;
    const surrogate = await compile(sizes.surrogate);
    const entropyBonus = await compile(sizes.entropyBonus);
    const valueLoss = await compile(sizes.valueLoss);
    const earlyStop = config.targetKl === null ? undefined : await compile(sizes.earlyStop);
    const penaltyKernels = penalty && {
      kl: await Promise.all(sizes.kl.map(compile)),
      klPenalty: await compile(sizes.klPenalty),
      klBackward: await Promise.all(sizes.klBackward.map(compile)),
      adaptBeta: await compile(sizes.adaptBeta),
    };

    const align = device.limits.minUniformBufferOffsetAlignment;
    const slot = (bytes: number) => Math.ceil(bytes / align) * align;
    const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    const words = (count: number) => ({ size: 4 * count });
    const set = own(
      new BufferSet(device, name, {
        advantages: words(T * N),
        returns: words(T * N),
        normalisedAdvantages: words(T * N),
        indices: words(T * N),
        agentSeeds: words(G),
        mbObservations: words(rows * OBS),
        mbActions: words(rows * head.actionWords),
        mbLogProbsOld: words(rows),
        mbAdvantages: words(rows),
        mbReturns: words(rows),
        mbValuesOld: words(rows),
        mbMasks: words(masked ? rows * A : 4),
        oldActorParameters: words(penalty ? G * ac.sizes.actor : 4),
        logProbs: words(rows),
        entropies: words(rows),
        kl: words(penalty ? rows : 4),
        logProbGrads: words(rows),
        entropyGrads: words(rows),
        klGrads: words(penalty ? rows : 4),
        headGrads: words(rows * A),
        logStdTerms: words(head.kind === 'gaussian' ? rows * A : 4),
        valueGrads: words(rows),
        coefficients: words(8 * G),
        epochsRun: words(G),
        unused: words(4),
        epochParams: { size: K * slot(RNG_PARAMS_BYTES), usage: uniform },
        minibatchParams: { size: M * slot(GATHER_PARAMS_BYTES), usage: uniform },
      }),
    );
    const b = set.buffers;
    const { queue } = device;
    queue.writeBuffer(b.agentSeeds, 0, new Uint32Array(ac.seeds));
    queue.writeBuffer(
      b.coefficients,
      0,
      packLossCoefficients(
        G,
        config.entCoef.map((entCoef) => ({ clipCoef: config.clipCoef, valueClipCoef: config.clipCoef, entCoef, vfCoef: config.vfCoef, klBeta: penalty?.klBeta ?? 0 })),
      ),
    );
    // The entropy coefficient's schedule rewrites its word only (β may be adapting on the GPU).
    const entropyWord = new Float32Array(1);
    const minibatchSlots = new Uint32Array((M * slot(GATHER_PARAMS_BYTES)) / 4);
    for (let m = 0; m < M; m += 1) minibatchSlots[(m * slot(GATHER_PARAMS_BYTES)) / 4] = m;
    queue.writeBuffer(b.minibatchParams, 0, minibatchSlots);
    const epochSlots = new Uint32Array((K * slot(RNG_PARAMS_BYTES)) / 4);

    // Bind groups, once.
    const permuteGroups = Array.from({ length: K }, (_, k) =>
      permute.bind(
        { params: { buffer: b.epochParams, offset: k * slot(RNG_PARAMS_BYTES), size: RNG_PARAMS_BYTES }, indices: b.indices, agent_seeds: b.agentSeeds },
        `${name}.permute[${k}]`,
      ),
    );
    const advantageSource = config.normAdv ? b.normalisedAdvantages : b.advantages;
    const columns = [
      [gatherObs, tr.observations, b.mbObservations, sizes.gatherObs.invocations],
      [gatherActions ?? gatherScalar, tr.actions, b.mbActions, (gatherActions ? sizes.gatherActions : sizes.gatherScalar).invocations],
      [gatherScalar, tr.logProbs, b.mbLogProbsOld, sizes.gatherScalar.invocations],
      [gatherScalar, advantageSource, b.mbAdvantages, sizes.gatherScalar.invocations],
      [gatherScalar, b.returns, b.mbReturns, sizes.gatherScalar.invocations],
      [gatherScalar, tr.values, b.mbValuesOld, sizes.gatherScalar.invocations],
      // The legal actions each row was sampled under: the update's softmax is over the same set.
      ...(gatherMasks ? ([[gatherMasks, tr.masks!, b.mbMasks, sizes.gatherMasks.invocations]] as const) : []),
    ] as const;
    const gatherGroups = Array.from({ length: M }, (_, m) =>
      columns.map(([kernel, source, destination, invocations]) => ({
        kernel,
        invocations,
        group: kernel.bind(
          { params: { buffer: b.minibatchParams, offset: m * slot(GATHER_PARAMS_BYTES), size: GATHER_PARAMS_BYTES }, indices: b.indices, source, destination },
          `${name}.gather[${m}].${destination.label}`,
        ),
      })),
    );
    const logits = actorPasses.outputs.policy!;
    const values = criticPasses.outputs.value!;
    const terms = statistics.buffers.lossTerms;
    const policyHead = head.bind({
      outputs: logits,
      parameters: p.actorParameters,
      actions: b.mbActions,
      logProbs: b.logProbs,
      entropies: b.entropies,
      logProbGrads: b.logProbGrads,
      entropyGrads: b.entropyGrads,
      outputGrads: b.headGrads,
      parameterGrads: p.actorGradients,
      logStdTerms: b.logStdTerms,
      unused: b.unused,
      mask: b.mbMasks,
    });
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
    const oldLogits = oldActorPasses?.outputs.policy;
    const penaltyGroups = penaltyKernels &&
      oldLogits && {
        kl: penaltyKernels.kl.map((k) => k.bind({ old_logits: oldLogits, logits, mask: masked ? b.mbMasks : b.unused, kl: b.kl })),
        klPenalty: penaltyKernels.klPenalty.bind({ kl: b.kl, coefficients: b.coefficients, kl_grads: b.klGrads, terms }),
        klBackward: penaltyKernels.klBackward.map((k) =>
          k.bind({
            old_logits: oldLogits,
            logits,
            mask: masked ? b.mbMasks : b.unused,
            kl_grads: b.klGrads,
            logit_grads: b.headGrads,
          }),
        ),
        adaptBeta: penaltyKernels.adaptBeta.bind({ statistics: statistics.buffers.statistics, coefficients: b.coefficients }),
      };
    const valueLossGroup = valueLoss.bind({
      values,
      returns: b.mbReturns,
      old_values: b.mbValuesOld,
      coefficients: b.coefficients,
      value_grads: b.valueGrads,
      terms,
    });
    const earlyStopGroup = earlyStop?.bind({ log_probs: b.logProbs, old_log_probs: b.mbLogProbsOld, active_flags: ac.optimizer.buffers.active, epochs: b.epochsRun });

    // ---- one iteration, after the scaffold's rollout ----
    const encodeUpdate = (encoder: GPUCommandEncoder) => {
      // Returns: GAE(λ) advantages and the critic's targets A + V.
      returns.encode(encoder, { ...rolloutInputs, output: b.advantages, returns: b.returns });
      // θ_old, for the per-row KL of the penalty.
      if (penalty) encoder.copyBufferToBuffer(p.actorParameters, 0, b.oldActorParameters, 0, p.actorParameters.size);

      // Update: K epochs of M minibatches over a fresh permutation each epoch.
      statistics.encodeClearTerms(encoder);
      encoder.clearBuffer(b.epochsRun);
      for (let epoch = 0; epoch < K; epoch += 1) {
        const pass = encoder.beginComputePass({ label: `${name}.permute` });
        permute.dispatch(pass, permuteGroups[epoch]!, sizes.permute.invocations);
        if (config.normAdv) normaliser.encode(pass, { advantages: b.advantages, indices: b.indices, output: b.normalisedAdvantages });
        pass.end();
        for (let m = 0; m < M; m += 1) encodeMinibatch(encoder, m);
        // CleanRL's target_kl: judged on the epoch's last minibatch, before its step.
        if (earlyStop && earlyStopGroup) {
          const stop = encoder.beginComputePass({ label: `${name}.early-stop` });
          earlyStop.dispatch(stop, earlyStopGroup, sizes.earlyStop.invocations);
          stop.end();
        }
      }
    };

    const encodeMinibatch = (encoder: GPUCommandEncoder, m: number) => {
      const gather = encoder.beginComputePass({ label: `${name}.gather` });
      for (const column of gatherGroups[m]!) column.kernel.dispatch(gather, column.group, column.invocations);
      gather.end();

      // Policy: L = −min(r·Â, clip(r)·Â) − c·H, or −r·Â + β·KL(π_old ‖ π) − c·H, back through the
      // head and the actor.
      actorPasses.encodeForward(encoder, { params: p.actorParameters, inputs: b.mbObservations });
      oldActorPasses?.encodeForward(encoder, { params: b.oldActorParameters, inputs: b.mbObservations });
      const headPass = encoder.beginComputePass({ label: `${name}.policy-loss` });
      policyHead.evaluate(headPass);
      surrogate.dispatch(headPass, surrogateGroup, sizes.surrogate.invocations);
      entropyBonus.dispatch(headPass, entropyGroup, sizes.entropyBonus.invocations);
      policyHead.backward(headPass);
      if (penaltyKernels && penaltyGroups) {
        penaltyKernels.kl.forEach((k, i) => k.dispatch(headPass, penaltyGroups.kl[i]!, sizes.kl[i]!.invocations));
        penaltyKernels.klPenalty.dispatch(headPass, penaltyGroups.klPenalty, sizes.klPenalty.invocations);
        penaltyKernels.klBackward.forEach((k, i) => k.dispatch(headPass, penaltyGroups.klBackward[i]!, sizes.klBackward[i]!.invocations));
      }
      headPass.end();
      actorPasses.encodeBackward(encoder, { params: p.actorParameters, inputs: b.mbObservations, headGrads: { policy: b.headGrads }, paramGrads: p.actorGradients });

      // Value: c_v · ½ max((V − R)², (V_clipped − R)²), back through the critic.
      criticPasses.encodeForward(encoder, { params: p.criticParameters, inputs: b.mbObservations });
      const valuePass = encoder.beginComputePass({ label: `${name}.value-loss` });
      valueLoss.dispatch(valuePass, valueLossGroup, sizes.valueLoss.invocations);
      valuePass.end();
      criticPasses.encodeBackward(encoder, { params: p.criticParameters, inputs: b.mbObservations, headGrads: { value: b.valueGrads }, paramGrads: p.criticGradients });

      // One Adam step over [actor | critic], clipped by the joint gradient norm.
      ac.encodeStep(encoder);
      // Where a paced loop may let a frame go by.
      splitPoint(encoder);
    };

    const trainer = await ac.finish(
      config,
      {
        learningRates: (iteration) => ppoLearningRates(config, iteration),
        prepare(iteration) {
          for (let k = 0; k < K; k += 1) {
            epochSlots.set(encodeRngParams({ seed, stream: PERMUTATION_STREAM, iteration, step: k, draw: 0 }), (k * slot(RNG_PARAMS_BYTES)) / 4);
          }
          queue.writeBuffer(b.epochParams, 0, epochSlots);
          if (config.annealEntCoef) {
            ppoEntropyCoefficients(config, iteration).forEach((c, g) => {
              entropyWord[0] = c;
              queue.writeBuffer(b.coefficients, 4 * (g * LOSS_COEFFICIENT_WORDS + LOSS_COEFFICIENT.entropy), entropyWord);
            });
          }
          // An early stop switched the optimiser off for the rest of the last iteration.
          if (earlyStop) ac.optimizer.setActive(true);
        },
        encode: encodeUpdate,
        encodeReport(encoder, report) {
          // β for the next iteration, from this one's approx_kl.
          if (penaltyKernels && penaltyGroups) {
            const pass = encoder.beginComputePass({ label: `${name}.adapt-beta` });
            penaltyKernels.adaptBeta.dispatch(pass, penaltyGroups.adaptBeta, sizes.adaptBeta.invocations);
            pass.end();
          }
          if (earlyStop) {
            for (let g = 0; g < G; g += 1) encoder.copyBufferToBuffer(b.epochsRun, 4 * g, report, 4 * (g * REPORT_WORDS + ALGORITHM_BASE + EPOCHS_RUN_WORD), 4);
          }
        },
        statistics,
        // β adapts on the GPU (ppo-kl); the other words are rewritten from the config.
        state: { coefficients: b.coefficients },
        requiredStatistics: requiredStatistics({ klPenalty: penalty !== undefined }),
        statisticsInputs: ac.statisticsInputs({ returns: b.returns, coefficients: b.coefficients }),
      },
      config.batchSize,
    );
    return { ...trainer, layouts: { actor, critic }, buffers: { parameters: p.parameters, indices: b.indices, coefficients: b.coefficients, transitions: tr } };
  } catch (error) {
    ac.destroy();
    throw error;
  }
}
