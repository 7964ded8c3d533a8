/**
 * A match: one or two games of Catch stepped together at a fixed rate from requestAnimationFrame
 * (a person plays, the agent plays, or both side by side on the same seed). Each seat has its own
 * controller, asked for an action at every tick; the seats step in lockstep, each until its own
 * game is over, and the match ends when every game is. One tick at a time: a tick that is still
 * waiting for its GPU readback (or the agent's action) when the next is due just delays it, so a
 * slow adapter slows the game down instead of piling up steps.
 */
import { drawCatch } from '../../src/engine';
import type { CatchGame, CatchStep } from './catch-game';

/** Steps per second: a game a person can play. */
export const STEPS_PER_SECOND = 20;

export interface Seat {
  readonly game: CatchGame;
  readonly canvas: HTMLCanvasElement;
  /** The next action from the game's observation: the keyboard's, or the agent's. */
  readonly controller: (observation: Float32Array) => number | Promise<number>;
}

export interface MatchHandlers {
  /** After every step of a seat (recording, counters). */
  onStep(seat: Seat, step: CatchStep): void;
  /** After every tick (the score line). */
  onTick(): void;
}

export class Match {
  private running = true;
  private paused = false;
  private lastTick = 0;
  private ticking: Promise<void> | null = null;
  private frame = 0;
  /** Settles when the match ends (all games over, or stop()); rejects when a step fails. */
  readonly finished: Promise<void>;
  private finish!: () => void;
  private fail!: (error: unknown) => void;

  constructor(
    readonly seats: readonly Seat[],
    private readonly handlers: MatchHandlers,
  ) {
    this.finished = new Promise<void>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    for (const seat of seats) drawSeat(seat);
    this.frame = requestAnimationFrame(this.onFrame);
  }

  get active(): boolean {
    return this.running;
  }

  /** Ends the match after the tick in flight (games left as they are). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    cancelAnimationFrame(this.frame);
    if (!this.ticking) this.finish();
  }

  /**
   * Settles when no step is in flight. Training beside the game waits on it before each frame's
   * share of work: a step's readback then waits behind one frame budget of training, not several.
   */
  async betweenSteps(): Promise<void> {
    await this.ticking?.catch(() => undefined);
  }

  /** While the tab is hidden: no steps, and no time counted against the player. */
  pause(paused: boolean): void {
    this.paused = paused;
  }

  private readonly onFrame = (now: number): void => {
    if (!this.running) return;
    this.frame = requestAnimationFrame(this.onFrame);
    if (this.paused || this.ticking || now - this.lastTick < 1000 / STEPS_PER_SECOND) return;
    this.lastTick = now;
    this.ticking = this.tick().then(
      () => {
        this.ticking = null;
        if (this.seats.every((seat) => seat.game.over)) this.running = false;
        if (!this.running) {
          cancelAnimationFrame(this.frame);
          this.finish();
        }
      },
      (error: unknown) => {
        this.ticking = null;
        this.running = false;
        cancelAnimationFrame(this.frame);
        this.fail(error);
      },
    );
  };

  private async tick(): Promise<void> {
    const playing = this.seats.filter((seat) => !seat.game.over);
    // Every controller decides from the same moment before any game moves.
    const actions = await Promise.all(playing.map((seat) => seat.controller(seat.game.observation)));
    const steps = await Promise.all(playing.map((seat, i) => seat.game.step(actions[i]!)));
    playing.forEach((seat, i) => {
      this.handlers.onStep(seat, steps[i]!);
      drawSeat(seat);
    });
    this.handlers.onTick();
  }
}

/** Draws a seat's game, with a banner once it is over. */
export function drawSeat(seat: Seat): void {
  const { canvas, game } = seat;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  drawCatch(ctx, game.state, { width: canvas.width, height: canvas.height });
  ctx.fillStyle = '#e8e8e8';
  ctx.font = `${Math.round(canvas.width / 18)}px system-ui, sans-serif`;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'top';
  ctx.fillText(`${game.catches} caught`, canvas.width - 8, 6);
  if (game.over) {
    ctx.fillStyle = 'rgba(0, 0, 0, 0.55)';
    ctx.fillRect(0, canvas.height / 2 - 28, canvas.width, 56);
    ctx.fillStyle = '#ffffff';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.font = `600 ${Math.round(canvas.width / 14)}px system-ui, sans-serif`;
    ctx.fillText(game.ending === 'time' ? `time! ${game.catches} caught` : `game over: ${game.catches} caught`, canvas.width / 2, canvas.height / 2);
  }
}
