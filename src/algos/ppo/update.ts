/**
 * PPO's update (./ppo.ts), as the steps that build it: the sizes resolved once from the config, the
 * models (returns, minibatch passes, head, statistics), the kernels, the buffers, the bind groups,
 * and `PpoUpdate`, which records one iteration's returns and K epochs × M minibatches.
 */
import { BufferSet } from '../../gpu/index';
import { createKernel, type KernelSpec } from '../../gpu/kernel';
import { splitPoint } from '../../gpu/split-point';
import { klAdaptBetaKernel, klEarlyStopKernel } from '../../losses/kl-control';
import { packLossCoefficients } from '../../losses/layout';
import { entropyBonusKernel, klPenaltyKernel, surrogateLossKernel, valueLossKernel } from '../../losses/losses';
import { createStatistics, type Statistics } from '../../losses/statistics';
import { createMlpPasses, type MlpPasses } from '../../nn/mlp';
import { createAdvantageNormaliser, type AdvantageNormaliser } from '../../returns/normalise';
import { createReturns, returnsInputs, type Returns } from '../../returns/returns';
import { RNG_PARAMS_BYTES } from '../../rng/params';
import { feistelPermutationKernel, GATHER_PARAMS_BYTES, gatherRowsKernel } from '../../rollout/kernels';
import type { ActorCritic } from '../../train/actor-critic';
import { createPolicyHead, type PolicyHead } from '../../train/policy-head';
import { createPolicyKl, type PolicyKl } from '../../train/policy-kl';
import type { ResolvedPpoConfig } from './config';

/** The adaptive KL penalty's target and initial β (ppo-kl); absent for PPO-clip. */
export interface PpoPenalty {
  readonly klTarget: number;
  readonly klBeta: number;
}

/** The update's derived sizes, resolved once, as CleanRL computes its batch and minibatch sizes once. */
export interface PpoSizes {
  readonly name: string;
  readonly penalty: PpoPenalty | undefined;
  /** Steps, epochs, minibatches, rows per agent's minibatch, agents, envs of all agents. */
  readonly T: number;
  readonly K: number;
  readonly M: number;
  readonly B: number;
  readonly G: number;
  readonly N: number;
  /** Rows of one minibatch over all agents: G·B. */
  readonly rows: number;
  /** Bytes between the per-epoch and per-minibatch uniform slots (the device's offset alignment). */
  readonly epochSlot: number;
  readonly minibatchSlot: number;
}

export function resolvePpoSizes(limits: GPUSupportedLimits, config: ResolvedPpoConfig, name: string, penalty: PpoPenalty | undefined): PpoSizes {
  const { numSteps: T, updateEpochs: K, numMinibatches: M, minibatchSize: B, agents: G } = config;
  const slot = (bytes: number) => Math.ceil(bytes / limits.minUniformBufferOffsetAlignment) * limits.minUniformBufferOffsetAlignment;
  return { name, penalty, T, K, M, B, G, N: config.numEnvs * G, rows: G * B, epochSlot: slot(RNG_PARAMS_BYTES), minibatchSlot: slot(GATHER_PARAMS_BYTES) };
}

/** Returns, minibatch passes (and θ_old's for the KL penalty), head (and its KL) and statistics. */
export interface PpoModels {
  readonly returns: Returns;
  readonly normaliser: AdvantageNormaliser;
  readonly actorPasses: MlpPasses;
  /** The critic's passes; none with a shared trunk, whose actor passes hold the value head. */
  readonly criticPasses: MlpPasses | undefined;
  readonly oldActorPasses: MlpPasses | undefined;
  readonly head: PolicyHead;
  /** KL(π_old ‖ π) of the head's distribution and its gradient, for the KL penalty. */
  readonly policyKl: PolicyKl | undefined;
  readonly statistics: Statistics;
}

