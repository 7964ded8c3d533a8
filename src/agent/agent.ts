/**
 * The Agent: what a game touches. One object owns a trainer (any algorithm of src/algos) on one
 * device, trains it as an async iterator of statistics, acts for the game loop on the GPU, saves
 * and restores checkpoints, exports its policy to ONNX, clones demonstrations, and survives a lost
 * device by resuming from its last checkpoint on a new one.
 *
 * ```ts
 * const agent = await Agent.create({ env: myGame, algorithm: { algo: 'ppo', numEnvs: 8, totalTimesteps: 200_000 } });
 * for await (const stats of agent.train({ signal, frameBudgetMs: 4 })) hud.show(stats.returnMean100);
 * const { actions } = await agent.act(observations, { deterministic: true });
 * await store.save('agent', await agent.save());
 * agent.destroy();
 * ```
 *
 * Training keeps the engine's invariant (one submit and one readback per iteration; a JavaScript
 * env adds its per-step round trip); act() is one submit and one readback per call, beside it.
 */
import { createTrainer, resolveTrainerConfig, type TrainerConfig } from '../algos/index';
import { lookupEnv, type EnvSource } from '../envs/registry';
import type { CheckpointSink } from '../persistence/store-sink';
import { actionBranches, actionWords, continuousActionDims } from '../envs/action-branches';
import { maskWidth, type ActionSpace, type EnvDescriptor } from '../envs/types';
import { acquireGpu, type Gpu, type GpuLostReport } from '../gpu/device';
import { DeviceLostError } from './device-lost-error';

export { DeviceLostError } from './device-lost-error';
import { CheckpointError, checkCheckpointMatches, checkCheckpointPolicy, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../train/checkpoint';
import type { Pacing } from '../train/loop';
import type { Trainer, TrainerEnvView } from '../train/trainer';
import { populationReturnMean100, type IterationStats } from '../train/report';
import { captureCheckpoint, OBSERVATION_NORMALISER, restoreCheckpoint } from '../train/trainer-checkpoint';
// The CPU policy and the evaluation loop load on first use (dynamic imports below): a game page
// that trains and acts on the GPU does not carry them (scripts/consumer-test.mjs's budget).
import type { CpuPolicy, CpuPolicyOptions } from './cpu-policy';
import type { CpuPolicySnapshot, PolicySnapshotReader } from './cpu-policy-snapshot';
import { Demonstrations } from './demonstrations';
import { PolicyFollowers } from './policy-followers';
import type { Evaluation, EvaluationOptions } from './evaluate-policy';
import { createPolicyInference, type ActOptions, type ActResult, type PolicyInference } from './policy-inference';

/** A trainer config without its env (the agent's `env` names it). */
export type AlgorithmConfig = TrainerConfig extends infer C ? (C extends unknown ? Omit<C, 'env'> : never) : never;

/** Options of {@link Agent.create}: the env, the algorithm, the device, autosaving. */
export interface AgentOptions {
  /** A built-in env id or alias ('CartPole-v1'), a customEnv descriptor, or the game's own HostEnv or BatchedHostEnv. */
  readonly env: EnvSource;
  /** The algorithm and its hyperparameters (default: PPO with the env's documented defaults). */
  readonly algorithm?: AlgorithmConfig;
  /** The game's device (its renderer's), shared and never destroyed by the agent; default: one the agent acquires. */
  readonly device?: GPUDevice;
  /** Save a checkpoint every `every` iterations (and when train() ends) to `sink`; the latest is also kept for resume(). */
  readonly autosave?: {
    /** Iterations between checkpoints (a positive integer). */
    readonly every: number;
    /** Where each checkpoint goes (storeSink, fileSink); without one the latest is only kept in memory for resume(). */
    readonly sink?: CheckpointSink;
  };
  /** The largest batch act() takes (default 1024). */
  readonly maxActBatch?: number;
}

/** Options of {@link Agent.train}: how long, when to stop, how to share frames with the game. */
export interface TrainOptions {
  /** Iterations to run in this call (default: all that remain of the config's totalTimesteps). */
  readonly iterations?: number;
  /** Stops after the iteration in flight; the iterator then ends normally. */
  readonly signal?: AbortSignal;
  /**
   * Stops once the mean return of the last 100 episodes (with a population, the agents' mean of it)
   * reaches this: after the iteration in flight, which is yielded too; the iterator then ends normally.
   */
  readonly stopAtReturn?: number;
  /**
   * Every `every` iterations, plays `episodes` episodes on envs of their own (evaluateAgent, with
   * these options) once that iteration is collected; its yielded statistics carry the `evaluation`.
   */
  readonly evaluation?: EvaluationOptions & {
    /** Evaluate after every this many iterations (a positive integer). */
    readonly every: number;
  };
  /** Spread each iteration over frames with this much GPU time per frame (ms), so the game keeps its frame rate. */
  readonly frameBudgetMs?: number;
  /** Resolves at the next frame (default requestAnimationFrame, or a 16 ms timer in Node). */
  readonly nextFrame?: () => Promise<void>;
}

/** What {@link Agent.train} yields: an iteration's statistics, and after an evaluation (TrainOptions.evaluation) its result. */
export type AgentIterationStats = IterationStats & {
  /** The evaluation run after this iteration, on iterations TrainOptions.evaluation.every divides. */
  readonly evaluation?: Evaluation;
};

/** Options of {@link Agent.cloneBehaviour}. */
export interface CloneOptions {
  /** Passes over the demonstrations (default 50). */
  readonly epochs?: number;
  /** (observation, action) pairs per Adam step (default 64, at most the dataset's pairs). */
  readonly minibatchSize?: number;
  /** Adam's learning rate (default 1e-3). */
  readonly learningRate?: number;
  /** Called after each epoch with its mean negative log-likelihood. */
  readonly onEpoch?: (epoch: number, meanNll: number) => void;
}

/** Details of the agent's events: 'devicelost' (DeviceLostError), 'autosave' and 'resumed' ({ iteration, globalStep }). */
export type AgentEventDetail =
  | DeviceLostError
  | {
      /** Iterations done when the checkpoint was saved or resumed. */
      readonly iteration: number;
      /** Env steps taken per agent at that point (CleanRL's global_step). */
      readonly globalStep: number;
    };

const DEFAULT_MAX_ACT_BATCH = 1024;

function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new RangeError(`agent: ${field} must be a positive integer (got ${String(value)})`);
  return value;
}

