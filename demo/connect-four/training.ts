/**
 * "Train": one round of PPO iterations on ConnectFour-v0 by self-play (the agent's config),
 * stoppable after the iteration in flight. In a worker the round runs unpaced; on the page's
 * thread each frame gets a few milliseconds of GPU work (frameBudgetMs), so the board stays
 * responsive. The agent's CPU policy follows it (agent.policy({ follow: true }) refreshes it after
 * each iteration), so the next move you face is the newest policy's.
 */
import { WorkerAgent, type AgentIterationStats, type TrainingAgent } from '../../src/index';

/** What the tab shows after each iteration of a round. */
export interface RoundProgress {
  /** Iterations done in this round, and the round's length. */
  readonly done: number;
  readonly of: number;
  readonly stats: AgentIterationStats;
  /** Env steps per second since the previous iteration. */
  readonly stepsPerSecond: number;
}

export interface RoundOptions {
  readonly iterations: number;
  readonly signal: AbortSignal;
  readonly isSoftware: boolean;
  readonly onIteration: (progress: RoundProgress) => void;
}

/** Trains `agent` for a round; returns the iterations done (fewer when stopped or the step budget ran out). */
export async function trainRound(agent: TrainingAgent, options: RoundOptions): Promise<number> {
  const { iterations, signal, isSoftware, onIteration } = options;
  const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
  const pacing = agent instanceof WorkerAgent ? {} : { frameBudgetMs: isSoftware ? 4 : 6, nextFrame };
  let done = 0;
  let lastTime = performance.now();
  let lastStep = agent.globalStep;
  for await (const stats of agent.train({ iterations, signal, ...pacing })) {
    done += 1;
    const now = performance.now();
    const stepsPerSecond = now > lastTime ? ((stats.globalStep - lastStep) * 1000) / (now - lastTime) : Number.NaN;
    lastTime = now;
    lastStep = stats.globalStep;
    onIteration({ done, of: iterations, stats, stepsPerSecond });
  }
  return done;
}

/** The share of the last ≤ 100 training games won (the env's win metric), or null before any ended. */
export function recentWinRate(stats: AgentIterationStats): number | null {
  const win = stats.episodeMetrics.win;
  return win !== undefined && Number.isFinite(win) ? win : null;
}