export async function createPpoModels(device: GPUDevice, config: ResolvedPpoConfig, sizes: PpoSizes, ac: ActorCritic): Promise<PpoModels> {
  const { name, penalty, T, K, M, B, G, N } = sizes;
  const { own, actor, critic } = ac;
  const returns = own(
    await createReturns(device, { steps: T, envs: N, agents: G, estimator: 'gae', gamma: config.gamma, lambda: config.gaeLambda, critic: true, label: `${name}.gae` }),
  );
  const normaliser = own(await createAdvantageNormaliser(device, { steps: T, envs: N, agents: G, minibatches: M, label: `${name}.normalise` }));
  const passes = { agents: G, rowsPerAgent: B };
  // The update reads and writes the joint vector [G][actor | critic] in place (ActorCritic.jointSlots): no copies per minibatch.
  const { actor: actorSlot, critic: criticSlot } = ac.jointSlots;
  const actorPasses = own(await createMlpPasses(device, actor, { ...passes, parameterSlot: actorSlot, label: `${name}.actor` }));
  const criticPasses = ac.sharedTrunk ? undefined : own(await createMlpPasses(device, critic, { ...passes, parameterSlot: criticSlot, label: `${name}.critic` }));
  const oldActorPasses = penalty ? own(await createMlpPasses(device, actor, { ...passes, parameterSlot: actorSlot, label: `${name}.actor-old` })) : undefined;
  const head = await createPolicyHead(device, { kind: ac.policy, actor, ...passes, masked: ac.masked, branches: ac.branches, parameterSlot: actorSlot, label: name });
  const policyKl = penalty ? await createPolicyKl(device, { head, actor, ...passes, masked: ac.masked, parameterSlot: actorSlot, label: name }) : undefined;
  const statistics = own(
    await createStatistics(device, { agents: G, steps: T, envs: N, minibatches: M, updates: K * M, klPenalty: penalty !== undefined, label: `${name}.statistics` }),
  );
  return { returns, normaliser, actorPasses, criticPasses, oldActorPasses, head, policyKl, statistics };
}

/** Every update kernel's spec and invocations per dispatch. */
export function ppoKernelSizes(config: ResolvedPpoConfig, sizes: PpoSizes, ac: ActorCritic, head: PolicyHead) {
  const { penalty, T, M, B, G, N } = sizes;
  const batch = { steps: T, envs: N, agents: G };
  const loss = { agents: G, batchPerAgent: T * config.numEnvs, minibatches: M, accumulateTerms: true };
  return {
    permute: feistelPermutationKernel(batch),
    gatherObs: gatherRowsKernel({ ...batch, rowsPerAgent: B, width: ac.actor.spec.inputSize }),
    gatherActions: gatherRowsKernel({ ...batch, rowsPerAgent: B, width: head.actionWords }),
    gatherScalar: gatherRowsKernel({ ...batch, rowsPerAgent: B, width: 1 }),
    gatherMasks: gatherRowsKernel({ ...batch, rowsPerAgent: B, width: Math.max(1, head.maskWidth) }),
    surrogate: surrogateLossKernel({ ...loss, objective: penalty ? 'importance' : 'clip' }),
    entropyBonus: entropyBonusKernel(loss),
    klPenalty: klPenaltyKernel(loss),
    valueLoss: valueLossKernel({ ...loss, clipped: config.clipVloss }),
    earlyStop: klEarlyStopKernel({ agents: G, rowsPerAgent: B, targetKl: config.targetKl ?? 1 }),
    adaptBeta: klAdaptBetaKernel({ agents: G, targetKl: penalty?.klTarget ?? 1 }),
  };
}
export type PpoKernelSizes = ReturnType<typeof ppoKernelSizes>;

