/**
 * Whether a run learned, judged the same way for every peer and for the engine: from the mean
 * return of the last ≤ 100 finished episodes at the end of each iteration (the engine's
 * IterationStats.returnMean100), so a broken peer cannot flatter the ratio.
 */

/** A uniformly random CartPole-v1 policy returns about 22 per episode. */
export const CARTPOLE_RANDOM_RETURN = 22;

/**
 * Learned: the last iteration's mean return is at least 1.5 × the first iteration's (the initial
 * policy, near random) and at least twice a random policy's. Short runs judge only this.
 */
export const LEARNED_FACTOR = 1.5;

/** The last ≤ capacity finished episodes' returns. */
export class RecentReturns {
  private readonly values: number[] = [];
  constructor(private readonly capacity: number) {}

  push(value: number): void {
    this.values.push(value);
    if (this.values.length > this.capacity) this.values.shift();
  }

  /** NaN before any episode finished. */
  mean(): number {
    return this.values.length === 0 ? Number.NaN : this.values.reduce((a, b) => a + b, 0) / this.values.length;
  }
}

export interface LearningVerdict {
  readonly learned: boolean;
  /** Mean return at the end of the first iteration with a finished episode. */
  readonly first: number;
  /** At the end of the last iteration. */
  readonly last: number;
  readonly iterations: number;
}

/** Judges a run from its per-iteration mean returns (see LEARNED_FACTOR). */
export function judgeLearning(returnsByIteration: readonly number[]): LearningVerdict {
  const finite = returnsByIteration.filter(Number.isFinite);
  const first = finite[0] ?? Number.NaN;
  const last = finite.at(-1) ?? Number.NaN;
  const learned = finite.length >= 2 && last >= LEARNED_FACTOR * first && last >= 2 * CARTPOLE_RANDOM_RETURN;
  return { learned, first, last, iterations: returnsByIteration.length };
}

/** "22.1 → 61.3 over 12 iterations". */
export function describeLearning(verdict: LearningVerdict): string {
  return `mean return ${verdict.first.toFixed(1)} → ${verdict.last.toFixed(1)} over ${verdict.iterations} iterations`;
}

/** The runners' N = 64 verdicts by peer ('tfjs-cpu', 'ours', …), for their short runs. */
export type LearningMemory = Map<string, { readonly learned: boolean; readonly text: string }>;

/** Shared by the suite's runners (bench/peers/index.ts runs TF.js CPU before TF.js WebGPU). */
export const PEER_LEARNING: LearningMemory = new Map();

/**
 * Iterations per run, warm-up (1) included: at N = 64 long enough to learn (the timing is taken
 * over the same run); at larger N (an iteration of the CPU peer takes over a minute at N = 1024) a
 * warm-up and one timed iteration; quick: one timed.
 */
export function peerIterations(numEnvs: number, quick: boolean): number {
  if (quick) return 2;
  return numEnvs <= 64 ? 12 : 2;
}

/** Two runs with the same seed track each other: every iteration's mean return within 5 %. */
export function returnsTrack(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) <= 0.05 * Math.max(Math.abs(b[i]!), 1));
}

/**
 * `learned` and the notes for one run. Quick runs are not judged. At N ≤ 64 judged on the run
 * itself (and remembered under `peer`), unless it is too short and comes with `crossCheck`: the
 * same module and seed on another backend (`crossCheck.peer`, whose N = 64 run learned), whose
 * returns it must track. At larger N: the remembered N = 64 verdict on the same code, provided
 * this short run's return did not fall. Any GPU error means not learned; GPU errors and a growing
 * count of live tensors are named in the notes.
 */
export function judgePeerRun(
  peer: string,
  run: { numEnvs: number; quick: boolean; returnsByIteration: readonly number[]; tensorsByIteration?: readonly number[]; gpuErrors?: readonly string[] },
  memory: LearningMemory,
  crossCheck?: { peer: string; returnsByIteration: readonly number[] },
): { learned: boolean; notes: string } {
  const verdict = judgeLearning(run.returnsByIteration);
  const own = describeLearning(verdict);
  const gpuErrors = run.gpuErrors ?? [];
  const tensors = run.tensorsByIteration ?? [];
  const problems = [
    ...gpuErrors.map((e) => `GPU error: ${e}`),
    ...(tensors.length > 1 && tensors.at(-1)! > tensors[0]! ? [`live tensors grew ${tensors.join(',')}`] : []),
  ];
  const suffix = problems.length > 0 ? `; ${problems.join('; ')}` : '';
  const clean = gpuErrors.length === 0;
  if (run.quick) return { learned: false, notes: `quick: learning not judged (${own})${suffix}` };
  if (run.numEnvs <= 64 && crossCheck) {
    const tracks = returnsTrack(run.returnsByIteration, crossCheck.returnsByIteration);
    const other = memory.get(crossCheck.peer);
    const learned = tracks && (other?.learned ?? false) && clean;
    memory.set(peer, { learned, text: `${own}, tracking ${crossCheck.peer}` });
    const fmt = (r: readonly number[]) => r.map((x) => x.toFixed(2)).join(', ');
    return {
      learned,
      notes:
        `too slow here for a run that shows learning: judged by tracking ${crossCheck.peer} (same module and seed, same page): ` +
        `returns ${fmt(run.returnsByIteration)} vs ${fmt(crossCheck.returnsByIteration)} (${tracks ? 'track' : 'DIVERGE'}), ` +
        `${crossCheck.peer} at N = 64: ${other ? `${other.learned ? 'learned' : 'did NOT learn'} (${other.text})` : 'not run'}${suffix}`,
    };
  }
  if (run.numEnvs <= 64) {
    const learned = verdict.learned && clean;
    memory.set(peer, { learned, text: own });
    return { learned, notes: `learning judged on this run: ${own}${suffix}` };
  }
  const at64 = memory.get(peer);
  if (!at64) return { learned: false, notes: `no N = 64 run of this peer to judge learning by; this run: ${own}${suffix}` };
  const learned = at64.learned && verdict.last >= verdict.first && clean;
  return { learned, notes: `learning judged on the N = 64 run of the same code (${at64.text}); this run: ${own}${suffix}` };
}
