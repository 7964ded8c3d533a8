/**
 * The scaffold every gradient trainer stands on, so that an algorithm's file holds only its update:
 * the envs and the rollout, an actor and a critic MLP of G agents, ONE optimiser over the joint
 * parameter vector [G][actor | critic] (so the clipped gradient norm is the joint norm, as
 * CleanRL's clip_grad_norm_(agent.parameters())), the report block and the iteration loop.
 *
 * Why a joint vector and per-network copies: the MLP passes bind a whole buffer of [G][P_net]
 * parameters from offset 0, while the optimiser must see each agent's actor and critic together.
 * The networks therefore read their own buffers, refreshed from the joint one after each step, and
 * write their own gradient buffers, copied into the joint one before it (2G copies each way; a copy
 * is a command, not a dispatch).
 *
 * Agent g of a population is the run a G = 1 trainer makes with seed `seeds[g]`: its networks are
 * initialised from that seed alone (actor: seed, critic: criticInitSeed(seed)), its envs and action
 * draws are keyed by it (createVectorEnv / createRollout `seeds`), and so are its permutations.
 *
 * The NaN guard (./nan-guard.ts) checks every iteration on the GPU and snapshots the parameters and
 * Adam's state while they are finite; a poisoned report restores the snapshot and throws a
 * NonFiniteError naming the iteration and the statistic. The Trainer over the scaffold (guard, loop,
 * report decoding, checkpointed state) is assembled in ./actor-critic-trainer.ts.
 */
import { createHostBackedVectorEnv } from '../envs/host-vector-env';
import { isHostEnvDescriptor } from '../envs/host-env';
import { lookupEnv } from '../envs/registry';
import type { ActionSpace, EnvDescriptor, OpponentPoolOptions } from '../envs/types';
import { actionBranches, continuousActionDims, policyOutputWidth } from '../envs/action-branches';
import { createVectorEnv, type VectorEnv } from '../envs/vector-env';
import { BufferSet } from '../gpu/index';
import { createKernel } from '../gpu/kernel';
import type { StatisticsInputs } from '../losses/statistics';
import { initialParameters } from '../nn/init';
import { actorSpec, criticSpec, gaussianActorSpec, hybridActorSpec, mlpLayout, type MlpLayout, type MlpSpec } from '../nn/mlp-spec';
import { createOptimizer, type Optimizer } from '../nn/optimizer';
import { createRollout, type Rollout } from '../rollout/rollout';
import type { Transitions } from '../rollout/transitions';
import type { RolloutKernels } from '../rollout/fused-steps-choice';
import type { ParameterSlot } from '../nn/mlp';
import { finishActorCritic, type ActorCriticIteration, type ScaffoldBuffers, type ScaffoldParts } from './actor-critic-trainer';
import { policyKindOf, type PolicyKind } from './policy-kind';
import { episodeRingSpec, metricRingBytes, REPORT_BYTES } from './report';
import type { SeatPolicies } from './seat-policies';
import type { SelfPlaySettings } from './self-play-config';
import type { Trainer } from './trainer';

/**
 * The actor for an action space: logits of every branch side by side (discrete, multi-discrete),
 * Gaussian means with a learned log-std (box), or the means then the logits (hybrid).
 */
export function actorSpecFor(space: ActionSpace, observationSize: number, hiddenSizes: readonly number[]): MlpSpec {
  const D = continuousActionDims(space);
  const logits = policyOutputWidth(space) - D;
  if (D === 0) return actorSpec(observationSize, logits, hiddenSizes);
  return logits === 0 ? gaussianActorSpec(observationSize, D, hiddenSizes) : hybridActorSpec(observationSize, D, logits, hiddenSizes);
}

/** The critic's initialisation seed: a different draw from the actor's under the same run seed. */
export const criticInitSeed = (seed: number): number => (seed + 0x9e3779b9) >>> 0;

/** Agent g's seed in a population whose first agent has `seed`: consecutive seeds. */
export const agentSeeds = (seed: number, agents: number): number[] => Array.from({ length: agents }, (_, g) => (seed + g) >>> 0);