/** Compiles the kernels this configuration dispatches; the others stay undefined. */
export async function compilePpoKernels(device: GPUDevice, config: ResolvedPpoConfig, sizes: PpoSizes, ks: PpoKernelSizes, head: PolicyHead, masked: boolean) {
  const compile = (s: { spec: KernelSpec }) => createKernel(device, { ...s.spec, label: `${sizes.name}.${s.spec.label}` });
  const permute = await compile(ks.permute);
  const gatherObs = await compile(ks.gatherObs);
  const gatherActions = head.actionWords === 1 ? undefined : await compile(ks.gatherActions);
  const gatherScalar = await compile(ks.gatherScalar);
  const gatherMasks = masked ? await compile(ks.gatherMasks) : undefined;
  const surrogate = await compile(ks.surrogate);
  const entropyBonus = await compile(ks.entropyBonus);
  const valueLoss = await compile(ks.valueLoss);
  const earlyStop = config.targetKl === null ? undefined : await compile(ks.earlyStop);
  const penalty = sizes.penalty && { klPenalty: await compile(ks.klPenalty), adaptBeta: await compile(ks.adaptBeta) };
  return { permute, gatherObs, gatherActions, gatherScalar, gatherMasks, surrogate, entropyBonus, valueLoss, earlyStop, penalty };
}
export type PpoKernels = Awaited<ReturnType<typeof compilePpoKernels>>;

