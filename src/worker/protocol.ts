/**
 * The messages between a {@link WorkerAgent} on the page and the Agent it drives in a dedicated
 * worker (src/worker/agent-host.ts). Requests carry an id and get one reply each; train() streams
 * its statistics as 'stats' messages before its reply; the worker asks the page to run an autosave
 * sink ('sink', answered by 'sink-done') and forwards the agent's events. Every reply and stream
 * message carries the agent's counters, so the page's getters answer at once. Typed arrays travel
 * as transferables where the sender gives them up.
 */
import type { AgentIterationStats, AlgorithmConfig, CloneOptions } from '../agent/agent';
import type { DemonstrationsJson } from '../agent/demonstrations';
import type { CpuPolicySnapshot } from '../agent/cpu-policy-snapshot';
import type { EvaluationOptions } from '../agent/evaluate-policy';
import type { ActOptions } from '../agent/policy-inference';
import type { ActionSpace, EnvDescriptor } from '../envs/types';

/** The env as it crosses to the worker: by id, as a WGSL descriptor, as a module the worker imports, or as the spaces of an env that steps on the page. */
export type WireEnv =
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'descriptor'; readonly descriptor: EnvDescriptor }
  | { readonly kind: 'module'; readonly url: string; readonly exportName: string }
  | { readonly kind: 'page'; readonly spec: PageEnvSpec };

/** A JavaScript env that steps on the page, as the worker's stand-in for it sees it. */
export interface PageEnvSpec {
  readonly name: string;
  readonly observationSize: number;
  readonly actionSpace: ActionSpace;
  readonly maxEpisodeSteps: number;
  readonly actionMasks: boolean;
  readonly episodeMetrics: readonly string[];
}

/**
 * The worker asks the page to reset or step its env. Each names its instances' random-stream keys
 * (phase, episode per instance, [count][2]) and the seed, so that the page's draws are the worker's.
 * A step carries the range's action rows (their raw 32-bit words) and truncated flags (the step limit).
 */
export type PageEnvCall =
  | { readonly kind: 'env-reset'; readonly id: number; readonly numEnvs: number; readonly seed: number; readonly instances: Uint32Array; readonly keys: Uint32Array }
  | {
      readonly kind: 'env-step';
      readonly id: number;
      readonly numEnvs: number;
      readonly seed: number;
      readonly from: number;
      readonly to: number;
      readonly keys: Uint32Array;
      readonly actionWords: Uint32Array;
      readonly truncated: Uint32Array;
    }
  | { readonly kind: 'env-release' };

/** The page's answer: the rows the env wrote (a reset's in the order of its instances; a step's, of its range). */
export interface PageEnvRows {
  readonly kind: 'env-done';
  readonly id: number;
  readonly observations?: Float32Array;
  readonly rewards?: Float32Array;
  readonly terminated?: Uint32Array;
  readonly truncated?: Uint32Array;
  readonly masks?: Uint32Array;
  readonly episodeMetrics?: Float32Array;
  readonly error?: WireError;
}

/** What builds the worker's Agent (create or load). */
export interface WireBuild {
  /** Absent in a load: the checkpoint's env id. */
  readonly env?: WireEnv;
  readonly algorithm?: AlgorithmConfig;
  readonly maxActBatch?: number;
  readonly autosaveEvery?: number;
  /** The page holds a sink: the worker's autosaves go to it. */
  readonly autosaveSink: boolean;
}

export type WorkerRequest =
  | { readonly op: 'create'; readonly build: WireBuild }
  | { readonly op: 'load'; readonly bytes: Uint8Array; readonly build: WireBuild }
  | {
      readonly op: 'train';
      readonly iterations?: number;
      readonly stopAtReturn?: number;
      readonly evaluation?: EvaluationOptions & { readonly every: number };
      /** The GPU time of each submit (the worker waits for one to finish before the next). */
      readonly frameBudgetMs?: number;
    }
  | { readonly op: 'abort'; readonly train: number }
  | { readonly op: 'act'; readonly observations: Float32Array; readonly options: Omit<ActOptions, 'actionMask'> & { readonly actionMask?: Uint8Array | Uint32Array | null } }
  | { readonly op: 'policy' }
  | { readonly op: 'clone'; readonly demonstrations: DemonstrationsJson; readonly options: Omit<CloneOptions, 'onEpoch'> }
  | { readonly op: 'save' }
  | { readonly op: 'exportOnnx' }
  | { readonly op: 'restore'; readonly bytes: Uint8Array }
  | { readonly op: 'extend'; readonly totalTimesteps: number }
  | { readonly op: 'resume'; readonly bytes?: Uint8Array }
  | { readonly op: 'envStates'; readonly instances: number }
  | { readonly op: 'destroy' };

