/**
 * The cross-entropy method over policy parameters (Rubinstein 1999; de Boer et al. 2005), with
 * Szita & Lőrincz's decreasing extra noise (2006), every phase on the GPU. The population is the
 * agent dimension: G candidate parameter vectors θ_g = μ + σ ⊙ ε_g of one diagonal Gaussian are the
 * G parameter sets [G][P] of one rollout. Reads in phase order; one iteration =
 *   sample → reset the envs → collect T steps → score (first-episode return) → select elites →
 *   refit μ, σ → report,
 * encoded into one command buffer by the loop (src/train/loop.ts). Elite selection is a kernel
 * (shaders/cem/elite_select.wgsl) that writes the elite indices into a buffer the update reads:
 * the CPU learns of the ranking only through the report, one iteration late.
 *
 * Choices (why):
 * - Fitness is the undiscounted return of each env's FIRST episode, the envs being reset at the
 *   start of every iteration and T ≥ the step limit, so the episode always ends inside the rollout:
 *   on CartPole every step pays 1, and only the episode's length tells policies apart. The rollout
 *   runs all T steps regardless (auto-reset restarts the failed envs); those steps are counted in
 *   the global step (they were simulated) but score nothing.
 * - The report's episode ring receives one episode per candidate-evaluation (the first episodes,
 *   shaders/cem/report.wgsl), so final_return_mean_100 is the mean return of the last 100
 *   candidate policies actually run, exploration noise included: the analogue of PPO's training
 *   episodes under its stochastic policy. It is not an evaluation of μ (which CEM never runs),
 *   and it does not count the restarts after a failure, which would weigh a policy by how often it
 *   falls.
 * - A categorical policy acts stochastically (the rollout samples the categorical head); CEM learns
 *   large logits, so the search itself makes it near-deterministic.
 * - A box env's policy is a diagonal Gaussian (the actor of the other trainers, with its log-std
 *   slot), but each candidate acts by its MEAN action: the log-std is frozen out of the search at
 *   CEM_ACTION_LOG_STD = −20 (σ ≈ 2·10⁻⁹, below f32's resolution of any mean |μ| > 0.03, and the
 *   env clips to its bounds), so a candidate's fitness is that of a deterministic policy. This is
 *   what evolution strategies on continuous control usually evaluate (Salimans et al. 2017; Mania
 *   et al. 2018's ARS): action noise on top of the parameter noise only makes the ranking noisier,
 *   and a searched log-std would be pushed down to the same place. The exported policy is that
 *   Gaussian: sampled or greedy, it acts by its mean.
 * - The rollout needs a critic layout: a linear critic whose parameters stay zero; its values are
 *   computed by the rollout and ignored (a few dispatches per iteration).
 * - No optimiser, no gradient, no learning rate (IterationStats.learningRate is NaN).
 */
import { createVectorEnv } from '../../envs/vector-env';
import { BufferSet, readBufferOnce } from '../../gpu/index';
import { createKernel, type KernelSpec } from '../../gpu/kernel';
import {
  CEM_REPORT_BYTES,
  CEM_SCHEDULE_BYTES,
  CEM_STREAM,
  CEM_WORDS,
  cemEliteSelectKernel,
  cemFirstEpisodeKernel,
  cemReportKernel,
  cemSampleKernel,
  cemUpdateKernel,
  encodeCemSchedule,
} from './kernels';
import { initialParameters } from '../../nn/init';
import { criticSpec, mlpLayout, type MlpLayout } from '../../nn/mlp-spec';
import { encodeRngParams, RNG_PARAMS_BYTES } from '../../rng/params';
import { createRollout, type Rollout } from '../../rollout/rollout';
import type { Transitions } from '../../rollout/transitions';
import { createIterationLoop, type IterationBody, type LoopReport, type Pacing } from '../../train/loop';
import { MASK_ERRORS_BYTES } from '../../nn/heads';
import { decodeReport, MASK_ERRORS_WORD, throwIfMaskedOut, type IterationStats } from '../../train/report';
import { captureBuffers, restoreBuffers } from '../../train/trainer-state';
import { actorSpecFor } from '../../train/actor-critic';
import { policyKindOf } from '../../train/policy-kind';
import type { Trainer } from '../../train/trainer';
import { cemExtraVariance, resolveCemConfig, type CemConfig, type ResolvedCemConfig } from './config';

/** The log-std every candidate of a box env's Gaussian policy acts with: σ = e^−20, its mean action (see the header). */
export const CEM_ACTION_LOG_STD = -20;