/** An action space in an error: its kind, and a hybrid one's continuous dims and branches. */
function describeSpace(space: ActionSpace | Demonstrations['actionSpace']): string {
  return space.kind === 'hybrid' ? `hybrid (${space.continuous.size} continuous dims, nvec [${space.nvec.join(', ')}])` : space.kind;
}

/**
 * Throws unless the demonstrations were recorded for an action space of this env's shape: as many
 * words per action and, where either space is hybrid, both hybrid with the same D and branches (the
 * same words split otherwise would be read as the wrong parts: floats as branch indices).
 */
function checkDemonstrationSpace(demonstrations: Demonstrations, space: ActionSpace): void {
  const words = actionWords(space);
  if (demonstrations.actionSize !== words) {
    throw new RangeError(`agent: cloneBehaviour() demonstrations.actionSize must be ${words}, this env's words per action (got ${demonstrations.actionSize}); record them with recordDemonstrations()`);
  }
  const recorded = demonstrations.actionSpace;
  if (space.kind !== 'hybrid' && recorded.kind !== 'hybrid') return;
  const same =
    space.kind === 'hybrid' && recorded.kind === 'hybrid' && recorded.continuous.size === continuousActionDims(space) && recorded.nvec.join() === space.nvec.join();
  if (!same) {
    throw new RangeError(
      `agent: cloneBehaviour() demonstrations.actionSpace must be ${describeSpace(space)}, this env's (got ${describeSpace(recorded)}); record them with recordDemonstrations()`,
    );
  }
}

/** train()'s options, checked and resolved. */
interface TrainingPlan {
  /** The iteration index train() stops before. */
  readonly end: number;
  readonly signal?: AbortSignal;
  readonly pacing?: Pacing;
  /** Whether an iteration's statistics reach stopAtReturn. */
  readonly reaches: (stats: IterationStats) => boolean;
  readonly autosaveEvery?: number;
  readonly evaluation?: TrainOptions['evaluation'];
}

/** What the agent rebuilds on a new device: everything but the GPU objects. */
interface Recipe {
  readonly env: EnvDescriptor;
  readonly config: TrainerConfig;
  readonly algo: string;
  readonly maxActBatch: number;
  readonly autosave?: AgentOptions['autosave'];
}

/**
 * What a game touches: one trainer (any algorithm) on one device. `Agent.create()` or
 * `Agent.load()` builds it; `train()` is an async iterator of each iteration's statistics,
 * `act()` picks actions for the game loop on the GPU, `save()` returns a checkpoint, and after a
 * lost device (a 'devicelost' event, DeviceLostError) `resume()` continues from the last checkpoint
 * on a new device. Events: 'devicelost', 'autosave', 'resumed' (details: {@link AgentEventDetail}).
 * `destroy()` frees its GPU objects (and its device, unless the game's).
 */
