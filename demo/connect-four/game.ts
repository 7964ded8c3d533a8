/**
 * One game of Connect Four between a person and the agent: whose turn it is, the moves in order,
 * and how it ended. The sides alternate moves from whichever opened; a move that makes four ends
 * the game with that side's win, a move that fills the board with a draw.
 */
import { Board, type Side } from './board';

/** How a game ended: the winner (null for a draw) and, for a win, the four (or more) cells in a row. */
export interface GameResult {
  readonly winner: Side | null;
  readonly line: readonly number[];
}

export const other = (side: Side): Side => (side === 'you' ? 'agent' : 'you');

export class Game {
  readonly board = new Board();
  /** The columns played, in order (the opener's first). */
  readonly columns: number[] = [];
  /** Whose move it is; null once the game is over. */
  turn: Side | null;
  result: GameResult | null = null;
  /** The cell of the last disc dropped (null before any). */
  lastCell: number | null = null;

  constructor(readonly first: Side) {
    this.turn = first;
  }

  /** Plays `side`'s disc in `column`; refuses a move out of turn or into a full column. Returns the cell. */
  play(side: Side, column: number): number {
    if (this.turn !== side) throw new Error(`connect four: it is not ${side === 'you' ? 'your' : "the agent's"} turn`);
    const cell = this.board.drop(column, side);
    this.columns.push(column);
    this.lastCell = cell;
    const line = this.board.winningLine(cell);
    if (line) this.end({ winner: side, line });
    else if (this.board.full) this.end({ winner: null, line: [] });
    else this.turn = other(side);
    return cell;
  }

  private end(result: GameResult): void {
    this.result = result;
    this.turn = null;
  }
}