/** What the scaffold needs of a resolved config. */
export interface ActorCriticConfig {
  /** Prefix of labels and error messages: the algorithm's name. */
  readonly name: string;
  /** The env's id; `envDescriptor`, when given, is the env itself (a custom or a game's JavaScript env). */
  readonly env: string;
  readonly envDescriptor?: EnvDescriptor;
  readonly seed: number;
  /** N: envs of the whole population (N/G per agent). */
  readonly numEnvs: number;
  /** T. */
  readonly numSteps: number;
  readonly maxEpisodeSteps: number;
  readonly hiddenSizes: readonly number[];
  /** G (default 1); numEnvs is then the whole population's, N/G per agent. */
  readonly agents?: number;
  /** Running observation normalisation on the GPU (CleanRL's continuous PPO). */
  readonly normalizeObservations?: boolean;
  /** Reward scaling by the running std of the γ-discounted return. */
  readonly normalizeRewards?: { readonly gamma: number } | false;
  /** Sample and learn under the env's action masks (default true: when the env has them); false ignores them. */
  readonly actionMasks?: boolean;
  /** The rollout's kernels (default 'auto': fused steps where the rollout qualifies and they are faster; src/rollout/fused-steps-choice.ts). */
  readonly rolloutKernels?: RolloutKernels;
  /** The critic is trained (its gradients join the optimiser's vector); otherwise it only feeds the rollout. */
  readonly trainCritic: boolean;
  /**
   * One network with a 'policy' and a 'value' head serves as actor and critic (default false): the
   * critic is then the actor's layout over the actor's parameters, the joint vector is the actor's
   * alone, and the algorithm backpropagates both heads' gradients in one pass (MlpPasses does).
   */
  readonly sharedTrunk?: boolean;
  /** A Gaussian policy's initial log σ (extras.logStd), default 0: σ = 1. */
  readonly initialLogStd?: number;
  /** A seated env's seat mapping (resolveSeatPolicies): its policies are the G agents. */
  readonly seats?: SeatPolicies | null;
  /** Self-play against a pool of the actor's snapshots (an env with a policy seat; resolveSelfPlay checked the rest). */
  readonly selfPlay?: SelfPlaySettings | null;
  readonly adamEpsilon: number;
  /** 0: no clipping. */
  readonly maxGradNorm: number;
  /** Iterations the run asks for (prepare() refuses more). */
  readonly numIterations: number;
  readonly totalTimesteps: number;
}

export type { ActorCriticIteration } from './actor-critic-trainer';

export interface ActorCritic {
  readonly name: string;
  /** G, and the seed of each agent. */
  readonly agents: number;
  readonly seeds: readonly number[];
  readonly actor: MlpLayout;
  readonly critic: MlpLayout;
  /** The actor's head: categorical (discrete env), Gaussian with a learned log-std (box env), or both (hybrid env). */
  readonly policy: PolicyKind;
  /** The categorical branches' sizes: [n] for a discrete env, nvec for a multi-discrete or hybrid one; empty for a box. */
  readonly branches: readonly number[];
  /** Actions are sampled under the env's masks, recorded in transitions.masks: the update must read them. */
  readonly masked: boolean;
  /** The critic is the actor's value head over the actor's parameters (ActorCriticConfig.sharedTrunk). */
  readonly sharedTrunk: boolean;
  /** Parameters per agent of the actor, the critic and the joint vector. */
  readonly sizes: { readonly actor: number; readonly critic: number; readonly joint: number };
  readonly env: VectorEnv;
  readonly rollout: Rollout;
  readonly transitions: Transitions['buffers'];
  readonly optimizer: Optimizer;
  /** The parameter, gradient and report buffers (the episodes' metric ring stays the scaffold's). */
  readonly buffers: Omit<ScaffoldBuffers, 'metricRing'>;
  /** Registers a GPU object to destroy with the trainer. */
  own<X extends { destroy(): void }>(x: X): X;
  /** The statistics' inputs from this rollout, with the algorithm's value targets and loss coefficients. */
  statisticsInputs(targets: { readonly returns: GPUBuffer; readonly coefficients: GPUBuffer }): StatisticsInputs;
  /** Records one optimiser step: gradients into the joint vector, the step, parameters back out. */
  encodeStep(encoder: GPUCommandEncoder): void;
  /**
   * Where the actor and (where the optimiser trains one) the critic live in buffers.parameters and
   * buffers.gradients, the joint vector [G][actor | critic]. An algorithm whose passes are built on
   * these slots (src/nn/mlp.ts ParameterSlot) reads and writes the joint vector in place and steps
   * with encodeJointStep: no copies per step.
   */
  readonly jointSlots: { readonly actor: ParameterSlot; readonly critic: ParameterSlot | undefined };
  /**
   * Records one optimiser step on the joint vector as it stands (gradients written there by passes
   * on jointSlots). The networks' own buffers keep their parameters until copyParametersOut.
   */
  encodeJointStep(encoder: GPUCommandEncoder): void;
  /** Copies the joint vector's parameters into the actor's and critic's own buffers (what the rollout, act() and snapshots read): after an update's last encodeJointStep. */
  copyParametersOut(encoder: GPUCommandEncoder): void;
  /** Builds the NaN guard and the loop and returns the Trainer; call last. */
  finish<C>(resolved: C, iteration: ActorCriticIteration, stepsPerIteration: number): Promise<Trainer<C>>;
  /** Frees everything built so far (for an algorithm's own setup failures). */
  destroy(): void;
}