export class Agent extends EventTarget {
  private gpu: Gpu;
  private trainer: Trainer;
  private inference: PolicyInference | null = null;
  private lostError: DeviceLostError | null = null;
  private destroyed = false;
  private training = false;
  /**
   * Captures asked for while train() runs (checkpoint(), save(), exportOnnx()): the loop takes
   * them at its next iteration boundary, once the iteration in flight is collected and checked.
   */
  private boundaryCaptures: { resolve: (checkpoint: Checkpoint) => void; reject: (error: unknown) => void }[] = [];
  /** train() waits at a yield for its consumer (who may ask for a checkpoint meanwhile). */
  private atYield = false;
  /** The iteration in flight, collected by checkpoint() while train() waited at a yield; the loop reports it next. */
  private collectedEarly: Promise<IterationStats | null> | null = null;
  /** Captures checkpoint() is taking while train() waits at a yield: the loop submits nothing until they are done. */
  private capturesAtYield: Promise<unknown>[] = [];
  /** CPU policies made with { follow: true }. */
  private readonly followers = new PolicyFollowers();
  /** Reads the CPU policy's snapshots (made on first use, for this trainer). */
  private snapshots: PolicySnapshotReader | null = null;
  private lastCheckpoint: Uint8Array | null = null;
  private lastCheckpointIteration: number | null = null;

  private constructor(
    private recipe: Recipe,
    gpu: Gpu,
    trainer: Trainer,
  ) {
    super();
    this.gpu = gpu;
    this.trainer = trainer;
  }

  /** Builds an agent: validates everything (env, algorithm, options) before touching the GPU. */
  static async create(options: AgentOptions): Promise<Agent> {
    const recipe = Agent.recipe(options);
    return Agent.build(recipe, options.device);
  }

  /**
   * An agent that continues a checkpoint: its algorithm and config, and its state. A checkpoint
   * of a JavaScript env (or a custom env not registered here) needs that env as `options.env`; an
   * env with other spaces than the checkpoint's is refused.
   */
  static async load(source: Uint8Array | Checkpoint, options: Partial<Omit<AgentOptions, 'algorithm'>> = {}): Promise<Agent> {
    const checkpoint = source instanceof Uint8Array ? await decodeCheckpoint(source) : source;
    const recipe = Agent.loadRecipe(checkpoint, options);
    const agent = await Agent.build(recipe, options.device);
    try {
      restoreCheckpoint(agent.trainer, checkpoint, recipe.algo);
    } catch (error) {
      agent.destroy();
      throw error;
    }
    return agent;
  }

  /**
   * Makes every check {@link Agent.load} makes before it touches the GPU (format and digest, the env
   * and its spaces, the config) and resolves with the decoded checkpoint; throws what load would.
   */
  static async check(source: Uint8Array | Checkpoint, options: Partial<Omit<AgentOptions, 'algorithm'>> = {}): Promise<Checkpoint> {
    const checkpoint = source instanceof Uint8Array ? await decodeCheckpoint(source) : source;
    Agent.loadRecipe(checkpoint, options);
    return checkpoint;
  }

  /** The recipe that continues `checkpoint`, every check made (no GPU). */
  private static loadRecipe(checkpoint: Checkpoint, options: Partial<Omit<AgentOptions, 'algorithm'>>): Recipe {
    if (checkpoint.env.host && options.env === undefined) {
      throw new CheckpointError(`checkpoint was trained on the JavaScript env '${checkpoint.env.id}': pass that env as options.env to load it`);
    }
    const env = lookupEnv(options.env ?? checkpoint.env.id);
    checkCheckpointMatches(checkpoint, { observationSize: env.observationSpace.size, actionSpace: env.actionSpace });
    checkCheckpointPolicy(checkpoint);
    const { env: _env, ...config } = checkpoint.config as Record<string, unknown>;
    return Agent.recipe({ ...options, env: options.env ?? checkpoint.env.id, algorithm: { ...config, algo: checkpoint.algo } as AlgorithmConfig });
  }

  private static recipe(options: AgentOptions): Recipe {
    if (typeof options !== 'object' || options === null) throw new TypeError('agent: options must be an object with at least { env }');
    if (options.env === undefined) throw new RangeError('agent: options.env is required (an env id, a customEnv descriptor or a HostEnv)');
    const env = lookupEnv(options.env);
    const algorithm = (options.algorithm ?? {}) as Record<string, unknown>;
    if ('env' in algorithm) throw new RangeError("agent: give the env as options.env, not algorithm.env");
    const config = { ...algorithm, env: options.env } as TrainerConfig;
    const resolved = resolveTrainerConfig(config) as { envDescriptor: EnvDescriptor };
    const maxActBatch = positiveInteger('maxActBatch', options.maxActBatch ?? DEFAULT_MAX_ACT_BATCH);
    if (options.autosave !== undefined) {
      positiveInteger('autosave.every', options.autosave.every);
      if (options.autosave.sink !== undefined && typeof options.autosave.sink !== 'function') {
        throw new TypeError(`agent: autosave.sink must be a function (bytes, info) => Promise<void> (got ${typeof options.autosave.sink})`);
      }
    }
    return {
      env: resolved.envDescriptor ?? env,
      config,
      algo: (algorithm.algo as string | undefined) ?? 'ppo',
      maxActBatch,
      ...(options.autosave ? { autosave: options.autosave } : {}),
    };
  }

