/**
 * The Catch-v0 reference on hand-computed transitions (each number worked out from the rules in
 * shaders/envs/catch.wgsl's header), and the game's point: a scripted "move toward the fruit" policy
 * beats a uniformly random one by a wide margin, so there is something for PPO to learn.
 */
import { describe, expect, it } from 'vitest';
import { drawCatch, catchEnv, CATCH_PALETTE } from '../../../src/envs/builtin/catch';
import { freshSeed, seededRandom } from '../../support/random';
import {
  CATCH_DEFAULTS,
  CATCH_MAX_EPISODE_STEPS,
  catchEpisode,
  catchObs,
  catchReset,
  catchStep,
  greedyCatchAction,
  stateToArray,
  type CatchState,
} from './catch';

const draws = (...values: number[]) => {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('drew more uniforms than the test supplied');
    return values[i++]!;
  };
};

describe('Catch-v0 reference', () => {
  it('reset draws fruit x, fruit drift, bomb x, bomb y from (0, 1) in that order', () => {
    const s = catchReset(draws(0.5, 0.75, 0.25, 0.5));
    expect(stateToArray(s)).toEqual([0, 0, 1, 0.0075, -0.5, 0.75, 3]);
    expect(catchObs(s)).toEqual([0, 0, 1, 0.5, -0.5, 0.5, 1]);
  });

  it('an ordinary step: paddle right, fruit drifts and falls, shaping for closing in', () => {
    const s: CatchState = { paddleX: 0, fruitX: 0.5, fruitY: 0.5, fruitVx: 0.01, bombX: -0.5, bombY: 0.5, lives: 3 };
    const step = catchStep(s, 2, draws(0.1, 0.2, 0.3));
    const expected = [0.08, 0.51, 0.465, 0.01, -0.5, 0.47, 3];
    stateToArray(step.state).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    // 0.1·(|0.5 − 0| − |0.51 − 0.08|) = 0.1·(0.5 − 0.43)
    expect(step.reward).toBeCloseTo(0.007, 12);
    expect(step.terminated).toBe(false);
    // Moving away from the fruit costs the same amount of shaping.
    expect(catchStep(s, 0, draws(0.1, 0.2, 0.3)).reward).toBeCloseTo(0.1 * (0.5 - 0.59), 12);
  });

  it('a fruit caught at the wall: paddle clamped, fruit reflected, +1 plus shaping, respawned', () => {
    const s: CatchState = { paddleX: 0.8, fruitX: 0.99, fruitY: 0.03, fruitVx: 0.015, bombX: -0.5, bombY: 0.9, lives: 2 };
    const step = catchStep(s, 2, draws(0.25, 0.75, 0.5));
    // paddle 0.88 → clamped to 1 − 0.15; fruit x 1.005 → 0.995, v → −0.015; y −0.005 ≤ 0 lands;
    // |0.995 − 0.85| = 0.145 ≤ 0.15: caught. Shaping 0.1·(0.19 − 0.145).
    expect(step.events.fruitLanded && step.events.fruitCaught).toBe(true);
    expect(step.reward).toBeCloseTo(1 + 0.0045, 12);
    const expected = [0.85, -0.5, 1, 0.0075, -0.5, 0.87, 2];
    stateToArray(step.state).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    expect(step.terminated).toBe(false);
  });

  it('a missed fruit and a bomb hit on the last two lives: −2 and terminated', () => {
    const s: CatchState = { paddleX: -0.5, fruitX: 0.5, fruitY: 0.02, fruitVx: 0, bombX: -0.45, bombY: 0.01, lives: 2 };
    const step = catchStep(s, 1, draws(0.5, 0.5, 0.9));
    expect(step.events).toMatchObject({ fruitLanded: true, fruitCaught: false, bombLanded: true, bombHit: true });
    expect(step.reward).toBeCloseTo(-2, 12);
    expect(step.state.lives).toBe(0);
    expect(step.terminated).toBe(true);
    expect(step.state.bombX).toBeCloseTo(0.8, 12);
    expect(step.state.bombY).toBe(1);
    expect(catchObs(step.state)[6]).toBe(-1);
  });

  it('a bomb that lands beside the paddle costs nothing', () => {
    const s: CatchState = { paddleX: 0, fruitX: 0, fruitY: 0.9, fruitVx: 0, bombX: 0.2, bombY: 0.01, lives: 1 };
    const step = catchStep(s, 1, draws(0.5, 0.5, 0.5));
    expect(step.events).toMatchObject({ bombLanded: true, bombHit: false });
    expect(step.reward).toBe(0);
    expect(step.terminated).toBe(false);
  });

  it('a scripted "move toward the fruit" policy beats a random policy by a wide margin (2 000 episodes each)', () => {
    const seed = freshSeed();
    const u = seededRandom(seed);
    const episodes = 2000;
    const mean = (policy: (s: CatchState) => number) => {
      let sum = 0;
      let sumSquares = 0;
      for (let e = 0; e < episodes; e += 1) {
        const r = catchEpisode(policy, u).episodeReturn;
        sum += r;
        sumSquares += r * r;
      }
      const m = sum / episodes;
      return { mean: m, standardError: Math.sqrt((sumSquares / episodes - m * m) / episodes) };
    };
    const greedy = mean((s) => greedyCatchAction(s));
    const random = mean(() => Math.floor(u() * 3));
    const note = `seed ${seed}: greedy ${greedy.mean.toFixed(2)} ± ${greedy.standardError.toFixed(2)}, random ${random.mean.toFixed(2)} ± ${random.standardError.toFixed(2)}`;
    // Measured: greedy ≈ 13.9 (it ignores bombs, so ~37% of its episodes still end early), random ≈ −2.6.
    expect(greedy.mean - random.mean, note).toBeGreaterThan(10);
    expect(greedy.mean - 6 * greedy.standardError, note).toBeGreaterThan(random.mean + 6 * random.standardError);
    // A random paddle loses its three lives long before the step limit.
    expect(random.mean, note).toBeLessThan(0);
    expect(CATCH_MAX_EPISODE_STEPS).toBe(500);
    expect(CATCH_DEFAULTS.startLives).toBe(3);
  });
});

