/**
 * The worker's side of a {@link WorkerAgent}: one Agent on a device of the worker's own, driven by
 * the page's requests (src/worker/protocol.ts). train() runs here unpaced, its statistics streamed
 * to the page as they come; act(), policy snapshots, saves and env states are answered between
 * (the Agent takes checkpoints at iteration boundaries). src/worker/agent-worker.ts serves it on
 * the worker's global scope; a test serves it on a MessagePort.
 */
import { Demonstrations } from '../agent/demonstrations';
import { Agent, DeviceLostError, type AgentEventDetail, type AgentOptions, type TrainOptions } from '../agent/agent';
import { lookupEnv, type EnvSource } from '../envs/registry';
import { acquireGpu, type Gpu } from '../gpu/device';
import { ReadbackRing } from '../gpu/readback';
import { PageEnvProxy } from './page-env';
import {
  WORKER_UNAVAILABLE,
  fromWireError,
  transferablesOf,
  wireError,
  type Endpoint,
  type PageMessage,
  type WireAgentInfo,
  type WireBuild,
  type WireEnv,
  type WirePolicy,
  type WireState,
  type WorkerMessage,
  type WorkerRequest,
} from './protocol';

const AGENT_EVENTS = ['devicelost', 'autosave', 'resumed'] as const;

/** A game's JavaScript env, imported in the worker from the module the page named. */
async function importEnv(env: Extract<WireEnv, { kind: 'module' }>): Promise<EnvSource> {
  const module = (await import(/* @vite-ignore */ env.url)) as Record<string, unknown>;
  const value = module[env.exportName];
  if (value === undefined) {
    const names = Object.keys(module).join(', ') || 'none';
    throw new RangeError(`worker agent: env module ${env.url} has no export '${env.exportName}' (its exports: ${names})`);
  }
  return value as EnvSource;
}

/** Options of {@link serveAgent}. */
export interface ServeAgentOptions {
  /**
   * The game's own envs by name (its JavaScript envs above all, which cannot cross a thread): a
   * page's `env: '<name>'` finds them here before the registry's ids.
   */
  readonly envs?: Readonly<Record<string, EnvSource>>;
}

async function envSource(env: Exclude<WireEnv, { kind: 'page' }>, served: ServeAgentOptions['envs']): Promise<EnvSource> {
  if (env.kind === 'id') return served && Object.hasOwn(served, env.id) ? served[env.id]! : env.id;
  if (env.kind === 'descriptor') return env.descriptor;
  return importEnv(env);
}

/** The device the worker's agent trains on; a worker that cannot get one says why. */
async function workerGpu(): Promise<Gpu> {
  try {
    return await acquireGpu();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const unavailable = new Error(`the worker got no GPU device (${reason}); train on the main thread instead (Agent.create)`);
    unavailable.name = WORKER_UNAVAILABLE;
    throw unavailable;
  }
}

/** The env descriptor as it can cross: a JavaScript env's functions stay in the worker. */
function portableEnv(agent: Agent): WireAgentInfo['env'] {
  const { host: _host, ...descriptor } = agent.env as WireAgentInfo['env'] & { host?: unknown };
  return descriptor;
}

/**
 * Serves one Agent on `endpoint` until 'destroy': the package's worker script calls it on its
 * global scope, and so does a game's own worker script that brings its envs along
 * (`serveAgent(self, { envs: { seek } })`, started by WorkerAgentOptions.createWorker).
 */
export function serveAgent(endpoint: Endpoint, serve: ServeAgentOptions = {}): void {
  const host = new AgentHost(endpoint, serve);
  endpoint.addEventListener('message', (event: MessageEvent) => host.receive(event.data as PageMessage));
}

