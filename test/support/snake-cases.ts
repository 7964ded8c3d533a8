/**
 * Snake-v0 positions worked out by hand from the rules in shaders/envs/snake.wgsl's header: one
 * step each, with the reward, termination and next state the rules give. The JavaScript twin's
 * test (test/reference/envs/snake.test.ts) and the GPU test (test/gpu/snake.test.ts) both check
 * them.
 */
import { expect } from 'vitest';
import { APPLE, APPLES, boardSize, CELLS, HEAD_X, HEAD_Y, HEADING, LENGTH, SNAKE_DEFAULTS, SNAKE_STATE_SIZE, WON, type SnakeParams } from './snake-host';

type Cell = readonly [number, number];

/** A snake: its cells head first, the direction it last moved, the apples it has eaten. */
export interface SnakePosition {
  path: readonly Cell[];
  heading: number;
  /** The apple's cell index (y·width + x), −1 for none. */
  apple: number;
  apples?: number;
  won?: boolean;
}

export interface SnakeCase {
  name: string;
  params: SnakeParams;
  before: SnakePosition;
  action: number;
  reward: number;
  terminated: boolean;
  /** The position after the step; `apple: 'free'` where a new apple was drawn (any free cell). */
  after: Omit<SnakePosition, 'apple'> & { apple: number | 'free' };
}

/** The state row of `position` on a board `width` cells wide. */
export function snakeState(position: SnakePosition, width: number): Float32Array {
  const state = new Float32Array(SNAKE_STATE_SIZE);
  const [head] = position.path;
  state[HEAD_X] = head![0];
  state[HEAD_Y] = head![1];
  state[HEADING] = position.heading;
  state[LENGTH] = position.path.length;
  state[APPLE] = position.apple;
  state[APPLES] = position.apples ?? 0;
  state[WON] = position.won ? 1 : 0;
  position.path.forEach(([x, y], i) => (state[CELLS + y * width + x] = position.path.length - i));
  return state;
}

const SHAPING = SNAKE_DEFAULTS.shaping_coef;
const BOARD_4X4: SnakeParams = { ...SNAKE_DEFAULTS, board_width: 4, board_height: 4 };
// Head at (2, 2) moving right, the apple just ahead at (3, 2) = cell 15.
const BESIDE_APPLE: SnakePosition = { path: [[2, 2], [1, 2], [0, 2]], heading: 1, apple: 15 };
// A 4 × 4 board full but for cell 0 (the apple): a serpentine of 15 with the head at (1, 0) moving left.
const ONE_CELL_LEFT: SnakePosition = {
  path: [[1, 0], [2, 0], [3, 0], [3, 1], [2, 1], [1, 1], [0, 1], [0, 2], [1, 2], [2, 2], [3, 2], [3, 3], [2, 3], [1, 3], [0, 3]],
  heading: 3,
  apple: 0,
  apples: 12,
};

export const SNAKE_CASES: readonly SnakeCase[] = [
  {
    name: 'eating grows the snake (the tail stays) and draws a new apple',
    params: SNAKE_DEFAULTS,
    before: BESIDE_APPLE,
    action: 1,
    reward: 1 + SHAPING,
    terminated: false,
    after: { path: [[3, 2], [2, 2], [1, 2], [0, 2]], heading: 1, apple: 'free', apples: 1 },
  },
  {
    name: 'a plain move: the tail leaves, the head enters, one cell closer to the apple',
    params: SNAKE_DEFAULTS,
    before: { ...BESIDE_APPLE, apple: 35 },
    action: 2,
    reward: SHAPING,
    terminated: false,
    after: { path: [[2, 3], [2, 2], [1, 2]], heading: 2, apple: 35 },
  },
  {
    name: 'reversing onto the neck kills, the state unchanged',
    params: SNAKE_DEFAULTS,
    before: BESIDE_APPLE,
    action: 3,
    reward: -1,
    terminated: true,
    after: BESIDE_APPLE,
  },
  {
    name: 'the right wall kills',
    params: SNAKE_DEFAULTS,
    before: { path: [[5, 2], [4, 2], [3, 2]], heading: 1, apple: 0 },
    action: 1,
    reward: -1,
    terminated: true,
    after: { path: [[5, 2], [4, 2], [3, 2]], heading: 1, apple: 0 },
  },
  {
    name: 'the top wall kills',
    params: SNAKE_DEFAULTS,
    before: { path: [[3, 0], [3, 1], [3, 2]], heading: 0, apple: 35 },
    action: 0,
    reward: -1,
    terminated: true,
    after: { path: [[3, 0], [3, 1], [3, 2]], heading: 0, apple: 35 },
  },
  {
    name: 'the tail cell is safe (the tail leaves as the head enters), one cell further from the apple',
    params: SNAKE_DEFAULTS,
    before: { path: [[0, 1], [1, 1], [1, 0], [0, 0]], heading: 3, apple: 35 },
    action: 0,
    reward: -SHAPING,
    terminated: false,
    after: { path: [[0, 0], [0, 1], [1, 1], [1, 0]], heading: 0, apple: 35 },
  },
  {
    name: 'the body (not the tail) kills',
    params: SNAKE_DEFAULTS,
    before: { path: [[1, 1], [0, 1], [0, 0], [1, 0], [2, 0]], heading: 1, apple: 35 },
    action: 0,
    reward: -1,
    terminated: true,
    after: { path: [[1, 1], [0, 1], [0, 0], [1, 0], [2, 0]], heading: 1, apple: 35 },
  },
  {
    name: 'the apple that fills the board wins',
    params: BOARD_4X4,
    before: ONE_CELL_LEFT,
    action: 3,
    reward: 1 + SHAPING,
    terminated: true,
    after: { path: [[0, 0], ...ONE_CELL_LEFT.path], heading: 3, apple: -1, apples: 13, won: true },
  },
];

/** Checks a stepped state against the case's `after` (a drawn apple: any free cell). */
export function expectAfter(snakeCase: SnakeCase, state: Float32Array, note: string): void {
  const { width } = boardSize(snakeCase.params);
  const { after } = snakeCase;
  const expected = snakeState({ ...after, apple: after.apple === 'free' ? 0 : after.apple }, width);
  if (after.apple === 'free') {
    const apple = state[APPLE]!;
    expect(Number.isInteger(apple) && apple >= 0, `${note}: apple ${apple}`).toBe(true);
    expect(state[CELLS + apple], `${note}: the new apple's cell`).toBe(0);
    expected[APPLE] = apple;
  }
  expect(Array.from(state), note).toEqual(Array.from(expected));
}