  private static async build(recipe: Recipe, device?: GPUDevice): Promise<Agent> {
    let onLost: (report: GpuLostReport) => void = () => undefined;
    const gpu = await acquireGpu({ ...(device ? { device } : {}), onLost: (report) => onLost(report) });
    let trainer: Trainer;
    try {
      trainer = await createTrainer(gpu.device, recipe.config);
    } catch (error) {
      gpu.release();
      throw error;
    }
    const agent = new Agent(recipe, gpu, trainer);
    onLost = (report) => agent.deviceLost(gpu, report);
    return agent;
  }

  /** The env (its descriptor: id, spaces, step limit). */
  get env(): EnvDescriptor {
    return this.recipe.env;
  }

  /** The algorithm's name. */
  get algo(): string {
    return this.recipe.algo;
  }

  /** The device the agent runs on now (a new one after resume()). */
  get device(): GPUDevice {
    return this.gpu.device;
  }

  /** Iterations done. */
  get iteration(): number {
    return this.trainer.nextIteration();
  }

  /** The iterations the config asks for (its totalTimesteps over the batch size, rounded down). */
  get numIterations(): number {
    return this.trainer.numIterations;
  }

  /** Env steps taken per agent (CleanRL's global_step). */
  get globalStep(): number {
    return this.trainer.nextIteration() * this.trainer.stepsPerIteration;
  }

  /**
   * The training envs' state buffer on the agent's device (f32 [N][stateSize]), for a renderer
   * that draws them without a readback; it changes after resume() (a new device).
   */
  get envView(): TrainerEnvView | undefined {
    return this.trainer.envView;
  }

  /** Whether the device was lost (then only resume() and destroy() work). */
  get lost(): boolean {
    return this.lostError !== null;
  }

  private usable(what: string): void {
    if (this.destroyed) throw new Error(`agent: ${what} after destroy()`);
    if (this.lostError) throw this.lostError;
  }

  private deviceLost(gpu: Gpu, report: GpuLostReport): void {
    if (gpu !== this.gpu || this.destroyed) return;
    this.lostError = new DeviceLostError(report, this.lastCheckpointIteration);
    this.dispatchEvent(new CustomEvent<AgentEventDetail>('devicelost', { detail: this.lostError }));
  }

  /**
   * Trains, yielding each iteration's statistics (one iteration late: the GPU runs ahead). Ends
   * when the requested iterations are done or `signal` aborts. A lost device ends it with a
   * DeviceLostError (after the 'devicelost' event).
   */
  async *train(options: TrainOptions = {}): AsyncGenerator<AgentIterationStats, void, undefined> {
    this.usable('train()');
    if (this.training) throw new Error('agent: train() is already running (one training loop per agent)');
    const plan = this.planTraining(options);
    this.training = true;
    let failure: unknown;
    try {
      yield* this.iterations(plan);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      // A consumer that left the loop early (break, an exception) leaves an iteration in flight:
      // collect it, so that its NaN check runs and save() works; a non-finite one throws here.
      try {
        if (!this.lostError && !this.destroyed) await this.collect();
      } catch (error) {
        failure ??= error;
        throw error;
      } finally {
        this.training = false;
        // Captures asked for during the last iteration, or left by an early exit, run now (or
        // fail with what ended the loop: a lost device, destroy(), a non-finite iteration).
        await this.takeBoundaryCaptures(failure);
      }
    }
  }

