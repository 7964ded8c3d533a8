/**
 * ConnectFour-v0 in JavaScript: the rules of shaders/envs/connect_four.wgsl (its header states
 * them) over the same State layout, drawing the host env's randomness in the same order (3
 * uniforms per reset, 1 per step), so that createHostVectorEnv over ConnectFourHost replays the
 * WGSL env from the same seed. Every value is a small integer: no rounding to match.
 *
 * The game logic is pure functions over one state row (seat, opponent kind, moves, outcome,
 * cells[42]), the policy seat's too (c4OpponentTurn, c4OpponentObservation, c4OpponentStep: a
 * policy plays it, so this twin leaves it to the test); the scripted players (randomColumn, lookaheadColumn) take a board and the player to
 * move, so tests can also pit them against each other.
 */
import type { HostEnv, HostEnvStepResult, HostRandom } from '../../src/envs/host-env';
import { connectFour } from '../../src/games/connect-four';

export const C4_STATE_SIZE = 46;
export const C4_OBS_SIZE = 84;
export const C4_METRIC_COUNT = 4;
export const COLUMNS = 7;
export const ROWS = 6;
export const SEAT = 0;
/** State.opponent: 0 random, 1 lookahead (OPPONENT_LOOKAHEAD), 2 the policy seat (OPPONENT_POLICY). */
export const OPPONENT_KIND = 1;
export const OPPONENT_LOOKAHEAD = 1;
export const OPPONENT_POLICY = 2;
export const MOVES = 2;
export const OUTCOME = 3;
export const CELLS = 4;
export const LEARNER = 1;
export const OPPONENT = 2;

/** The env's parameters (EnvParams of the WGSL, in its order). */
export interface ConnectFourParams {
  readonly opponent_lookahead: number;
  readonly learner_seat: number;
  /** The policy seat's probability (an opponent pool sets it on the GPU). */
  readonly opponent_policy: number;
}

export const C4_DEFAULTS: Readonly<ConnectFourParams> = connectFour.params as unknown as ConnectFourParams;

/** The k-th of n choices from one uniform, as c4_pick. */
export function c4Pick(u: number, n: number): number {
  return Math.floor((Math.floor(u * 16777216) * n) / 16777216);
}

/** A board: 42 cells, row·7 + column, row 0 at the bottom (0 empty, else the player's number). */
export type Board = ArrayLike<number> & { [i: number]: number };

/** The row a disc dropped in `column` lands on; ROWS when full. */
export function height(board: Board, column: number): number {
  for (let row = 0; row < ROWS; row += 1) if (board[row * COLUMNS + column] === 0) return row;
  return ROWS;
}

/** Whether a disc of `player` at (row, column) makes four (the cell itself not read). */
export function winsAt(board: Board, row: number, column: number, player: number): boolean {
  const run = (dr: number, dc: number) => {
    let count = 0;
    for (let r = row + dr, c = column + dc; r >= 0 && r < ROWS && c >= 0 && c < COLUMNS && board[r * COLUMNS + c] === player; r += dr, c += dc) count += 1;
    return count;
  };
  return [[0, 1], [1, 0], [1, 1], [-1, 1]].some(([dr, dc]) => 1 + run(dr!, dc!) + run(-dr!, -dc!) >= 4);
}

/** The columns that are not full, in order. */
export function legalColumns(board: Board): number[] {
  return Array.from({ length: COLUMNS }, (_, c) => c).filter((c) => height(board, c) < ROWS);
}

/** The legal columns where a disc of `player` makes four. */
export function winningColumns(board: Board, player: number): number[] {
  return legalColumns(board).filter((c) => winsAt(board, height(board, c), c, player));
}

/** The random player: a uniformly random legal column. */
export function randomColumn(board: Board, _player: number, u: number): number {
  const legal = legalColumns(board);
  return legal[c4Pick(u, legal.length)]!;
}

/** The lookahead player: a column that wins now, else one that blocks the other's immediate win, else random. */
export function lookaheadColumn(board: Board, player: number, u: number): number {
  const wins = winningColumns(board, player);
  const blocks = winningColumns(board, 3 - player);
  const choices = wins.length > 0 ? wins : blocks.length > 0 ? blocks : legalColumns(board);
  return choices[c4Pick(u, choices.length)]!;
}

/** Drops a disc of `player` in `column` (not full) of the state row; whether it made four. */
export function drop(state: Float32Array, column: number, player: number): boolean {
  const board = state.subarray(CELLS);
  const row = height(board, column);
  board[row * COLUMNS + column] = player;
  state[MOVES] = state[MOVES]! + 1;
  return winsAt(board, row, column, player);
}

const opponentColumn = (state: Float32Array, u: number) => (state[OPPONENT_KIND] === OPPONENT_LOOKAHEAD ? lookaheadColumn : randomColumn)(state.subarray(CELLS), OPPONENT, u);

