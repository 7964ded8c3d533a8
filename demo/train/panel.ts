/**
 * Train and watch: pick an env and an algorithm, edit the main hyperparameters (the algorithm's
 * documented defaults, sized down on a CPU adapter), start / pause / reset, and watch the CleanRL
 * statistics on live charts and the training envs drawn straight from the GPU state buffer.
 *
 * Published selectors (the browser tests use them): `select[data-role="env"]`,
 * `select[data-role="algo"]`, `input[data-field="<configField>"]`,
 * `button[data-action="start"|"pause"|"reset"]`, `canvas[data-role="env-view"]`, `[data-role="charts"]`.
 *
 * Probe record, probe().train (TrainProbe): env and algo of the form (of the agent once built);
 * running (a training loop is on); iterations (reported so far); points (points of the return
 * chart); firstReturn / lastReturn (returnMean100 of the first / last point where it is finite,
 * NaN until then); sps (env steps per second, last measured); envViewFrames (env view draw()
 * calls); locomotionSteps (a MuJoCo env: steps the view's own instance has played); error (the
 * message shown, when one is). The env picker lists the MuJoCo locomotion envs after the built-in
 * ones: Start loads MuJoCo then, and the view plays one more instance with the current policy.
 */
import { ALGORITHMS, BUILTIN_ENVS, WorkerUnavailableError, type Agent, type AlgorithmName, type EnvSource, type IterationStats, type TrainerConfig, type WorkerAgent } from '../../src/index';
import { MUJOCO_ENV_IDS, mujocoEnv, type MujocoLocomotionEnv } from '../../src/mujoco';
import { probe, type DemoContext, type Panel } from '../context';
import { createEnvView, type EnvView } from '../env-view/env-view';
import { createWorkerEnvView } from '../env-view/worker-states';
import { createLiveLocomotionView } from '../locomotion/live';
import { locomotionId, locomotionSpec } from '../locomotion/specs';
import { ALGORITHM_TEXT } from './algorithms';
import { ChartGrid } from './charts';
import { defaultsFor, readConfig, refusalsFor, renderFields } from './form';
import { chartRows, RETURN_CHART, trainCharts } from './metrics';
import { TrainingSession, type Thread } from './session';

export interface TrainProbe {
  env: string;
  algo: string;
  running: boolean;
  iterations: number;
  points: number;
  firstReturn: number;
  lastReturn: number;
  sps: number;
  envViewFrames: number;
  /** Why a run meant for a worker trains on the page's thread (the worker got no GPU device). */
  threadNote?: string;
  /** Env steps of the extra instance the view plays, when the run trains a MuJoCo env. */
  locomotionSteps?: number;
  error?: string;
}

/** On the page's thread, GPU time per frame given to training: a CPU adapter gets less, its segments are long already. */
const FRAME_BUDGET_MS = { hardware: 6, software: 3 };
/**
 * In a worker, the longest run of submits without a pause: the browser runs every device's work in
 * one GPU process, so a long run of the worker's delays the page's frames; none on a hardware GPU,
 * whose iterations are short.
 */
const WORKER_SUBMIT_MS = { hardware: undefined, software: 8 };
/** Env instances the view draws at most. */
const ENV_VIEW_INSTANCES = 64;

type Phase = 'idle' | 'building' | 'running' | 'pausing' | 'paused' | 'finished';