/** The networks of a run: layouts, the policy's kind and the parameter counts per agent. */
interface Networks {
  readonly actor: MlpLayout;
  readonly critic: MlpLayout;
  readonly policy: PolicyKind;
  readonly shared: boolean;
  /** The critic is trained on its own, so the joint vector is [actor | critic]; otherwise the actor alone. */
  readonly jointCritic: boolean;
  readonly sizes: { readonly actor: number; readonly critic: number; readonly joint: number };
  /** Where each network sits in the joint vector (the critic only where the joint vector holds it). */
  readonly slots: { readonly actor: ParameterSlot; readonly critic: ParameterSlot | undefined };
}

/** The actor and critic for the env's spaces; a shared trunk's actor gains the critic's value head (CleanRL's gain 1) and is the critic. */
function networksFor(descriptor: EnvDescriptor, config: ActorCriticConfig): Networks {
  const { observationSpace, actionSpace } = descriptor;
  const shared = config.sharedTrunk ?? false;
  const policySpec = actorSpecFor(actionSpace, observationSpace.size, config.hiddenSizes);
  const valueHeads = criticSpec(observationSpace.size, config.hiddenSizes).heads;
  const actor = mlpLayout(shared ? { ...policySpec, heads: [...policySpec.heads, ...valueHeads] } : policySpec);
  const critic = shared ? actor : mlpLayout(criticSpec(observationSpace.size, config.hiddenSizes));
  const jointCritic = config.trainCritic && !shared;
  const PA = actor.parametersPerAgent;
  const PC = critic.parametersPerAgent;
  const joint = jointCritic ? PA + PC : PA;
  const slots = { actor: { agentStride: joint, offset: 0 }, critic: jointCritic ? { agentStride: joint, offset: PA } : shared ? { agentStride: joint, offset: 0 } : undefined };
  return { actor, critic, policy: policyKindOf(actionSpace), shared, jointCritic, sizes: { actor: PA, critic: PC, joint }, slots };
}

/**
 * The run's envs: a game's JavaScript env (one agent, or a seated game's policies), or GPU envs
 * keyed by each agent's seed.
 */
async function createTrainerEnv(device: GPUDevice, config: ActorCriticConfig, seeds: readonly number[], selfPlayCode?: SelfPlayCode): Promise<VectorEnv> {
  const { name, seed, numEnvs, maxEpisodeSteps } = config;
  const G = seeds.length;
  const descriptor = config.envDescriptor ?? config.env;
  if (typeof descriptor !== 'string' && isHostEnvDescriptor(descriptor)) {
    if (config.seats) {
      // One game for every policy: its seats' rows in the mapping's order, each policy's a block.
      return createHostBackedVectorEnv(device, descriptor, { numEnvs, seed, maxEpisodeSteps, seeds, seatOrder: config.seats.order });
    }
    if (G > 1) throw new RangeError(`${name}: agents must be 1 for a JavaScript env ('${descriptor.id}') (got ${G}): a population needs GPU envs, or a game with seats and PPO's seatPolicies`);
    return createHostBackedVectorEnv(device, descriptor, { numEnvs, seed, maxEpisodeSteps });
  }
  const selfPlay = config.selfPlay && selfPlayCode ? selfPlayPool(selfPlayCode, config, config.selfPlay, typeof descriptor === 'string' ? lookupEnv(descriptor) : descriptor) : undefined;
  return createVectorEnv(device, descriptor, { numEnvs, seed, ...(G > 1 ? { seeds: [...seeds] } : {}), maxEpisodeSteps, ...(selfPlay ? { opponentPool: selfPlay } : {}) });
}

/** The trainer side of self-play (./self-play.ts), imported on demand. */
type SelfPlayCode = typeof import('./self-play');

/** The opponent pool of a self-play run: the actor's snapshots. */
function selfPlayPool(code: SelfPlayCode, config: ActorCriticConfig, settings: SelfPlaySettings, descriptor: EnvDescriptor): OpponentPoolOptions {
  return code.opponentPoolOptions(settings, actorSpecFor(descriptor.actionSpace, descriptor.observationSpace.size, config.hiddenSizes));
}

