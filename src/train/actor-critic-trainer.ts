/**
 * The Trainer over a built actor-critic scaffold (./actor-critic.ts): the NaN guard, the iteration
 * loop that records rollout → the algorithm's update → statistics → report, the decoding of each
 * report into IterationStats, and the persistent state a checkpoint captures and restores.
 */
import type { VectorEnv } from '../envs/vector-env';
import { readBufferOnce } from '../gpu/index';
import type { Kernel } from '../gpu/kernel';
import { STATISTICS_WORDS, type StatisticName, type Statistics, type StatisticsInputs } from '../losses/statistics';
import { MASK_ERRORS_BYTES } from '../nn/heads';
import type { MlpLayout } from '../nn/mlp-spec';
import type { Optimizer } from '../nn/optimizer';
import { AGENT_STATE_WORDS } from '../nn/optimizer-kernels';
import type { Rollout } from '../rollout/rollout';
import { createIterationLoop, type IterationBody, type IterationLoop, type LoopReport } from './loop';
import { createNanGuard, type NanGuard } from './nan-guard';
import type { PolicyKind } from './policy-kind';
import { decodeReport, MASK_ERRORS_WORD, REPORT_BYTES, REPORT_WORDS, throwIfMaskedOut, type IterationStats } from './report';
import type { Trainer, TrainedParameters, TrainerState } from './trainer';
import type { SelfPlayHooks } from './self-play';
import { captureBuffers, restoreBuffers } from './trainer-state';

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

/** The scaffold's buffers the trainer reads and writes ([G][…] each). */
export interface ScaffoldBuffers {
  /** f32 [G][joint]: what the optimiser updates, and its gradient. */
  readonly parameters: GPUBuffer;
  readonly gradients: GPUBuffer;
  /** f32 [G][P_actor] and [G][P_critic]: what the MLP passes read (a shared trunk's critic's are the actor's). */
  readonly actorParameters: GPUBuffer;
  readonly criticParameters: GPUBuffer;
  /** Where the backward passes write. */
  readonly actorGradients: GPUBuffer;
  readonly criticGradients: GPUBuffer;
  /** [G][REPORT_WORDS]: the block read back each iteration. */
  readonly report: GPUBuffer;
  /** The finished episodes' metrics, per agent (src/train/report.ts metricRingBytes). */
  readonly metricRing: GPUBuffer;
}

/** What the scaffold built, handed to {@link finishActorCritic}. */
export interface ScaffoldParts {
  readonly device: GPUDevice;
  readonly name: string;
  /** Iterations the run asks for, and the budget they come from (for prepare()'s refusal). */
  readonly numIterations: number;
  readonly totalTimesteps: number;
  /** G. */
  readonly agents: number;
  readonly env: VectorEnv;
  readonly metricNames: readonly string[];
  readonly actor: MlpLayout;
  readonly critic: MlpLayout;
  readonly policy: PolicyKind;
  readonly sharedTrunk: boolean;
  /** Parameters per agent of the joint vector the optimiser and the guard see. */
  readonly jointSize: number;
  readonly rollout: Rollout;
  readonly optimizer: Optimizer;
  readonly buffers: ScaffoldBuffers;
  /** The finished episodes' ring kernel and its bind group (returns, lengths, metrics into the report). */
  readonly episodeRing: { readonly kernel: Kernel; readonly group: GPUBindGroup };
  /** Records the copies from the joint vector into the networks' own parameter buffers. */
  copyParametersOut(encoder: GPUCommandEncoder): void;
  /** The opponent pool's hooks, in a self-play run. */
  readonly selfPlay?: SelfPlayHooks;
  own<X extends { destroy(): void }>(x: X): X;
  destroy(): void;
}

/** Adam's state as the NaN guard snapshots it. */
function guardedState(optimizer: Optimizer) {
  const { firstMoment, secondMoment, agentState } = optimizer.buffers;
  return { firstMoment: firstMoment!, secondMoment: secondMoment!, agentState };
}

/** The NaN guard over the joint vector and Adam's state, initialised from the current parameters. */
async function createGuard(parts: ScaffoldParts, iteration: ActorCriticIteration): Promise<NanGuard> {
  const { device, name, jointSize: P } = parts;
  const guard = parts.own(
    await createNanGuard(device, {
      agents: parts.agents,
      parametersPerAgent: P,
      statistics: iteration.requiredStatistics,
      state: { firstMoment: P, secondMoment: P, agentState: AGENT_STATE_WORDS },
      label: `${name}.nan-guard`,
    }),
  );
  const encoder = device.createCommandEncoder({ label: `${name}.nan-guard.initialise` });
  guard.encodeInitialise(encoder, { parameters: parts.buffers.parameters, state: guardedState(parts.optimizer) });
  device.queue.submit([encoder.finish()]);
  return guard;
}

