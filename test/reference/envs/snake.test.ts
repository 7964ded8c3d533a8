/**
 * Snake-v0's JavaScript twin (test/support/snake-host.ts) on the hand-worked positions of
 * test/support/snake-cases.ts, its observation, mask and metrics, and the game's point: a greedy
 * "toward the apple unless that dies" policy eats far more apples than a random legal one. The
 * baselines printed here are the ones src/envs/builtin/snake.ts quotes.
 */
import { describe, expect, it } from 'vitest';
import { freshSeed, seededRandom } from '../../support/random';
import { expectAfter, snakeState, SNAKE_CASES } from '../../support/snake-cases';
import {
  APPLE,
  APPLES,
  boardSize,
  CELLS,
  DIRECTIONS,
  HEAD_X,
  HEAD_Y,
  HEADING,
  SNAKE_DEFAULTS,
  SNAKE_OBS_SIZE,
  SnakeHost,
  snakeDeadly,
  snakeMask,
  snakeMetrics,
  snakeObservation,
  snakeReset,
  snakeStep,
  WON,
} from '../../support/snake-host';
import { greedyAction, randomLegalAction } from '../../support/snake-policies';

const draws = (...values: number[]) => {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('drew more uniforms than the test supplied');
    return values[i++]!;
  };
};