/** The rollout over `env` for the networks, with the config's normalisers and masks. */
function createTrainerRollout(device: GPUDevice, config: ActorCriticConfig, env: VectorEnv, nets: Networks, seeds: readonly number[]): Promise<Rollout> {
  return createRollout(device, {
    env,
    steps: config.numSteps,
    actor: nets.actor,
    critic: nets.critic,
    seed: config.seed,
    agents: seeds.length,
    seeds,
    normalizeObservations: config.normalizeObservations ?? false,
    normalizeRewards: config.normalizeRewards ?? false,
    ...(config.actionMasks === false ? { useActionMasks: false } : {}),
    kernels: config.rolloutKernels ?? 'auto',
    label: `${config.name}.rollout`,
  });
}

/** The statistics' inputs that come from the rollout and the optimiser (the algorithm adds its returns and coefficients). */
function rolloutStatisticsInputs(tr: Transitions['buffers'], optimizer: Optimizer): Omit<StatisticsInputs, 'returns' | 'coefficients'> {
  const { values, terminated, truncated, episodeReturns, episodeLengths } = tr;
  return { values, terminated, truncated, episodeReturns, episodeLengths, gradNormSquared: optimizer.buffers.gradNormSquared };
}

/** The parameter, gradient and report buffers; a shared trunk's critic buffers are the actor's. */
function createScaffoldBuffers(device: GPUDevice, name: string, nets: Networks, G: number, metrics: number): { set: { destroy(): void }; buffers: ScaffoldBuffers } {
  const { actor: PA, critic: PC, joint: P } = nets.sizes;
  const words = (count: number) => ({ size: 4 * count });
  const set = new BufferSet(device, name, {
    parameters: words(G * P),
    gradients: words(G * P),
    actorParameters: words(G * PA),
    criticParameters: words(nets.shared ? 4 : G * PC),
    actorGradients: words(G * PA),
    criticGradients: words(nets.shared ? 4 : G * PC),
    report: { size: G * REPORT_BYTES },
    metricRing: { size: metricRingBytes(G, metrics) },
  });
  const b = set.buffers;
  return { set, buffers: nets.shared ? { ...b, criticParameters: b.actorParameters, criticGradients: b.actorGradients } : b };
}

/** Agent g's initial networks, from its seed alone, into the joint vector and the networks' buffers. */
function writeInitialParameters(queue: GPUQueue, b: ScaffoldBuffers, nets: Networks, seeds: readonly number[], initialLogStd = 0): void {
  const { actor: PA, critic: PC, joint: P } = nets.sizes;
  const logStd = nets.actor.extras.logStd;
  seeds.forEach((agentSeed, g) => {
    const actorInit = initialParameters(nets.actor, agentSeed);
    if (logStd) actorInit.fill(initialLogStd, logStd.offset, logStd.offset + logStd.length);
    queue.writeBuffer(b.parameters, 4 * g * P, actorInit);
    queue.writeBuffer(b.actorParameters, 4 * g * PA, actorInit);
    if (nets.shared) return;
    const criticInit = initialParameters(nets.critic, criticInitSeed(agentSeed));
    if (nets.jointCritic) queue.writeBuffer(b.parameters, 4 * (g * P + PA), criticInit);
    queue.writeBuffer(b.criticParameters, 4 * g * PC, criticInit);
  });
}

/**
 * The copies between the joint vector and the networks' buffers (2G each way), and the optimiser
 * step between them; or the step alone, for passes that work on the joint vector in place.
 */
function parameterCopies(b: ScaffoldBuffers, nets: Networks, G: number, optimizer: Optimizer) {
  const { actor: PA, critic: PC, joint: P } = nets.sizes;
  const copyParametersOut = (encoder: GPUCommandEncoder) => {
    for (let g = 0; g < G; g += 1) {
      encoder.copyBufferToBuffer(b.parameters, 4 * g * P, b.actorParameters, 4 * g * PA, 4 * PA);
      if (nets.jointCritic) encoder.copyBufferToBuffer(b.parameters, 4 * (g * P + PA), b.criticParameters, 4 * g * PC, 4 * PC);
    }
  };
  const encodeStep = (encoder: GPUCommandEncoder) => {
    for (let g = 0; g < G; g += 1) {
      encoder.copyBufferToBuffer(b.actorGradients, 4 * g * PA, b.gradients, 4 * g * P, 4 * PA);
      if (nets.jointCritic) encoder.copyBufferToBuffer(b.criticGradients, 4 * g * PC, b.gradients, 4 * (g * P + PA), 4 * PC);
    }
    optimizer.encodeStep(encoder, { parameters: b.parameters, gradients: b.gradients });
    copyParametersOut(encoder);
  };
  const encodeJointStep = (encoder: GPUCommandEncoder) => optimizer.encodeStep(encoder, { parameters: b.parameters, gradients: b.gradients });
  return { copyParametersOut, encodeStep, encodeJointStep };
}

