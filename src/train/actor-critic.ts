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
 * NonFiniteError naming the iteration and the statistic.
 */
import { createHostBackedVectorEnv } from '../envs/host-vector-env';
import { isHostEnvDescriptor } from '../envs/host-env';
import type { ActionSpace, EnvDescriptor } from '../envs/types';
import { actionBranches, continuousActionDims, policyOutputWidth } from '../envs/action-branches';
import { createVectorEnv, type VectorEnv } from '../envs/vector-env';
import { BufferSet, readBufferOnce } from '../gpu/index';
import { createKernel } from '../gpu/kernel';
import { STATISTICS_WORDS, type StatisticName, type Statistics, type StatisticsInputs } from '../losses/statistics';
import { initialParameters } from '../nn/init';
import { actorSpec, criticSpec, gaussianActorSpec, hybridActorSpec, mlpLayout, type MlpLayout, type MlpSpec } from '../nn/mlp-spec';
import { createOptimizer, type Optimizer } from '../nn/optimizer';
import { AGENT_STATE_WORDS } from '../nn/optimizer-kernels';
import { createRollout, type Rollout } from '../rollout/rollout';
import type { Transitions } from '../rollout/transitions';
import { createIterationLoop, type LoopReport } from './loop';
import { createNanGuard } from './nan-guard';
import { policyKindOf, type PolicyKind } from './policy-kind';
import { MASK_ERRORS_BYTES } from '../nn/heads';
import {
  decodeReport,
  episodeRingSpec,
  MASK_ERRORS_WORD,
  metricRingBytes,
  REPORT_BYTES,
  REPORT_WORDS,
  throwIfMaskedOut,
  type IterationStats,
} from './report';
import type { Trainer, TrainedParameters, TrainerState } from './trainer';
import { captureBuffers, restoreBuffers } from './trainer-state';

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
  /** The critic is trained (its gradients join the optimiser's vector); otherwise it only feeds the rollout. */
  readonly trainCritic: boolean;
  /**
   * One network with a 'policy' and a 'value' head serves as actor and critic (default false): the
   * critic is then the actor's layout over the actor's parameters, the joint vector is the actor's
   * alone, and the algorithm backpropagates both heads' gradients in one pass (MlpPasses does).
   */
  readonly sharedTrunk?: boolean;
  readonly adamEpsilon: number;
  /** 0: no clipping. */
  readonly maxGradNorm: number;
  /** Iterations the run asks for (prepare() refuses more). */
  readonly numIterations: number;
  readonly totalTimesteps: number;
}

/** What an algorithm adds to each iteration. */
export interface ActorCriticIteration {
  /** Per-agent learning rates of iteration i (recorded for the stats). */
  learningRates(iteration: number): readonly number[];
  /** Queue writes of the algorithm for iteration i (schedules, RNG counters). */
  prepare?(iteration: number): void;
  /** Records returns, update and statistics; the scaffold records the rollout before and the report after. */
  encode(encoder: GPUCommandEncoder, iteration: number): void;
  /**
   * Records what follows the statistics: decisions made from them on the GPU (adaptive β) and
   * copies of the algorithm's own values into the report's ALGORITHM_WORDS area (at word
   * g·REPORT_WORDS + ALGORITHM_BASE of `report` for agent g).
   */
  encodeReport?(encoder: GPUCommandEncoder, report: GPUBuffer): void;
  /** The statistics the report carries and the inputs they are computed from. */
  readonly statistics: Statistics;
  /** Statistics that must stay finite (the NaN guard's; see requiredStatistics in ./nan-guard.ts). */
  readonly requiredStatistics: readonly StatisticName[];
  readonly statisticsInputs: StatisticsInputs;
  /** The algorithm's own buffers that carry from one iteration to the next (e.g. ppo-kl's adaptive β), for checkpoints. */
  readonly state?: Readonly<Record<string, GPUBuffer>>;
}

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
  readonly buffers: {
    /** f32 [G][joint]: what the optimiser updates. */
    readonly parameters: GPUBuffer;
    readonly gradients: GPUBuffer;
    /** f32 [G][P_actor] and [G][P_critic]: what the MLP passes read. */
    readonly actorParameters: GPUBuffer;
    readonly criticParameters: GPUBuffer;
    /** Where the backward passes write. */
    readonly actorGradients: GPUBuffer;
    readonly criticGradients: GPUBuffer;
    /** [G][REPORT_WORDS]: the block read back each iteration. */
    readonly report: GPUBuffer;
  };
  /** Registers a GPU object to destroy with the trainer. */
  own<X extends { destroy(): void }>(x: X): X;
  /** The statistics' inputs from this rollout, with the algorithm's value targets and loss coefficients. */
  statisticsInputs(targets: { readonly returns: GPUBuffer; readonly coefficients: GPUBuffer }): StatisticsInputs;
  /** Records one optimiser step: gradients into the joint vector, the step, parameters back out. */
  encodeStep(encoder: GPUCommandEncoder): void;
  /** Builds the NaN guard and the loop and returns the Trainer; call last. */
  finish<C>(resolved: C, iteration: ActorCriticIteration, stepsPerIteration: number): Promise<Trainer<C>>;
  /** Frees everything built so far (for an algorithm's own setup failures). */
  destroy(): void;
}

