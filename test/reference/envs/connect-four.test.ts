/**
 * ConnectFour-v0's JavaScript twin (test/support/connect-four-host.ts) on hand-made positions: a
 * four in every direction (gaps included) and none where a disc of the other blocks it; the
 * lookahead player's order (win before block before random) and the exactness of the pick; every
 * ending of a step (illegal move, win, the opponent's win, a draw by either side's last disc); the
 * reset's seats and opening. Then the scripted players against each other over many games, the
 * baselines src/envs/builtin/connect-four.ts and docs quote.
 */
import { describe, expect, it } from 'vitest';
import { freshSeed, seededRandom } from '../../support/random';
import {
  C4_STATE_SIZE,
  c4Mask,
  c4Metrics,
  c4Pick,
  c4Reset,
  c4Step,
  CELLS,
  COLUMNS,
  LEARNER,
  lookaheadColumn,
  MOVES,
  OPPONENT,
  OUTCOME,
  randomColumn,
  SEAT,
  winsAt,
  OPPONENT_KIND,
  OPPONENT_LOOKAHEAD,
  OPPONENT_POLICY,
  c4OpponentObservation,
  c4OpponentStep,
  c4OpponentTurn,
  type ConnectFourParams,
} from '../../support/connect-four-host';

/** A board from (row, column, player) triples. */
function board(...discs: [number, number, number][]): number[] {
  const cells = new Array<number>(42).fill(0);
  for (const [row, column, player] of discs) cells[row * COLUMNS + column] = player;
  return cells;
}

/** A state row holding `cells`, the opponent of the given kind. */
function state(cells: readonly number[], lookahead = 0): Float32Array {
  const s = new Float32Array(C4_STATE_SIZE);
  s.set(cells, CELLS);
  s[MOVES] = cells.filter((c) => c !== 0).length;
  s[OPPONENT_KIND] = lookahead;
  return s;
}

const draws = (...values: number[]) => {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('drew more uniforms than the test supplied');
    return values[i++]!;
  };
};

/** A full board without a four, 21 discs each: row r, column c holds 1 + ((r + ⌊c/2⌋) mod 2). */
const DRAWN = Array.from({ length: 42 }, (_, i) => 1 + ((Math.floor(i / COLUMNS) + Math.floor((i % COLUMNS) / 2)) % 2));