/** The finished episodes' ring: returns, lengths and metrics of the episodes that ended, into the report. */
async function createEpisodeRing(device: GPUDevice, config: ActorCriticConfig, G: number, tr: Transitions['buffers'], b: ScaffoldBuffers, metrics: number) {
  const kernel = await createKernel(device, episodeRingSpec({ steps: config.numSteps, envs: config.numEnvs, agents: G, metrics }));
  const group = kernel.bind({
    episode_returns: tr.episodeReturns,
    terminated: tr.terminated,
    truncated: tr.truncated,
    report: b.report,
    // Without metrics the binding is never read: any read-only buffer stands in (not metric_ring, which is written).
    episode_metrics: tr.episodeMetrics ?? tr.episodeReturns,
    metric_ring: b.metricRing,
  });
  return { kernel, group };
}

/** A list of GPU objects to destroy together, last made first. */
function createOwner() {
  const cleanup: { destroy(): void }[] = [];
  return {
    own: <X extends { destroy(): void }>(x: X): X => (cleanup.push(x), x),
    destroy: () => {
      for (const x of cleanup.reverse()) x.destroy();
      cleanup.length = 0;
    },
  };
}

/** Builds the shared part of a trainer; on failure everything made so far is freed. */
export async function createActorCritic(device: GPUDevice, config: ActorCriticConfig): Promise<ActorCritic> {
  const { name, seed } = config;
  const G = config.agents ?? 1;
  const seeds = agentSeeds(seed, G);
  const { own, destroy } = createOwner();
  try {
    // Self-play's trainer side loads with the first run that asks for it.
    const selfPlayCode = config.selfPlay ? await import('./self-play') : undefined;
    const env = own(await createTrainerEnv(device, config, seeds, selfPlayCode));
    const nets = networksFor(env.descriptor, config);
    const { actor, critic, policy } = nets;
    const metricNames = env.descriptor.episodeMetrics ?? [];
    const rollout = own(await createTrainerRollout(device, config, env, nets, seeds));
    const optimizer = own(
      await createOptimizer(device, {
        kind: 'adam',
        agents: G,
        parametersPerAgent: nets.sizes.joint,
        epsilon: config.adamEpsilon,
        maxGradNorm: config.maxGradNorm,
        trackGradNorm: true,
        label: `${name}.adam`,
      }),
    );
    const { set, buffers: b } = createScaffoldBuffers(device, name, nets, G, metricNames.length);
    own(set);
    writeInitialParameters(device.queue, b, nets, seeds, config.initialLogStd);
    const tr = rollout.transitions.buffers;
    const episodeRing = await createEpisodeRing(device, config, G, tr, b, metricNames.length);

    // The envs' first reset, before the first iteration (after the pool's first member, in self-play).
    const selfPlay = config.selfPlay ? selfPlayCode!.createSelfPlayHooks(config.selfPlay, env.opponentPool!, b.actorParameters) : undefined;
    const encoder = device.createCommandEncoder({ label: `${name}.reset` });
    selfPlay?.encodeFirstSnapshot(encoder);
    rollout.encodeReset(encoder);
    device.queue.submit([encoder.finish()]);

    const { copyParametersOut, encodeStep, encodeJointStep } = parameterCopies(b, nets, G, optimizer);
    const parts: ScaffoldParts = {
      device, name, agents: G, env, metricNames, actor, critic, policy, rollout, optimizer, buffers: b, episodeRing, copyParametersOut, own, destroy,
      numIterations: config.numIterations, totalTimesteps: config.totalTimesteps, sharedTrunk: nets.shared, jointSize: nets.sizes.joint,
      ...(selfPlay ? { selfPlay } : {}),
    };
    return {
      name, agents: G, seeds, actor, critic, policy, sharedTrunk: nets.shared, env, rollout, optimizer, buffers: b, own, encodeStep, destroy,
      jointSlots: nets.slots, encodeJointStep, copyParametersOut,
      branches: actionBranches(env.descriptor.actionSpace),
      masked: rollout.masked,
      sizes: nets.sizes,
      transitions: tr,
      statisticsInputs: ({ returns, coefficients }) => ({ ...rolloutStatisticsInputs(tr, optimizer), returns, coefficients }),
      finish: (resolved, iteration, stepsPerIteration) => finishActorCritic(parts, resolved, iteration, stepsPerIteration),
    };
  } catch (error) {
    destroy();
    throw error;
  }
}