/**
 * The loop's steps: prepare writes iteration i's rates and counters; encode records the rollout, the
 * algorithm's update, the statistics, the guard's check and the report block.
 */
function loopSteps(parts: ScaffoldParts, iteration: ActorCriticIteration, guard: NanGuard, learningRates: Map<number, readonly number[]>): IterationBody {
  const { name, rollout, optimizer, buffers: b, agents: G } = parts;
  const state = guardedState(optimizer);
  const hostEnv = 'settled' in parts.env ? (parts.env as { settled(): Promise<void> }) : undefined;
  const { selfPlay } = parts;
  const ready = async (i: number) => {
    await hostEnv?.settled();
    await selfPlay?.beforeIteration(i);
  };
  return {
    ...(hostEnv || selfPlay ? { ready } : {}),
    prepare(i) {
      if (i >= parts.numIterations) {
        throw new RangeError(`${name}: all ${parts.numIterations} iterations of totalTimesteps = ${parts.totalTimesteps} are done`);
      }
      const rates = iteration.learningRates(i);
      learningRates.set(i, rates);
      optimizer.setLearningRate(rates);
      rollout.prepare(i);
      iteration.prepare?.(i);
    },
    encode(encoder, i) {
      // A snapshot of the learner for the opponent pool (self-play), before the steps that may play it.
      selfPlay?.encode(encoder, i);
      // Collect: T steps of N envs, then V(s_t), V(s_T) and V(final obs).
      rollout.encode(encoder, { actor: b.actorParameters, critic: b.criticParameters });
      iteration.encode(encoder, i);
      // Statistics, and the finished episodes' ring, into the report block.
      iteration.statistics.encode(encoder, iteration.statisticsInputs);
      const statisticsBuffer = iteration.statistics.buffers.statistics;
      guard.encodeCheck(encoder, { parameters: b.parameters, statistics: statisticsBuffer, report: b.report, state });
      for (let g = 0; g < G; g += 1) {
        encoder.copyBufferToBuffer(statisticsBuffer, 4 * g * STATISTICS_WORDS, b.report, 4 * g * REPORT_WORDS, 4 * STATISTICS_WORDS);
      }
      iteration.encodeReport?.(encoder, b.report);
      encoder.copyBufferToBuffer(rollout.maskErrors, 0, b.report, 4 * MASK_ERRORS_WORD, MASK_ERRORS_BYTES);
      const pass = encoder.beginComputePass({ label: `${name}.episode-ring` });
      parts.episodeRing.kernel.dispatch(pass, parts.episodeRing.group, G);
      pass.end();
    },
    report: b.report,
    reportBytes: G * REPORT_BYTES,
  };
}

/**
 * Decodes a loop report into IterationStats, after the guard's and the masks' checks. Iteration i's
 * rates live in `learningRates` from prepare(i) until its report is decoded (the loop keeps at most
 * one report pending): entries are dropped once reported, so a long run holds one or two, not one
 * per iteration (test/gpu/soak.test.ts measures the heap over 10 000 iterations).
 */
