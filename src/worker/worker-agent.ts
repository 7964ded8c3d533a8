/**
 * An Agent that trains in a dedicated worker with a GPU device of its own, so the page's thread
 * never waits on training: the worker runs train() unpaced and streams its statistics; act(),
 * policy(), save() and exportOnnx() are answered by the worker between iterations; the page keeps
 * the counters of the last message, so the getters answer at once. The same
 * {@link TrainingAgent} as {@link Agent}; createAgent({ worker: true }) picks it.
 *
 * The env: a built-in env's id or a custom WGSL env's descriptor cross by value; a game's
 * JavaScript env either steps in the worker, beside the GPU device (`{ module, export }`, a module
 * the worker imports, or a game's own worker script serving it by name), or, given as the env
 * object itself, steps on the page where the game keeps it: each step's actions come to the page in
 * one batch and the rows the env wrote go back (src/worker/page-env.ts).
 *
 * A browser runs every device's work in one GPU process and queue, so a worker's long submits still
 * delay the page's frames: `train({ frameBudgetMs })` bounds each submit's GPU time, the worker
 * waiting for one to finish before the next, so the page's frames get in between.
 */
import type { AgentIterationStats, AgentOptions, AlgorithmConfig, CloneOptions, TrainOptions } from '../agent/agent';
import { Demonstrations } from '../agent/demonstrations';
import { PolicyFollowers } from '../agent/policy-followers';
import { DeviceLostError } from '../agent/device-lost-error';
import type { CpuPolicy, CpuPolicyOptions } from '../agent/cpu-policy';
import type { ActOptions, ActResult } from '../agent/policy-inference';
import type { TrainingAgent } from '../agent/training-agent';
import type { EnvDescriptor } from '../envs/types';
import type { BatchedHostEnv } from '../envs/batched-host-env';
import type { HostEnv } from '../envs/per-instance-host-env';
import type { PageEnvRunner } from './page-env-runner';
import type { GpuLostReport } from '../gpu/device';
import {
  WORKER_UNAVAILABLE,
  fromWireError,
  wireError,
  transferablesOf,
  type PageMessage,
  type WireAgentInfo,
  type WireBuild,
  type WireEnv,
  type WirePolicy,
  type WireState,
  type WorkerMessage,
  type WorkerHandle,
  type WorkerRequest,
} from './protocol';

/** A game's JavaScript env for a worker: the URL of an ES module the worker imports, and the export that is the env (default 'default'). */
export interface WorkerEnvModule {
  /** The module's URL (relative URLs resolve against the page's). */
  readonly module: string | URL;
  /** The export holding the HostEnv or BatchedHostEnv (default 'default'). */
  readonly export?: string;
}

/** Options of {@link WorkerAgent.create}: Agent's, with an env that can cross to a worker and no device (the worker gets its own). */
export interface WorkerAgentOptions {
  /**
   * A built-in env id or alias, a customEnv descriptor, a module exporting the game's JavaScript env
   * (it then steps in the worker), or the game's JavaScript env object itself (it then steps on the
   * page: each step's actions go to the page and its rows come back, one round trip per step).
   */
  readonly env: string | EnvDescriptor | WorkerEnvModule | HostEnv | BatchedHostEnv;
  /** The algorithm and its hyperparameters (default: PPO with the env's documented defaults). */
  readonly algorithm?: AlgorithmConfig;
  /** Save a checkpoint every `every` iterations (and when train() ends); `sink` runs on the page with the bytes. */
  readonly autosave?: AgentOptions['autosave'];
  /** The largest batch act() takes (default 1024). */
  readonly maxActBatch?: number;
  /**
   * Starts the worker (default: a module worker of this package's agent-worker script). For a
   * bundler that does not follow `new Worker(new URL(…, import.meta.url))`, or an endpoint of one's own.
   */
  readonly createWorker?: () => WorkerHandle;
}

/** The worker could not get a GPU device (its message says why); Agent.create trains on the main thread instead. */
export class WorkerUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = WORKER_UNAVAILABLE;
  }
}

