/** Helpers for tests that drive a Trainer to the end. */
import type { Trainer } from '../../src/train/trainer';
import type { IterationStats } from '../../src/train/report';

/** Runs every iteration of `trainer` and drains the last; returns the stats in iteration order. */
export async function runAll(trainer: Trainer): Promise<IterationStats[]> {
  const out: IterationStats[] = [];
  for (let i = 0; i < trainer.numIterations; i += 1) {
    const stats = await trainer.iterate();
    if (stats) out.push(stats);
  }
  const last = await trainer.drain();
  if (last) out.push(last);
  return out;
}

/** Mean return of the last `count` finished episodes in `stats`' ring. */
export function lastMean(stats: IterationStats, count: number): number {
  const recent = stats.recentReturns.slice(-count);
  return recent.reduce((a, b) => a + b, 0) / recent.length;
}