  /** train()'s options checked and resolved once. */
  private planTraining(options: TrainOptions): TrainingPlan {
    const remaining = this.trainer.numIterations - this.trainer.nextIteration();
    const count = options.iterations === undefined ? remaining : Math.min(positiveInteger('iterations', options.iterations), remaining);
    if (options.frameBudgetMs !== undefined && !(options.frameBudgetMs > 0)) {
      throw new RangeError(`agent: frameBudgetMs must be a positive number of milliseconds (got ${String(options.frameBudgetMs)})`);
    }
    const stopAt = options.stopAtReturn;
    if (stopAt !== undefined && !Number.isFinite(stopAt)) throw new RangeError(`agent: stopAtReturn must be a finite number, a mean return (got ${String(stopAt)})`);
    if (options.evaluation !== undefined) positiveInteger('evaluation.every', options.evaluation.every);
    return {
      end: this.trainer.nextIteration() + count,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.frameBudgetMs === undefined ? {} : { pacing: { frameBudgetMs: options.frameBudgetMs, ...(options.nextFrame ? { nextFrame: options.nextFrame } : {}) } }),
      reaches: (stats) => stopAt !== undefined && populationReturnMean100(stats) >= stopAt,
      ...(this.recipe.autosave ? { autosaveEvery: this.recipe.autosave.every } : {}),
      ...(options.evaluation ? { evaluation: options.evaluation } : {}),
    };
  }

  /**
   * The loop: each iteration submitted, the previous one's statistics yielded; at an autosave, an
   * evaluation or a capture asked for (checkpoint()), the iteration in flight is collected first.
   */
  private async *iterations(plan: TrainingPlan): AsyncGenerator<AgentIterationStats, void, undefined> {
    let reached = false;
    while (this.trainer.nextIteration() < plan.end && !plan.signal?.aborted && !reached) {
      await this.settleCapturesAtYield();
      const stats = await this.guard(() => this.trainer.iterate(plan.pacing));
      if (stats) yield* this.report(stats);
      reached = stats !== null && plan.reaches(stats);
      const next = this.trainer.nextIteration();
      const saving = plan.autosaveEvery !== undefined && next % plan.autosaveEvery === 0;
      const evaluating = plan.evaluation !== undefined && next % plan.evaluation.every === 0;
      if (saving || evaluating || this.boundaryCaptures.length > 0 || this.collectedEarly) {
        // A checkpoint needs the iteration's report checked (the NaN guard) first; an evaluation,
        // the iteration's parameters.
        const last = await this.collect();
        await this.takeBoundaryCaptures();
        if (last) yield* this.report(evaluating ? { ...last, evaluation: await this.evaluateNow(plan.evaluation!) } : last);
        reached ||= last !== null && plan.reaches(last);
        if (saving) await this.autosave();
      }
    }
    const last = await this.collect();
    await this.takeBoundaryCaptures();
    if (last) yield* this.report(last);
    if (plan.autosaveEvery !== undefined && this.lastCheckpointIteration !== this.trainer.nextIteration()) await this.autosave();
  }

  /** Yields `stats` to train()'s consumer; while the consumer holds them, checkpoint() collects the iteration in flight itself. */
  private async *report(stats: AgentIterationStats): AsyncGenerator<AgentIterationStats, void, undefined> {
    await this.followers.refresh(() => this.policySnapshot());
    this.atYield = true;
    try {
      yield stats;
    } finally {
      this.atYield = false;
    }
  }

  /** The iteration in flight, collected (or the one checkpoint() collected while train() waited at a yield). */
  private async collect(): Promise<IterationStats | null> {
    const early = this.collectedEarly;
    this.collectedEarly = null;
    const stats = await (early ?? this.guard(() => this.trainer.drain()));
    await this.settleCapturesAtYield();
    return stats;
  }

  private async settleCapturesAtYield(): Promise<void> {
    while (this.capturesAtYield.length > 0) await Promise.allSettled(this.capturesAtYield.splice(0));
  }

  /** Answers the captures asked for while train() ran, at a boundary (nothing in flight), or rejects them with what ended it. */
  private async takeBoundaryCaptures(failure?: unknown): Promise<void> {
    const waiting = this.boundaryCaptures.splice(0);
    if (waiting.length === 0) return;
    try {
      if (failure !== undefined) throw failure;
      const checkpoint = await this.captureNow();
      for (const capture of waiting) capture.resolve(checkpoint);
    } catch (error) {
      for (const capture of waiting) capture.reject(error);
    }
  }

  /** Runs GPU work; a failure on a lost device becomes the DeviceLostError. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!this.lostError) {
        // The loss may be reported just after the failure it caused.
        const lost = await Promise.race([this.gpu.lost.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 100))]);
        if (lost && !this.lostError) this.deviceLost(this.gpu, await this.gpu.lost);
      }
      throw this.lostError ?? error;
    }
  }

  private async autosave(): Promise<void> {
    const bytes = await this.encode(await this.captureNow());
    const info = { iteration: this.trainer.nextIteration(), globalStep: this.globalStep };
    await this.recipe.autosave?.sink?.(bytes, info);
    this.dispatchEvent(new CustomEvent<AgentEventDetail>('autosave', { detail: info }));
  }

  /**
   * Actions for `observations` ([batch][OBS] row-major, batch ≤ maxActBatch) under the current
   * policy, on the GPU: sampled, or greedy with `deterministic`; masked actions are never chosen.
   * {@link ActResult} lists the result's shapes per action space: a hybrid env's continuous part
   * comes as `actions` (f32 [batch][D], clipped) and its branches as `discreteActions` (u32 [batch][K]).
   * On an env with action masks, `options.actionMask` is required (null opts out): the policy was
   * trained over the legal actions only, and what it would do with an illegal one is unlearnt.
   */
  async act(observations: ArrayLike<number>, options: ActOptions = {}): Promise<ActResult> {
    this.usable('act()');
    const space = this.recipe.env.actionSpace;
    if (this.recipe.env.actionMasks && options.actionMask === undefined) {
      // A hybrid env's mask covers its branches only.
      const width = space.kind === 'hybrid' ? `Σ nvec = ${maskWidth(space)}: its branches' actions; the continuous dims have none` : String(maskWidth(space));
      throw new RangeError(
        `agent: env '${this.recipe.env.id}' has action masks: act() takes its legal actions as options.actionMask ([batch][${width}], ` +
          '1 = legal: the masks the env wrote for these observations), or actionMask: null to choose among every action',
      );
    }
    const policy = this.trainer.policy;
    if (!policy) throw new Error(`agent: '${this.algo}' has no policy to act with`);
    if (!this.inference) {
      this.inference = await createPolicyInference(this.gpu.device, {
        actor: policy.actor,
        critic: policy.critic,
        actionSpace: space,
        maxBatch: this.recipe.maxActBatch,
        ...(policy.observationStatistics ? { observationNormaliser: { moments: policy.observationStatistics, ...OBSERVATION_NORMALISER } } : {}),
        seed: (this.trainer.config as { seed: number }).seed,
        label: 'agent.act',
      });
    }
    const input = observations instanceof Float32Array ? observations : Float32Array.from(observations);
    return this.guard(() => this.inference!.act({ actor: policy.actorParameters, critic: policy.criticParameters }, input, options));
  }

  /**
   * A CPU copy of the current policy (agent 0's actor and the observation statistics) whose
   * `act()` is synchronous, for a game's frame callback: see {@link CpuPolicy}. The copy is
   * refreshed on request (`cpuPolicy.refresh()`, or another `policy()`), or with `follow: true`
   * after each iteration train() reports. Reading them is a small readback in queue order, so it
   * works while train() runs, as act() does. Sampling is keyed by the training seed unless
   * `options.seed` says otherwise.
   */
  async policy(options: Omit<CpuPolicyOptions, 'source'> = {}): Promise<CpuPolicy> {
    const snapshot = await this.policySnapshot();
    const { CpuPolicy } = await import('./cpu-policy');
    const policy = new CpuPolicy(snapshot, { seed: this.seed, ...options, source: () => this.policySnapshot() });
    if (options.follow) this.followers.add(policy);
    return policy;
  }

  /**
   * The training seed (the CPU policy's default sampling key).
   * @internal
   */
  get seed(): number {
    return (this.trainer.config as { seed: number }).seed;
  }

  /** train()'s periodic evaluation: evaluateAgent's episodes on the current parameters. */
  private async evaluateNow(options: EvaluationOptions): Promise<Evaluation> {
    const { evaluatePolicy } = await import('./evaluate-policy');
    return evaluatePolicy(this.device, this.env, (observations, actOptions) => this.act(observations, actOptions), options);
  }

  /**
   * What policy() and CpuPolicy.refresh() read: the trainer's live actor parameters and
   * observation statistics (a worker's agent sends it to the page's CpuPolicy).
   * @internal
   */
  async policySnapshot(): Promise<CpuPolicySnapshot> {
    this.usable('policy()');
    const policy = this.trainer.policy;
    if (!policy) throw new Error(`agent: '${this.algo}' has no policy to copy`);
    const { actionSpace, actionMasks } = this.recipe.env;
    if (!this.snapshots) {
      const { createPolicySnapshotReader } = await import('./cpu-policy-snapshot');
      this.snapshots ??= createPolicySnapshotReader(this.gpu.device, policy, actionSpace, actionMasks === true);
    }
    const reader = this.snapshots;
    return this.guard(() => reader.read());
  }

  /**
   * Captures everything needed to continue (see src/train/checkpoint.ts). While train() runs it
   * resolves at the next iteration boundary (the iteration in flight collected and checked; the
   * loop then goes on), so a checkpoint is always consistent between iterations.
   */
  async checkpoint(): Promise<Checkpoint> {
    this.usable('checkpoint()');
    if (!this.training) return this.captureNow();
    if (this.atYield) {
      // train() waits for its consumer, who asked for this: collect the iteration in flight here,
      // and the loop reports it when it resumes.
      this.collectedEarly ??= this.guard(() => this.trainer.drain());
      const capture = this.collectedEarly.then(() => this.captureNow());
      this.capturesAtYield.push(capture);
      return capture;
    }
    return new Promise<Checkpoint>((resolve, reject) => this.boundaryCaptures.push({ resolve, reject }));
  }

  /** The checkpoint of the trainer as it stands: no iteration may be in flight. */
  private captureNow(): Promise<Checkpoint> {
    this.usable('checkpoint()');
    return this.guard(() =>
      captureCheckpoint(this.trainer, {
        algo: this.recipe.algo,
        config: { ...(this.recipe.config as Record<string, unknown>), env: this.recipe.env.id },
        env: this.recipe.env,
        seed: (this.trainer.config as { seed: number }).seed,
        agents: (this.trainer.config as { agents?: number }).agents ?? 1,
      }),
    );
  }

  /**
   * The checkpoint as bytes (format version 3, checksummed); kept as the one resume() falls back
   * on. While train() runs, taken at the next iteration boundary (see checkpoint()).
   */
  async save(): Promise<Uint8Array> {
    return this.encode(await this.checkpoint());
  }

  private async encode(checkpoint: Checkpoint): Promise<Uint8Array> {
    const bytes = await encodeCheckpoint(checkpoint);
    this.lastCheckpoint = bytes;
    this.lastCheckpointIteration = checkpoint.iteration;
    return bytes;
  }

  /**
   * Raises the run's step budget to `totalTimesteps` (per agent, as the config's), so that train()
   * goes on past the old end. The run continues as if it had been configured with the new budget
   * from the start: its schedules (an annealed learning rate or entropy coefficient, 1 − i/N over
   * the iterations) follow the new N, so an annealed rate steps back up from near 0 to the new
   * schedule's value at the iteration reached (as Stable-Baselines3 continues a run with
   * `reset_num_timesteps=False`). Everything else (parameters, optimiser, normalisers, envs, RNG
   * counters) carries over, as through save() and load(). Not while train() runs; envView and act()'s
   * buffers are new afterwards.
   */
  async extend(totalTimesteps: number): Promise<void> {
    this.usable('extend()');
    if (this.training) throw new Error('agent: extend() while train() runs (let it end, or abort it, first)');
    const current = (this.trainer.config as { totalTimesteps: number }).totalTimesteps;
    if (!Number.isInteger(totalTimesteps) || totalTimesteps <= current) {
      throw new RangeError(`agent: extend(totalTimesteps) takes an integer above the run's totalTimesteps = ${current} (got ${String(totalTimesteps)})`);
    }
    const recipe: Recipe = { ...this.recipe, config: { ...this.recipe.config, totalTimesteps } as TrainerConfig };
    resolveTrainerConfig(recipe.config);
    const checkpoint = await this.captureNow();
    const trainer = await this.guard(() => createTrainer(this.gpu.device, recipe.config));
    try {
      restoreCheckpoint(trainer, checkpoint, recipe.algo);
    } catch (error) {
      trainer.destroy();
      throw error;
    }
    this.releaseReaders();
    this.trainer.destroy();
    this.trainer = trainer;
    this.recipe = recipe;
  }

  /**
   * Replaces this agent's state by a checkpoint's (same algorithm, networks and env spaces):
   * everything is checked before anything is written, so a refused checkpoint changes nothing.
   */
  async restore(source: Uint8Array | Checkpoint): Promise<void> {
    this.usable('restore()');
    if (this.training) throw new Error('agent: restore() while train() runs');
    const checkpoint = source instanceof Uint8Array ? await decodeCheckpoint(source) : source;
    checkCheckpointMatches(checkpoint, { observationSize: this.recipe.env.observationSpace.size, actionSpace: this.recipe.env.actionSpace });
    restoreCheckpoint(this.trainer, checkpoint, this.recipe.algo);
  }

  /**
   * After a lost device: rebuilds the agent on `device` (default: a newly acquired one) from
   * `checkpoint` (default: the last one saved or autosaved) and continues from it.
   */
  async resume(options: { readonly device?: GPUDevice; readonly checkpoint?: Uint8Array | Checkpoint } = {}): Promise<void> {
    if (this.destroyed) throw new Error('agent: resume() after destroy()');
    if (this.training) throw new Error('agent: resume() while train() runs (let it end with its DeviceLostError first)');
    const source = options.checkpoint ?? this.lastCheckpoint;
    if (!source) throw new Error('agent: resume() has no checkpoint: none was saved (enable autosave) and none was given');
    const checkpoint = source instanceof Uint8Array ? await decodeCheckpoint(source) : source;
    const next = await Agent.build(this.recipe, options.device);
    try {
      restoreCheckpoint(next.trainer, checkpoint, this.recipe.algo);
    } catch (error) {
      next.destroy();
      throw error;
    }
    this.releaseGpuObjects();
    this.gpu = next.gpu;
    this.trainer = next.trainer;
    this.lostError = null;
    const gpu = next.gpu;
    // The new device's loss is reported by this agent, not by the builder it came from.
    gpu.lost.then((report) => this.deviceLost(gpu, report)).catch(() => undefined);
    this.dispatchEvent(new CustomEvent<AgentEventDetail>('resumed', { detail: { iteration: this.trainer.nextIteration(), globalStep: this.globalStep } }));
  }

  /** A recorder of (observation, action) pairs for this env's spaces (a human's play, a scripted controller…). */
  recordDemonstrations(): Demonstrations {
    return new Demonstrations({ observationSize: this.recipe.env.observationSpace.size, actionSpace: this.recipe.env.actionSpace });
  }

  /**
   * Behaviour cloning on the GPU: fits the actor to the demonstrations (−mean log π(a|s), the
   * policy gradient with unit weights) and writes it into the agent's policy, so act() follows it
   * and train() continues from it (a warm start: the critic and the optimiser are untouched).
   * Discrete, multi-discrete (log π summed over the branches), box and hybrid actions (the
   * Gaussian's log-density plus the branches' log π); action masks are not applied (the
   * demonstrated actions were legal, so the loss pushes the rest down anyway).
   * Resolves with each epoch's mean negative log-likelihood.
   */
  async cloneBehaviour(demonstrations: Demonstrations, options: CloneOptions = {}): Promise<readonly number[]> {
    this.usable('cloneBehaviour()');
    if (this.training) throw new Error('agent: cloneBehaviour() while train() runs');
    const policy = this.trainer.policy;
    if (!policy || !this.trainer.captureState || !this.trainer.restoreState) throw new Error(`agent: '${this.algo}' cannot be warm-started by behaviour cloning`);
    if ((this.trainer.config as { agents?: number }).agents !== undefined && (this.trainer.config as { agents: number }).agents > 1) {
      throw new RangeError('agent: behaviour cloning warm-starts one agent (agents = 1)');
    }
    if (policy.observationStatistics) {
      throw new RangeError('agent: behaviour cloning needs raw observations: this config normalises them (normObs); turn it off to clone');
    }
    const space = this.recipe.env.actionSpace;
    checkDemonstrationSpace(demonstrations, space);
    const dataset = demonstrations.toDataset();
    const branches = actionBranches(space);
    const rows = dataset.actions.length / actionWords(space);
    if (rows < 1) throw new RangeError('agent: cloneBehaviour() needs at least one recorded (observation, action) pair');
    const state = await this.guard(() => this.trainer.captureState!());
    const P = policy.actor.parametersPerAgent;
    const initial = new Float32Array(state.buffers.actorParameters!.slice().buffer, 0, P);
    const { createBehaviourCloning } = await import('../algos/behaviour-cloning/behaviour-cloning');
    const bc = await createBehaviourCloning(this.gpu.device, {
      actor: policy.actor,
      policy: policy.kind,
      branches: policy.kind === 'gaussian' ? undefined : branches,
      dataset,
      epochs: positiveInteger('epochs', options.epochs ?? 50),
      minibatchSize: Math.min(positiveInteger('minibatchSize', options.minibatchSize ?? 64), rows),
      learningRate: options.learningRate ?? 1e-3,
      seed: (this.trainer.config as { seed: number }).seed,
      initialParameters: initial,
      label: 'agent.bc',
    });
    try {
      const losses = await this.guard(() => bc.train(options.onEpoch));
      const actor = await bc.readParameters();
      const bytes = new Uint8Array(actor.buffer, actor.byteOffset, actor.byteLength);
      const buffers: Record<string, Uint8Array> = { ...state.buffers, actorParameters: bytes.slice() };
      // The joint [actor | critic] vector the optimiser updates starts with the actor.
      if (state.buffers.parameters) {
        const joint = state.buffers.parameters.slice();
        joint.set(bytes, 0);
        buffers.parameters = joint;
      }
      this.trainer.restoreState({ iteration: state.iteration, buffers });
      return losses;
    } finally {
      bc.destroy();
    }
  }

  /** The policy as an ONNX model (observation normalisation folded in): runs wherever ONNX runs. */
  async exportOnnx(): Promise<Uint8Array> {
    // Loaded on first use: the ONNX writer and its protobuf runtime are most of a page's JavaScript
    // that training never needs.
    const { exportCheckpointOnnx } = await import('../export/from-checkpoint');
    return exportCheckpointOnnx(await this.checkpoint());
  }

  /** act()'s inference and the snapshot reader, which read the current trainer's buffers. */
  private releaseReaders(): void {
    this.inference?.destroy();
    this.inference = null;
    this.snapshots?.destroy();
    this.snapshots = null;
  }

  private releaseGpuObjects(): void {
    this.releaseReaders();
    try {
      this.trainer.destroy();
    } catch {
      // A lost device's objects may refuse to be destroyed twice; nothing is left to free.
    }
    this.gpu.release();
  }

  /** Frees every GPU object the agent made (and the device, if the agent acquired it). act() and train() then throw. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.releaseGpuObjects();
  }
}