/** CEM's summary of one iteration (the report's algorithm words, src/algos/cem/kernels.ts CEM_WORDS). */
export interface CemSummary {
  /** Fitness (mean first-episode return) of the best candidate, of the population, of the elites. */
  readonly fitnessBest: number;
  readonly fitnessMean: number;
  readonly fitnessElite: number;
  /** Index of the best candidate. */
  readonly bestIndex: number;
  /** Mean and max of σ_j after the update (the next iteration's sampling spread; a frozen log-std counts as 0). */
  readonly stdMean: number;
  readonly stdMax: number;
}

/** One CEM iteration's statistics: the common record plus CEM's summary. */
export interface CemIterationStats extends IterationStats {
  readonly cem: CemSummary;
}

/** A CEM trainer, with the buffers and layouts that tests and tools read (never inside the loop). */
export interface CemTrainer extends Trainer<ResolvedCemConfig> {
  iterate(pacing?: Pacing): Promise<CemIterationStats | null>;
  drain(): Promise<CemIterationStats | null>;
  readonly layouts: { readonly actor: MlpLayout; readonly critic: MlpLayout };
  readonly buffers: {
    /** f32 [P]: the sampling distribution's mean μ and standard deviations σ. */
    readonly mean: GPUBuffer;
    readonly stddev: GPUBuffer;
    /** f32 [P]: the best candidate of the last iteration. */
    readonly champion: GPUBuffer;
    /** f32 [G][P]: the last iteration's population. */
    readonly candidates: GPUBuffer;
    /** f32 [G]: their fitness; u32 [K]: the elites, best first. */
    readonly fitness: GPUBuffer;
    readonly elites: GPUBuffer;
    readonly transitions: Transitions['buffers'];
  };
}

/** The decoded report of one loop report. */
function cemStats(report: LoopReport | null, stepsPerIteration: number): CemIterationStats | null {
  if (!report) return null;
  const [agent] = decodeReport(report.bytes, 1);
  const words = agent!.algorithm;
  return {
    iteration: report.iteration,
    globalStep: (report.iteration + 1) * stepsPerIteration,
    learningRate: Number.NaN,
    statistics: agent!.statistics,
    episodesFinished: agent!.episodesFinished,
    recentReturns: agent!.recentReturns,
    returnMean100: agent!.returnMean100,
    episodeMetrics: agent!.episodeMetrics,
    counters: report.counters,
    cem: {
      fitnessBest: words[CEM_WORDS.fitness_best]!,
      fitnessMean: words[CEM_WORDS.fitness_mean]!,
      fitnessElite: words[CEM_WORDS.fitness_elite]!,
      bestIndex: words[CEM_WORDS.best_index]!,
      stdMean: words[CEM_WORDS.std_mean]!,
      stdMax: words[CEM_WORDS.std_max]!,
    },
  };
}

/** The search's networks: the actor searched over (a box's log-std slot frozen) and the zero linear critic the rollout needs. */
function cemNetworks(config: ResolvedCemConfig) {
  // Σ nvec logits for a multi-discrete env: the rollout samples each branch from its slice, and
  // CEM reads only the returns, so nothing else here depends on the branches. A box's means and
  // a log-std slot, which the search leaves frozen (`frozen`).
  const OBS = config.envDescriptor.observationSpace.size;
  const actor = mlpLayout(actorSpecFor(config.envDescriptor.actionSpace, OBS, config.hiddenSizes));
  return { actor, critic: mlpLayout(criticSpec(OBS, [])), frozen: actor.extras.logStd };
}

type Frozen = ReturnType<typeof cemNetworks>['frozen'];

/** CEM's kernels, sized (the invocation counts their dispatches take) and compiled. */
async function createCemKernels(device: GPUDevice, config: ResolvedCemConfig, P: number, frozen: Frozen) {
  const { populationSize: G, numEnvs: N, numSteps: T, numElites: K } = config;
  const shape = { agents: G, envs: N, elites: K, parameters: P };
  const sizes = {
    sample: cemSampleKernel({ ...shape, keepBest: config.keepBest }),
    firstEpisode: cemFirstEpisodeKernel({ steps: T, envs: N }),
    eliteSelect: cemEliteSelectKernel(shape),
    update: cemUpdateKernel({ ...shape, ...(frozen ? { frozen: { offset: frozen.offset, count: frozen.length } } : {}) }),
    report: cemReportKernel(shape),
  };
  const compile = (s: { spec: KernelSpec }) => createKernel(device, s.spec);
  return {
    sizes,
    sample: await compile(sizes.sample),
    firstEpisode: await compile(sizes.firstEpisode),
    eliteSelect: await compile(sizes.eliteSelect),
    update: await compile(sizes.update),
    report: await compile(sizes.report),
  };
}