/** The worker's Agent and what it owes the page: running trainings, autosaves waiting on the page's sink. */
class AgentHost {
  private agent: Agent | null = null;
  private gpu: Gpu | null = null;
  private readonly trains = new Map<number, AbortController>();
  private readonly sinks = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextSink = 0;
  /** The stand-in of an env that steps on the page, when the agent's env is one. */
  private pageEnv: PageEnvProxy | null = null;
  /** The page's reads of the training envs' states: one staging buffer (made again on a new device), one read at a time. */
  private states: { ring: ReadbackRing; device: GPUDevice } | null = null;
  private statesRead: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly endpoint: Endpoint,
    private readonly serve: ServeAgentOptions,
  ) {}

  receive(message: PageMessage): void {
    if (message.kind === 'env-done') {
      this.pageEnv?.answer(message);
      return;
    }
    if (message.kind === 'sink-done') {
      const sink = this.sinks.get(message.id);
      this.sinks.delete(message.id);
      if (message.error) sink?.reject(fromWireError(message.error));
      else sink?.resolve();
      return;
    }
    this.answer(message.id, message.request).then(
      ([value, transfer]) => this.post({ kind: 'reply', id: message.id, value, ...this.stateField() }, transfer),
      (error: unknown) => this.post({ kind: 'reply', id: message.id, error: wireError(error), ...this.stateField() }),
    );
  }

  private state(): WireState | undefined {
    const agent = this.agent;
    return agent ? { iteration: agent.iteration, numIterations: agent.numIterations, globalStep: agent.globalStep, lost: agent.lost } : undefined;
  }

  private stateField(): { state?: WireState } {
    const state = this.state();
    return state ? { state } : {};
  }

  private post(message: WorkerMessage, transfer: Transferable[] = []): void {
    this.endpoint.postMessage(message, transfer);
  }

  private get current(): Agent {
    if (!this.agent) throw new Error('worker agent: no agent was built (create or load first)');
    return this.agent;
  }

  /** The autosave sink the worker's agent writes to: the page runs the game's sink and answers. */
  private readonly pageSink = (bytes: Uint8Array, info: { iteration: number; globalStep: number }) =>
    new Promise<void>((resolve, reject) => {
      const id = this.nextSink++;
      this.sinks.set(id, { resolve, reject });
      // A copy: the agent keeps its own bytes as resume()'s fallback.
      const copy = bytes.slice();
      this.post({ kind: 'sink', id, bytes: copy, info }, [copy.buffer]);
    });

  private async build(wire: WireBuild, bytes?: Uint8Array): Promise<WireAgentInfo> {
    if (this.agent) throw new Error('worker agent: this worker serves one agent, built already');
    const env = wire.env ? await this.envOf(wire.env) : undefined;
    const options: Partial<AgentOptions> = {
      ...(env !== undefined ? { env } : {}),
      ...(wire.algorithm ? { algorithm: wire.algorithm } : {}),
      ...(wire.maxActBatch !== undefined ? { maxActBatch: wire.maxActBatch } : {}),
      ...(wire.autosaveEvery !== undefined ? { autosave: { every: wire.autosaveEvery, ...(wire.autosaveSink ? { sink: this.pageSink } : {}) } } : {}),
    };
    // Everything the page could get wrong is checked before a device is asked for.
    if (bytes) await Agent.check(bytes, options);
    else if (env !== undefined) lookupEnv(env);
    const gpu = await workerGpu();
    let agent: Agent;
    try {
      agent = bytes ? await Agent.load(bytes, { ...options, device: gpu.device }) : await Agent.create({ ...(options as AgentOptions), device: gpu.device });
    } catch (error) {
      gpu.release();
      throw error;
    }
    this.agent = agent;
    this.gpu = gpu;
    for (const type of AGENT_EVENTS) agent.addEventListener(type, (event) => this.forward(type, (event as CustomEvent<AgentEventDetail>).detail));
    const view = agent.envView;
    return { env: portableEnv(agent), algo: agent.algo, seed: agent.seed, ...(view?.states ? { envView: { stateSize: view.stateSize, numEnvs: view.numEnvs } } : {}) };
  }

  /** The env a request names: an env on the page gets its stand-in here. */
  private async envOf(env: WireEnv): Promise<EnvSource> {
    if (env.kind !== 'page') return envSource(env, this.serve.envs);
    this.pageEnv = new PageEnvProxy(env.spec, (call, transfer) => this.post(call, transfer));
    return this.pageEnv as unknown as EnvSource;
  }

  /** An agent event to the page (a DeviceLostError as its fields). */
  private forward(type: (typeof AGENT_EVENTS)[number], detail: AgentEventDetail): void {
    const wire = detail instanceof DeviceLostError ? { ...wireError(detail), report: detail.report, lastCheckpointIteration: detail.lastCheckpointIteration } : detail;
    this.post({ kind: 'event', type, detail: wire, state: this.state()! });
  }

  private async train(id: number, request: Extract<WorkerRequest, { op: 'train' }>): Promise<void> {
    const controller = new AbortController();
    this.trains.set(id, controller);
    try {
      const options: TrainOptions = {
        signal: controller.signal,
        ...(request.iterations !== undefined ? { iterations: request.iterations } : {}),
        ...(request.stopAtReturn !== undefined ? { stopAtReturn: request.stopAtReturn } : {}),
        ...(request.evaluation !== undefined ? { evaluation: request.evaluation } : {}),
        // Paced without frames: each run of submits waits for the one before, and the page's frames get in between.
        ...(request.frameBudgetMs !== undefined ? { frameBudgetMs: request.frameBudgetMs, nextFrame: () => Promise.resolve() } : {}),
      };
      for await (const stats of this.current.train(options)) this.post({ kind: 'stats', train: id, stats, state: this.state()! });
    } finally {
      this.trains.delete(id);
    }
  }

  /** The first `instances` training envs' states; reads queue behind each other (the page draws at frame rate). */
  private envStates(instances: number): Promise<Float32Array> {
    const read = this.statesRead.then(() => this.readEnvStates(instances));
    this.statesRead = read.catch(() => undefined);
    return read;
  }

  private async readEnvStates(instances: number): Promise<Float32Array> {
    const agent = this.current;
    const view = agent.envView;
    if (!view?.states) throw new Error(`worker agent: env '${agent.env.id}' runs in JavaScript: it has no GPU state to read`);
    if (this.states?.device !== agent.device) {
      this.states?.ring.destroy();
      this.states = { ring: new ReadbackRing(agent.device, { label: 'worker-agent.env-states', byteLength: 4 * view.numEnvs * view.stateSize, slots: 1 }), device: agent.device };
    }
    const states = new Float32Array(Math.min(instances, view.numEnvs) * view.stateSize);
    const encoder = agent.device.createCommandEncoder({ label: 'worker-agent.env-states' });
    const ticket = this.states.ring.recordAt(encoder, 0, view.states, 0, states.byteLength);
    agent.device.queue.submit([encoder.finish()]);
    await this.states.ring.collectInto(ticket, new Uint8Array(states.buffer));
    return states;
  }

  private destroy(): void {
    this.states?.ring.destroy();
    this.states = null;
    for (const controller of this.trains.values()) controller.abort();
    this.agent?.destroy();
    this.gpu?.release();
    this.agent = null;
    this.gpu = null;
  }

  /** Runs one request; resolves with its reply's value and what to transfer with it. */
  private async answer(id: number, request: WorkerRequest): Promise<[unknown, Transferable[]]> {
    switch (request.op) {
      case 'create':
      case 'load':
        return [await this.build(request.build, request.op === 'load' ? request.bytes : undefined), []];
      case 'train':
        return [await this.train(id, request), []];
      case 'abort':
        return [this.trains.get(request.train)?.abort(), []];
      case 'act': {
        const result = await this.current.act(request.observations, request.options);
        return [result, transferablesOf(result.actions, result.discreteActions, result.logProbs, result.values, result.policyOutputs)];
      }
      case 'policy':
        return [{ snapshot: await this.current.policySnapshot(), seed: this.current.seed } satisfies WirePolicy, []];
      case 'clone': {
        const onEpoch = (epoch: number, meanNll: number) => this.post({ kind: 'epoch', clone: id, epoch, meanNll });
        return [await this.current.cloneBehaviour(Demonstrations.fromJSON(request.demonstrations), { ...request.options, onEpoch }), []];
      }
      case 'save':
        return [await this.current.save(), []];
      case 'exportOnnx': {
        const bytes = await this.current.exportOnnx();
        return [bytes, transferablesOf(bytes)];
      }
      case 'restore':
        return [await this.current.restore(request.bytes), []];
      case 'extend':
        return [await this.current.extend(request.totalTimesteps), []];
      case 'resume':
        return [await this.current.resume(request.bytes ? { checkpoint: request.bytes } : {}), []];
      case 'envStates': {
        const states = await this.envStates(request.instances);
        return [states, transferablesOf(states)];
      }
      case 'destroy':
        return [this.destroy(), []];
    }
  }
}
