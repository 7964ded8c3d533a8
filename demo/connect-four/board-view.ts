/**
 * The board as DOM: seven column buttons side by side, each holding its six cells top row first, so
 * a click anywhere in a column drops a disc there (and the keyboard reaches the columns by Tab and
 * Enter). Each cell says whose disc it holds in data-disc ('empty', 'you', 'agent'); the last disc
 * dropped carries data-last, a winning line data-win. A column button is disabled while it is not
 * your move or when the column is full.
 */
import { COLUMNS, ROWS } from './board';
import type { Game } from './game';

export class BoardView {
  readonly element = document.createElement('div');
  private readonly columns: HTMLButtonElement[] = [];
  /** By cell index (row·7 + column, row 0 at the bottom). */
  private readonly cells: HTMLElement[] = [];

  constructor(onColumn: (column: number) => void) {
    this.element.className = 'c4-board';
    this.element.setAttribute('role', 'group');
    this.element.setAttribute('aria-label', 'Connect Four board');
    for (let column = 0; column < COLUMNS; column += 1) {
      const button = document.createElement('button');
      button.className = 'c4-column';
      button.dataset.column = String(column);
      button.setAttribute('aria-label', `drop a disc in column ${column + 1}`);
      button.addEventListener('click', () => onColumn(column));
      for (let row = ROWS - 1; row >= 0; row -= 1) {
        const cell = document.createElement('span');
        cell.className = 'c4-cell';
        cell.dataset.cell = String(row * COLUMNS + column);
        button.append(cell);
        this.cells[row * COLUMNS + column] = cell;
      }
      this.columns.push(button);
      this.element.append(button);
    }
  }

  /** Draws `game`'s discs (an empty board without one); the columns take clicks only when `yourMove`. */
  render(game: Game | null, yourMove: boolean): void {
    const win = new Set(game?.result?.line ?? []);
    this.cells.forEach((cell, index) => {
      cell.dataset.disc = game?.board.owner(index) ?? 'empty';
      cell.toggleAttribute('data-last', game?.lastCell === index);
      cell.toggleAttribute('data-win', win.has(index));
    });
    this.columns.forEach((button, column) => {
      button.disabled = !yourMove || !game?.board.canDrop(column);
    });
  }
}