/** Builds the shared part of a trainer; on failure everything made so far is freed. */
export async function createActorCritic(device: GPUDevice, config: ActorCriticConfig): Promise<ActorCritic> {
  const { name, seed, numEnvs: N, numSteps: T } = config;
  const G = config.agents ?? 1;
  const seeds = agentSeeds(seed, G);
  const cleanup: { destroy(): void }[] = [];
  const own = <X extends { destroy(): void }>(x: X): X => (cleanup.push(x), x);
  const destroy = () => {
    for (const x of cleanup.reverse()) x.destroy();
    cleanup.length = 0;
  };
  try {
    const descriptor = config.envDescriptor ?? config.env;
    let env: VectorEnv;
    if (typeof descriptor !== 'string' && isHostEnvDescriptor(descriptor)) {
      if (G > 1) throw new RangeError(`${name}: agents must be 1 for a JavaScript env ('${descriptor.id}') (got ${G}): a population needs GPU envs`);
      env = own(await createHostBackedVectorEnv(device, descriptor, { numEnvs: N, seed, maxEpisodeSteps: config.maxEpisodeSteps }));
    } else {
      env = own(await createVectorEnv(device, descriptor, { numEnvs: N, seed, ...(G > 1 ? { seeds } : {}), maxEpisodeSteps: config.maxEpisodeSteps }));
    }
    const { observationSpace, actionSpace } = env.descriptor;
    const policy = policyKindOf(actionSpace);
    const shared = config.sharedTrunk ?? false;
    const policySpec = actorSpecFor(actionSpace, observationSpace.size, config.hiddenSizes);
    // A shared trunk: the actor gains the critic's value head (CleanRL's gain 1), and is the critic.
    const valueHeads = criticSpec(observationSpace.size, config.hiddenSizes).heads;
    const actor = mlpLayout(shared ? { ...policySpec, heads: [...policySpec.heads, ...valueHeads] } : policySpec);
    const critic = shared ? actor : mlpLayout(criticSpec(observationSpace.size, config.hiddenSizes));
    const metricNames = env.descriptor.episodeMetrics ?? [];
    const PA = actor.parametersPerAgent;
    const PC = critic.parametersPerAgent;
    // The joint vector: [actor | critic] when the critic is trained on its own, the actor alone otherwise.
    const jointCritic = config.trainCritic && !shared;
    const P = jointCritic ? PA + PC : PA;
    const rollout = own(
      await createRollout(device, {
        env,
        steps: T,
        actor,
        critic,
        seed,
        agents: G,
        seeds,
        normalizeObservations: config.normalizeObservations ?? false,
        normalizeRewards: config.normalizeRewards ?? false,
        ...(config.actionMasks === false ? { useActionMasks: false } : {}),
        label: `${name}.rollout`,
      }),
    );
    const optimizer = own(
      await createOptimizer(device, {
        kind: 'adam',
        agents: G,
        parametersPerAgent: P,
        epsilon: config.adamEpsilon,
        maxGradNorm: config.maxGradNorm,
        trackGradNorm: true,
        label: `${name}.adam`,
      }),
    );
    const words = (count: number) => ({ size: 4 * count });
    const set = own(
      new BufferSet(device, name, {
        parameters: words(G * P),
        gradients: words(G * P),
        actorParameters: words(G * PA),
        criticParameters: words(shared ? 4 : G * PC),
        actorGradients: words(G * PA),
        criticGradients: words(shared ? 4 : G * PC),
        report: { size: G * REPORT_BYTES },
        metricRing: { size: metricRingBytes(G, metricNames.length) },
      }),
    ).buffers;
    // A shared trunk's critic is the actor: its parameters and gradients are the actor's buffers.
    const b = shared ? { ...set, criticParameters: set.actorParameters, criticGradients: set.actorGradients } : set;
    const { queue } = device;
    seeds.forEach((agentSeed, g) => {
      const actorInit = initialParameters(actor, agentSeed);
      queue.writeBuffer(b.parameters, 4 * g * P, actorInit);
      queue.writeBuffer(b.actorParameters, 4 * g * PA, actorInit);
      if (shared) return;
      const criticInit = initialParameters(critic, criticInitSeed(agentSeed));
      if (jointCritic) queue.writeBuffer(b.parameters, 4 * (g * P + PA), criticInit);
      queue.writeBuffer(b.criticParameters, 4 * g * PC, criticInit);
    });
    const episodeRing = await createKernel(device, episodeRingSpec({ steps: T, envs: N, agents: G, metrics: metricNames.length }));
    const tr = rollout.transitions.buffers;
    const ringGroup = episodeRing.bind({
      episode_returns: tr.episodeReturns,
      terminated: tr.terminated,
      truncated: tr.truncated,
      report: b.report,
      // Without metrics the binding is never read: any read-only buffer stands in (not metric_ring, which is written).
      episode_metrics: tr.episodeMetrics ?? tr.episodeReturns,
      metric_ring: b.metricRing,
    });

    // The envs' first reset, before the first iteration.
    const encoder = device.createCommandEncoder({ label: `${name}.reset` });
    rollout.encodeReset(encoder);
    queue.submit([encoder.finish()]);

    const copyParametersOut = (encoder: GPUCommandEncoder) => {
      for (let g = 0; g < G; g += 1) {
        encoder.copyBufferToBuffer(b.parameters, 4 * g * P, b.actorParameters, 4 * g * PA, 4 * PA);
        if (jointCritic) encoder.copyBufferToBuffer(b.parameters, 4 * (g * P + PA), b.criticParameters, 4 * g * PC, 4 * PC);
      }
    };
    const encodeStep = (encoder: GPUCommandEncoder) => {
      for (let g = 0; g < G; g += 1) {
        encoder.copyBufferToBuffer(b.actorGradients, 4 * g * PA, b.gradients, 4 * g * P, 4 * PA);
        if (jointCritic) encoder.copyBufferToBuffer(b.criticGradients, 4 * g * PC, b.gradients, 4 * (g * P + PA), 4 * PC);
      }
      optimizer.encodeStep(encoder, { parameters: b.parameters, gradients: b.gradients });
      copyParametersOut(encoder);
    };

    const finish = async <C>(resolved: C, iteration: ActorCriticIteration, stepsPerIteration: number): Promise<Trainer<C>> => {
      // Iteration i's rates, from prepare(i) until its report is decoded (the loop keeps at most one
      // report pending): entries are dropped once reported, so a long run holds one or two, not one
      // per iteration (test/gpu/soak.test.ts measures the heap over 10 000 iterations).
      const learningRates = new Map<number, readonly number[]>();
      const { firstMoment, secondMoment, agentState } = optimizer.buffers;
      const guardedState = { firstMoment: firstMoment!, secondMoment: secondMoment!, agentState };
      const guard = own(
        await createNanGuard(device, {
          agents: G,
          parametersPerAgent: P,
          statistics: iteration.requiredStatistics,
          state: { firstMoment: P, secondMoment: P, agentState: AGENT_STATE_WORDS },
          label: `${name}.nan-guard`,
        }),
      );
      {
        const encoder = device.createCommandEncoder({ label: `${name}.nan-guard.initialise` });
        guard.encodeInitialise(encoder, { parameters: b.parameters, state: guardedState });
        queue.submit([encoder.finish()]);
      }
      const loop = own(
        createIterationLoop(
          device,
          {
            prepare(i) {
              if (i >= config.numIterations) {
                throw new RangeError(`${name}: all ${config.numIterations} iterations of totalTimesteps = ${config.totalTimesteps} are done`);
              }
              const rates = iteration.learningRates(i);
              learningRates.set(i, rates);
              optimizer.setLearningRate(rates);
              rollout.prepare(i);
              iteration.prepare?.(i);
            },
            encode(encoder, i) {
              // Collect: T steps of N envs, then V(s_t), V(s_T) and V(final obs).
              rollout.encode(encoder, { actor: b.actorParameters, critic: b.criticParameters });
              iteration.encode(encoder, i);
              // Statistics, and the finished episodes' ring, into the report block.
              iteration.statistics.encode(encoder, iteration.statisticsInputs);
              const statisticsBuffer = iteration.statistics.buffers.statistics;
              guard.encodeCheck(encoder, { parameters: b.parameters, statistics: statisticsBuffer, report: b.report, state: guardedState });
              for (let g = 0; g < G; g += 1) {
                encoder.copyBufferToBuffer(statisticsBuffer, 4 * g * STATISTICS_WORDS, b.report, 4 * g * REPORT_WORDS, 4 * STATISTICS_WORDS);
              }
              iteration.encodeReport?.(encoder, b.report);
              encoder.copyBufferToBuffer(rollout.maskErrors, 0, b.report, 4 * MASK_ERRORS_WORD, MASK_ERRORS_BYTES);
              const pass = encoder.beginComputePass({ label: `${name}.episode-ring` });
              episodeRing.dispatch(pass, ringGroup, G);
              pass.end();
            },
            report: b.report,
            reportBytes: G * REPORT_BYTES,
          },
          name,
        ),
      );
      const toStats = async (report: LoopReport | null): Promise<IterationStats | null> => {
        if (!report) return null;
        await guard.throwIfPoisoned(report.bytes, { parameters: b.parameters, state: guardedState }, copyParametersOut);
        throwIfMaskedOut(name, { id: env.descriptor.id, numEnvs: env.numEnvs }, report);
        const agents = decodeReport(report.bytes, G, metricNames);
        const first = agents[0]!;
        const rates = learningRates.get(report.iteration)!;
        // Earlier keys too: a report skipped by restoreState() or a failed iteration is never decoded.
        for (const k of learningRates.keys()) if (k <= report.iteration) learningRates.delete(k);
        return {
          iteration: report.iteration,
          globalStep: (report.iteration + 1) * stepsPerIteration,
          learningRate: rates[0]!,
          statistics: first.statistics,
          episodesFinished: first.episodesFinished,
          recentReturns: first.recentReturns,
          returnMean100: first.returnMean100,
          episodeMetrics: first.episodeMetrics,
          counters: report.counters,
          algorithmWords: first.algorithm,
          ...(G > 1 ? { agents } : {}),
        };
      };
      // The persistent state (TrainerState): what the next iteration reads of the previous ones.
      const host = 'host' in env;
      const persistent: Record<string, GPUBuffer> = {
        parameters: b.parameters,
        actorParameters: b.actorParameters,
        // A shared trunk's critic parameters are the actor's, saved once.
        ...(shared ? {} : { criticParameters: b.criticParameters }),
        report: b.report,
        ...(metricNames.length > 0 ? { metricRing: b.metricRing } : {}),
        'adam.firstMoment': firstMoment!,
        'adam.secondMoment': secondMoment!,
        'adam.agentState': agentState,
        // The guard counts its checks (the iteration it judges).
        'nanGuard.state': guard.buffers.guardState,
        // A JavaScript env's state lives in the game: a restore starts fresh episodes instead.
        ...(host ? {} : { 'env.states': env.buffers.states, 'env.observations': env.buffers.observations, 'env.episodeProgress': env.buffers.episodeProgress }),
      };
      for (const [key, buffer] of Object.entries(rollout.normalisers?.buffers ?? {})) persistent[`normalise.${key}`] = buffer;
      for (const [key, buffer] of Object.entries(iteration.state ?? {})) persistent[`${name}.${key}`] = buffer;
      const checkIdle = (what: string) => {
        if (loop.pending) throw new Error(`${name}: ${what} while an iteration's report is pending (await drain() first)`);
      };
      return {
        config: resolved,
        numIterations: config.numIterations,
        stepsPerIteration,
        iterate: async (pacing) => toStats(await loop.iterate(pacing)),
        drain: async () => toStats(await loop.drain()),
        policy: {
          kind: policy,
          actor,
          critic,
          actorParameters: b.actorParameters,
          criticParameters: b.criticParameters,
          ...(rollout.normalisers?.buffers.observationStatistics ? { observationStatistics: rollout.normalisers.buffers.observationStatistics } : {}),
        },
        envView: {
          descriptor: env.descriptor,
          ...(host ? {} : { states: env.buffers.states }),
          stateSize: env.stateSize,
          numEnvs: env.numEnvs,
        },
        device,
        nextIteration() {
          return loop.submitted;
        },
        async captureState(): Promise<TrainerState> {
          checkIdle('captureState()');
          return captureBuffers(device, persistent, loop.submitted);
        },
        restoreState(state: TrainerState) {
          checkIdle('restoreState()');
          restoreBuffers(device, name, persistent, state, config.numIterations);
          const encoder = device.createCommandEncoder({ label: `${name}.restore` });
          if (host) rollout.encodeReset(encoder);
          guard.encodeInitialise(encoder, { parameters: b.parameters, state: guardedState });
          queue.submit([encoder.finish()]);
          // The snapshot is now the restored state; the guard's own counters are the saved ones (written after that submit's clear).
          const guardState = state.buffers['nanGuard.state']!;
          queue.writeBuffer(guard.buffers.guardState, 0, guardState.buffer, guardState.byteOffset, guardState.byteLength);
          loop.seek(state.iteration);
        },
        async readParameters(): Promise<TrainedParameters> {
          const actorParameters = new Float32Array(await readBufferOnce(device, b.actorParameters));
          const criticParameters = new Float32Array(await readBufferOnce(device, b.criticParameters));
          return {
            networks: {
              actor: { spec: actor.spec, parameters: actorParameters },
              critic: { spec: critic.spec, parameters: criticParameters },
            },
          };
        },
        destroy,
      };
    };

    return {
      name,
      agents: G,
      seeds,
      actor,
      critic,
      policy,
      sharedTrunk: shared,
      branches: actionBranches(actionSpace),
      masked: rollout.masked,
      sizes: { actor: PA, critic: PC, joint: P },
      env,
      rollout,
      transitions: tr,
      optimizer,
      buffers: b,
      own,
      statisticsInputs: ({ returns, coefficients }) => ({
        returns,
        values: tr.values,
        terminated: tr.terminated,
        truncated: tr.truncated,
        episodeReturns: tr.episodeReturns,
        episodeLengths: tr.episodeLengths,
        gradNormSquared: optimizer.buffers.gradNormSquared,
        coefficients,
      }),
      encodeStep,
      finish,
      destroy,
    };
  } catch (error) {
    destroy();
    throw error;
  }
}
