/**
 * One way in for a game, the thread chosen by an option: `createAgent({ ..., worker: true })`
 * trains in a dedicated worker with its own device (src/worker/worker-agent.ts: the page side
 * only, the engine loads in the worker), anything else on the page's thread (Agent). Either is a {@link TrainingAgent}.
 */
import { Agent, type AgentOptions } from '../agent/agent';
import type { TrainingAgent } from '../agent/training-agent';
import { WorkerAgent, type WorkerAgentOptions } from './worker-agent';

/** Options of createAgent on the page's thread: Agent.create's. */
export type MainThreadAgentOptions = AgentOptions & {
  /** Train on the page's thread (the default). */
  readonly worker?: false;
};

/** Options of createAgent in a worker: WorkerAgent.create's. */
export type WorkerThreadAgentOptions = WorkerAgentOptions & {
  /** Train in a dedicated worker with a GPU device of its own. */
  readonly worker: true;
};

/**
 * An agent on the page's thread (Agent.create) or in a dedicated worker (WorkerAgent.create),
 * as `options.worker` says. A worker that gets no GPU device rejects with a
 * WorkerUnavailableError saying why; the page's thread remains (call again without `worker`).
 */
export function createAgent(options: WorkerThreadAgentOptions): Promise<WorkerAgent>;
export function createAgent(options: MainThreadAgentOptions): Promise<Agent>;
export async function createAgent(options: MainThreadAgentOptions | WorkerThreadAgentOptions): Promise<TrainingAgent> {
  if (options.worker === true) {
    const { worker: _worker, ...rest } = options;
    return WorkerAgent.create(rest);
  }
  if (options.worker !== undefined && options.worker !== false) {
    throw new TypeError(`createAgent: options.worker must be true (train in a worker) or false (default: the page's thread); got ${String(options.worker)}`);
  }
  const { worker: _worker, ...rest } = options;
  // Also the check that Agent is a TrainingAgent (agent.ts cannot name the interface that names its types).
  const agent: TrainingAgent = await Agent.create(rest);
  return agent;
}
