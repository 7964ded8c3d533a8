/**
 * Connect Four: you against the agent on a 7 × 6 board. You click a column to drop a disc; the
 * agent replies with its CPU policy's column (full columns masked: greedy by default, sampled on
 * request), a move at once, without the GPU. The two of you take turns to open: you open the first
 * game. Each finished game updates both Elo ratings (from 1200, K 16). The agent starts untrained
 * (no checkpoint to fetch) and trains by rounds of PPO iterations against the env's scripted
 * opponents, on request or after each game; the board stays playable meanwhile, and its next move
 * comes from the newest policy.
 *
 * Test record, probe().connectFour (ConnectFourProbe). Published selectors:
 * `button[data-column="0…6"]` (a column), `.c4-cell[data-cell="row·7 + column"]` with data-disc
 * 'empty' | 'you' | 'agent', `[data-action="c4-new"]`, `[data-action="c4-train"]`,
 * `[data-role="c4-train-between"]`, `[data-role="c4-sampled"]`, `[data-role="c4-ratings"]`,
 * `[data-role="c4-message"]`, `[data-role="c4-agent"]`.
 */
import type { CpuPolicy, TrainingAgent } from '../../src/index';
import { SelfPlayRatings } from '../../src/games';
import { probe, type DemoContext } from '../context';
import { agentColumn, createConnectFourAgent, ROUND_ITERATIONS, threadOf } from './agent';
import type { Side } from './board';
import { BoardView } from './board-view';
import { Game } from './game';
import { K, Scoreboard } from './ratings';
import { recentWinRate, trainRound, type RoundProgress } from './training';
import './connect-four.css';

export interface ConnectFourProbe {
  /** The agent's policy is ready to move. */
  agentReady: boolean;
  /** Where the agent trains, once made. */
  thread?: 'worker' | 'page';
  /** Games started, the current one included. */
  game: number;
  first: Side;
  /** Whose move it is; null when the game is over. */
  turn: Side | null;
  /** The columns played this game, in order. */
  columns: number[];
  /** The agent's last column this game (null before its first move). */
  lastAgentColumn: number | null;
  /** The current game's winner once over: 'you', 'agent' or 'draw'; null while it goes on. */
  result: Side | 'draw' | null;
  finished: number;
  ratings: { you: number; agent: number };
  moveMode: 'greedy' | 'sampled';
  training: boolean;
  /** The agent's iterations, all rounds together. */
  iterations: number;
  returnMean100: number | null;
  /** The share of its last 100 training games it won (null before one ended). */
  winRate: number | null;
  error?: string;
}

/** A pause before the agent's reply, so that your disc is seen landing first. */
const REPLY_DELAY_MS = 300;

const TEMPLATE = `
  <p class="explain">
    Four in a row wins: across, up or diagonally. Click a column to drop your disc (yellow); the agent
    (red) replies at once with its policy's move, and the two of you take turns to open. The agent is
    PPO on the GPU env ConnectFour-v0, untrained when the page loads: let it train between games and
    watch the ratings. It trains by self-play, against a pool of its own past snapshots (not against
    you); its self-play Elo rates it against them.
  </p>
  <div class="row">
    <div class="c4-play">
      <div data-role="c4-board-slot"></div>
      <p class="c4-message" data-role="c4-message" aria-live="polite"></p>
    </div>
    <div class="c4-controls">
      <fieldset>
        <legend>game</legend>
        <button data-action="c4-new">New game</button>
        <label><input type="checkbox" data-role="c4-sampled" /> sample the agent's moves</label>
        <p class="c4-counts" data-role="c4-policy"></p>
      </fieldset>
      <fieldset>
        <legend>ratings (Elo, K ${K})</legend>
        <p class="c4-counts" data-role="c4-ratings"></p>
        <p class="c4-counts" data-role="c4-tally"></p>
      </fieldset>
      <fieldset>
        <legend>agent (PPO)</legend>
        <button data-action="c4-train">Train ${ROUND_ITERATIONS} iterations</button>
        <label><input type="checkbox" data-role="c4-train-between" /> train ${ROUND_ITERATIONS} iterations after each game</label>
        <p class="c4-counts" data-role="c4-agent"></p>
      </fieldset>
    </div>
  </div>
  <p class="c4-status" data-role="c4-status" aria-live="polite"></p>
`;

const percent = (share: number) => `${Math.round(share * 100)} %`;

