/**
 * The Break-It Lab: what each part of the policy-gradient estimator is for, shown by taking it away.
 * One population trains on CartPole-v1 (the agent dimension: every variant of ./variants.ts is one
 * agent of one `offpolicy` trainer with `variants`, all in the same dispatches), one curve each of
 * the mean return of the last 100 episodes against env steps, and under each variant one line of
 * the derivation.
 *
 * Published selectors: `button[data-action="lab-start"]`, `button[data-action="lab-stop"]`,
 * `[data-role="lab-chart"]`, `[data-role="lab-variants"]` (one `li[data-variant="<name>"]` each).
 *
 * Probe record, probe().lab (LabProbe): running (the training loop is on); variants (their names,
 * in agent order); iterations (reported so far); points (points of each variant's curve, i.e.
 * iterations with a finite returnMean100); lastReturns (each variant's returnMean100 of its last
 * point, NaN before one); error (the message shown, when one is).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { Agent, type IterationStats } from '../../src/index';
import { probe, type DemoContext, type Panel } from '../context';
import './lab.css';
import { LAB_VARIANTS, SOUND } from './variants';

export interface LabProbe {
  running: boolean;
  variants: string[];
  iterations: number;
  points: number[];
  lastReturns: number[];
  error?: string;
}

/** Per agent: envs × steps per iteration, and iterations; a CPU adapter gets a short run. */
const SIZES = {
  hardware: { numEnvs: 8, numSteps: 64, iterations: 600 },
  software: { numEnvs: 4, numSteps: 32, iterations: 400 },
};
/** GPU time per frame given to training (a CPU adapter's segments are long already). */
const FRAME_BUDGET_MS = { hardware: 6, software: 3 };
const CHART_HEIGHT = 260;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

class LabPanel {
  private readonly startButton = element('button', { 'data-action': 'lab-start', type: 'button' }, 'Run the lab');
  private readonly stopButton = element('button', { 'data-action': 'lab-stop', type: 'button' }, 'Stop');
  private readonly status = element('span', { class: 'lab-status' });
  private readonly errorLine = element('p', { class: 'lab-error', hidden: '' });
  private readonly chartCell = element('div', { class: 'lab-chart', 'data-role': 'lab-chart' });
  private readonly essCells: HTMLElement[] = [];
  private readonly record: LabProbe = {
    running: false,
    variants: LAB_VARIANTS.map((v) => v.name),
    iterations: 0,
    points: LAB_VARIANTS.map(() => 0),
    lastReturns: LAB_VARIANTS.map(() => Number.NaN),
  };
  private plot: uPlot | null = null;
  private readonly steps: number[] = [];
  private readonly curves: (number | null)[][] = LAB_VARIANTS.map(() => []);
  private dirty = false;
  private agent: Agent | null = null;
  private controller: AbortController | null = null;

  constructor(private readonly context: DemoContext) {}

  mount(root: HTMLElement): void {
    probe().lab = this.record;
    const sizes = this.sizes();
    const intro = element(
      'p',
      { class: 'lab-intro' },
      `${LAB_VARIANTS.length} variants of REINFORCE train at once on CartPole-v1, as one population (one agent each, ` +
        `${sizes.numEnvs} envs × ${sizes.numSteps} steps per update, seeds 1…${LAB_VARIANTS.length}). ` +
        'Each curve is the mean return of the last 100 episodes; 500 is the most CartPole-v1 gives.',
    );
    const controls = element('div', { class: 'lab-controls' });
    controls.append(this.startButton, this.stopButton, this.status);
    this.stopButton.disabled = true;
    this.startButton.addEventListener('click', () => void this.start());
    this.stopButton.addEventListener('click', () => this.controller?.abort());

    const list = element('ul', { class: 'lab-variants', 'data-role': 'lab-variants' });
    for (const v of LAB_VARIANTS) {
      const item = element('li', { 'data-variant': v.name });
      const swatch = element('span', { class: 'lab-swatch' });
      swatch.style.background = v.color;
      const title = element('strong', {}, v.name);
      const settings = element('code', { class: 'lab-settings' }, describe(v.variant));
      const ess = element('span', { class: 'lab-ess' });
      this.essCells.push(ess);
      item.append(swatch, title, ' ', settings, ess, element('p', { class: 'lab-why' }, v.why));
      list.append(item);
    }
    root.append(intro, controls, this.errorLine, this.chartCell, list);
    this.createPlot();
    this.updateStatus('idle');
  }

  private sizes() {
    return this.context.isSoftware ? SIZES.software : SIZES.hardware;
  }