/** The name a worker's failure to get a GPU device travels under (WorkerUnavailableError on the page). */
export const WORKER_UNAVAILABLE = 'WorkerUnavailableError';

/** The worker agent's counters, sent with every reply. */
export interface WireState {
  readonly iteration: number;
  readonly numIterations: number;
  readonly globalStep: number;
  readonly lost: boolean;
}

/** An error as it crosses: its class name (Error, RangeError, TypeError, or the engine's), message and stack. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** The worker's reply to 'create' and 'load'. */
export interface WireAgentInfo {
  readonly env: EnvDescriptor;
  readonly algo: string;
  /** The training seed (the CPU policy's default sampling key). */
  readonly seed: number;
  /** Floats per env state and envs, for drawing the training envs; no stateSize for a JavaScript env. */
  readonly envView?: { readonly stateSize: number; readonly numEnvs: number };
}

/** The worker's reply to 'policy'. */
export interface WirePolicy {
  readonly snapshot: CpuPolicySnapshot;
  readonly seed: number;
}

export type PageMessage =
  | { readonly kind: 'request'; readonly id: number; readonly request: WorkerRequest }
  | { readonly kind: 'sink-done'; readonly id: number; readonly error?: WireError }
  | PageEnvRows;

export type WorkerMessage =
  | { readonly kind: 'reply'; readonly id: number; readonly value?: unknown; readonly error?: WireError; readonly state?: WireState }
  | { readonly kind: 'stats'; readonly train: number; readonly stats: AgentIterationStats; readonly state: WireState }
  | { readonly kind: 'epoch'; readonly clone: number; readonly epoch: number; readonly meanNll: number }
  | { readonly kind: 'sink'; readonly id: number; readonly bytes: Uint8Array; readonly info: { readonly iteration: number; readonly globalStep: number } }
  | { readonly kind: 'event'; readonly type: 'devicelost' | 'autosave' | 'resumed'; readonly detail: unknown; readonly state: WireState }
  | PageEnvCall;

/** The side of a MessagePort a worker or a page talks through (a Worker, a DedicatedWorkerGlobalScope, a MessagePort). */
export interface Endpoint {
  /** Sends a message, handing over the transferables' buffers. */
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Listens for the other side's messages. */
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  /** Stops listening. */
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** A started worker as WorkerAgent holds it: an Endpoint it ends on destroy(). */
export interface WorkerHandle extends Endpoint {
  /** Ends the worker (Worker.terminate); absent for a MessagePort. */
  terminate?(): void;
}

export function wireError(error: unknown): WireError {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

/** The error a WireError stands for: RangeError and TypeError as themselves, others as an Error of that name. */
export function fromWireError(wire: WireError): Error {
  const error = wire.name === 'RangeError' ? new RangeError(wire.message) : wire.name === 'TypeError' ? new TypeError(wire.message) : new Error(wire.message);
  if (error.name !== wire.name) error.name = wire.name;
  return error;
}

/** The buffers of `arrays` that can be handed over without a copy: each array is its whole buffer. */
export function transferablesOf(...arrays: readonly (ArrayBufferView | undefined)[]): Transferable[] {
  const buffers = new Set<ArrayBuffer>();
  for (const array of arrays) {
    if (!array || !(array.buffer instanceof ArrayBuffer)) continue;
    if (array.byteOffset === 0 && array.byteLength === array.buffer.byteLength) buffers.add(array.buffer);
  }
  return [...buffers];
}