/** What the page draws the worker's training envs from: sizes, and a readback of their states. */
export interface WorkerEnvView {
  /** The env. */
  readonly descriptor: EnvDescriptor;
  /** Floats per env state. */
  readonly stateSize: number;
  /** N: envs of the whole population. */
  readonly numEnvs: number;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

function defaultWorker(): WorkerHandle {
  if (typeof Worker === 'undefined') {
    throw new WorkerUnavailableError('worker agent: this runtime has no Web Workers (Node: train with Agent, or the CLI)');
  }
  return new Worker(new URL('./agent-worker.ts', import.meta.url), { type: 'module', name: 'webgpu-rl agent' });
}

/** Whether `env` is a game's JavaScript env object (per-instance or batched), which steps on the page. */
function isEnvObject(env: WorkerAgentOptions['env']): env is HostEnv | BatchedHostEnv {
  return typeof env === 'object' && env !== null && (typeof (env as { stepBatch?: unknown }).stepBatch === 'function' || typeof (env as { step?: unknown }).step === 'function');
}

/** The env as it crosses, and for an env object the page's runner of it (loaded only then). */
async function wireEnv(env: WorkerAgentOptions['env']): Promise<{ wire: WireEnv; runner?: PageEnvRunner }> {
  if (typeof env === 'string') return { wire: { kind: 'id', id: env } };
  if (isEnvObject(env)) {
    const { PageEnvRunner, pageEnvSpec } = await import('./page-env-runner');
    const { env: batched, spec } = pageEnvSpec(env);
    return { wire: { kind: 'page', spec }, runner: new PageEnvRunner(batched, spec) };
  }
  if (typeof env === 'object' && env !== null && 'module' in env) {
    const base = typeof location !== 'undefined' ? location.href : undefined;
    return { wire: { kind: 'module', url: new URL(String(env.module), base).href, exportName: env.export ?? 'default' } };
  }
  if (typeof env !== 'object' || env === null) {
    throw new TypeError(`worker agent: options.env must be an env id, a customEnv descriptor, a JavaScript env object or { module, export } (got ${String(env)})`);
  }
  return { wire: { kind: 'descriptor', descriptor: env as EnvDescriptor } };
}

/** train()'s options as the worker takes them (nextFrame and signal stay on the page). */
function trainRequest(options: TrainOptions): WorkerRequest {
  return {
    op: 'train',
    ...(options.iterations !== undefined ? { iterations: options.iterations } : {}),
    ...(options.stopAtReturn !== undefined ? { stopAtReturn: options.stopAtReturn } : {}),
    ...(options.evaluation !== undefined ? { evaluation: options.evaluation } : {}),
    ...(options.frameBudgetMs !== undefined ? { frameBudgetMs: options.frameBudgetMs } : {}),
  };
}

/** Statistics the worker pushes and train()'s consumer pulls: a queue with one waiter. */
class StatsQueue {
  private readonly items: AgentIterationStats[] = [];
  private wake: (() => void) | null = null;
  ended = false;

