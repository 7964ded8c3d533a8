/**
 * Play: Catch-v0 as a game. A person plays it with the keyboard (← → or A D), records their games
 * as demonstrations and clones them into the agent; the agent trains beside the game (in a worker;
 * where workers get no GPU, on the page's thread paced by frameBudgetMs, so the game keeps its frame
 * rate), plays through its CPU policy (refreshed after each iteration, a clone and a load) on its
 * own ("Watch") or side by side with
 * the person on the same seed ("Versus"); the agent is saved to and loaded from IndexedDB and its
 * policy exported as ONNX.
 *
 * Test record, probe().play:
 *   { mode: 'idle' | 'human' | 'watch' | 'versus', humanSteps (steps a person played, all games),
 *     score (fruits the person caught in the current or last game), agentScore (the agent's, in
 *     watch or versus), recording, recordedPairs, recordedEpisodes, cloned (last epoch's NLL of the
 *     last clone, or null), training, agentIterations, returnMean100 (null before any episode),
 *     saved (bytes of the last save, or null), loadedIteration (of the last load, or null),
 *     exportedBytes (of the last ONNX export, or null), thread ('worker' or 'page': where the agent
 *     trains, once made), error? (the last failure's message) }
 */
import { catchEnv, Demonstrations, openIndexedDbStore, WorkerAgent, type CheckpointStore, type CpuPolicy, type TrainingAgent } from '../../src/index';
import { CATCH_PALETTE } from '../../src/engine';
import { probe, type DemoContext, type Panel } from '../context';
import { CatchGame, type CatchStep } from './catch-game';
import { createCatchAgent, greedyAction, loadCatchAgent, SAVE_NAME, STEPS_TO_LEARN } from './catch-agent';
import { KeyboardPaddle } from './keyboard';
import { Match, drawSeat, type Seat } from './match';
import './play.css';

type Mode = 'idle' | 'human' | 'watch' | 'versus';

interface PlayRecord {
  mode: Mode;
  humanSteps: number;
  score: number;
  agentScore: number | null;
  recording: boolean;
  recordedPairs: number;
  recordedEpisodes: number;
  cloned: number | null;
  training: boolean;
  agentIterations: number;
  returnMean100: number | null;
  saved: number | null;
  loadedIteration: number | null;
  exportedBytes: number | null;
  thread?: 'worker' | 'page';
  error?: string;
}

const CANVAS_SIZE = 320;
/** Epochs of behaviour cloning per click (a few hundred recorded pairs: a second or two on a GPU). */
const CLONE_EPOCHS = 50;

const TEMPLATE = `
  <p class="explain">
    Catch the green fruit, dodge the red bomb: <kbd>←</kbd> <kbd>→</kbd> (or <kbd>A</kbd> <kbd>D</kbd>) move
    the paddle. A missed fruit or a caught bomb costs one of three lives; a game lasts at most 500 steps.
    Record your games and clone them into the agent, or train it by policy gradients (PPO) right here,
    then watch it play or play against it on the same fruits and bombs.
  </p>
  <div class="row">
    <div class="play-seats">
      <figure class="play-seat" style="width: ${CANVAS_SIZE}px">
        <figcaption data-role="play-label">You</figcaption>
        <canvas data-role="play" width="${CANVAS_SIZE}" height="${CANVAS_SIZE}" aria-label="your game of Catch"></canvas>
        <p class="score" data-role="play-score">press Play</p>
      </figure>
      <figure class="play-seat" style="width: ${CANVAS_SIZE}px" data-role="agent-seat" hidden>
        <figcaption>Agent</figcaption>
        <canvas data-role="agent" width="${CANVAS_SIZE}" height="${CANVAS_SIZE}" aria-label="the agent's game of Catch"></canvas>
        <p class="score" data-role="agent-score"></p>
      </figure>
    </div>
    <div class="play-controls">
      <fieldset>
        <legend>game</legend>
        <button data-action="play-start">Play</button>
        <button data-action="record" aria-pressed="false">Record</button>
        <button data-action="watch">Watch agent</button>
        <button data-action="versus">Versus agent</button>
        <button data-action="play-stop">Stop</button>
        <p class="counts" data-role="record-counts">no demonstrations recorded</p>
      </fieldset>
      <fieldset>
        <legend>agent (PPO)</legend>
        <button data-action="train-agent">Train agent</button>
        <button data-action="clone">Clone demonstrations</button>
        <p class="counts" data-role="agent-counts">not created yet</p>
      </fieldset>
      <fieldset>
        <legend>keep it</legend>
        <button data-action="save">Save</button>
        <button data-action="load">Load</button>
        <button data-action="export">Export ONNX</button>
        <a data-role="onnx-link" hidden></a>
      </fieldset>
    </div>
  </div>
  <p data-role="play-status" aria-live="polite"></p>
`;