/** The update's buffers, owned by the trainer, with the seeds, loss coefficients and minibatch slots written. */
export function createPpoBuffers(device: GPUDevice, config: ResolvedPpoConfig, sizes: PpoSizes, ac: ActorCritic, head: PolicyHead) {
  const { name, penalty, T, K, M, G, N, rows } = sizes;
  const A = head.width;
  const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
  const words = (count: number) => ({ size: 4 * count });
  const set = ac.own(
    new BufferSet(device, name, {
      advantages: words(T * N),
      returns: words(T * N),
      normalisedAdvantages: words(T * N),
      indices: words(T * N),
      agentSeeds: words(G),
      mbObservations: words(rows * ac.actor.spec.inputSize),
      mbActions: words(rows * head.actionWords),
      mbLogProbsOld: words(rows),
      mbAdvantages: words(rows),
      mbReturns: words(rows),
      mbValuesOld: words(rows),
      mbMasks: words(ac.masked ? rows * head.maskWidth : 4),
      // θ_old: a copy of the joint vector (the old actor passes read it at the actor's slot).
      oldActorParameters: words(penalty ? G * ac.sizes.joint : 4),
      logProbs: words(rows),
      entropies: words(rows),
      kl: words(penalty ? rows : 4),
      logProbGrads: words(rows),
      entropyGrads: words(rows),
      klGrads: words(penalty ? rows : 4),
      headGrads: words(rows * A),
      logStdTerms: words(head.continuousDims > 0 ? rows * head.continuousDims : 4),
      valueGrads: words(rows),
      coefficients: words(8 * G),
      epochsRun: words(G),
      unused: words(4),
      epochParams: { size: K * sizes.epochSlot, usage: uniform },
      minibatchParams: { size: M * sizes.minibatchSlot, usage: uniform },
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
  const minibatchSlots = new Uint32Array((M * sizes.minibatchSlot) / 4);
  for (let m = 0; m < M; m += 1) minibatchSlots[(m * sizes.minibatchSlot) / 4] = m;
  queue.writeBuffer(b.minibatchParams, 0, minibatchSlots);
  return b;
}
export type PpoBuffers = ReturnType<typeof createPpoBuffers>;

/** Everything the bind groups and the encode read, built by the steps above. */
export interface PpoParts {
  readonly config: ResolvedPpoConfig;
  readonly sizes: PpoSizes;
  readonly ac: ActorCritic;
  readonly models: PpoModels;
  readonly kernelSizes: PpoKernelSizes;
  readonly kernels: PpoKernels;
  readonly buffers: PpoBuffers;
}

/** One bind group per epoch's permutation, and per minibatch the gathers of its columns. */
function bindPpoGathers({ config, sizes, ac, kernelSizes: ks, kernels: k, buffers: b }: PpoParts) {
  const { name, K, M } = sizes;
  const tr = ac.transitions;
  const permuteGroups = Array.from({ length: K }, (_, e) =>
    k.permute.bind(
      { params: { buffer: b.epochParams, offset: e * sizes.epochSlot, size: RNG_PARAMS_BYTES }, indices: b.indices, agent_seeds: b.agentSeeds },
      `${name}.permute[${e}]`,
    ),
  );
  const advantageSource = config.normAdv ? b.normalisedAdvantages : b.advantages;
  const columns = [
    [k.gatherObs, tr.observations, b.mbObservations, ks.gatherObs.invocations],
    [k.gatherActions ?? k.gatherScalar, tr.actions, b.mbActions, (k.gatherActions ? ks.gatherActions : ks.gatherScalar).invocations],
    [k.gatherScalar, tr.logProbs, b.mbLogProbsOld, ks.gatherScalar.invocations],
    [k.gatherScalar, advantageSource, b.mbAdvantages, ks.gatherScalar.invocations],
    [k.gatherScalar, b.returns, b.mbReturns, ks.gatherScalar.invocations],
    [k.gatherScalar, tr.values, b.mbValuesOld, ks.gatherScalar.invocations],
    // The legal actions each row was sampled under: the update's softmax is over the same set.
    ...(k.gatherMasks ? ([[k.gatherMasks, tr.masks!, b.mbMasks, ks.gatherMasks.invocations]] as const) : []),
  ] as const;
  const gatherGroups = Array.from({ length: M }, (_, m) =>
    columns.map(([kernel, source, destination, invocations]) => ({
      kernel,
      invocations,
      group: kernel.bind(
        { params: { buffer: b.minibatchParams, offset: m * sizes.minibatchSlot, size: GATHER_PARAMS_BYTES }, indices: b.indices, source, destination },
        `${name}.gather[${m}].${destination.label}`,
      ),
    })),
  );
  return { permuteGroups, gatherGroups };
}

/** The policy head's, the losses' and the early stop's bind groups. */
function bindPpoLosses({ ac, models, kernels: k, buffers: b }: PpoParts) {
  const p = ac.buffers;
  const terms = models.statistics.buffers.lossTerms;
  const policyHead = models.head.bind({
    outputs: models.actorPasses.outputs.policy!,
    parameters: p.parameters,
    actions: b.mbActions,
    logProbs: b.logProbs,
    entropies: b.entropies,
    logProbGrads: b.logProbGrads,
    entropyGrads: b.entropyGrads,
    outputGrads: b.headGrads,
    parameterGrads: p.gradients,
    logStdTerms: b.logStdTerms,
    unused: b.unused,
    mask: b.mbMasks,
  });
  const surrogateGroup = k.surrogate.bind({
    log_probs: b.logProbs,
    old_log_probs: b.mbLogProbsOld,
    advantages: b.mbAdvantages,
    trajectory_weights: b.unused,
    coefficients: b.coefficients,
    log_prob_grads: b.logProbGrads,
    terms,
  });
  const entropyGroup = k.entropyBonus.bind({ entropies: b.entropies, coefficients: b.coefficients, entropy_grads: b.entropyGrads, terms });
  const valueLossGroup = k.valueLoss.bind({
    // A shared trunk's value head is the actor network's own.
    values: (models.criticPasses ?? models.actorPasses).outputs.value!,
    returns: b.mbReturns,
    old_values: b.mbValuesOld,
    coefficients: b.coefficients,
    value_grads: b.valueGrads,
    terms,
  });
  const earlyStopGroup = k.earlyStop?.bind({ log_probs: b.logProbs, old_log_probs: b.mbLogProbsOld, active_flags: ac.optimizer.buffers.active, epochs: b.epochsRun });
  return { policyHead, surrogateGroup, entropyGroup, valueLossGroup, earlyStopGroup };
}

/**
 * The KL penalty's bind groups: KL(π_old ‖ π) of the head (per branch, the Gaussian's closed form, or
 * both), the penalty, its backward into the head output and the log-std, β's update.
 */
function bindPpoPenalty({ ac, models, kernels: k, buffers: b }: PpoParts) {
  const oldOutputs = models.oldActorPasses?.outputs.policy;
  return (
    k.penalty &&
    models.policyKl &&
    oldOutputs && {
      kl: models.policyKl.bind({
        oldOutputs,
        outputs: models.actorPasses.outputs.policy!,
        oldParameters: b.oldActorParameters,
        parameters: ac.buffers.parameters,
        ...(ac.masked ? { mask: b.mbMasks } : {}),
        unused: b.unused,
        kl: b.kl,
        klGrads: b.klGrads,
        outputGrads: b.headGrads,
        parameterGrads: ac.buffers.gradients,
        logStdTerms: b.logStdTerms,
      }),
      klPenalty: k.penalty.klPenalty.bind({ kl: b.kl, coefficients: b.coefficients, kl_grads: b.klGrads, terms: models.statistics.buffers.lossTerms }),
      adaptBeta: k.penalty.adaptBeta.bind({ statistics: models.statistics.buffers.statistics, coefficients: b.coefficients }),
    }
  );
}

/** Every bind group of the update, made once. */
export function bindPpoUpdate(parts: PpoParts) {
  return { ...bindPpoGathers(parts), ...bindPpoLosses(parts), penalty: bindPpoPenalty(parts) };
}
export type PpoGroups = ReturnType<typeof bindPpoUpdate>;

/** Records one iteration's update after the scaffold's rollout: returns, then K epochs × M minibatches. */
export class PpoUpdate {
  readonly groups: PpoGroups;

  constructor(readonly parts: PpoParts) {
    this.groups = bindPpoUpdate(parts);
  }

  encode(encoder: GPUCommandEncoder): void {
    const { config, sizes, ac, models, kernelSizes: ks, kernels: k, buffers: b } = this.parts;
    const p = ac.buffers;
    // Returns: GAE(λ) advantages and the critic's targets A + V.
    models.returns.encode(encoder, { ...returnsInputs(ac.transitions), output: b.advantages, returns: b.returns });
    // θ_old, for the per-row KL of the penalty.
    if (sizes.penalty) encoder.copyBufferToBuffer(p.parameters, 0, b.oldActorParameters, 0, p.parameters.size);

    // Update: K epochs of M minibatches over a fresh permutation each epoch.
    models.statistics.encodeClearTerms(encoder);
    encoder.clearBuffer(b.epochsRun);
    for (let epoch = 0; epoch < sizes.K; epoch += 1) {
      const pass = encoder.beginComputePass({ label: `${sizes.name}.permute` });
      k.permute.dispatch(pass, this.groups.permuteGroups[epoch]!, ks.permute.invocations);
      if (config.normAdv) models.normaliser.encode(pass, { advantages: b.advantages, indices: b.indices, output: b.normalisedAdvantages });
      pass.end();
      for (let m = 0; m < sizes.M; m += 1) this.encodeMinibatch(encoder, m);
      // CleanRL's target_kl: judged on the epoch's last minibatch, before its step.
      if (k.earlyStop && this.groups.earlyStopGroup) {
        const stop = encoder.beginComputePass({ label: `${sizes.name}.early-stop` });
        k.earlyStop.dispatch(stop, this.groups.earlyStopGroup, ks.earlyStop.invocations);
        stop.end();
      }
    }
    // The updated parameters where the next rollout (and act(), and the snapshots) read them.
    ac.copyParametersOut(encoder);
  }

  private encodeMinibatch(encoder: GPUCommandEncoder, m: number): void {
    const { sizes, ac, models, kernelSizes: ks, kernels: k, buffers: b } = this.parts;
    const { actorPasses, oldActorPasses, criticPasses } = models;
    const g = this.groups;
    const p = ac.buffers;
    const gather = encoder.beginComputePass({ label: `${sizes.name}.gather` });
    for (const column of g.gatherGroups[m]!) column.kernel.dispatch(gather, column.group, column.invocations);
    gather.end();

    // Policy: L = −min(r·Â, clip(r)·Â) − c·H, or −r·Â + β·KL(π_old ‖ π) − c·H, back through the
    // head and the actor.
    actorPasses.encodeForward(encoder, { params: p.parameters, inputs: b.mbObservations });
    oldActorPasses?.encodeForward(encoder, { params: b.oldActorParameters, inputs: b.mbObservations });
    const headPass = encoder.beginComputePass({ label: `${sizes.name}.policy-loss` });
    g.policyHead.evaluate(headPass);
    k.surrogate.dispatch(headPass, g.surrogateGroup, ks.surrogate.invocations);
    k.entropyBonus.dispatch(headPass, g.entropyGroup, ks.entropyBonus.invocations);
    g.policyHead.backward(headPass);
    if (k.penalty && g.penalty) encodePenalty(headPass, k.penalty, g.penalty, ks);
    if (!criticPasses) {
      // One trunk: the value loss reads the actor's own value head, and one backward pass takes both
      // heads' gradients (summed into the shared layers' deltas).
      k.valueLoss.dispatch(headPass, g.valueLossGroup, ks.valueLoss.invocations);
      headPass.end();
      const headGrads = { policy: b.headGrads, value: b.valueGrads };
      actorPasses.encodeBackward(encoder, { params: p.parameters, inputs: b.mbObservations, headGrads, paramGrads: p.gradients });
    } else {
      headPass.end();
      actorPasses.encodeBackward(encoder, { params: p.parameters, inputs: b.mbObservations, headGrads: { policy: b.headGrads }, paramGrads: p.gradients });
      // Value: c_v · ½ max((V − R)², (V_clipped − R)²), back through the critic.
      criticPasses.encodeForward(encoder, { params: p.parameters, inputs: b.mbObservations });
      const valuePass = encoder.beginComputePass({ label: `${sizes.name}.value-loss` });
      k.valueLoss.dispatch(valuePass, g.valueLossGroup, ks.valueLoss.invocations);
      valuePass.end();
      criticPasses.encodeBackward(encoder, { params: p.parameters, inputs: b.mbObservations, headGrads: { value: b.valueGrads }, paramGrads: p.gradients });
    }

    // One Adam step over [actor | critic] in place, clipped by the joint gradient norm.
    ac.encodeJointStep(encoder);
    // Where a paced loop may let a frame go by.
    splitPoint(encoder);
  }

  /** β for the next iteration, from this one's approx_kl (the KL penalty only). */
  encodeAdaptBeta(encoder: GPUCommandEncoder): void {
    const { sizes, kernelSizes: ks, kernels: k } = this.parts;
    if (k.penalty && this.groups.penalty) {
      const pass = encoder.beginComputePass({ label: `${sizes.name}.adapt-beta` });
      k.penalty.adaptBeta.dispatch(pass, this.groups.penalty.adaptBeta, ks.adaptBeta.invocations);
      pass.end();
    }
  }
}

/** KL(π_old ‖ π) per row, the β-weighted penalty, and its gradient added to the head output's and the log-std's. */
function encodePenalty(
  pass: GPUComputePassEncoder,
  kernels: NonNullable<PpoKernels['penalty']>,
  groups: NonNullable<PpoGroups['penalty']>,
  ks: PpoKernelSizes,
): void {
  groups.kl.forward(pass);
  kernels.klPenalty.dispatch(pass, groups.klPenalty, ks.klPenalty.invocations);
  groups.kl.backward(pass);
}