describe('Catch-v0 descriptor and drawCatch', () => {
  it('descriptor params equal the reference constants, in the WGSL struct order', () => {
    expect(Object.values(catchEnv.params)).toEqual(Object.values(CATCH_DEFAULTS));
    expect(catchEnv.maxEpisodeSteps).toBe(CATCH_MAX_EPISODE_STEPS);
    expect(catchEnv.stateNames).toHaveLength(7);
    expect(catchEnv.observationSpace.size).toBe(catchObs(catchReset(seededRandom(1))).length);
  });

  it('draws background, fruit, bomb, paddle and one marker per life where the state puts them', () => {
    const calls: string[] = [];
    const ctx = {
      fillStyle: '' as unknown,
      fillRect: (x: number, y: number, w: number, h: number) => calls.push(`rect ${ctx.fillStyle} ${x} ${y} ${w} ${h}`),
      beginPath: () => calls.push('begin'),
      arc: (x: number, y: number, r: number) => calls.push(`arc ${ctx.fillStyle} ${x} ${y} ${r}`),
      fill: () => calls.push('fill'),
    };
    // Two envs' states back to back; draw the second one.
    const states = [0, 0, 0, 0, 0, 0, 0, /* env 1: */ 0.5, -1, 1, 0, 1, 0, 2];
    drawCatch(ctx, states, { width: 200, height: 100, offset: 7 });
    // paddle height 3, radius 5: y = 1 maps to 100 − 3 − 92 = 5, y = 0 to 97; x = −1 → 0, 1 → 200.
    expect(calls).toEqual([
      `rect ${CATCH_PALETTE.background} 0 0 200 100`,
      'begin', `arc ${CATCH_PALETTE.fruit} 0 5 5`, 'fill',
      'begin', `arc ${CATCH_PALETTE.bomb} 200 97 5`, 'fill',
      `rect ${CATCH_PALETTE.paddle} 135 97 30 3`,
      `rect ${CATCH_PALETTE.life} 4 4 4 4`,
      `rect ${CATCH_PALETTE.life} 12 4 4 4`,
    ]);
    expect(() => drawCatch(ctx, states, { offset: 8 })).toThrow('drawCatch: state needs 7 floats from offset 8 (got length 14)');
  });
});
