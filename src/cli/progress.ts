/**
 * The `train` command's progress display: steps, SPS and the latest mean return. On a terminal, a
 * cli-progress bar redrawn in place; elsewhere (CI logs, a pipe) plain lines, at most one per
 * interval plus the last, so that a log stays readable.
 */
import { Presets, SingleBar } from 'cli-progress';

/** Where training stands, after one iteration's report. */
export interface ProgressUpdate {
  /** Env steps so far (all agents together). */
  readonly step: number;
  /** Env steps the run will take. */
  readonly total: number;
  /** Env steps per second of wall time since training began. */
  readonly sps: number;
  /** Mean return of the last 100 episodes (the population's mean of it when G > 1; NaN before any). */
  readonly returnMean100: number;
  /** With G > 1 agents: the best agent's mean return of the last 100 episodes. */
  readonly bestReturnMean100?: number;
  readonly agents?: number;
  readonly elapsedSeconds: number;
  /** The last iteration of the run. */
  readonly final: boolean;
}

export interface Progress {
  update(update: ProgressUpdate): void;
  /** Ends the display (the bar's last state stays on screen). */
  stop(): void;
}

const returnText = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '—');

/** The mean-return part of a progress line: `23.4`, or `23.4 (best 40.1 of 8 agents)`. */
export function formatReturn(update: Pick<ProgressUpdate, 'returnMean100' | 'bestReturnMean100' | 'agents'>): string {
  const best = update.agents !== undefined && update.agents > 1 && update.bestReturnMean100 !== undefined;
  return `${returnText(update.returnMean100)}${best ? ` (best ${returnText(update.bestReturnMean100!)} of ${update.agents} agents)` : ''}`;
}

/** A plain progress line for logs: `step 1280/500000 (0.3%)  3402 SPS  return(100) 23.4  12 s`. */
export function formatProgressLine(update: ProgressUpdate): string {
  const percent = update.total > 0 ? (100 * update.step) / update.total : 0;
  return (
    `step ${update.step}/${update.total} (${percent.toFixed(1)}%)  ${Math.round(update.sps)} SPS  ` +
    `return(100) ${formatReturn(update)}  ${update.elapsedSeconds.toFixed(0)} s`
  );
}

export interface ProgressOptions {
  /** Where to draw; default process.stdout. */
  readonly stream?: NodeJS.WriteStream;
  /** Draw a bar (default: whether the stream is a terminal). */
  readonly tty?: boolean;
  /** Least time between two plain lines; default 10 000 ms. The final update is always printed. */
  readonly intervalMs?: number;
  /** Show nothing. */
  readonly quiet?: boolean;
}

/** A progress display; it appears with the first update (which says the run's total). */
export function createProgress(options: ProgressOptions = {}): Progress {
  if (options.quiet) return { update() {}, stop() {} };
  const stream = options.stream ?? process.stdout;
  if (options.tty ?? stream.isTTY === true) return barProgress(stream);
  const interval = options.intervalMs ?? 10_000;
  let lastPrint = Number.NEGATIVE_INFINITY;
  let printedFinal = false;
  return {
    update(update) {
      const now = performance.now();
      if (printedFinal || (!update.final && now - lastPrint < interval)) return;
      lastPrint = now;
      printedFinal = update.final;
      stream.write(`${formatProgressLine(update)}\n`);
    },
    stop() {},
  };
}

function barProgress(stream: NodeJS.WriteStream): Progress {
  const bar = new SingleBar(
    {
      stream,
      format: '{bar} {percentage}% | {value}/{total} steps | {sps} SPS | return(100) {ret} | {duration_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      // The bar is redrawn when an iteration reports, not on a timer of its own.
      fps: 4,
    },
    Presets.shades_classic,
  );
  let state: 'new' | 'drawing' | 'stopped' = 'new';
  return {
    update(update) {
      if (state === 'stopped') return;
      const payload = { sps: Math.round(update.sps), ret: formatReturn(update) };
      if (state === 'new') bar.start(update.total, update.step, payload);
      else bar.update(update.step, payload);
      state = 'drawing';
    },
    stop() {
      if (state === 'drawing') bar.stop();
      state = 'stopped';
    },
  };
}