describe('Snake-v0 twin', () => {
  it.each(SNAKE_CASES)('$name', (snakeCase) => {
    const { width } = boardSize(snakeCase.params);
    const state = snakeState(snakeCase.before, width);
    const result = snakeStep(state, snakeCase.action, snakeCase.params, draws(0.5));
    expect(result).toEqual({ reward: snakeCase.reward, terminated: snakeCase.terminated });
    expectAfter(snakeCase, state, snakeCase.name);
  });

  it('a new apple is the k-th free cell, k = ⌊u·free⌋ of the draw', () => {
    const eat = SNAKE_CASES[0]!;
    // 32 free cells after eating: u just below 1 picks the last (35), u just above 0 the first (0).
    const first = snakeState(eat.before, 6);
    snakeStep(first, eat.action, eat.params, draws(1e-7));
    expect(first[APPLE]).toBe(0);
    const last = snakeState(eat.before, 6);
    snakeStep(last, eat.action, eat.params, draws(1 - 2 ** -24));
    expect(last[APPLE]).toBe(35);
    // Cells 12–15 are the body: the 12th free cell (k = 12, u = 12.5 / 32) is cell 16.
    const middle = snakeState(eat.before, 6);
    snakeStep(middle, eat.action, eat.params, draws(12.5 / 32));
    expect(middle[APPLE]).toBe(16);
  });

  it('reset draws heading, along, across, apple: u = 0.3, 0.9, 0.1, 0.5 on 6 × 6', () => {
    const state = new Float32Array(71);
    snakeReset(state, SNAKE_DEFAULTS, draws(0.3, 0.9, 0.1, 0.5));
    // Heading ⌊0.3·4⌋ = 1 (right): head x = ⌊0.9·3⌋ + 2 = 4, y = ⌊0.1·6⌋ = 0; body (3, 0), (2, 0);
    // apple: the ⌊0.5·33⌋ = 16th free cell, cell 19 (cells 2–4 are the body).
    expect(Array.from(state.subarray(0, 7))).toEqual([4, 0, 1, 3, 19, 0, 0]);
    expect([state[CELLS + 4], state[CELLS + 3], state[CELLS + 2]]).toEqual([3, 2, 1]);
    expect(Array.from(state.subarray(CELLS)).reduce((a, b) => a + b)).toBe(6);
  });

  it('observation, mask and metrics of a hand-made position', () => {
    const state = snakeState(SNAKE_CASES[0]!.before, 6);
    // Apple one cell right (1/5), level; the neck is left; heading right; length 3 of 36.
    expect(Array.from(snakeObservation(state, SNAKE_DEFAULTS, new Float32Array(SNAKE_OBS_SIZE)))).toEqual(
      Array.from(Float32Array.from([0.2, 0, 0, 0, 0, 1, 0, 1, 0, 0, (2 * 3) / 36 - 1])),
    );
    const mask = [9, 9, 9, 9];
    snakeMask(state, SNAKE_DEFAULTS, mask);
    expect(mask).toEqual([1, 1, 1, 0]);
    const won = snakeState(SNAKE_CASES.at(-1)!.before, 4);
    snakeStep(won, 3, SNAKE_CASES.at(-1)!.params, draws(0.5));
    const metrics = [0, 0];
    snakeMetrics(won, metrics);
    expect(metrics).toEqual([13, 1]);
    expect([won[APPLES], won[WON]]).toEqual([13, 1]);
  });

  it('the mask forbids the reverse of the heading (onto the neck) after every reset', () => {
    for (let heading = 0; heading < 4; heading += 1) {
      const host = new SnakeHost(1);
      const state = host.row(0);
      // Reset until the heading comes up; a reset places the body straight behind the head, with a free cell ahead.
      const random = seededRandom(heading + 1);
      do snakeReset(state, SNAKE_DEFAULTS, random);
      while (state[2] !== heading);
      const mask = [0, 0, 0, 0];
      host.mask(0, mask);
      expect(mask[(heading + 2) % 4], `heading ${heading}`).toBe(0);
      expect(mask[heading], `heading ${heading}: the cell ahead is free`).toBe(1);
    }
  });

  it('the mask forbids exactly the moves that die, in 3 000 states of play', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const host = new SnakeHost(1);
    const state = host.row(0);
    host.reset(0, random);
    let forbidden = 0;
    for (let visited = 0; visited < 3000; visited += 1) {
      const mask = [9, 9, 9, 9];
      host.mask(0, mask);
      const dies = DIRECTIONS.map(([dx, dy]) => snakeDeadly(state, SNAKE_DEFAULTS, state[HEAD_X]! + dx, state[HEAD_Y]! + dy));
      if (dies.every(Boolean)) expect(mask, `seed ${seed}: trapped`).toEqual([0, 1, 2, 3].map((d) => (d === (state[HEADING]! + 2) % 4 ? 0 : 1)));
      else expect(mask, `seed ${seed}`).toEqual(dies.map((d) => (d ? 0 : 1)));
      forbidden += mask.filter((m) => m === 0).length;
      const action = random() < 0.3 ? randomLegalAction(state, SNAKE_DEFAULTS, random) : greedyAction(state, SNAKE_DEFAULTS);
      if (host.step(0, action, random).terminated) host.reset(0, random);
    }
    // Walls and the body forbid more than the neck alone (one move a state).
    expect(forbidden, `seed ${seed}`).toBeGreaterThan(3000 * 1.2);
  });

  it('a trapped snake (every move dies) keeps all but the reverse legal: a row is never all-masked', () => {
    // 4 × 4: head in the corner (0, 0) having moved left, the neck right of it and the body below.
    const trapped = snakeState({ path: [[0, 0], [1, 0], [1, 1], [0, 1], [0, 2]], heading: 3, apple: 15 }, 4);
    const params = { ...SNAKE_DEFAULTS, board_width: 4, board_height: 4 };
    expect(DIRECTIONS.every(([dx, dy]) => snakeDeadly(trapped, params, dx, dy))).toBe(true);
    const mask = [9, 9, 9, 9];
    snakeMask(trapped, params, mask);
    expect(mask).toEqual([1, 0, 1, 1]);
  });

  it('greedy beats random legal play, which beats random play by far: the mask is worth learning under (2 000 episodes each on 6 × 6)', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const episodes = 2000;
    const play = (policy: (state: Float32Array) => number) => {
      const host = new SnakeHost(1);
      const state = host.row(0);
      let apples = 0;
      let steps = 0;
      let wins = 0;
      for (let episode = 0; episode < episodes; episode += 1) {
        host.reset(0, random);
        for (let t = 0; t < host.maxEpisodeSteps; t += 1) {
          steps += 1;
          if (host.step(0, policy(state), random).terminated) break;
        }
        apples += state[APPLES]!;
        wins += state[WON]!;
      }
      return { apples: apples / episodes, steps: steps / episodes, wins };
    };
    const greedy = play((state) => greedyAction(state, SNAKE_DEFAULTS));
    const randomLegal = play((state) => randomLegalAction(state, SNAKE_DEFAULTS, random));
    const randomAny = play(() => Math.floor(random() * 4));
    console.log(
      `[snake baselines] seed ${seed}: greedy ${greedy.apples.toFixed(2)} apples/episode (${greedy.steps.toFixed(1)} steps, ${greedy.wins} wins); ` +
        `random legal ${randomLegal.apples.toFixed(2)} apples/episode (${randomLegal.steps.toFixed(1)} steps); ` +
        `random (unmasked) ${randomAny.apples.toFixed(2)} apples/episode (${randomAny.steps.toFixed(1)} steps)`,
    );
    expect(greedy.apples, `seed ${seed}`).toBeGreaterThan(2 * randomLegal.apples);
    expect(randomLegal.apples, `seed ${seed}`).toBeGreaterThan(5 * randomAny.apples);
  });
});
