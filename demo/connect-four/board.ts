/**
 * Connect Four's rules on the page, for a game between a person and the agent: the GPU env
 * (ConnectFour-v0) plays its own scripted opponent inside the step, so a human game keeps its board
 * here and asks the agent's CPU policy for each of its moves. The layout is the env's: cell
 * row·7 + column, row 0 at the bottom; a disc lands on its column's lowest empty row; four of one
 * player's discs in a row (horizontally, vertically or diagonally) win; a full board draws.
 */
import { CONNECT_FOUR_COLUMNS as COLUMNS, CONNECT_FOUR_ROWS as ROWS } from '../../src/games';

export { COLUMNS, ROWS };
export const CELLS = COLUMNS * ROWS;

/** The two sides of a game, as their discs are stored in the cells (0 is empty). */
export type Side = 'you' | 'agent';
const DISC: Readonly<Record<Side, number>> = { you: 1, agent: 2 };

/** The four directions a line can run in (column step, row step); each is also walked backwards. */
const DIRECTIONS: readonly (readonly [number, number])[] = [
  [1, 0],
  [0, 1],
  [1, 1],
  [1, -1],
];

export class Board {
  /** 0 empty, 1 your disc, 2 the agent's. */
  readonly cells = new Uint8Array(CELLS);
  /** Discs on the board. */
  moves = 0;

  /** The side whose disc is in `cell`, or null when it is empty. */
  owner(cell: number): Side | null {
    const disc = this.cells[cell];
    return disc === DISC.you ? 'you' : disc === DISC.agent ? 'agent' : null;
  }

  /** The row a disc dropped in `column` lands on; ROWS when the column is full. */
  height(column: number): number {
    let row = 0;
    while (row < ROWS && this.cells[row * COLUMNS + column] !== 0) row += 1;
    return row;
  }

  /** Whether a disc can go in `column` (a column of the board that is not full). */
  canDrop(column: number): boolean {
    return Number.isInteger(column) && column >= 0 && column < COLUMNS && this.height(column) < ROWS;
  }

  /** Drops `side`'s disc in `column`; returns the cell it landed in. */
  drop(column: number, side: Side): number {
    if (!this.canDrop(column)) throw new RangeError(`connect four: column ${column} is full or not on the board`);
    const cell = this.height(column) * COLUMNS + column;
    this.cells[cell] = DISC[side];
    this.moves += 1;
    return cell;
  }

  get full(): boolean {
    return this.moves === CELLS;
  }

  /** The cells of the longest line of ≥ 4 through `cell` (its owner's win), or null. */
  winningLine(cell: number): number[] | null {
    const disc = this.cells[cell];
    if (!disc) return null;
    const column = cell % COLUMNS;
    const row = Math.floor(cell / COLUMNS);
    for (const [dc, dr] of DIRECTIONS) {
      const line = [cell];
      for (const sign of [1, -1]) {
        for (let c = column + sign * dc, r = row + sign * dr; c >= 0 && c < COLUMNS && r >= 0 && r < ROWS && this.cells[r * COLUMNS + c] === disc; c += sign * dc, r += sign * dr) {
          line.push(r * COLUMNS + c);
        }
      }
      if (line.length >= 4) return line;
    }
    return null;
  }

  /** The env's action mask: 1 for each column that is not full. */
  legalColumns(): Uint8Array {
    return Uint8Array.from({ length: COLUMNS }, (_, column) => (this.height(column) < ROWS ? 1 : 0));
  }

  /** The env's observation for `side`: its own discs (42 cells), then the other side's, each 0 or 1. */
  observation(side: Side): Float32Array {
    const own = DISC[side];
    const observation = new Float32Array(2 * CELLS);
    for (let cell = 0; cell < CELLS; cell += 1) {
      const disc = this.cells[cell]!;
      if (disc !== 0) observation[disc === own ? cell : CELLS + cell] = 1;
    }
    return observation;
  }
}