type CemKernels = Awaited<ReturnType<typeof createCemKernels>>;

function createCemBuffers(device: GPUDevice, config: ResolvedCemConfig, P: number, criticP: number) {
  const { populationSize: G, numEnvs: N, numElites: K } = config;
  const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
  const words = (count: number) => ({ size: 4 * count });
  return new BufferSet(device, 'cem', {
    mean: words(P),
    stddev: words(P),
    champion: words(P),
    candidates: words(G * P),
    criticParameters: words(G * criticP),
    firstReturns: words(N),
    firstLengths: words(N),
    fitness: words(G),
    elites: words(K),
    report: { size: CEM_REPORT_BYTES },
    rngParams: { size: RNG_PARAMS_BYTES, usage: uniform },
    schedule: { size: CEM_SCHEDULE_BYTES, usage: uniform },
  });
}

type CemBuffers = ReturnType<typeof createCemBuffers>['buffers'];

/**
 * μ₀: the actor's initialisation under the run's seed (orthogonal, policy gain 0.01: near 0); σ₀
 * everywhere but on a frozen log-std (μ = CEM_ACTION_LOG_STD, σ = 0); the champion starts as μ₀.
 * The critic's parameters stay 0 (never read for a decision).
 */
function writeInitialSearch(queue: GPUQueue, b: CemBuffers, actor: MlpLayout, config: ResolvedCemConfig, frozen: Frozen): void {
  const mean0 = initialParameters(actor, config.seed);
  const std0 = new Float32Array(actor.parametersPerAgent).fill(config.initStd);
  if (frozen) {
    mean0.fill(CEM_ACTION_LOG_STD, frozen.offset, frozen.offset + frozen.length);
    std0.fill(0, frozen.offset, frozen.offset + frozen.length);
  }
  queue.writeBuffer(b.mean, 0, mean0);
  queue.writeBuffer(b.champion, 0, mean0);
  queue.writeBuffer(b.stddev, 0, std0);
}

/** Records one CEM phase after another; the rollout's own passes sit between sampling and scoring. */
function cemIterationBody(device: GPUDevice, config: ResolvedCemConfig, k: CemKernels, b: CemBuffers, rollout: Rollout): IterationBody {
  const tr = rollout.transitions.buffers;
  const sampleGroup = k.sample.bind({ params: b.rngParams, mean: b.mean, stddev: b.stddev, champion: b.champion, candidates: b.candidates });
  const firstEpisodeGroup = k.firstEpisode.bind({ rewards: tr.rewards, terminated: tr.terminated, truncated: tr.truncated, first_returns: b.firstReturns, first_lengths: b.firstLengths });
  const eliteSelectGroup = k.eliteSelect.bind({ first_returns: b.firstReturns, fitness: b.fitness, elites: b.elites });
  const updateGroup = k.update.bind({ schedule: b.schedule, candidates: b.candidates, elites: b.elites, mean: b.mean, stddev: b.stddev, champion: b.champion });
  const reportGroup = k.report.bind({ first_returns: b.firstReturns, first_lengths: b.firstLengths, fitness: b.fitness, elites: b.elites, stddev: b.stddev, report: b.report });
  const { queue } = device;
  return {
    prepare(iteration) {
      if (iteration >= config.numIterations) throw new RangeError(`cem: iteration ${iteration} is past the ${config.numIterations} the config asks for`);
      rollout.prepare(iteration);
      queue.writeBuffer(b.rngParams, 0, encodeRngParams({ seed: config.seed, stream: CEM_STREAM, iteration, step: 0, draw: 0 }));
      queue.writeBuffer(b.schedule, 0, encodeCemSchedule(cemExtraVariance(config, iteration)));
    },
    encode(encoder) {
      // Sample: θ_g = μ + σ ⊙ ε_g, ε from Philox (seed, CEM_STREAM, iteration).
      let pass = encoder.beginComputePass({ label: 'cem.sample' });
      k.sample.dispatch(pass, sampleGroup, k.sizes.sample.invocations);
      pass.end();

      // Collect: fresh episodes for every env, then T steps of the G candidates.
      rollout.encodeReset(encoder);
      rollout.encode(encoder, { actor: b.candidates, critic: b.criticParameters });

      // Score, select, refit: f_g = first-episode return; the K best; μ, σ² ← elites (+ Z_i).
      pass = encoder.beginComputePass({ label: 'cem.update' });
      k.firstEpisode.dispatch(pass, firstEpisodeGroup, k.sizes.firstEpisode.invocations);
      k.eliteSelect.dispatch(pass, eliteSelectGroup, k.sizes.eliteSelect.invocations);
      k.update.dispatch(pass, updateGroup, k.sizes.update.invocations);
      // Statistics, the first episodes' ring and CEM's words, into the report block.
      k.report.dispatch(pass, reportGroup, k.sizes.report.invocations);
      pass.end();
      encoder.copyBufferToBuffer(rollout.maskErrors, 0, b.report, 4 * MASK_ERRORS_WORD, MASK_ERRORS_BYTES);
    },
    report: b.report,
    reportBytes: CEM_REPORT_BYTES,
  };
}

