/**
 * Timing for benchmarks. GPU work is timed on the host from `queue.submit` to
 * `onSubmittedWorkDone`, the one clock every adapter has (timestamp queries are optional, and
 * SwiftShader has none); commands are encoded before the clock starts. Every measurement warms up
 * first and reports the median of its repeats, which one slow repeat (a page fault, a neighbour
 * process) does not move.
 */

/** Repeated measurements of one quantity, in the unit the field holding it names. */
export interface Samples {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** In the order they were taken. */
  readonly values: readonly number[];
}

/** How often to run a measurement: untimed runs first, then timed ones. */
export interface Repetition {
  readonly warmup: number;
  readonly repeats: number;
}

/** Median (mean of the middle two for an even count), min and max of `values`. */
export function summarize(values: readonly number[]): Samples {
  if (values.length === 0) throw new RangeError('summarize needs at least one value');
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, values: [...values] };
}

/** Runs `measure` warmup + repeats times and summarizes what the timed repeats returned. */
export async function sample(repetition: Repetition, measure: () => Promise<number> | number): Promise<Samples> {
  const { warmup, repeats } = repetition;
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`warmup must be a non-negative integer (got ${warmup})`);
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats must be a positive integer (got ${repeats})`);
  for (let i = 0; i < warmup; i += 1) await measure();
  const values: number[] = [];
  for (let i = 0; i < repeats; i += 1) values.push(await measure());
  return summarize(values);
}

/**
 * Milliseconds from `submit()` (which calls queue.submit once or more) until the queue reports
 * all of it done. Encode before calling: encoding is host work, not GPU time.
 */
export async function timeSubmitted(queue: GPUQueue, submit: () => void): Promise<number> {
  const started = performance.now();
  submit();
  await queue.onSubmittedWorkDone();
  return performance.now() - started;
}

/** Milliseconds one call of `work` takes on the host. */
export function timeHost(work: () => void): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}