describe('ConnectFour-v0 twin', () => {
  it('finds a four in every direction, across a gap, and none where the line is blocked', () => {
    expect(winsAt(board([0, 0, 1], [0, 1, 1], [0, 2, 1]), 0, 3, 1)).toBe(true);
    expect(winsAt(board([0, 0, 1], [0, 1, 1], [0, 3, 1]), 0, 2, 1)).toBe(true);
    expect(winsAt(board([0, 5, 2], [1, 5, 2], [2, 5, 2]), 3, 5, 2)).toBe(true);
    expect(winsAt(board([0, 0, 1], [1, 1, 1], [2, 2, 1]), 3, 3, 1)).toBe(true);
    expect(winsAt(board([3, 0, 2], [2, 1, 2], [1, 2, 2]), 0, 3, 2)).toBe(true);
    expect(winsAt(board([5, 6, 1], [4, 5, 1], [2, 3, 1]), 3, 4, 1)).toBe(true);
    // Three and a disc of the other player, or the edge: no four.
    expect(winsAt(board([0, 0, 1], [0, 1, 1], [0, 2, 2]), 0, 3, 1)).toBe(false);
    expect(winsAt(board([0, 4, 1], [0, 5, 1], [0, 6, 1]), 0, 3, 2)).toBe(false);
    expect(winsAt(board([0, 0, 1], [1, 1, 2], [2, 2, 1]), 3, 3, 1)).toBe(false);
    expect(winsAt(board([0, 5, 2], [1, 5, 2]), 2, 5, 2)).toBe(false);
    // The drawn board has no four anywhere.
    for (let i = 0; i < 42; i += 1) expect(winsAt(DRAWN, Math.floor(i / 7), i % 7, DRAWN[i]!), `cell ${i}`).toBe(false);
    expect(DRAWN.filter((p) => p === 1).length).toBe(21);
  });

  it('picks the k-th of n choices exactly, and the lookahead player wins before it blocks', () => {
    for (let n = 1; n <= 7; n += 1) {
      for (let k = 0; k < n; k += 1) expect(c4Pick((k + 0.5) / n, n), `${k}/${n}`).toBe(k);
      expect(c4Pick(0, n)).toBe(0);
      expect(c4Pick(0.99999994, n)).toBe(n - 1);
    }
    // Player 2 threatens column 3 (row 0), player 1 column 6 (vertical): 1 to move wins at 6 rather than block.
    const threats = board([0, 0, 2], [0, 1, 2], [0, 2, 2], [0, 6, 1], [1, 6, 1], [2, 6, 1]);
    for (const u of [0, 0.5, 0.99]) expect(lookaheadColumn(threats, 1, u)).toBe(6);
    for (const u of [0, 0.5, 0.99]) expect(lookaheadColumn(threats, 2, u)).toBe(3);
    // Two threats of the other: blocks one of them, the pick choosing which.
    const two = board([0, 1, 2], [0, 2, 2], [0, 3, 2]);
    expect([lookaheadColumn(two, 1, 0.1), lookaheadColumn(two, 1, 0.9)]).toEqual([0, 4]);
    // Nothing to win or block: any legal column, never a full one.
    const full = board(...Array.from({ length: 6 }, (_, r): [number, number, number] => [r, 0, 1 + (Math.floor(r / 2) % 2)]));
    const seen = new Set<number>();
    for (let k = 0; k < 60; k += 1) seen.add(lookaheadColumn(full, 1, k / 60)).add(randomColumn(full, 2, k / 60));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('ends a step by an illegal move, a win, the opponent’s win, or a draw by either side’s last disc', () => {
    const params: ConnectFourParams = { opponent_lookahead: 0, learner_seat: 0, opponent_policy: 0 };
    const metrics = (s: Float32Array) => {
      const out = [0, 0, 0, 0];
      c4Metrics(s, out);
      return out;
    };
    // Column 0 full: an illegal move loses at once, drawing the reply's uniform all the same.
    const illegal = state(board(...Array.from({ length: 6 }, (_, r): [number, number, number] => [r, 0, 1 + (Math.floor(r / 2) % 2)])));
    expect(c4Step(illegal, 0, draws(0.3))).toEqual({ reward: -1, terminated: true });
    expect([illegal[OUTCOME], ...metrics(illegal)]).toEqual([4, 0, 0, 1, 1]);
    // The learner completes a row.
    const win = state(board([0, 0, 1], [0, 1, 1], [0, 2, 1], [1, 0, 2], [1, 1, 2]));
    expect(c4Step(win, 3, draws(0.3))).toEqual({ reward: 1, terminated: true });
    expect([win[OUTCOME], win[MOVES], ...metrics(win)]).toEqual([1, 6, 1, 0, 0, 0]);
    // The lookahead opponent answers a harmless move with its own four in column 6.
    const loss = state(board([0, 6, 2], [1, 6, 2], [2, 6, 2], [0, 0, 1], [0, 1, 1]), 1);
    expect(c4Step(loss, 4, draws(0.99))).toEqual({ reward: -1, terminated: true });
    expect([loss[OUTCOME], loss[CELLS + 3 * 7 + 6], ...metrics(loss)]).toEqual([3, OPPONENT, 0, 0, 1, 0]);
    // The learner's disc fills the board: a draw.
    const last = state(DRAWN.map((p, i) => (i === 5 * 7 + 2 ? 0 : p)));
    expect(last[MOVES]).toBe(41);
    expect(c4Step(last, 2, draws(0.5))).toEqual({ reward: 0, terminated: true });
    expect([last[OUTCOME], ...metrics(last)]).toEqual([2, 0, 1, 0, 0]);
    // The opponent's forced reply fills it.
    const reply = state(DRAWN.map((p, i) => (i === 5 * 7 + 2 || i === 5 * 7 + 0 ? 0 : p)));
    expect(c4Step(reply, 2, draws(0.5))).toEqual({ reward: 0, terminated: true });
    expect([reply[OUTCOME], reply[CELLS + 35], reply[MOVES]]).toEqual([2, OPPONENT, 42]);
    // A move that ends nothing: the opponent replies and play goes on; the mask follows the board.
    const open = state(board());
    expect(c4Step(open, 3, draws(0))).toEqual({ reward: 0, terminated: false });
    expect([open[CELLS + 3], open[CELLS + 0], open[MOVES], open[OUTCOME]]).toEqual([LEARNER, OPPONENT, 2, 0]);
    const mask = new Uint32Array(7);
    c4Mask(illegal, mask);
    expect([...mask]).toEqual([0, 1, 1, 1, 1, 1, 1]);
    expect(params.learner_seat).toBe(0);
  });

  it('resets to the seat and opponent asked for, the opponent opening when the learner is second', () => {
    const s = new Float32Array(C4_STATE_SIZE).fill(7);
    c4Reset(s, { opponent_lookahead: 0.5, learner_seat: 0, opponent_policy: 0 }, draws(0.2, 0.7, 0.99));
    expect([s[SEAT], s[OPPONENT_KIND], s[MOVES], s[OUTCOME]]).toEqual([0, 0, 0, 0]);
    expect(s.subarray(CELLS).every((c) => c === 0)).toBe(true);
    c4Reset(s, { opponent_lookahead: 0.5, learner_seat: 0, opponent_policy: 0 }, draws(0.6, 0.3, 0.99));
    expect([s[SEAT], s[OPPONENT_KIND], s[MOVES], s[CELLS + 6]]).toEqual([1, 1, 1, OPPONENT]);
    c4Reset(s, { opponent_lookahead: 0, learner_seat: 2, opponent_policy: 0 }, draws(0.0, 0.0, 0.0));
    expect([s[SEAT], s[OPPONENT_KIND], s[MOVES], s[CELLS]]).toEqual([1, 0, 1, OPPONENT]);
    c4Reset(s, { opponent_lookahead: 1, learner_seat: 1, opponent_policy: 0 }, draws(0.9, 0.99, 0.5));
    expect([s[SEAT], s[OPPONENT_KIND], s[MOVES]]).toEqual([0, 1, 0]);
  });

  it('leaves the policy seat to the policy: no opening, no reply, its own turn and view', () => {
    const s = new Float32Array(C4_STATE_SIZE);
    // Policy 0.25, lookahead 0.5: kind draws below 0.25 are the policy, below 0.625 lookahead, else random.
    const mixed = { opponent_lookahead: 0.5, learner_seat: 2, opponent_policy: 0.25 };
    c4Reset(s, mixed, draws(0, 0.6, 0));
    expect([s[SEAT], s[OPPONENT_KIND], s[MOVES]]).toEqual([1, OPPONENT_LOOKAHEAD, 1]);
    c4Reset(s, mixed, draws(0, 0.7, 0));
    expect(s[OPPONENT_KIND]).toBe(0);
    c4Reset(s, mixed, draws(0, 0.2, 0));
    expect([s[SEAT], s[OPPONENT_KIND], s[MOVES]]).toEqual([1, OPPONENT_POLICY, 0]);
    // Second, on an empty board: the seat opens; after its disc, the learner's turn.
    expect(c4OpponentTurn(s)).toBe(true);
    expect(c4OpponentStep(s, 3)).toEqual({ reward: 0, terminated: false });
    expect(c4OpponentTurn(s)).toBe(false);
    expect(c4Step(s, 3, draws(0))).toEqual({ reward: 0, terminated: false });
    expect([s[MOVES], s[CELLS + 3], s[CELLS + 10]]).toEqual([2, OPPONENT, LEARNER]);
    expect(c4OpponentTurn(s)).toBe(true);
    const view = c4OpponentObservation(s, new Float32Array(84));
    expect([view[3], view[10], view[42 + 3], view[42 + 10]]).toEqual([1, 0, 0, 1]);
    // Its four ends the learner's game as a loss.
    for (const column of [4, 5]) {
      c4OpponentStep(s, column);
      c4Step(s, column, draws(0));
    }
    expect(c4OpponentStep(s, 6)).toEqual({ reward: -1, terminated: true });
    expect(s[OUTCOME]).toBe(3);
    expect(c4OpponentTurn(s)).toBe(false);
  });

  it('the scripted players against each other: lookahead beats random, and both seats are played', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const play = (learner: typeof lookaheadColumn, lookahead: number, games: number) => {
      const totals = { win: 0, draw: 0, loss: 0 };
      const s = new Float32Array(C4_STATE_SIZE);
      for (let g = 0; g < games; g += 1) {
        c4Reset(s, { opponent_lookahead: lookahead, learner_seat: 1 + (g % 2), opponent_policy: 0 }, random);
        for (;;) {
          const { reward, terminated } = c4Step(s, learner(s.subarray(CELLS), LEARNER, random()), random);
          if (terminated) {
            totals[reward > 0 ? 'win' : reward < 0 ? 'loss' : 'draw'] += 1;
            break;
          }
        }
      }
      return totals;
    };
    const lookaheadVsRandom = play(lookaheadColumn, 0, 2000);
    const randomVsLookahead = play(randomColumn, 1, 2000);
    const randomVsRandom = play(randomColumn, 0, 2000);
    console.log(
      `[connect four] seed ${seed}, 2 000 games each, half first: lookahead vs random ${JSON.stringify(lookaheadVsRandom)}; random vs lookahead ${JSON.stringify(randomVsLookahead)}; random vs random ${JSON.stringify(randomVsRandom)}`,
    );
    expect(lookaheadVsRandom.win, `seed ${seed}`).toBeGreaterThan(1700);
    expect(randomVsLookahead.loss, `seed ${seed}`).toBeGreaterThan(1700);
    expect(Math.abs(randomVsRandom.win - randomVsRandom.loss), `seed ${seed}`).toBeLessThan(200);
  });
});
