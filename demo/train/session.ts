/**
 * One training run of the Train panel: an agent trained until Pause (which ends it after the
 * iteration in flight; Start continues, the agent keeps its state in between). By default the agent
 * trains in a dedicated worker with its own device (createAgent({ worker: true })), so the page's
 * thread never waits on training and the charts and env view keep their frame rate; a MuJoCo env
 * (a JavaScript env object here, whose live view acts with the agent on the page's device), or a
 * browser whose workers get no GPU, trains on the page's thread instead, paced by `frameBudgetMs`.
 * Steps per second are measured here, over the last few seconds of wall time.
 */
import { Agent, createAgent, WorkerAgent, type AlgorithmConfig, type IterationStats, type TrainerConfig, type TrainingAgent } from '../../src/index';

/** The window of wall time the SPS estimate averages over. */
const SPS_WINDOW_MS = 5000;

export interface SessionListener {
  /** Each iteration's statistics (one iteration late) with the measured env steps per second. */
  stats(stats: IterationStats, stepsPerSecond: number): void;
}

/** Where a session trains: a worker, or the page's thread (paced by frameBudgetMs). */
export type Thread = 'worker' | 'page';

export interface SessionOptions {
  readonly thread: Thread;
  /** The page's thread: GPU time per frame given to training. A worker: the longest submit's GPU time (none: unbounded). */
  readonly frameBudgetMs?: number;
}

export class TrainingSession {
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  /** (wall ms, env steps of all agents) since this run's start. */
  private samples: { time: number; steps: number }[] = [];

  private constructor(
    readonly agent: TrainingAgent,
    private readonly frameBudgetMs: number | undefined,
    private readonly listener: SessionListener,
  ) {}

  /** Builds the agent where `options.thread` says (the env may be a JavaScript env object only on the page's thread). */
  static async create(device: GPUDevice, config: TrainerConfig, options: SessionOptions, listener: SessionListener): Promise<TrainingSession> {
    const { env, ...rest } = config as TrainerConfig & { env: string };
    const algorithm = rest as AlgorithmConfig;
    const agent = options.thread === 'worker' ? await createAgent({ env, algorithm, worker: true }) : await Agent.create({ env, algorithm, device });
    return new TrainingSession(agent, options.frameBudgetMs, listener);
  }

  /** The worker's agent, when the session trains in one. */
  get workerAgent(): WorkerAgent | null {
    return this.agent instanceof WorkerAgent ? this.agent : null;
  }

  /** The page's agent, when the session trains on the page's thread. */
  get pageAgent(): Agent | null {
    return this.agent instanceof Agent ? this.agent : null;
  }

  get running(): boolean {
    return this.loop !== null;
  }

  /** Whether every iteration the config asks for has run. */
  get finished(): boolean {
    return this.agent.iteration >= this.agent.numIterations;
  }

  /** Trains until paused, finished or failed; resolves when the loop has ended (rejects with its error). */
  start(): Promise<void> {
    if (this.loop) return this.loop;
    const controller = new AbortController();
    this.controller = controller;
    this.samples = [{ time: performance.now(), steps: this.agent.globalStep }];
    this.loop = (async () => {
      try {
        const budget = this.frameBudgetMs === undefined ? {} : { frameBudgetMs: this.frameBudgetMs };
        for await (const stats of this.agent.train({ signal: controller.signal, ...budget })) {
          this.listener.stats(stats, this.measure(stats));
        }
      } finally {
        this.loop = null;
        this.controller = null;
      }
    })();
    return this.loop;
  }

  /** Env steps of all agents per second of wall time over the last SPS_WINDOW_MS. */
  private measure(stats: IterationStats): number {
    const now = performance.now();
    const steps = stats.globalStep * (stats.agents?.length ?? 1);
    this.samples.push({ time: now, steps });
    while (this.samples.length > 2 && now - this.samples[1]!.time > SPS_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    return now > first.time ? ((steps - first.steps) * 1000) / (now - first.time) : Number.NaN;
  }

  /** Stops after the iteration in flight; resolves when the loop has ended. */
  async pause(): Promise<void> {
    this.controller?.abort();
    await this.loop?.catch(() => undefined);
  }

  /** Stops and frees the agent's GPU objects (and its worker). */
  async destroy(): Promise<void> {
    await this.pause();
    this.agent.destroy();
  }
}