  push(stats: AgentIterationStats): void {
    this.items.push(stats);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** The next statistics; null once the training ended and all were taken. */
  async next(): Promise<AgentIterationStats | null> {
    for (;;) {
      if (this.items.length > 0) return this.items.shift()!;
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}

/**
 * The agent in a worker: see the module's comment. Events as Agent's: 'devicelost' (a
 * DeviceLostError), 'autosave' and 'resumed'.
 */
export class WorkerAgent extends EventTarget implements TrainingAgent {
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, (stats: AgentIterationStats) => void>();
  private readonly epochs = new Map<number, NonNullable<CloneOptions['onEpoch']>>();
  /** CPU policies made with { follow: true }. */
  private readonly followers = new PolicyFollowers();
  private nextId = 0;
  private state: WireState = { iteration: 0, numIterations: 0, globalStep: 0, lost: false };
  private info: WireAgentInfo | null = null;
  private destroyed = false;
  private training = false;
  private readonly listener = (event: MessageEvent) => this.receive(event.data as WorkerMessage);

  private constructor(
    private readonly endpoint: WorkerHandle,
    private readonly sink: NonNullable<AgentOptions['autosave']>['sink'] | undefined,
    /** The game's env, when it steps on the page. */
    private readonly pageEnv: PageEnvRunner | null,
  ) {
    super();
    endpoint.addEventListener('message', this.listener);
    (endpoint as Partial<Worker>).addEventListener?.('error', (event: Event) => {
      const message = (event as ErrorEvent).message || 'the worker script failed to load or threw';
      this.failAll(new WorkerUnavailableError(`worker agent: ${message}`));
    });
  }

  /** Starts a worker and builds the agent there; validation errors and a worker without a GPU reject here. */
  static async create(options: WorkerAgentOptions): Promise<WorkerAgent> {
    if (typeof options !== 'object' || options === null) throw new TypeError('worker agent: options must be an object with at least { env }');
    if (options.env === undefined) throw new RangeError('worker agent: options.env is required (an env id, a customEnv descriptor, a JavaScript env object or { module, export })');
    const { wire, runner } = await wireEnv(options.env);
    return WorkerAgent.start(options, { op: 'create', build: WorkerAgent.build(options, wire) }, runner);
  }

  /**
   * Starts a worker and loads a checkpoint there. A JavaScript env's checkpoint needs that env as
   * options.env: the object (it steps on the page), `{ module, export }` or a served name.
   */
  static async load(bytes: Uint8Array, options: Partial<Omit<WorkerAgentOptions, 'algorithm'>> = {}): Promise<WorkerAgent> {
    const env = options.env === undefined ? undefined : await wireEnv(options.env);
    return WorkerAgent.start(options, { op: 'load', bytes, build: WorkerAgent.build(options, env?.wire) }, env?.runner);
  }

  private static build(options: Partial<WorkerAgentOptions>, env: WireEnv | undefined): WireBuild {
    if (options.autosave?.sink !== undefined && typeof options.autosave.sink !== 'function') {
      throw new TypeError(`worker agent: autosave.sink must be a function (bytes, info) => Promise<void> (got ${typeof options.autosave.sink})`);
    }
    return {
      ...(env ? { env } : {}),
      ...(options.algorithm ? { algorithm: options.algorithm } : {}),
      ...(options.maxActBatch !== undefined ? { maxActBatch: options.maxActBatch } : {}),
      ...(options.autosave ? { autosaveEvery: options.autosave.every } : {}),
      autosaveSink: options.autosave?.sink !== undefined,
    };
  }

  private static async start(options: Partial<WorkerAgentOptions>, request: WorkerRequest, runner?: PageEnvRunner): Promise<WorkerAgent> {
    const agent = new WorkerAgent((options.createWorker ?? defaultWorker)(), options.autosave?.sink, runner ?? null);
    try {
      agent.info = await agent.call<WireAgentInfo>(request);
      return agent;
    } catch (error) {
      agent.terminate();
      if (error instanceof Error && error.name === WORKER_UNAVAILABLE) throw new WorkerUnavailableError(error.message);
      throw error;
    }
  }

  private call<T>(request: WorkerRequest, transfer: Transferable[] = []): Promise<T> {
    return this.send<T>(this.nextId++, request, transfer);
  }

  private send<T>(id: number, request: WorkerRequest, transfer: Transferable[] = []): Promise<T> {
    if (this.destroyed) return Promise.reject(new Error(`worker agent: ${request.op}() after destroy()`));
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.endpoint.postMessage({ kind: 'request', id, request } satisfies PageMessage, transfer);
    });
  }

  private receive(message: WorkerMessage): void {
    if ('state' in message && message.state) this.state = message.state;
    switch (message.kind) {
      case 'reply': {
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) pending?.reject(fromWireError(message.error));
        else pending?.resolve(message.value);
        return;
      }
      case 'stats':
        this.streams.get(message.train)?.(message.stats);
        return;
      case 'epoch':
        this.epochs.get(message.clone)?.(message.epoch, message.meanNll);
        return;
      case 'sink':
        void this.runSink(message.id, message.bytes, message.info);
        return;
      case 'env-reset':
      case 'env-step':
      case 'env-release': {
        const answer = this.pageEnv?.run(message);
        if (answer && !this.destroyed) this.endpoint.postMessage(answer.rows, answer.transfer);
        return;
      }
      case 'event': {
        const detail = message.type === 'devicelost' ? this.lostError(message.detail) : message.detail;
        this.dispatchEvent(new CustomEvent(message.type, { detail }));
        return;
      }
    }
  }

