/**
 * A grid of small uPlot line charts sharing one x axis (the global step). Points are appended as
 * statistics arrive and drawn at most once per animation frame (flush), so a burst of iterations
 * costs one redraw. NaN ("does not apply", "no episode finished") becomes a gap, never a zero.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesSpec {
  readonly label: string;
  readonly color: string;
}

export interface ChartSpec {
  readonly title: string;
  readonly series: readonly SeriesSpec[];
  /** A fraction in [0, 1] (clipfrac, ESS/n): the y axis spans 0 … 1 instead of the data's range. */
  readonly fraction?: boolean;
}

/**
 * Points kept per series: past it, every other point is dropped (the curve keeps its shape, the
 * redraw its cost), so a long A2C run of tens of thousands of iterations stays cheap to draw.
 */
const MAX_POINTS = 4000;
const FALLBACK_SIZE = { width: 320, height: 170 };

/** 12 300 → '12.3k', 0.00042 → '4.2e-4': axis labels that fit and read at a glance. */
function compact(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6) return `${+(value / 1e6).toFixed(2)}M`;
  if (magnitude >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  if (magnitude > 0 && magnitude < 0.01) return value.toExponential(1).replace('.0e', 'e');
  return String(+value.toPrecision(3));
}

interface Chart {
  readonly plot: uPlot;
  readonly cell: HTMLElement;
  /** One array per series, aligned with the grid's steps. */
  readonly values: (number | null)[][];
}

export class ChartGrid {
  private readonly steps: number[] = [];
  private readonly charts: Chart[] = [];
  private readonly resize: ResizeObserver;
  private dirty = false;

  constructor(container: HTMLElement, specs: readonly ChartSpec[]) {
    // uPlot draws on canvases: give it the page's text colour so dark mode stays legible.
    const ink = getComputedStyle(container).color || '#444';
    const grid = 'rgba(128, 128, 128, 0.25)';
    this.resize = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const chart = this.charts.find((c) => c.cell === entry.target);
        const width = Math.floor(entry.contentRect.width);
        if (chart && width > 0) chart.plot.setSize({ width, height: FALLBACK_SIZE.height });
      }
    });
    for (const spec of specs) {
      const cell = document.createElement('div');
      cell.className = 'train-chart';
      container.append(cell);
      const values = spec.series.map(() => [] as (number | null)[]);
      const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
      const options: uPlot.Options = {
        title: spec.title,
        width: cell.clientWidth || FALLBACK_SIZE.width,
        height: FALLBACK_SIZE.height,
        scales: { x: { time: false }, ...(spec.fraction ? { y: { range: [0, 1] as uPlot.Range.MinMax } } : {}) },
        // Multi-series charts name their lines; values under the cursor would reflow the grid.
        legend: { show: spec.series.length > 1, live: false },
        series: [
          { label: 'step', value: (_u, v) => (v == null ? '–' : compact(v)) },
          ...spec.series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, spanGaps: false })),
        ],
        axes: [
          { ...axis, values: (_u, splits) => splits.map(compact) },
          { ...axis, size: 56, values: (_u, splits) => splits.map(compact) },
        ],
      };
      const plot = new uPlot(options, [this.steps, ...values] as uPlot.AlignedData, cell);
      this.charts.push({ plot, cell, values });
      this.resize.observe(cell);
    }
  }

  /** Appends one x value and each chart's series values (NaN or ±Inf: a gap). */
  push(step: number, rows: readonly (readonly number[])[]): void {
    this.steps.push(step);
    this.charts.forEach((chart, c) => {
      chart.values.forEach((series, s) => {
        const value = rows[c]?.[s] ?? Number.NaN;
        series.push(Number.isFinite(value) ? value : null);
      });
    });
    if (this.steps.length > MAX_POINTS) this.thin();
    this.dirty = true;
  }

  private thin(): void {
    const keep = (_: unknown, i: number) => i % 2 === 0 || i === this.steps.length - 1;
    const steps = this.steps.filter(keep);
    this.steps.splice(0, this.steps.length, ...steps);
    for (const chart of this.charts) {
      for (const series of chart.values) series.splice(0, series.length, ...series.filter(keep));
    }
  }

  /** Points on the charts now. */
  get length(): number {
    return this.steps.length;
  }

  /** Redraws the charts that gained points since the last flush (call from requestAnimationFrame). */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    for (const chart of this.charts) chart.plot.setData([this.steps, ...chart.values] as uPlot.AlignedData);
  }

  /** Empties every chart. */
  clear(): void {
    this.steps.length = 0;
    for (const chart of this.charts) for (const series of chart.values) series.length = 0;
    this.dirty = true;
    this.flush();
  }

  destroy(): void {
    this.resize.disconnect();
    for (const chart of this.charts) {
      chart.plot.destroy();
      chart.cell.remove();
    }
    this.charts.length = 0;
  }
}