/** Builds everything once (kernels, buffers, bind groups), then searches by `iterate()`. */
export async function createCemTrainer(device: GPUDevice, input: CemConfig = {}): Promise<CemTrainer> {
  const config = resolveCemConfig(input);
  const { populationSize: G, numEnvs: N, numSteps: T, seed } = config;
  const cleanup: { destroy(): void }[] = [];
  const own = <X extends { destroy(): void }>(x: X): X => (cleanup.push(x), x);
  const destroy = () => {
    for (const x of cleanup.reverse()) x.destroy();
    cleanup.length = 0;
  };
  try {
    const { actor, critic, frozen } = cemNetworks(config);
    const env = own(await createVectorEnv(device, config.envDescriptor, { numEnvs: N, seed, maxEpisodeSteps: config.maxEpisodeSteps }));
    const rollout = own(await createRollout(device, { env, steps: T, actor, critic, seed, agents: G, label: 'cem.rollout' }));
    const kernels = await createCemKernels(device, config, actor.parametersPerAgent, frozen);
    const b = own(createCemBuffers(device, config, actor.parametersPerAgent, critic.parametersPerAgent)).buffers;
    writeInitialSearch(device.queue, b, actor, config, frozen);
    const loop = own(createIterationLoop(device, cemIterationBody(device, config, kernels, b, rollout), 'cem'));

    // The envs are reset at every iteration, but each reset is keyed by the env's episode count.
    const persistent = {
      mean: b.mean,
      stddev: b.stddev,
      champion: b.champion,
      report: b.report,
      'env.states': env.buffers.states,
      'env.observations': env.buffers.observations,
      'env.episodeProgress': env.buffers.episodeProgress,
    };
    // A candidate's rollout under the env's masks: a row allowing nothing stops the run, as in the other trainers.
    const checkedStats = (report: LoopReport | null) => {
      if (report) throwIfMaskedOut('cem', { id: env.descriptor.id, numEnvs: env.numEnvs }, report);
      return cemStats(report, config.batchSize);
    };
    const checkIdle = (what: string) => {
      if (loop.pending) throw new Error(`cem: ${what} while an iteration's report is pending (await drain() first)`);
    };
    const tr = rollout.transitions.buffers;
    return {
      config,
      numIterations: config.numIterations,
      stepsPerIteration: config.batchSize,
      layouts: { actor, critic },
      buffers: { mean: b.mean, stddev: b.stddev, champion: b.champion, candidates: b.candidates, fitness: b.fitness, elites: b.elites, transitions: tr },
      iterate: async (pacing?: Pacing) => checkedStats(await loop.iterate(pacing)),
      drain: async () => checkedStats(await loop.drain()),
      policy: { kind: policyKindOf(config.envDescriptor.actionSpace), actor, critic, actorParameters: b.mean, criticParameters: b.criticParameters },
      envView: { descriptor: env.descriptor, states: env.buffers.states, stateSize: env.stateSize, numEnvs: env.numEnvs },
      device,
      nextIteration: () => loop.submitted,
      async captureState() {
        checkIdle('captureState()');
        return captureBuffers(device, persistent, loop.submitted);
      },
      restoreState(state) {
        checkIdle('restoreState()');
        restoreBuffers(device, 'cem', persistent, state, config.numIterations);
        loop.seek(state.iteration);
      },
      async readParameters() {
        const mean = new Float32Array(await readBufferOnce(device, b.mean));
        return { networks: { actor: { spec: actor.spec, parameters: mean } } };
      },
      destroy,
    };
  } catch (error) {
    destroy();
    throw error;
  }
}