class PlayPanel implements Panel {
  private context!: DemoContext;
  private root!: HTMLElement;
  private readonly keyboard = new KeyboardPaddle();
  private readonly record: PlayRecord = {
    mode: 'idle',
    humanSteps: 0,
    score: 0,
    agentScore: null,
    recording: false,
    recordedPairs: 0,
    recordedEpisodes: 0,
    cloned: null,
    training: false,
    agentIterations: 0,
    returnMean100: null,
    saved: null,
    loadedIteration: null,
    exportedBytes: null,
  };

  private match: Match | null = null;
  /** Bumped by every start and stop: a start that finishes after a newer one gives up. */
  private matchGeneration = 0;
  private nextSeed = 1;
  /** The person's (observation, action) pairs: the same recorder agent.recordDemonstrations() returns. */
  private readonly demonstrations = new Demonstrations({ observationSize: catchEnv.observationSpace.size, actionSpace: catchEnv.actionSpace });

  private agent: TrainingAgent | null = null;
  private agentReady: Promise<TrainingAgent> | null = null;
  /** The agent's policy on the CPU, which plays in the game's ticks. */
  private policy: CpuPolicy | null = null;
  private training: AbortController | null = null;
  /** The agent operation in progress (clone, save, load, export): one at a time. */
  private busy: string | null = null;
  private store: CheckpointStore | null = null;
  private onnxUrl: string | null = null;

  mount(root: HTMLElement, context: DemoContext): void {
    this.root = root;
    this.context = context;
    root.innerHTML = TEMPLATE;
    probe().play = this.record;
    const on = (action: string, handler: () => Promise<void> | void) =>
      this.button(action).addEventListener('click', () => {
        Promise.resolve()
          .then(handler)
          .catch((error: unknown) => this.fail(error));
      });
    on('play-start', () => this.start('human'));
    on('record', () => this.toggleRecording());
    on('watch', () => this.start('watch'));
    on('versus', () => this.start('versus'));
    on('play-stop', () => this.stopMatch());
    on('train-agent', () => this.toggleTraining());
    on('clone', () => this.clone());
    on('save', () => this.save());
    on('load', () => this.load());
    on('export', () => this.exportOnnx());
    drawInvitation(this.element<HTMLCanvasElement>('canvas[data-role="play"]'));
    this.refresh();
  }

  show(): void {
    this.match?.pause(false);
    if (this.match?.active && this.record.mode !== 'watch') this.keyboard.attach();
  }

  /** Another tab is shown: the game waits, and the arrow keys are theirs again. */
  hide(): void {
    this.match?.pause(true);
    this.keyboard.detach();
  }

  private element<T extends HTMLElement>(selector: string): T {
    return this.root.querySelector<T>(selector)!;
  }

  private button(action: string): HTMLButtonElement {
    return this.element<HTMLButtonElement>(`[data-action="${action}"]`);
  }

  private status(text: string, isError = false): void {
    const line = this.element('[data-role="play-status"]');
    line.textContent = text;
    line.classList.toggle('error', isError);
  }

