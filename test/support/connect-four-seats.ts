/**
 * Connect Four as a game with two seats (a SeatedHostEnv), both played by the policies the trainer
 * maps to them: self-play with every move of both sides a transition. Rules from
 * ./connect-four-host.ts (the JavaScript twin of ConnectFour-v0).
 *
 * Turns in a game whose seats all act every step: the seat not to move has one legal action (column
 * 0, ignored), so its step carries no policy gradient (a one-action masked softmax has log π = 0
 * and zero gradient) and only its value is learned there. Its observation says so: 85 floats, the
 * seat's own discs (42), the other's (42), and 1 when the seat is to move. Seat 0 opens every game.
 * Rewards: +1 to the seat that makes four, −1 to the other, 0 each for a full board.
 */
import type { SeatBatch, SeatedHostEnv } from '../../src/envs/seated-host-env';
import { COLUMNS, height, ROWS, winsAt } from './connect-four-host';

export const SEATED_C4_OBS_SIZE = 85;

/** The 85 floats of a board seen by the player `own` (1 or 2), to move or not. */
export function seatedC4Observation(board: ArrayLike<number>, own: number, toMove: boolean, out: Float32Array, offset = 0): void {
  for (let i = 0; i < 42; i += 1) {
    out[offset + i] = board[i] === own ? 1 : 0;
    out[offset + 42 + i] = board[i] === 3 - own ? 1 : 0;
  }
  out[offset + 84] = toMove ? 1 : 0;
}

/** The legal columns of `board` as a mask row (1 = legal). */
export function columnMask(board: ArrayLike<number>, out: Uint32Array, offset = 0): void {
  for (let c = 0; c < COLUMNS; c += 1) out[offset + c] = height(board, c) < ROWS ? 1 : 0;
}

/** The game: `boards[i]` is match i's 42 cells (seat s's discs are s + 1), `mover[i]` the seat to move. */
export function seatedConnectFour(): SeatedHostEnv {
  let boards: Uint8Array[] = [];
  let mover = new Uint8Array(0);
  const show = (batch: SeatBatch, i: number) => {
    for (let s = 0; s < 2; s += 1) {
      const r = batch.row(i, s);
      seatedC4Observation(boards[i]!, s + 1, mover[i] === s, batch.observations, r * SEATED_C4_OBS_SIZE);
      if (mover[i] === s) columnMask(boards[i]!, batch.masks, r * COLUMNS);
      else batch.masks.set([1, 0, 0, 0, 0, 0, 0], r * COLUMNS);
    }
  };
  return {
    name: 'connect-four-seats',
    seats: 2,
    observationSize: SEATED_C4_OBS_SIZE,
    actionSpace: { kind: 'discrete', n: COLUMNS },
    maxEpisodeSteps: 64,
    actionMasks: true,
    resetBatch(batch, instances) {
      if (boards.length !== batch.numInstances) {
        boards = Array.from({ length: batch.numInstances }, () => new Uint8Array(42));
        mover = new Uint8Array(batch.numInstances);
      }
      for (const i of instances) {
        boards[i]!.fill(0);
        mover[i] = 0;
        show(batch, i);
      }
    },
    stepBatch(batch) {
      for (let i = 0; i < batch.numInstances; i += 1) {
        const board = boards[i]!;
        const s = mover[i]!;
        const column = batch.actions[batch.row(i, s)]!;
        const row = height(board, column);
        board[row * COLUMNS + column] = s + 1;
        const won = winsAt(board, row, column, s + 1);
        const full = !won && board.every((cell) => cell !== 0);
        for (let seat = 0; seat < 2; seat += 1) {
          const r = batch.row(i, seat);
          batch.rewards[r] = won ? (seat === s ? 1 : -1) : 0;
          batch.terminated[r] = won || full ? 1 : 0;
        }
        mover[i] = 1 - s;
        show(batch, i);
      }
    },
  };
}
