/**
 * The Connect Four tab's rules (demo/connect-four/board.ts, game.ts) against the env's JavaScript
 * twin (test/support/connect-four-host.ts, which replays shaders/envs/connect_four.wgsl): over
 * random games, the same legal columns, the same landing cells, the same wins, and the agent's
 * observation laid out as the env's (its own discs, then the other side's). Then the game's turns,
 * its end, and its refusals.
 */
import { describe, expect, it } from 'vitest';
import { Board, CELLS, COLUMNS, type Side } from '../../demo/connect-four/board';
import { Game } from '../../demo/connect-four/game';
import { c4Observation, CELLS as STATE_CELLS, C4_OBS_SIZE, C4_STATE_SIZE, height, LEARNER, legalColumns, OPPONENT, winsAt } from '../support/connect-four-host';

/** A small deterministic generator (xorshift32) for the random games. */
function uniforms(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('connect four board (demo)', () => {
  it('plays 300 random games as the env twin does: legal columns, landing cells, wins, observations', () => {
    const random = uniforms(12345);
    let wins = 0;
    for (let g = 0; g < 300; g += 1) {
      const board = new Board();
      // The twin's state row with the agent as the learner (1) and you as the opponent (2).
      const state = new Float32Array(C4_STATE_SIZE);
      const cells = state.subarray(STATE_CELLS);
      let side: Side = g % 2 === 0 ? 'you' : 'agent';
      for (;;) {
        const legal = legalColumns(cells);
        expect([...board.legalColumns()]).toEqual(Array.from({ length: COLUMNS }, (_, c) => (legal.includes(c) ? 1 : 0)));
        expect([...board.observation('agent')]).toEqual([...c4Observation(state, new Float32Array(C4_OBS_SIZE))]);
        const column = legal[Math.floor(random() * legal.length)]!;
        const row = height(cells, column);
        const player = side === 'agent' ? LEARNER : OPPONENT;
        const won = winsAt(cells, row, column, player);
        cells[row * COLUMNS + column] = player;
        const cell = board.drop(column, side);
        expect(cell).toBe(row * COLUMNS + column);
        expect(board.owner(cell)).toBe(side);
        const line = board.winningLine(cell);
        expect(line !== null).toBe(won);
        if (won || board.full) {
          if (won) wins += 1;
          break;
        }
        side = side === 'you' ? 'agent' : 'you';
      }
    }
    // Random play ends almost every game with a four.
    expect(wins).toBeGreaterThan(250);
  });

  it('finds the line of four (horizontal, vertical, both diagonals) through the last disc', () => {
    const board = new Board();
    for (const column of [0, 1, 2]) board.drop(column, 'you');
    expect(board.winningLine(board.drop(3, 'agent'))).toBeNull();
    const other = new Board();
    for (const column of [0, 1, 2, 3]) other.drop(column, 'you');
    expect([...other.winningLine(3)!].sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
    const vertical = new Board();
    for (let i = 0; i < 4; i += 1) vertical.drop(5, 'agent');
    expect([...vertical.winningLine(3 * COLUMNS + 5)!].sort((a, b) => a - b)).toEqual([5, 12, 19, 26]);
    // A rising diagonal from (0, 0) and a falling one from (3, 0): fillers below, the agent's discs on the line.
    const rising = new Board();
    const falling = new Board();
    for (let c = 0; c < 4; c += 1) {
      for (let r = 0; r < c; r += 1) rising.drop(c, 'you');
      rising.drop(c, 'agent');
      for (let r = 0; r < 3 - c; r += 1) falling.drop(c, 'you');
      falling.drop(c, 'agent');
    }
    expect([...rising.winningLine(0)!].sort((a, b) => a - b)).toEqual([0, 8, 16, 24]);
    expect([...falling.winningLine(3)!].sort((a, b) => a - b)).toEqual([3, 9, 15, 21]);
  });

  it('refuses a full column; the observation puts the asking side first', () => {
    const board = new Board();
    for (let i = 0; i < 6; i += 1) board.drop(2, i % 2 === 0 ? 'you' : 'agent');
    expect(board.canDrop(2)).toBe(false);
    expect(board.legalColumns()[2]).toBe(0);
    expect(() => board.drop(2, 'you')).toThrow(/column 2 is full/);
    // Your disc at the bottom of column 2 (cell 2), the agent's above it (cell 9).
    const yours = board.observation('you');
    const its = board.observation('agent');
    expect([yours[2], yours[CELLS + COLUMNS + 2], yours[COLUMNS + 2], yours[CELLS + 2]]).toEqual([1, 1, 0, 0]);
    expect([its[COLUMNS + 2], its[CELLS + 2], its[2], its[CELLS + COLUMNS + 2]]).toEqual([1, 1, 0, 0]);
  });

  it('a game alternates from its opener, ends on a four or a full board, and refuses moves out of turn', () => {
    const game = new Game('agent');
    expect(() => game.play('you', 0)).toThrow(/not your turn/);
    for (const column of [0, 1, 0, 1, 0, 1]) game.play(game.turn!, column);
    expect(game.turn).toBe('agent');
    game.play('agent', 0);
    expect(game.result?.winner).toBe('agent');
    expect(game.turn).toBeNull();
    expect(game.columns).toEqual([0, 1, 0, 1, 0, 1, 0]);
    // A full board without a four: columns filled in pairs, shifted every other band of rows.
    const draw = new Game('you');
    const order = [0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 2, 3, 2, 3, 2, 3, 3, 2, 3, 2, 3, 2, 4, 5, 4, 5, 4, 5, 5, 4, 5, 4, 5, 4, 6, 6, 6, 6, 6, 6];
    for (const column of order) draw.play(draw.turn!, column);
    expect(draw.board.full).toBe(true);
    expect(draw.result).toEqual({ winner: null, line: [] });
  });
});
