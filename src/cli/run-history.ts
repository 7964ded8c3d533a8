/**
 * What a resumed run takes over from the metrics.jsonl already under --out: the lines before the
 * checkpoint's iteration (kept; the file is appended to, never started afresh), and what the run's
 * end needs from them: the curve's points, when the env's threshold and --stop-at were first met,
 * and the best evaluation so far (so best.wgrl is only replaced by a better one). Lines at or after
 * the checkpoint's iteration were trained past the checkpoint (a run resumed from an older
 * best.wgrl, say): the resumed run trains those iterations again, so they are dropped.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../node/file-store';
import type { CurvePoint } from '../train/curve-svg';

/** The earlier part of a run, as its metrics.jsonl records it. */
export interface RunHistory {
  /** Kept records, in order. */
  readonly records: readonly Record<string, unknown>[];
  /** (global_step, return_mean_100) of each kept record. */
  readonly curve: readonly CurvePoint[];
  /** The first global_step whose return_mean_100 met `threshold` (null: none did, or no threshold). */
  readonly thresholdReachedAt: number | null;
  /** Per agent (G > 1): the same, of each agent's own return_mean_100. */
  readonly agentThresholdReachedAt: readonly (number | null)[];
  /** The highest eval_return_mean recorded, and its global_step (null: no evaluation yet). */
  readonly bestEvaluation: { readonly mean: number; readonly step: number } | null;
}

export const EMPTY_HISTORY: RunHistory = { records: [], curve: [], thresholdReachedAt: null, agentThresholdReachedAt: [], bestEvaluation: null };

const numberOr = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);

/**
 * Reads `out`/metrics.jsonl (absent: an empty history), keeps the records of iterations before
 * `iteration` and, when it held later ones, rewrites it atomically without them.
 */
export async function readRunHistory(out: string, iteration: number, threshold: number | null): Promise<RunHistory> {
  const path = join(out, 'metrics.jsonl');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_HISTORY;
    throw new Error(`--resume: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const records = lines.map((line, index) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`--resume: ${path} line ${index + 1} is not JSON (${(error as Error).message}); move the file away to resume without its history`);
    }
  });
  const kept = records.filter((record) => numberOr(record.iteration, Number.POSITIVE_INFINITY) < iteration);
  if (kept.length !== records.length) await writeFileAtomic(path, new TextEncoder().encode(kept.map((r) => `${JSON.stringify(r)}\n`).join('')));
  return summariseHistory(kept, threshold);
}

/** The curve, threshold steps and best evaluation of `records`. */
function summariseHistory(records: readonly Record<string, unknown>[], threshold: number | null): RunHistory {
  let thresholdReachedAt: number | null = null;
  const agentThresholdReachedAt: (number | null)[] = [];
  let bestEvaluation: RunHistory['bestEvaluation'] = null;
  const curve: CurvePoint[] = [];
  const met = (value: unknown) => threshold !== null && typeof value === 'number' && value >= threshold;
  for (const record of records) {
    const step = numberOr(record.global_step, 0);
    curve.push({ step, value: numberOr(record.return_mean_100, Number.NaN) });
    if (thresholdReachedAt === null && met(record.return_mean_100)) thresholdReachedAt = step;
    const agents = Array.isArray(record.agents) ? (record.agents as Record<string, unknown>[]) : [];
    agents.forEach((agent, g) => {
      if ((agentThresholdReachedAt[g] ?? null) === null) agentThresholdReachedAt[g] = met(agent.return_mean_100) ? step : null;
    });
    const evaluation = record.eval_return_mean;
    if (typeof evaluation === 'number' && (bestEvaluation === null || evaluation > bestEvaluation.mean)) bestEvaluation = { mean: evaluation, step };
  }
  return { records, curve, thresholdReachedAt, agentThresholdReachedAt, bestEvaluation };
}
