/**
 * One training run of the Train panel: an Agent on the page's device, trained in paced runs
 * (`frameBudgetMs`, so the page keeps its frame rate) that Pause ends after the iteration in flight
 * and Start continues: the agent keeps its state in between. Steps per second are measured here,
 * over the last few seconds of wall time.
 */
import { Agent, type AlgorithmConfig, type IterationStats, type TrainerConfig } from '../../src/index';

/** The window of wall time the SPS estimate averages over. */
const SPS_WINDOW_MS = 5000;

export interface SessionListener {
  /** Each iteration's statistics (one iteration late) with the measured env steps per second. */
  stats(stats: IterationStats, stepsPerSecond: number): void;
}

export class TrainingSession {
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  /** (wall ms, env steps of all agents) since this run's start. */
  private samples: { time: number; steps: number }[] = [];

  private constructor(
    readonly agent: Agent,
    private readonly frameBudgetMs: number,
    private readonly listener: SessionListener,
  ) {}

  static async create(device: GPUDevice, config: TrainerConfig, frameBudgetMs: number, listener: SessionListener): Promise<TrainingSession> {
    const { env, ...algorithm } = config as TrainerConfig & { env: string };
    const agent = await Agent.create({ env, algorithm: algorithm as AlgorithmConfig, device });
    return new TrainingSession(agent, frameBudgetMs, listener);
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
        for await (const stats of this.agent.train({ signal: controller.signal, frameBudgetMs: this.frameBudgetMs })) {
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

  /** Stops and frees the agent's GPU objects. */
  async destroy(): Promise<void> {
    await this.pause();
    this.agent.destroy();
  }
}