  private lostError(detail: unknown): DeviceLostError {
    const wire = detail as { report: GpuLostReport; lastCheckpointIteration: number | null };
    return new DeviceLostError(wire.report, wire.lastCheckpointIteration);
  }

  private async runSink(id: number, bytes: Uint8Array, info: { iteration: number; globalStep: number }): Promise<void> {
    let reply: PageMessage = { kind: 'sink-done', id };
    try {
      await this.sink?.(bytes, info);
    } catch (error) {
      reply = { kind: 'sink-done', id, error: wireError(error) };
    }
    if (!this.destroyed) this.endpoint.postMessage(reply);
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  private get built(): WireAgentInfo {
    if (!this.info) throw new Error('worker agent: not built');
    return this.info;
  }

  /** The env (its descriptor: id, spaces, step limit; a JavaScript env's without its functions). */
  get env(): EnvDescriptor {
    return this.built.env;
  }

  /** The algorithm's name. */
  get algo(): string {
    return this.built.algo;
  }

  /** Iterations done, as of the worker's last message. */
  get iteration(): number {
    return this.state.iteration;
  }

  /** The iterations the config asks for. */
  get numIterations(): number {
    return this.state.numIterations;
  }

  /** Env steps taken per agent, as of the worker's last message. */
  get globalStep(): number {
    return this.state.globalStep;
  }

  /** Whether the worker's device was lost. */
  get lost(): boolean {
    return this.state.lost;
  }

  /** The training envs' sizes, for drawing them from readEnvStates(); absent for a JavaScript env. */
  get envView(): WorkerEnvView | undefined {
    const view = this.built.envView;
    return view ? { descriptor: this.built.env, ...view } : undefined;
  }

  /**
   * Trains in the worker, yielding each iteration's statistics as they arrive (the worker does not
   * wait for the page to take them). Options as Agent.train's; `frameBudgetMs` bounds each
   * submit's GPU time (see the module's comment) and `nextFrame` does not apply.
   */
  async *train(options: TrainOptions = {}): AsyncGenerator<AgentIterationStats, void, undefined> {
    if (this.destroyed) throw new Error('worker agent: train() after destroy()');
    if (this.training) throw new Error('agent: train() is already running (one training loop per agent)');
    if (options.nextFrame !== undefined) throw new RangeError('worker agent: train() takes no nextFrame (the worker paces its own submits; frameBudgetMs bounds them)');
    if (options.signal?.aborted) return;
    const id = this.nextId++;
    const queue = new StatsQueue();
    this.streams.set(id, (stats) => queue.push(stats));
    let failure: Error | null = null;
    const finished = this.send<void>(id, trainRequest(options))
      .catch((error: Error) => void (failure = error))
      .finally(() => queue.end());
    const abort = () => void this.call({ op: 'abort', train: id }).catch(() => undefined);
    options.signal?.addEventListener('abort', abort);
    this.training = true;
    try {
      for (let stats = await queue.next(); stats; stats = await queue.next()) {
        await this.followers.refresh(async () => (await this.call<WirePolicy>({ op: 'policy' })).snapshot);
        yield stats;
      }
      if (failure) throw failure;
    } finally {
      options.signal?.removeEventListener('abort', abort);
      // A consumer that left early: the worker stops after the iteration in flight.
      if (!queue.ended) abort();
      await finished;
      this.streams.delete(id);
      this.training = false;
    }
  }

  /** Actions for `observations` on the worker's GPU (as Agent.act; a boolean mask is sent as bytes). */
  async act(observations: ArrayLike<number>, options: ActOptions = {}): Promise<ActResult> {
    const input = Float32Array.from(observations);
    const { actionMask, ...rest } = options;
    const mask = Array.isArray(actionMask) ? Uint8Array.from(actionMask as readonly boolean[], (allowed) => (allowed ? 1 : 0)) : (actionMask as Uint8Array | Uint32Array | null | undefined);
    return this.call<ActResult>(
      { op: 'act', observations: input, options: { ...rest, ...(mask !== undefined ? { actionMask: mask } : {}) } },
      transferablesOf(input),
    );
  }

  /** A CPU copy of the worker's current policy whose act() is synchronous; refresh() asks the worker again, and `follow: true` after each iteration. */
  async policy(options: Omit<CpuPolicyOptions, 'source'> = {}): Promise<CpuPolicy> {
    const snapshot = () => this.call<WirePolicy>({ op: 'policy' });
    const first = await snapshot();
    const { CpuPolicy } = await import('../agent/cpu-policy');
    const policy = new CpuPolicy(first.snapshot, { seed: first.seed, ...options, source: async () => (await snapshot()).snapshot });
    if (options.follow) this.followers.add(policy);
    return policy;
  }

  /** A recorder of (observation, action) pairs for this env's spaces, kept on the page (see Agent.recordDemonstrations). */
  recordDemonstrations(): Demonstrations {
    const { observationSpace, actionSpace } = this.env;
    return new Demonstrations({ observationSize: observationSpace.size, actionSpace });
  }

  /** Behaviour cloning in the worker (see Agent.cloneBehaviour): the demonstrations cross as their JSON form; onEpoch runs on the page. */
  async cloneBehaviour(demonstrations: Demonstrations, options: CloneOptions = {}): Promise<readonly number[]> {
    const { onEpoch, ...rest } = options;
    const id = this.nextId++;
    if (onEpoch) this.epochs.set(id, onEpoch);
    try {
      return await this.send<readonly number[]>(id, { op: 'clone', demonstrations: demonstrations.toJSON(), options: rest });
    } finally {
      this.epochs.delete(id);
    }
  }

  /** A checkpoint from the worker, taken between iterations even while train() runs. */
  save(): Promise<Uint8Array> {
    return this.call<Uint8Array>({ op: 'save' });
  }

  /** The policy as an ONNX model, written in the worker. */
  exportOnnx(): Promise<Uint8Array> {
    return this.call<Uint8Array>({ op: 'exportOnnx' });
  }

  /** Replaces the worker agent's state by a checkpoint's (not while train() runs). */
  async restore(checkpoint: Uint8Array): Promise<void> {
    await this.call<void>({ op: 'restore', bytes: checkpoint });
  }

  /**
   * After the worker's device was lost (a 'devicelost' event): the worker rebuilds its agent on a
   * new device from `checkpoint` (default: its last save or autosave), as Agent.resume does.
   */
  async resume(checkpoint?: Uint8Array): Promise<void> {
    await this.call<void>({ op: 'resume', ...(checkpoint ? { bytes: checkpoint } : {}) });
  }

  /** Raises the run's step budget so that train() goes on past the old end (see Agent.extend). */
  async extend(totalTimesteps: number): Promise<void> {
    await this.call<void>({ op: 'extend', totalTimesteps });
  }

  /** The first `instances` training envs' states (f32 [instances][stateSize]), read in the worker after the work queued before. */
  readEnvStates(instances: number): Promise<Float32Array<ArrayBuffer>> {
    return this.call<Float32Array<ArrayBuffer>>({ op: 'envStates', instances });
  }

  /** Frees the worker's GPU objects and ends the worker; pending calls reject. */
  destroy(): void {
    if (this.destroyed) return;
    // The worker frees its device, then is terminated: a page that goes on is not left a device.
    const id = this.nextId++;
    this.pending.set(id, { resolve: () => this.terminate(), reject: () => this.terminate() });
    this.endpoint.postMessage({ kind: 'request', id, request: { op: 'destroy' } } satisfies PageMessage);
    this.destroyed = true;
    for (const [pendingId, pending] of this.pending) if (pendingId !== id) pending.reject(new Error('worker agent: destroyed'));
  }

  private terminate(): void {
    this.endpoint.removeEventListener('message', this.listener);
    this.endpoint.terminate?.();
    this.pending.clear();
  }
}