function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class TrainPanel {
  private readonly envSelect = element('select', { 'data-role': 'env' });
  private readonly algoSelect = element('select', { 'data-role': 'algo' });
  private readonly threadSelect = element('select', { 'data-role': 'thread' });
  private readonly returnText = element('output', { 'data-testid': 'return-mean-100' }, '–');
  private readonly stepText = element('output', { 'data-testid': 'global-step' }, '0');
  private readonly startButton = element('button', { 'data-action': 'start', type: 'button' }, 'Start');
  private readonly pauseButton = element('button', { 'data-action': 'pause', type: 'button' }, 'Pause');
  private readonly resetButton = element('button', { 'data-action': 'reset', type: 'button' }, 'Reset');
  private readonly status = element('span', { class: 'train-status', 'aria-live': 'polite' });
  private readonly idea = element('p', { class: 'explain' });
  private readonly refusals = element('details', { class: 'explain train-refusals' });
  private readonly fieldset = element('fieldset', { class: 'train-form' });
  private readonly fields = element('div', { class: 'train-fields' });
  private readonly error = element('p', { class: 'train-error', role: 'alert', 'data-role': 'error' });
  private readonly canvas = element('canvas', { 'data-role': 'env-view', width: '480', height: '480' });
  private readonly caption = element('figcaption', { class: 'explain' });
  private readonly chartsRoot = element('div', { class: 'train-charts', 'data-role': 'charts' });
  private charts: ChartGrid;
  /** The chosen env's per-episode metrics, each charted after the training statistics. */
  private metricNames: readonly string[] = [];
  private readonly record: TrainProbe;

  /** The MuJoCo env of the run, when it trains one (made at Start, closed at Reset). */
  private locomotionEnv: MujocoLocomotionEnv | null = null;
  private phase: Phase = 'idle';
  /** The env fixes the thread (a MuJoCo env trains on this page's thread). */
  private threadOptionsFixed = false;
  /** Why the run is not where the thread picker says (a worker without a GPU), shown in the status. */
  private threadNote = '';
  private session: TrainingSession | null = null;
  private envView: EnvView | null = null;
  /** Bumped by Reset, so that an agent still being built when Reset came is thrown away. */
  private generation = 0;
  private frame = 0;

  constructor(
    root: HTMLElement,
    private readonly context: DemoContext,
  ) {
    for (const env of BUILTIN_ENVS) this.envSelect.append(element('option', { value: env.id }, env.id));
    // Listed always; Start loads MuJoCo's WebAssembly, and says what to install when it is missing.
    const locomotion = element('optgroup', { label: 'MuJoCo (webgpu-rl/mujoco)' });
    for (const id of MUJOCO_ENV_IDS) locomotion.append(element('option', { value: id }, id));
    this.envSelect.append(locomotion);
    for (const algo of ALGORITHMS) this.algoSelect.append(element('option', { value: algo }, `${ALGORITHM_TEXT[algo].name} (${algo})`));
    this.threadSelect.append(element('option', { value: 'worker' }, 'a worker (its own GPU device)'), element('option', { value: 'page' }, "this page's thread (paced by frames)"));
    this.threadSelect.title = "A worker trains beside the page; the page's thread shares the page's device and frames";
    this.error.hidden = true;
    this.canvas.hidden = true;

    const pickers = element('div', { class: 'train-controls' });
    pickers.append(this.labelled('env', this.envSelect), this.labelled('algorithm', this.algoSelect), this.labelled('train in', this.threadSelect), this.startButton, this.pauseButton, this.resetButton, this.status);
    const readout = element('p', { class: 'train-readout' });
    readout.append('mean return of the last 100 episodes ', this.returnText, ' · env steps ', this.stepText);
    this.fieldset.append(element('legend', {}, 'hyperparameters'), this.fields);
    const setup = element('div', { class: 'train-setup' });
    setup.append(pickers, readout, this.idea, this.refusals, this.fieldset, this.error);
    const view = element('figure', { class: 'train-env-view' });
    view.append(this.canvas, this.caption);
    const top = element('div', { class: 'row' });
    top.append(setup, view);
    root.replaceChildren(top, this.chartsRoot);

    this.charts = new ChartGrid(this.chartsRoot, trainCharts(this.metricNames));
    this.record = { env: '', algo: '', running: false, iterations: 0, points: 0, firstReturn: Number.NaN, lastReturn: Number.NaN, sps: Number.NaN, envViewFrames: 0 };
    probe().train = this.record;

    this.envSelect.addEventListener('change', () => this.choose());
    this.algoSelect.addEventListener('change', () => this.choose());
    this.threadSelect.addEventListener('change', () => this.choose());
    this.startButton.addEventListener('click', () => void this.start());
    this.pauseButton.addEventListener('click', () => void this.pause());
    this.resetButton.addEventListener('click', () => void this.reset());
    this.choose();
  }

  private labelled(text: string, control: HTMLElement): HTMLLabelElement {
    const label = element('label', {}, `${text} `);
    label.append(control);
    return label;
  }

  private get env(): string {
    return this.envSelect.value;
  }

  /** The chosen env as the form resolves it: a built-in id, or a MuJoCo env's stand-in (no MuJoCo loaded yet). */
  private get envSource(): EnvSource {
    const id = locomotionId(this.env);
    return id ? locomotionSpec(id) : this.env;
  }

  private get algo(): AlgorithmName {
    return this.algoSelect.value as AlgorithmName;
  }

  /** The env or algorithm changed: mark the algorithms that refuse the env, show the chosen one's defaults. */
  private choose(): void {
    const source = this.envSource;
    const refused = refusalsFor(source);
    for (const option of this.algoSelect.options) {
      const refusal = refused.find((r) => r.algo === option.value);
      option.disabled = refusal !== undefined;
      option.title = refusal?.reason ?? '';
    }
    if (refused.some((r) => r.algo === this.algo)) this.algoSelect.value = ALGORITHMS.find((a) => !refused.some((r) => r.algo === a)) ?? 'ppo';
    this.refusals.replaceChildren();
    this.refusals.hidden = refused.length === 0;
    if (refused.length > 0) {
      const list = element('ul');
      for (const r of refused) list.append(element('li', {}, r.reason));
      this.refusals.append(element('summary', {}, `${refused.length} of ${ALGORITHMS.length} algorithms refuse ${this.env}: why`), list);
    }
    this.idea.textContent = `${ALGORITHM_TEXT[this.algo].name}: ${ALGORITHM_TEXT[this.algo].idea}`;
    // A MuJoCo env is a JavaScript object on this page, whose live view acts on this page's device.
    const locomotion = locomotionId(this.env) !== undefined;
    if (locomotion) this.threadSelect.value = 'page';
    this.threadOptionsFixed = locomotion;
    renderFields(this.fields, defaultsFor(this.algo, source, this.context.isSoftware, this.thread));
    if (this.context.isSoftware) {
      this.fieldset.title =
        this.thread === 'page'
          ? "sized down for a CPU adapter (SwiftShader) on this page's thread: fewer envs and shorter rollouts than the documented defaults"
          : "the worker's sizes: see the form's defaults";
    }
    this.record.env = this.env;
    this.record.algo = this.algo;
    this.chartMetricsOf(source);
    this.showError(null);
    this.render();
  }

  /** The chart grid for `env`: a chart per metric it reports per episode (rebuilt when they differ). */
  private chartMetricsOf(env: EnvSource): void {
    const names = typeof env === 'string' ? (BUILTIN_ENVS.find((d) => d.id === env)?.episodeMetrics ?? []) : (env.episodeMetrics ?? []);
    if (names.join(',') === this.metricNames.join(',')) return;
    this.metricNames = names;
    this.charts.destroy();
    this.charts = new ChartGrid(this.chartsRoot, trainCharts(names));
  }

  private showError(text: string | null): void {
    this.error.hidden = text === null;
    this.error.textContent = text ?? '';
    if (text === null) delete this.record.error;
    else this.record.error = text;
  }

  /** Buttons, form and status for the phase. */
  private render(): void {
    const phase = this.phase;
    this.startButton.disabled = !(phase === 'idle' || phase === 'paused');
    this.pauseButton.disabled = phase !== 'running';
    this.resetButton.disabled = phase === 'idle' && this.charts.length === 0;
    // An agent's config is fixed once built: the settings open again after Reset.
    this.fieldset.disabled = this.envSelect.disabled = this.algoSelect.disabled = phase !== 'idle';
    this.threadSelect.disabled = phase !== 'idle' || this.threadOptionsFixed;
    const agent = this.session?.agent;
    const progress = agent ? `iteration ${agent.iteration} of ${agent.numIterations}` : '';
    this.status.textContent = {
      idle: '',
      building: 'building the agent (compiling shaders)…',
      running: `training ${this.session?.workerAgent ? 'in a worker' : "on this page's thread"}: ${progress}${this.threadNote ? ` (${this.threadNote})` : ''}`,
      pausing: 'pausing after the iteration in flight…',
      paused: `paused at ${progress}; Reset to change the settings`,
      finished: `finished: ${progress}`,
    }[phase];
    this.record.running = phase === 'running' || phase === 'pausing';
  }

  private async start(): Promise<void> {
    if (this.phase !== 'idle' && this.phase !== 'paused') return;
    this.showError(null);
    if (!this.session) {
      let config: TrainerConfig;
      try {
        config = readConfig(this.fields, this.algo, this.envSource);
      } catch (error) {
        this.showError(message(error));
        return;
      }
      const generation = this.generation;
      this.phase = 'building';
      this.render();
      let session: TrainingSession;
      try {
        // Statistics of a run that Reset ended (its last iteration lands after) are dropped.
        const stats = (iteration: IterationStats, sps: number) => generation === this.generation && this.onStats(iteration, sps);
        session = await this.createSession(await this.withLocomotionEnv(config, generation), stats);
      } catch (error) {
        this.closeLocomotionEnv();
        if (generation !== this.generation) return;
        this.showError(message(error));
        this.phase = 'idle';
        this.render();
        return;
      }
      if (generation !== this.generation) {
        session.agent.destroy();
        return;
      }
      this.session = session;
      await this.attachEnvView(session, generation);
      if (generation !== this.generation) return;
    }
    this.run(this.session!);
  }

  /** The thread picked for the next run. */
  private get thread(): Thread {
    return this.threadSelect.value as Thread;
  }

  /** A session in a worker (a browser whose workers get no GPU: on this page's thread, saying why) or on this page's thread. */
  private async createSession(config: TrainerConfig, stats: (iteration: IterationStats, sps: number) => void): Promise<TrainingSession> {
    const software = this.context.isSoftware;
    this.threadNote = '';
    if (this.thread === 'worker') {
      const frameBudgetMs = software ? WORKER_SUBMIT_MS.software : WORKER_SUBMIT_MS.hardware;
      try {
        return await TrainingSession.create(this.context.device, config, { thread: 'worker', ...(frameBudgetMs === undefined ? {} : { frameBudgetMs }) }, { stats });
      } catch (error) {
        if (!(error instanceof WorkerUnavailableError)) throw error;
        console.warn(`webgpu-rl demo, train: ${error.message}`);
        this.threadNote = "no GPU in workers here: on this page's thread";
        this.record.threadNote = error.message;
      }
    }
    return TrainingSession.create(this.context.device, config, { thread: 'page', frameBudgetMs: software ? FRAME_BUDGET_MS.software : FRAME_BUDGET_MS.hardware }, { stats });
  }

  /** `config` with the real MuJoCo env in place of the form's stand-in (kept for the view and closed at Reset). */
  private async withLocomotionEnv(config: TrainerConfig, generation: number): Promise<TrainerConfig> {
    const id = locomotionId(this.env);
    if (!id) return config;
    const env = await mujocoEnv(id);
    if (generation !== this.generation) {
      env.close();
      throw new Error('reset while MuJoCo loaded');
    }
    this.locomotionEnv = env;
    return { ...config, env } as TrainerConfig;
  }

  private closeLocomotionEnv(): void {
    this.locomotionEnv?.close();
    this.locomotionEnv = null;
  }

  private run(session: TrainingSession): void {
    this.phase = 'running';
    this.render();
    session.start().then(
      () => {
        if (this.session !== session) return;
        this.phase = session.finished ? 'finished' : 'paused';
        this.context.reportSps(Number.NaN);
        this.render();
      },
      (error: unknown) => {
        if (this.session !== session) return;
        // A failure inside training (a lost device, a non-finite statistic) is a real one.
        console.error(`webgpu-rl demo, train: ${message(error)}`);
        this.showError(message(error));
        this.phase = 'paused';
        this.context.reportSps(Number.NaN);
        this.render();
      },
    );
  }

  private async attachEnvView(session: TrainingSession, generation: number): Promise<void> {
    if (this.locomotionEnv && session.pageAgent) return this.attachLocomotionView(session.pageAgent, this.locomotionEnv, generation);
    if (session.workerAgent) return this.attachWorkerEnvView(session.workerAgent, generation);
    const view = session.pageAgent?.envView;
    if (!view) {
      this.caption.textContent = 'env view: this env has no state to draw';
      return;
    }
    try {
      const envView = await createEnvView(this.context.device, this.canvas, view, { maxInstances: ENV_VIEW_INSTANCES });
      // Reset came while it was being built: the agent (and its state buffer) is gone.
      if (generation !== this.generation) {
        envView.destroy();
        return;
      }
      this.envView = envView;
      this.canvas.hidden = false;
      this.caption.textContent =
        envView.instances > 0 ? `${envView.instances} of ${view.numEnvs} training envs, drawn from the GPU state buffer (no readback)` : `${view.descriptor.id} runs in JavaScript: no GPU state to draw`;
    } catch (error) {
      console.error(`webgpu-rl demo, env view: ${message(error)}`);
      this.caption.textContent = `env view failed: ${message(error)}`;
    }
  }

  /** A run in a worker: the grid drawn from the worker's env states, copied to this page's device. */
  private async attachWorkerEnvView(agent: WorkerAgent, generation: number): Promise<void> {
    try {
      const envView = await createWorkerEnvView(this.context.device, this.canvas, agent, { maxInstances: ENV_VIEW_INSTANCES });
      if (!envView) {
        this.caption.textContent = `${agent.env.id} runs in JavaScript: no GPU state to draw`;
        return;
      }
      if (generation !== this.generation) {
        envView.destroy();
        return;
      }
      this.envView = envView;
      this.canvas.hidden = false;
      this.caption.textContent = `${envView.instances} of ${agent.envView!.numEnvs} training envs, trained in a worker: their states read back between its submits`;
    } catch (error) {
      console.error(`webgpu-rl demo, env view: ${message(error)}`);
      this.caption.textContent = `env view failed: ${message(error)}`;
    }
  }

  /** A MuJoCo env: one extra instance played by the current policy, drawn in 3-D (demo/locomotion/live.ts). */
  private async attachLocomotionView(agent: Agent, env: MujocoLocomotionEnv, generation: number): Promise<void> {
    try {
      const live = await createLiveLocomotionView(this.context.device, this.canvas, env, agent);
      if (generation !== this.generation) {
        live.destroy();
        return;
      }
      const record = this.record;
      this.envView = {
        instances: live.instances,
        draw() {
          live.draw();
          record.locomotionSteps = live.episode.totalSteps;
        },
        destroy: () => live.destroy(),
      };
      this.canvas.hidden = false;
      this.caption.textContent = `one more ${env.name} instance, played by the policy as it trains (deterministic act() each step, beside training)`;
    } catch (error) {
      console.error(`webgpu-rl demo, locomotion view: ${message(error)}`);
      this.caption.textContent = `locomotion view failed: ${message(error)}`;
    }
  }

  private onStats(stats: IterationStats, stepsPerSecond: number): void {
    this.charts.push(stats.globalStep, chartRows(stats, this.algo, stepsPerSecond));
    const record = this.record;
    record.iterations = stats.iteration + 1;
    record.points = this.charts.length;
    record.sps = stepsPerSecond;
    this.returnText.textContent = Number.isFinite(stats.returnMean100) ? stats.returnMean100.toFixed(1) : '–';
    this.stepText.textContent = String(stats.globalStep * (stats.agents?.length ?? 1));
    if (Number.isFinite(stats.returnMean100)) {
      if (!Number.isFinite(record.firstReturn)) record.firstReturn = stats.returnMean100;
      record.lastReturn = stats.returnMean100;
    }
    if (Number.isFinite(stepsPerSecond)) this.context.reportSps(stepsPerSecond);
    this.render();
  }

  private async pause(): Promise<void> {
    if (this.phase !== 'running' || !this.session) return;
    this.phase = 'pausing';
    this.render();
    await this.session.pause();
  }

  private async reset(): Promise<void> {
    this.generation += 1;
    const session = this.session;
    this.session = null;
    this.envView?.destroy();
    this.envView = null;
    this.canvas.hidden = true;
    this.caption.textContent = '';
    this.phase = 'idle';
    this.charts.clear();
    Object.assign(this.record, { running: false, iterations: 0, points: 0, firstReturn: Number.NaN, lastReturn: Number.NaN, sps: Number.NaN });
    this.returnText.textContent = '–';
    this.stepText.textContent = '0';
    this.context.reportSps(Number.NaN);
    this.showError(null);
    this.render();
    await session?.destroy();
    // After the agent, whose batch of the env it frees; the view's own instance is freed already.
    this.closeLocomotionEnv();
  }

  /** Every frame while visible: the charts that gained points, and the env view. */
  private readonly draw = (): void => {
    this.frame = requestAnimationFrame(this.draw);
    this.charts.flush();
    if (this.envView) {
      this.envView.draw();
      this.record.envViewFrames += 1;
    }
  };

  show(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(this.draw);
  }

  hide(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }
}

let panel: TrainPanel | null = null;

export const trainPanel: Panel = {
  mount(root, context) {
    panel = new TrainPanel(root, context);
  },
  show() {
    panel?.show();
  },
  hide() {
    panel?.hide();
  },
};