  /** Shows a failure in the status line and the probe; console.error it (these are real failures). */
  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.record.error = message;
    this.status(message, true);
    console.error(`play: ${message}`);
    this.refresh();
  }

  /** Buttons and counters from the current state. */
  private refresh(): void {
    const r = this.record;
    const training = this.training !== null;
    const busy = this.busy !== null;
    r.training = training;
    r.mode = this.match?.active ? r.mode : 'idle';
    r.recordedPairs = this.demonstrations.size;
    r.recordedEpisodes = this.demonstrations.episodes.length;

    const record = this.button('record');
    record.textContent = r.recording ? 'Stop recording' : 'Record';
    record.setAttribute('aria-pressed', String(r.recording));
    this.button('play-start').textContent = r.mode === 'human' ? 'New game' : 'Play';
    this.button('play-stop').disabled = r.mode === 'idle';
    this.button('watch').disabled = this.busy === 'load';
    this.button('versus').disabled = this.busy === 'load';
    const train = this.button('train-agent');
    train.textContent = training ? 'Stop training' : 'Train agent';
    train.disabled = busy;
    this.button('clone').disabled = training || busy || this.demonstrations.size === 0;
    for (const action of ['save', 'load', 'export']) this.button(action).disabled = training || busy;

    const open = this.demonstrations.pendingSteps;
    this.element('[data-role="record-counts"]').textContent =
      r.recordedPairs === 0
        ? 'no demonstrations recorded'
        : `${r.recordedPairs} pairs in ${r.recordedEpisodes} episode${r.recordedEpisodes === 1 ? '' : 's'}` + (open > 0 ? ` (+ ${open} steps of the open one)` : '');
    const agentLine = this.agent
      ? `iteration ${this.agent.iteration} · ${this.agent.globalStep.toLocaleString('en')} steps` +
        (r.returnMean100 !== null ? ` · return ${r.returnMean100.toFixed(2)} (mean of last 100)` : '') +
        (r.cloned !== null ? ` · cloned NLL ${r.cloned.toFixed(3)}` : '')
      : this.agentReady
        ? 'compiling its kernels…'
        : 'not created yet';
    this.element('[data-role="agent-counts"]').textContent = agentLine;
  }

  private ensureAgent(): Promise<TrainingAgent> {
    if (!this.agentReady) {
      this.status('preparing the agent (compiling its kernels)…');
      this.agentReady = createCatchAgent(this.context.device, this.context.isSoftware).then(
        async (agent) => {
          this.agent = agent;
          this.record.thread = agent instanceof WorkerAgent ? 'worker' : 'page';
          this.policy = await agent.policy({ follow: true });
          this.record.agentIterations = agent.iteration;
          this.refresh();
          return agent;
        },
        (error: unknown) => {
          this.agentReady = null;
          throw error;
        },
      );
      this.refresh();
    }
    return this.agentReady;
  }

  // ---- games -------------------------------------------------------------------------------

  /** Starts a game: the person's, the agent's, or both on the same seed. Replaces any game running. */
  private async start(mode: Exclude<Mode, 'idle'>): Promise<void> {
    await this.stopMatch();
    const generation = ++this.matchGeneration;
    const agent = mode === 'human' ? null : await this.ensureAgent();
    const seed = this.nextSeed++;
    const [first, second] = await Promise.all([
      CatchGame.create(this.context.device, seed),
      mode === 'versus' ? CatchGame.create(this.context.device, seed) : Promise.resolve(null),
    ]);
    if (generation !== this.matchGeneration) {
      first.destroy();
      second?.destroy();
      return;
    }
    const playCanvas = this.element<HTMLCanvasElement>('canvas[data-role="play"]');
    const agentCanvas = this.element<HTMLCanvasElement>('canvas[data-role="agent"]');
    const byKeyboard = () => this.keyboard.take();
    const byAgent = (observation: Float32Array) => greedyAction(this.policy!, observation);
    const seats: Seat[] = [{ game: first, canvas: playCanvas, controller: mode === 'watch' ? byAgent : byKeyboard }];
    if (second) seats.push({ game: second, canvas: agentCanvas, controller: byAgent });
    this.element('[data-role="play-label"]').textContent = mode === 'watch' ? 'Agent (greedy)' : 'You';
    this.element('[data-role="agent-seat"]').hidden = mode !== 'versus';
    this.element('[data-role="agent-score"]').textContent = '';
    if (mode !== 'watch') this.keyboard.attach();
    this.record.mode = mode;
    this.record.agentScore = mode === 'human' ? null : 0;
    if (mode !== 'watch') this.record.score = 0;

    const match = new Match(seats, { onStep: (seat, step) => this.onStep(mode, seat, step), onTick: () => this.showScores(mode, seats) });
    this.match = match;
    this.showScores(mode, seats);
    this.status(
      mode === 'human'
        ? `game ${seed}: ← → or A D to move${this.record.recording ? ' · recording' : ''}`
        : mode === 'watch'
          ? `game ${seed}: the agent plays greedily (iteration ${agent!.iteration})`
          : `game ${seed}: you (left) against the agent (right), same fruits and bombs`,
    );
    this.refresh();
    match.finished
      .then(
        () => this.matchEnded(mode, seats),
        (error: unknown) => this.fail(error),
      )
      .finally(() => {
        for (const seat of seats) seat.game.destroy();
        if (this.match === match) {
          this.match = null;
          this.keyboard.detach();
        }
        this.refresh();
      });
  }

  /** Ends the game in progress (after its step in flight) and waits for it. */
  private async stopMatch(): Promise<void> {
    this.matchGeneration += 1;
    const match = this.match;
    if (!match) return;
    match.stop();
    await match.finished.catch(() => undefined);
  }

  private onStep(mode: Mode, seat: Seat, step: CatchStep): void {
    const human = mode !== 'watch' && seat === this.match?.seats[0];
    if (!human) return;
    this.record.humanSteps += 1;
    if (this.record.recording) {
      this.demonstrations.record(step.observation, step.action);
      if (step.over) this.demonstrations.endEpisode(seat.game.totalReturn);
    }
  }

  private showScores(mode: Mode, seats: readonly Seat[]): void {
    const line = (game: CatchGame) =>
      `${game.catches} caught · ${'♥'.repeat(game.lives) || 'no lives'} · return ${game.totalReturn.toFixed(1)} · step ${game.steps}`;
    const [first, second] = seats;
    this.element('[data-role="play-score"]').textContent = line(first!.game);
    if (mode === 'watch') this.record.agentScore = first!.game.catches;
    else this.record.score = first!.game.catches;
    if (second) {
      this.element('[data-role="agent-score"]').textContent = line(second.game);
      this.record.agentScore = second.game.catches;
    }
    this.refresh();
  }

  private matchEnded(mode: Mode, seats: readonly Seat[]): void {
    // A recording stopped mid-game keeps its steps as a (shorter) episode.
    if (mode !== 'watch' && this.demonstrations.pendingSteps > 0) this.demonstrations.endEpisode();
    const [first, second] = seats;
    const finished = seats.every((seat) => seat.game.over);
    if (!finished) {
      for (const seat of seats) drawSeat(seat);
      this.status(`game stopped at step ${first!.game.steps}`);
      return;
    }
    if (mode === 'versus') {
      const you = first!.game.catches;
      const it = second!.game.catches;
      this.status(`you caught ${you}, the agent ${it}: ${you > it ? 'you win' : you < it ? 'the agent wins' : 'a draw'}`);
    } else if (mode === 'watch') {
      this.status(`the agent caught ${first!.game.catches} (return ${first!.game.totalReturn.toFixed(1)}) in ${first!.game.steps} steps`);
    } else {
      const recorded = this.record.recording ? ` · recorded: ${this.demonstrations.size} pairs` : '';
      this.status(`game over: you caught ${first!.game.catches} (return ${first!.game.totalReturn.toFixed(1)}) in ${first!.game.steps} steps${recorded}`);
    }
  }

  private async toggleRecording(): Promise<void> {
    this.record.recording = !this.record.recording;
    if (!this.record.recording) {
      if (this.demonstrations.pendingSteps > 0) this.demonstrations.endEpisode();
      this.status(`recording stopped: ${this.demonstrations.size} pairs in ${this.demonstrations.episodes.length} episodes`);
      this.refresh();
      return;
    }
    this.refresh();
    // Recording needs a person playing: start a game unless one is on.
    if (this.record.mode !== 'human' && this.record.mode !== 'versus') await this.start('human');
    else this.status('recording your moves');
  }

  // ---- the agent ---------------------------------------------------------------------------

  private async toggleTraining(): Promise<void> {
    if (this.training) {
      this.training.abort();
      this.status('stopping after the iteration in flight…');
      return;
    }
    const agent = await this.ensureAgent();
    if (this.training || this.busy) return;
    const stop = new AbortController();
    this.training = stop;
    this.refresh();
    this.status(
      `training (PPO): it chases the fruit after about ${STEPS_TO_LEARN.toLocaleString('en')} steps` +
        (this.context.isSoftware ? ' (minutes on this software adapter)' : '') +
        '; the game stays playable meanwhile',
    );
    let lastTime = performance.now();
    let lastStep = agent.globalStep;
    try {
      // On the page's thread the game comes first: each frame's share of training waits for the
      // game's step in flight. A worker trains unpaced.
      const frameBudgetMs = this.context.isSoftware ? 4 : 6;
      const nextFrame = async () => {
        await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
        await this.match?.betweenSteps();
      };
      const pacing = agent instanceof WorkerAgent ? {} : { frameBudgetMs, nextFrame };
      for await (const stats of agent.train({ signal: stop.signal, ...pacing })) {
        this.record.agentIterations = agent.iteration;
        this.record.returnMean100 = Number.isFinite(stats.returnMean100) ? stats.returnMean100 : null;
        const now = performance.now();
        if (now > lastTime) this.context.reportSps(((agent.globalStep - lastStep) * 1000) / (now - lastTime));
        lastTime = now;
        lastStep = agent.globalStep;
        this.refresh();
      }
      this.status(`training stopped at iteration ${agent.iteration}`);
    } finally {
      this.training = null;
      this.context.reportSps(Number.NaN);
      this.record.agentIterations = agent.iteration;
      this.refresh();
    }
  }

  /** Runs one agent operation at a time, with the buttons locked meanwhile. */
  private async exclusive<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
    if (this.busy || this.training) return undefined;
    this.busy = name;
    this.refresh();
    try {
      return await work();
    } finally {
      this.busy = null;
      this.refresh();
    }
  }

  private async clone(): Promise<void> {
    await this.exclusive('clone', async () => {
      const agent = await this.ensureAgent();
      const pairs = this.demonstrations.size;
      this.status(`cloning ${pairs} pairs (${CLONE_EPOCHS} epochs)…`);
      const losses = await agent.cloneBehaviour(this.demonstrations, {
        epochs: CLONE_EPOCHS,
        onEpoch: (epoch, nll) => this.status(`cloning ${pairs} pairs: epoch ${epoch + 1}/${CLONE_EPOCHS}, NLL ${nll.toFixed(3)}`),
      });
      const first = losses[0]!;
      const last = losses[losses.length - 1]!;
      this.record.cloned = last;
      await this.policy?.refresh();
      this.status(`cloned ${pairs} pairs: NLL ${first.toFixed(3)} → ${last.toFixed(3)} over ${losses.length} epochs; Watch to see it play like you`);
    });
  }

  private async openStore(): Promise<CheckpointStore> {
    this.store ??= await openIndexedDbStore();
    return this.store;
  }

  private async save(): Promise<void> {
    await this.exclusive('save', async () => {
      const agent = await this.ensureAgent();
      const store = await this.openStore();
      const bytes = await agent.save();
      await store.save(SAVE_NAME, bytes);
      this.record.saved = bytes.byteLength;
      this.status(`saved '${SAVE_NAME}' to IndexedDB: iteration ${agent.iteration}, ${bytes.byteLength.toLocaleString('en')} bytes`);
    });
  }

  private async load(): Promise<void> {
    await this.exclusive('load', async () => {
      const store = await this.openStore();
      const bytes = await store.load(SAVE_NAME);
      if (!bytes) {
        this.status(`nothing saved under '${SAVE_NAME}' in this browser yet: Save first`);
        return;
      }
      // The agent being replaced may be playing: let its game end first.
      if (this.record.mode === 'watch' || this.record.mode === 'versus') await this.stopMatch();
      await this.agentReady?.catch(() => undefined);
      const loaded = await loadCatchAgent(bytes, this.context.device);
      const previous = this.agent;
      this.agent = loaded;
      this.policy = await loaded.policy({ follow: true });
      this.agentReady = Promise.resolve(loaded);
      previous?.destroy();
      this.record.loadedIteration = loaded.iteration;
      this.record.agentIterations = loaded.iteration;
      this.status(`loaded '${SAVE_NAME}' from IndexedDB: iteration ${loaded.iteration}, ${bytes.byteLength.toLocaleString('en')} bytes`);
    });
  }

  private async exportOnnx(): Promise<void> {
    await this.exclusive('export', async () => {
      const agent = await this.ensureAgent();
      const onnx = await agent.exportOnnx();
      if (this.onnxUrl) URL.revokeObjectURL(this.onnxUrl);
      this.onnxUrl = URL.createObjectURL(new Blob([onnx as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      const link = this.element<HTMLAnchorElement>('[data-role="onnx-link"]');
      link.href = this.onnxUrl;
      link.download = 'catch-policy.onnx';
      link.textContent = `catch-policy.onnx (${(onnx.byteLength / 1024).toFixed(1)} KiB)`;
      link.hidden = false;
      this.record.exportedBytes = onnx.byteLength;
      this.status(`exported the policy of iteration ${agent.iteration} as ONNX: ${onnx.byteLength.toLocaleString('en')} bytes, download it from the link`);
    });
  }
}

/** The empty arena before the first game, with what to press. */
function drawInvitation(canvas: HTMLCanvasElement): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.fillStyle = CATCH_PALETTE.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = CATCH_PALETTE.paddle;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.font = `${Math.round(canvas.width / 16)}px system-ui, sans-serif`;
  ctx.fillText('press Play, then ← →', canvas.width / 2, canvas.height / 2);
}

export const playPanel: Panel = new PlayPanel();