export function c4Reset(state: Float32Array, params: ConnectFourParams, random: HostRandom): void {
  const seatDraw = random();
  const kindDraw = random();
  const moveDraw = random();
  state.fill(0);
  state[SEAT] = params.learner_seat === 1 || params.learner_seat === 2 ? params.learner_seat - 1 : c4Pick(seatDraw, 2);
  // As the WGSL: policy + (1 − policy) · lookahead in float32 (exact when policy is 0 or 1).
  const policy = Math.fround(params.opponent_policy);
  const lookahead = Math.fround(policy + Math.fround(Math.fround(1 - policy) * Math.fround(params.opponent_lookahead)));
  state[OPPONENT_KIND] = kindDraw < policy ? OPPONENT_POLICY : kindDraw < lookahead ? OPPONENT_LOOKAHEAD : 0;
  if (state[SEAT] === 1 && state[OPPONENT_KIND] !== OPPONENT_POLICY) drop(state, opponentColumn(state, moveDraw), OPPONENT);
}

export function c4Step(state: Float32Array, action: number, random: HostRandom): { reward: number; terminated: boolean } {
  const replyDraw = random();
  const column = Math.min(action, 6);
  const board = state.subarray(CELLS);
  const end = (outcome: number, reward: number) => {
    state[OUTCOME] = outcome;
    return { reward, terminated: true };
  };
  if (height(board, column) === ROWS) return end(4, -1);
  if (drop(state, column, LEARNER)) return end(1, 1);
  if (state[MOVES] === 42) return end(2, 0);
  if (state[OPPONENT_KIND] === OPPONENT_POLICY) return { reward: 0, terminated: false };
  return c4OpponentStep(state, opponentColumn(state, replyDraw));
}

/** Whether the policy seat moves now: its game, unfinished, the learner having moved last. */
export function c4OpponentTurn(state: Float32Array): boolean {
  const learnerMovedLast = state[MOVES]! % 2 === (state[SEAT] === 1 ? 0 : 1);
  return state[OPPONENT_KIND] === OPPONENT_POLICY && state[OUTCOME] === 0 && learnerMovedLast;
}

/** The opponent's disc in `column` (not full): its four loses the learner's game, a full board draws. */
export function c4OpponentStep(state: Float32Array, column: number): { reward: number; terminated: boolean } {
  if (drop(state, column, OPPONENT)) {
    state[OUTCOME] = 3;
    return { reward: -1, terminated: true };
  }
  if (state[MOVES] === 42) {
    state[OUTCOME] = 2;
    return { reward: 0, terminated: true };
  }
  return { reward: 0, terminated: false };
}

/** The board from the opponent's side: its discs first. */
export function c4OpponentObservation(state: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < 42; i += 1) {
    out[i] = state[CELLS + i] === OPPONENT ? 1 : 0;
    out[42 + i] = state[CELLS + i] === LEARNER ? 1 : 0;
  }
  return out;
}

export function c4Observation(state: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < 42; i += 1) {
    out[i] = state[CELLS + i] === LEARNER ? 1 : 0;
    out[42 + i] = state[CELLS + i] === OPPONENT ? 1 : 0;
  }
  return out;
}

export function c4Mask(state: Float32Array, out: Uint32Array | number[], offset = 0): void {
  for (let c = 0; c < COLUMNS; c += 1) out[offset + c] = height(state.subarray(CELLS), c) < ROWS ? 1 : 0;
}

export function c4Metrics(state: Float32Array, out: Float32Array | number[], offset = 0): void {
  const outcome = state[OUTCOME]!;
  out[offset] = outcome === 1 ? 1 : 0;
  out[offset + 1] = outcome === 2 ? 1 : 0;
  out[offset + 2] = outcome >= 3 ? 1 : 0;
  out[offset + 3] = outcome === 4 ? 1 : 0;
}

/** N games as a per-instance HostEnv over one Float32Array [N][STATE] (the WGSL env's states layout). */
export class ConnectFourHost implements HostEnv {
  readonly name = 'connect-four-js';
  readonly observationSize = C4_OBS_SIZE;
  readonly actionSpace = connectFour.actionSpace;
  readonly maxEpisodeSteps = connectFour.maxEpisodeSteps;
  readonly episodeMetrics = connectFour.episodeMetrics!;
  readonly states: Float32Array;
  readonly params: ConnectFourParams;
  private readonly observation = new Float32Array(C4_OBS_SIZE);

  constructor(
    readonly numEnvs: number,
    params: Partial<ConnectFourParams> = {},
  ) {
    this.states = new Float32Array(numEnvs * C4_STATE_SIZE);
    this.params = { ...C4_DEFAULTS, ...params };
  }

  /** Instance `env`'s state row (a view into `states`). */
  row(env: number): Float32Array {
    return this.states.subarray(env * C4_STATE_SIZE, (env + 1) * C4_STATE_SIZE);
  }

  reset(env: number, random: HostRandom): Float32Array {
    c4Reset(this.row(env), this.params, random);
    return c4Observation(this.row(env), this.observation);
  }

  step(env: number, action: number | Float32Array, random: HostRandom): HostEnvStepResult {
    const { reward, terminated } = c4Step(this.row(env), action as number, random);
    return { observation: c4Observation(this.row(env), this.observation), reward, terminated };
  }

  actionMask(env: number, mask: Uint32Array): void {
    c4Mask(this.row(env), mask);
  }

  metrics(env: number, out: Float32Array): void {
    c4Metrics(this.row(env), out);
  }
}
