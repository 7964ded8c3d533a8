/**
 * Snake-v0: the classic game on a small board, a built-in env with an action mask and per-episode
 * metrics. Its body is shaders/envs/snake.wgsl (rules in that file's header); this is its
 * descriptor.
 */
import type { EnvDescriptor } from '../types';
import snakeWgsl from '../../../shaders/envs/snake.wgsl';

/** Cells the state holds (boards up to 8 × 8); SNAKE_MAX_CELLS in shaders/envs/snake.wgsl. */
const MAX_CELLS = 64;

/**
 * Snake-v0. A snake moves one cell per step on a 6 × 6 board (board_width × board_height params,
 * each 4 … 8), eating apples and growing.
 * - Actions (discrete, 4, absolute): 0 = up, 1 = right, 2 = down, 3 = left. A move that dies this
 *   step (off the board, into the body, reversing onto the neck) is illegal: the action mask
 *   (actionMasks) forbids it, so a masked policy only dies trapped (then every move but the
 *   reverse stays legal: a mask row never forbids everything); a run without masks must learn it.
 * - Moving off the board or into the body (the tail excepted: it moves away) terminates with −1;
 *   eating the apple gives +1 and one more segment, and a new apple appears on a uniformly random
 *   free cell; the apple that fills the board wins (terminated). Shaping: +1/32 per cell the head
 *   came closer to the apple (Manhattan distance), −1/32 per cell it went away.
 * - Truncated at 200 steps.
 * - Reset: length 3, straight, heading in a random direction, the head at a random cell with room
 *   for the body behind it and one free cell ahead; the apple on a random free cell.
 * - State: head_x, head_y, heading, length, apple (cell index y·width + x, −1 on a full board),
 *   apples, won, then cell_0 … cell_63 (each cell's remaining body lifetime: the head holds the
 *   length, the tail 1, empty 0).
 * - Observation (11, each in [−1, 1]): the apple's offset from the head (x, y, each divided by
 *   side − 1), danger in each direction (1 where that move dies: up, right, down, left), the
 *   heading one-hot (4), 2·length / cells − 1.
 * - Episode metrics: apples (eaten in the episode) and won (1 when the board was filled).
 * Baselines on the 6 × 6 board (test/reference/envs/snake.test.ts, 2 000 episodes each): a greedy
 * "step toward the apple unless that dies" policy eats about 13 apples per episode (of the 33 that
 * fill the board) in about 65 steps, and wins about 1 episode in 2 000; a uniformly random legal
 * policy eats about 4.1 in about 144 steps; uniformly random moves, masks ignored, about 0.06 in
 * about 3 steps.
 */
export const snakeEnv: EnvDescriptor = {
  id: 'Snake-v0',
  aliases: ['snake'],
  body: snakeWgsl,
  observationSpace: { kind: 'box', size: 11, low: new Array<number>(11).fill(-1), high: new Array<number>(11).fill(1) },
  actionSpace: { kind: 'discrete', n: 4 },
  stateNames: [
    'head_x',
    'head_y',
    'heading',
    'length',
    'apple',
    'apples',
    'won',
    ...Array.from({ length: MAX_CELLS }, (_, i) => `cell_${i}`),
  ],
  params: {
    board_width: 6,
    board_height: 6,
    apple_reward: 1,
    death_penalty: 1,
    shaping_coef: 1 / 32,
  },
  maxEpisodeSteps: 200,
  actionMasks: true,
  episodeMetrics: ['apples', 'won'],
};
