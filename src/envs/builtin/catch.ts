/**
 * Catch-v0: a small arcade game of our own, to show what the engine is for in a web game. Its
 * body is shaders/envs/catch.wgsl (rules in that file's header); this is its descriptor and a
 * renderer for a canvas.
 */
import type { EnvDescriptor } from '../types';
import catchWgsl from '../../../shaders/envs/catch.wgsl';

/**
 * Catch-v0. A paddle at the bottom of a [−1, 1] × [0, 1] arena catches a falling fruit and dodges a
 * falling bomb.
 * - Actions (discrete, 3): 0 = left, 1 = stay, 2 = right; the paddle (half-width 0.15) moves 0.08
 *   per step, clamped inside the arena.
 * - The fruit falls 0.035 per step and drifts sideways (|v| ≤ 0.015, reflected off the walls); the
 *   bomb falls 0.03 per step. Whatever reaches y ≤ 0 is caught when within the paddle's half-width,
 *   and respawns at the top at a uniformly random x (through env_rng).
 * - Reward: +1 for a caught fruit; −1 and a life for a missed fruit; −1 and a life for a caught bomb;
 *   plus 0.1 × (how much closer the paddle came to the fruit this step).
 * - Terminated when the 3 lives are gone; truncated at 500 steps.
 * - Reset: paddle at 0; fruit at the top, x ~ U(−1, 1), drift ~ U(−0.015, 0.015); bomb x ~ U(−1, 1),
 *   y ~ U(0.5, 1); 3 lives.
 * - Observation (7, each in [−1, 1]): paddle x, fruit x, 2·fruit y − 1, fruit drift / 0.015, bomb x,
 *   2·bomb y − 1, 2·lives / 3 − 1.
 * A scripted "move toward the fruit" policy averages about +14 per episode (it ignores bombs, so it
 * still loses about a third of its episodes early); a random policy about −2.6.
 */
export const catchEnv: EnvDescriptor = {
  id: 'Catch-v0',
  aliases: ['catch'],
  body: catchWgsl,
  observationSpace: { kind: 'box', size: 7, low: [-1, -1, -1, -1, -1, -1, -1], high: [1, 1, 1, 1, 1, 1, 1] },
  actionSpace: { kind: 'discrete', n: 3 },
  stateNames: ['paddle_x', 'fruit_x', 'fruit_y', 'fruit_vx', 'bomb_x', 'bomb_y', 'lives'],
  params: {
    paddle_half_width: 0.15,
    paddle_speed: 0.08,
    fruit_speed: 0.035,
    fruit_max_drift: 0.015,
    bomb_speed: 0.03,
    catch_reward: 1,
    miss_penalty: 1,
    bomb_penalty: 1,
    shaping_coef: 0.1,
    start_lives: 3,
  },
  maxEpisodeSteps: 500,
};

/**
 * The part of a CanvasRenderingContext2D that drawCatch uses, so that it has no DOM dependency and
 * can be tested with a recording fake. A real 2D context satisfies it.
 */
export interface CatchCanvas {
  fillStyle: unknown;
  fillRect(x: number, y: number, width: number, height: number): void;
  beginPath(): void;
  arc(x: number, y: number, radius: number, startAngle: number, endAngle: number): void;
  fill(): void;
}

/** Colours of drawCatch (CSS colour strings). */
export interface CatchPalette {
  background: string;
  paddle: string;
  fruit: string;
  bomb: string;
  life: string;
}

export const CATCH_PALETTE: Readonly<CatchPalette> = {
  background: '#10131a',
  paddle: '#e8e8e8',
  fruit: '#4cd964',
  bomb: '#ff3b30',
  life: '#ffcc00',
};

export interface DrawCatchOptions {
  /** Canvas size in pixels (default 240 × 240). */
  width?: number;
  height?: number;
  /** Paddle half-width in arena units (default: the descriptor's paddle_half_width). */
  paddleHalfWidth?: number;
  /** Where this env's state starts in `state` (default 0), for a states readback [N][7]. */
  offset?: number;
  palette?: Partial<CatchPalette>;
}

/**
 * Draws one Catch-v0 state (7 floats in stateNames order: paddle_x, fruit_x, fruit_y, fruit_vx,
 * bomb_x, bomb_y, lives) onto a 2D context: background, fruit, bomb, paddle along the bottom, and
 * one marker per life in the top-left corner. Arena x ∈ [−1, 1] spans the width; y ∈ [0, 1] spans
 * the height above the paddle's row.
 */
export function drawCatch(ctx: CatchCanvas, state: ArrayLike<number>, options: DrawCatchOptions = {}): void {
  const width = options.width ?? 240;
  const height = options.height ?? 240;
  const offset = options.offset ?? 0;
  const halfWidth = options.paddleHalfWidth ?? catchEnv.params.paddle_half_width!;
  const palette = { ...CATCH_PALETTE, ...options.palette };
  if (state.length < offset + catchEnv.stateNames.length) {
    throw new RangeError(
      `drawCatch: state needs ${catchEnv.stateNames.length} floats from offset ${offset} (got length ${state.length})`,
    );
  }
  const at = (i: number) => state[offset + i]!;
  const paddleHeight = Math.max(2, height * 0.03);
  const radius = Math.max(2, width * 0.025);
  // The paddle's row (y = 0) is the top edge of the paddle; y = 1 is one radius below the top.
  const px = (x: number) => ((x + 1) / 2) * width;
  const py = (y: number) => height - paddleHeight - y * (height - paddleHeight - radius);

  ctx.fillStyle = palette.background;
  ctx.fillRect(0, 0, width, height);

  const disc = (x: number, y: number, colour: string) => {
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(px(x), py(y), radius, 0, 2 * Math.PI);
    ctx.fill();
  };
  disc(at(1), at(2), palette.fruit);
  disc(at(4), at(5), palette.bomb);

  ctx.fillStyle = palette.paddle;
  // 2·halfWidth arena units of the 2 the width spans.
  ctx.fillRect(px(at(0) - halfWidth), height - paddleHeight, halfWidth * width, paddleHeight);

  ctx.fillStyle = palette.life;
  const lives = Math.max(0, Math.round(at(6)));
  const marker = Math.max(2, width * 0.02);
  for (let life = 0; life < lives; life += 1) ctx.fillRect(marker * (1 + 2 * life), marker, marker, marker);
}