function statsDecoder(parts: ScaffoldParts, guard: NanGuard, learningRates: Map<number, readonly number[]>, stepsPerIteration: number) {
  const { name, env, agents: G, metricNames } = parts;
  const state = guardedState(parts.optimizer);
  return async (report: LoopReport | null): Promise<IterationStats | null> => {
    if (!report) return null;
    await guard.throwIfPoisoned(report.bytes, { parameters: parts.buffers.parameters, state }, parts.copyParametersOut);
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
}

/** Stats with the self-play round read while they were collected, if any (null stats keep it for the next). */
function withSelfPlayRound(stats: IterationStats | null, selfPlay: SelfPlayHooks | undefined): IterationStats | null {
  if (!stats || !selfPlay) return stats;
  const round = selfPlay.takeRound();
  return round ? { ...stats, selfPlay: round } : stats;
}

/** The persistent state (TrainerState): what the next iteration reads of the previous ones. */
function persistentBuffers(parts: ScaffoldParts, guard: NanGuard, iteration: ActorCriticIteration): Record<string, GPUBuffer> {
  const { env, buffers: b, name } = parts;
  const { firstMoment, secondMoment, agentState } = guardedState(parts.optimizer);
  const host = 'host' in env;
  const persistent: Record<string, GPUBuffer> = {
    parameters: b.parameters,
    actorParameters: b.actorParameters,
    // A shared trunk's critic parameters are the actor's, saved once.
    ...(parts.sharedTrunk ? {} : { criticParameters: b.criticParameters }),
    report: b.report,
    ...(parts.metricNames.length > 0 ? { metricRing: b.metricRing } : {}),
    'adam.firstMoment': firstMoment,
    'adam.secondMoment': secondMoment,
    'adam.agentState': agentState,
    // The guard counts its checks (the iteration it judges).
    'nanGuard.state': guard.buffers.guardState,
    // A JavaScript env's state lives in the game: a restore starts fresh episodes instead.
    ...(host ? {} : { 'env.states': env.buffers.states, 'env.observations': env.buffers.observations, 'env.episodeProgress': env.buffers.episodeProgress }),
    ...(env.opponentPool ? { 'env.pool.parameters': env.opponentPool.buffers.parameters, 'env.pool.results': env.opponentPool.buffers.results } : {}),
  };
  for (const [key, buffer] of Object.entries(parts.rollout.normalisers?.buffers ?? {})) persistent[`normalise.${key}`] = buffer;
  for (const [key, buffer] of Object.entries(iteration.state ?? {})) persistent[`${name}.${key}`] = buffer;
  return persistent;
}

/** Restores `state` into the persistent buffers, restarts a JavaScript env's episodes and re-arms the guard. */
function restoreInto(parts: ScaffoldParts, guard: NanGuard, loop: IterationLoop, persistent: Record<string, GPUBuffer>, state: TrainerState): void {
  const { device, name } = parts;
  restoreBuffers(device, name, persistent, state, parts.numIterations);
  const encoder = device.createCommandEncoder({ label: `${name}.restore` });
  if ('host' in parts.env) parts.rollout.encodeReset(encoder);
  guard.encodeInitialise(encoder, { parameters: parts.buffers.parameters, state: guardedState(parts.optimizer) });
  device.queue.submit([encoder.finish()]);
  // The snapshot is now the restored state; the guard's own counters are the saved ones (written after that submit's clear).
  const guardState = state.buffers['nanGuard.state']!;
  device.queue.writeBuffer(guard.buffers.guardState, 0, guardState.buffer, guardState.byteOffset, guardState.byteLength);
  loop.seek(state.iteration);
  parts.selfPlay?.seek(state.iteration);
}

/** Builds the NaN guard and the loop over a built scaffold and returns the Trainer. */
export async function finishActorCritic<C>(parts: ScaffoldParts, resolved: C, iteration: ActorCriticIteration, stepsPerIteration: number): Promise<Trainer<C>> {
  const { device, name, env, buffers: b } = parts;
  const learningRates = new Map<number, readonly number[]>();
  const guard = await createGuard(parts, iteration);
  const loop = parts.own(createIterationLoop(device, loopSteps(parts, iteration, guard, learningRates), name));
  const toStats = statsDecoder(parts, guard, learningRates, stepsPerIteration);
  const persistent = persistentBuffers(parts, guard, iteration);
  const host = 'host' in env;
  const checkIdle = (what: string) => {
    if (loop.pending) throw new Error(`${name}: ${what} while an iteration's report is pending (await drain() first)`);
  };
  const observationStatistics = parts.rollout.normalisers?.buffers.observationStatistics;
  return {
    config: resolved,
    numIterations: parts.numIterations,
    stepsPerIteration,
    iterate: async (pacing) => withSelfPlayRound(await toStats(await loop.iterate(pacing)), parts.selfPlay),
    drain: async () => withSelfPlayRound(await toStats(await loop.drain()), parts.selfPlay),
    policy: {
      kind: parts.policy,
      actor: parts.actor,
      critic: parts.critic,
      actorParameters: b.actorParameters,
      criticParameters: b.criticParameters,
      ...(observationStatistics ? { observationStatistics } : {}),
    },
    ...(env.opponentPool ? { opponentPool: env.opponentPool } : {}),
    envView: { descriptor: env.descriptor, ...(host ? {} : { states: env.buffers.states }), stateSize: env.stateSize, numEnvs: env.numEnvs },
    device,
    nextIteration: () => loop.submitted,
    async captureState(): Promise<TrainerState> {
      checkIdle('captureState()');
      return captureBuffers(device, persistent, loop.submitted);
    },
    restoreState(state: TrainerState) {
      checkIdle('restoreState()');
      restoreInto(parts, guard, loop, persistent, state);
    },
    async readParameters(): Promise<TrainedParameters> {
      const actorParameters = new Float32Array(await readBufferOnce(device, b.actorParameters));
      const criticParameters = new Float32Array(await readBufferOnce(device, b.criticParameters));
      return { networks: { actor: { spec: parts.actor.spec, parameters: actorParameters }, critic: { spec: parts.critic.spec, parameters: criticParameters } } };
    },
    destroy: parts.destroy,
  };
}