  private createPlot(): void {
    const ink = getComputedStyle(this.chartCell).color || '#444';
    const grid = 'rgba(128, 128, 128, 0.25)';
    const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    this.plot = new uPlot(
      {
        title: 'mean return of the last 100 episodes',
        width: this.chartCell.clientWidth || 640,
        height: CHART_HEIGHT,
        scales: { x: { time: false }, y: { range: [0, 500] } },
        series: [{ label: 'env steps per agent' }, ...LAB_VARIANTS.map((v) => ({ label: v.name, stroke: v.color, width: 2, spanGaps: false }))],
        axes: [axis, { ...axis, size: 44 }],
      },
      [this.steps, ...this.curves] as uPlot.AlignedData,
      this.chartCell,
    );
    new ResizeObserver(([entry]) => {
      const width = Math.floor(entry?.contentRect.width ?? 0);
      if (width > 0) this.plot?.setSize({ width, height: CHART_HEIGHT });
    }).observe(this.chartCell);
    // Draw at most once per frame, however many iterations arrived.
    const frame = () => {
      if (this.dirty) {
        this.dirty = false;
        this.plot?.setData([this.steps, ...this.curves] as uPlot.AlignedData);
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  private updateStatus(phase: 'idle' | 'building' | 'running' | 'stopped' | 'finished' | 'failed'): void {
    const agent = this.agent;
    const progress = agent ? ` — iteration ${agent.iteration} of ${agent.numIterations}, ${agent.globalStep.toLocaleString('en')} steps per agent` : '';
    this.status.textContent = `${phase}${progress}`;
    this.startButton.disabled = phase === 'building' || phase === 'running';
    this.stopButton.disabled = phase !== 'running';
    this.startButton.textContent = phase === 'stopped' ? 'Continue' : phase === 'finished' || phase === 'failed' ? 'Run again' : 'Run the lab';
  }

  private async start(): Promise<void> {
    this.errorLine.hidden = true;
    delete this.record.error;
    try {
      if (!this.agent || this.agent.iteration >= this.agent.numIterations) {
        this.updateStatus('building');
        this.agent?.destroy();
        this.agent = null;
        this.reset();
        const { numEnvs, numSteps, iterations } = this.sizes();
        this.agent = await Agent.create({
          env: 'CartPole-v1',
          device: this.context.device,
          algorithm: {
            algo: 'offpolicy',
            seed: 1,
            numEnvs,
            numSteps,
            totalTimesteps: iterations * numEnvs * numSteps,
            // Constant rates and no clipping: each variant's rate is what it claims, nothing brakes K.
            annealLr: false,
            maxGradNorm: 0,
            ...SOUND,
            variants: LAB_VARIANTS.map((v) => v.variant),
          },
        });
      }
      const controller = new AbortController();
      this.controller = controller;
      this.record.running = true;
      this.updateStatus('running');
      const budget = this.context.isSoftware ? FRAME_BUDGET_MS.software : FRAME_BUDGET_MS.hardware;
      const started = { time: performance.now(), step: this.agent.globalStep };
      for await (const stats of this.agent.train({ signal: controller.signal, frameBudgetMs: budget })) {
        this.add(stats);
        const seconds = (performance.now() - started.time) / 1000;
        if (seconds > 0) this.context.reportSps(((stats.globalStep - started.step) * LAB_VARIANTS.length) / seconds);
        this.updateStatus('running');
      }
      this.updateStatus(this.agent.iteration >= this.agent.numIterations ? 'finished' : 'stopped');
    } catch (error) {
      this.record.error = message(error);
      this.errorLine.textContent = `The lab stopped: ${this.record.error}`;
      this.errorLine.hidden = false;
      console.error(`webgpu-rl demo, lab: ${this.record.error}`);
      this.agent?.destroy();
      this.agent = null;
      this.updateStatus('failed');
    } finally {
      this.record.running = false;
      this.controller = null;
      this.context.reportSps(Number.NaN);
    }
  }

  private reset(): void {
    this.steps.length = 0;
    for (const curve of this.curves) curve.length = 0;
    this.record.iterations = 0;
    this.record.points = LAB_VARIANTS.map(() => 0);
    this.record.lastReturns = LAB_VARIANTS.map(() => Number.NaN);
    this.dirty = true;
  }

  private add(stats: IterationStats): void {
    const agents = stats.agents ?? [];
    this.steps.push(stats.globalStep);
    LAB_VARIANTS.forEach((variant, g) => {
      const report = agents[g];
      const value = report && Number.isFinite(report.returnMean100) ? report.returnMean100 : null;
      this.curves[g]!.push(value);
      if (value !== null) {
        this.record.points[g]! += 1;
        this.record.lastReturns[g] = value;
      }
      // Off-policy words: [steps recorded, ESS/n of step 0, 1, …]; the last of this agent's own K.
      const k = variant.variant.updateSteps ?? 1;
      if (report && k > 1) this.essCells[g]!.textContent = ` ESS/n at step ${k}: ${report.algorithm[k]!.toFixed(2)}`;
    });
    this.record.iterations += 1;
    this.dirty = true;
  }
}

/** The variant's settings, in the trainer's words. */
function describe(v: (typeof LAB_VARIANTS)[number]['variant']): string {
  const n = v.trajectories === undefined ? 'N all envs' : `N ${v.trajectories}`;
  return `${v.weights}, baseline ${v.baseline}, ${v.normAdv ? 'normalised' : 'raw'}, lr ${v.learningRate}, ${n}, K ${v.updateSteps ?? 1}`;
}

let panel: LabPanel | null = null;

export const labPanel: Panel = {
  mount(root, context) {
    panel = new LabPanel(context);
    panel.mount(root);
  },
};