class ConnectFourTab {
  private readonly board = new BoardView((column) => this.playYours(column));
  private readonly scores = new Scoreboard();
  /** The learner against its own snapshots (each round of results the trainer reports), and its rating. */
  private readonly selfPlayRatings = new SelfPlayRatings();
  private selfPlayElo: number | null = null;
  private readonly record: ConnectFourProbe;
  private game: Game;
  private agent: TrainingAgent | null = null;
  private policy: CpuPolicy | null = null;
  private agentReady: Promise<CpuPolicy> | null = null;
  private training: AbortController | null = null;
  private last: RoundProgress | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly context: DemoContext,
  ) {
    root.innerHTML = TEMPLATE;
    this.element('[data-role="c4-board-slot"]').replaceWith(this.board.element);
    this.game = new Game('you');
    this.record = { agentReady: false, game: 1, first: 'you', turn: 'you', columns: [], lastAgentColumn: null, result: null, finished: 0, ratings: { you: 0, agent: 0 }, moveMode: 'greedy', training: false, iterations: 0, returnMean100: null, winRate: null };
    probe().connectFour = this.record;
    this.wire();
    this.refresh();
    this.message('Your move: click a column.');
    // Compile the agent's kernels while you make your first move.
    this.ensurePolicy().catch((error: unknown) => this.fail(error));
  }

  private wire(): void {
    const guarded = (work: () => Promise<void> | void) => () => {
      Promise.resolve()
        .then(work)
        .catch((error: unknown) => this.fail(error));
    };
    this.element('[data-action="c4-new"]').addEventListener('click', guarded(() => this.newGame()));
    this.element('[data-action="c4-train"]').addEventListener('click', guarded(() => this.toggleTraining()));
    this.element('[data-role="c4-sampled"]').addEventListener('change', () => this.refresh());
  }

  private element<T extends HTMLElement>(selector: string): T {
    return this.root.querySelector<T>(selector)!;
  }

  private checked(role: string): boolean {
    return this.element<HTMLInputElement>(`[data-role="${role}"]`).checked;
  }

  private message(text: string): void {
    this.element('[data-role="c4-message"]').textContent = text;
  }

  private status(text: string, isError = false): void {
    const line = this.element('[data-role="c4-status"]');
    line.textContent = text;
    line.classList.toggle('error', isError);
  }

  /** Shows a failure in the status line and the probe; console.error it (these are real failures). */
  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.record.error = message;
    this.status(message, true);
    console.error(`connect four: ${message}`);
  }

  // ---- the game --------------------------------------------------------------------------------

  /** The next game, opened by whoever did not open the last one. */
  private newGame(): void {
    const first: Side = this.game.first === 'you' ? 'agent' : 'you';
    this.game = new Game(first);
    this.record.game += 1;
    this.record.first = first;
    this.record.lastAgentColumn = null;
    this.refresh();
    if (first === 'you') this.message(`Game ${this.record.game}: you open. Click a column.`);
    else this.replyToYou();
  }

  /** Your disc in `column` (a click on it), then the agent's reply unless that ended the game. */
  private playYours(column: number): void {
    const game = this.game;
    if (game.turn !== 'you' || !game.board.canDrop(column)) return;
    game.play('you', column);
    this.refresh();
    if (game.result) this.finish(game);
    else this.replyToYou();
  }

  /** The agent's move in the current game after a short pause (and, the first time, once its policy exists). */
  private replyToYou(): void {
    const game = this.game;
    this.message(this.policy ? 'The agent is thinking…' : 'The agent is getting ready (compiling its kernels)…');
    const pause = new Promise<void>((resolve) => setTimeout(resolve, REPLY_DELAY_MS));
    Promise.all([this.ensurePolicy(), pause])
      .then(([policy]) => {
        // A new game started meanwhile: this reply belonged to the old one.
        if (game !== this.game || game.turn !== 'agent') return;
        const column = agentColumn(policy, game.board, this.checked('c4-sampled'));
        game.play('agent', column);
        this.record.lastAgentColumn = column;
        this.refresh();
        if (game.result) this.finish(game);
        else this.message(`The agent played column ${column + 1}. Your move.`);
      })
      .catch((error: unknown) => this.fail(error));
  }

  /** A game ended: the ratings move, the message says how, and a round of training may follow. */
  private finish(game: Game): void {
    const winner = game.result!.winner;
    this.scores.record(winner);
    this.record.finished += 1;
    const next = game.first === 'you' ? 'the agent opens' : 'you open';
    const how = winner === 'you' ? 'You win: four in a row!' : winner === 'agent' ? 'The agent wins: four in a row.' : 'A draw: the board is full.';
    this.message(`${how} New game: ${next}.`);
    this.refresh();
    if (this.checked('c4-train-between') && !this.training) this.toggleTraining().catch((error: unknown) => this.fail(error));
  }

  // ---- the agent -------------------------------------------------------------------------------

  /** The agent's CPU policy, following its training; the agent is made (kernels compiled) on first call. */
  private ensurePolicy(): Promise<CpuPolicy> {
    this.agentReady ??= createConnectFourAgent(this.context.device, this.context.isSoftware).then(
      async (agent) => {
        this.agent = agent;
        this.record.thread = threadOf(agent);
        this.policy = await agent.policy({ follow: true });
        this.record.agentReady = true;
        this.refresh();
        return this.policy;
      },
      (error: unknown) => {
        this.agentReady = null;
        throw error;
      },
    );
    return this.agentReady;
  }

  /** Starts a round of training, or stops the one running after its iteration in flight. */
  private async toggleTraining(): Promise<void> {
    if (this.training) {
      this.training.abort();
      this.status('stopping after the iteration in flight…');
      return;
    }
    const stop = new AbortController();
    this.training = stop;
    this.refresh();
    try {
      this.status('preparing the agent (compiling its kernels)…');
      await this.ensurePolicy();
      this.status(`training ${ROUND_ITERATIONS} iterations by self-play; the board stays playable`);
      const agent = this.agent!;
      const done = await trainRound(agent, { iterations: ROUND_ITERATIONS, signal: stop.signal, isSoftware: this.context.isSoftware, onIteration: (progress) => this.onIteration(progress) });
      const spent = !stop.signal.aborted && done < ROUND_ITERATIONS && agent.iteration >= agent.numIterations;
      this.status(spent ? `its step budget is spent (${agent.globalStep.toLocaleString('en')} steps): it plays as it is` : `trained ${done} iterations: its moves now come from iteration ${agent.iteration}'s policy`);
    } finally {
      this.training = null;
      this.context.reportSps(Number.NaN);
      this.refresh();
    }
  }

  private onIteration(progress: RoundProgress): void {
    this.last = progress;
    if (progress.stats.selfPlay) this.selfPlayElo = this.selfPlayRatings.record(progress.stats.selfPlay).elo;
    this.context.reportSps(progress.stepsPerSecond);
    this.status(`training: iteration ${progress.done} of ${progress.of} this round`);
    this.refresh();
  }

  // ---- the page ----------------------------------------------------------------------------------

  /** Board, buttons, texts and the probe from the current state. */
  private refresh(): void {
    const game = this.game;
    this.board.render(game, game.turn === 'you');
    this.element<HTMLButtonElement>('[data-action="c4-train"]').textContent = this.training ? 'Stop training' : `Train ${ROUND_ITERATIONS} iterations`;
    this.element('[data-role="c4-policy"]').textContent = this.checked('c4-sampled')
      ? "the agent samples its column from its policy's probabilities (full columns excluded)"
      : 'the agent plays greedily: its most likely column (full columns excluded)';
    const s = this.scores;
    this.element('[data-role="c4-ratings"]').textContent = `you ${Math.round(s.you)} · agent ${Math.round(s.agent)}`;
    const tally = s.games === 0 ? 'no games finished yet' : `${s.games} games: you won ${s.wins}, drew ${s.draws}, lost ${s.losses}`;
    this.element('[data-role="c4-tally"]').textContent = `${tally} · your expected score next: ${percent(s.expected)}`;
    this.element('[data-role="c4-agent"]').textContent = this.agentLine();
    this.updateProbe();
  }

  /**
   * The agent's progress as of the last iteration the page has seen: a worker may be a few
   * iterations further already, its statistics (and the policy that follows them) on their way.
   */
  private agentLine(): string {
    const agent = this.agent;
    if (!agent) return 'compiling its kernels…';
    const where = this.record.thread === 'worker' ? 'trains in a worker' : "trains on the page's thread";
    const stats = this.last?.stats;
    if (!stats) return `untrained (random initial weights) · ${where}`;
    const progress = `iteration ${stats.iteration + 1} · ${stats.globalStep.toLocaleString('en')} steps`;
    const winRate = recentWinRate(stats);
    // Before its first training game ends there is nothing to average yet.
    const elo = this.selfPlayElo === null ? '' : ` · self-play Elo ${Math.round(this.selfPlayElo)}`;
    if (winRate === null || !Number.isFinite(stats.returnMean100)) return `${progress}${elo} · ${where}`;
    return `${progress} · its last 100 training games: won ${percent(winRate)}, mean return ${stats.returnMean100.toFixed(2)}${elo} · ${where}`;
  }

  private updateProbe(): void {
    const r = this.record;
    const game = this.game;
    r.turn = game.turn;
    r.columns = [...game.columns];
    r.result = game.result ? (game.result.winner ?? 'draw') : null;
    r.ratings = { you: this.scores.you, agent: this.scores.agent };
    r.moveMode = this.checked('c4-sampled') ? 'sampled' : 'greedy';
    r.training = this.training !== null;
    const stats = this.last?.stats;
    r.iterations = stats ? stats.iteration + 1 : 0;
    r.returnMean100 = stats && Number.isFinite(stats.returnMean100) ? stats.returnMean100 : null;
    r.winRate = stats ? recentWinRate(stats) : null;
  }
}

/** Builds the tab inside `root` (the panel calls it when the tab is first shown). */
export function mountConnectFour(root: HTMLElement, context: DemoContext): void {
  new ConnectFourTab(root, context);
}
