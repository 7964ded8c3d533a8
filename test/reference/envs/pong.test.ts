/**
 * Pong-v0's JavaScript twin (test/support/pong-host.ts) on hand-made positions: the paddles' moves
 * and limits, the tracker's speed limit, a wall bounce, a return off the paddle's edge steepening
 * the ball (and earning the shaping reward), points either way with the serve that follows, the end of a game. Then scripted paddles
 * against the tracker over many games, the baselines src/games/pong.ts and docs quote: a paddle
 * that follows the ball's height (it returns every ball and rarely scores), and one that meets the
 * ball with its edge (it wins nearly every point). And the policy seat: who plays the right paddle
 * (a third reset draw, only when opponent_policy > 0), the seat's move applied with the learner's
 * at the next step at the learner's speed, and the court as the seat sees it.
 */
import { describe, expect, it } from 'vitest';
import { freshSeed, seededRandom } from '../../support/random';
import {
  BALL_VX,
  BALL_VY,
  BALL_X,
  BALL_Y,
  OPPONENT,
  OPPONENT_MOVE,
  OPPONENT_Y,
  PADDLE_Y,
  POINTS_LOST,
  POINTS_WON,
  PONG_DEFAULTS,
  PONG_STATE_SIZE,
  pongOpponentObservation,
  pongOpponentStep,
  pongReset,
  pongStep,
  RETURNS,
} from '../../support/pong-host';

const draws = (...values: number[]) => {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('drew more uniforms than the test supplied');
    return values[i++]!;
  };
};

/** A state of [ball x, y, vx, vy, paddle, opponent] and no points. */
function state(...values: number[]): Float32Array {
  const s = new Float32Array(PONG_STATE_SIZE);
  s.set(values);
  return s;
}

describe('Pong-v0 twin', () => {
  it('moves the paddles within their limits and bounces the ball off a wall', () => {
    const s = state(60, 3, 2, -4, 10, 40);
    expect(pongStep(s, 0, PONG_DEFAULTS, draws(0, 0))).toEqual({ reward: 0, terminated: false });
    // Down by 3 but not below the half-length 8; the tracker 2 toward the ball (at y 3); the ball reflects off y = 0.
    expect([s[PADDLE_Y], s[OPPONENT_Y], s[BALL_X], s[BALL_Y], s[BALL_VX], s[BALL_VY]]).toEqual([8, 38, 62, 1, 2, 4]);
    const top = state(60, 94, -2, 4, 86, 87);
    pongStep(top, 2, PONG_DEFAULTS, draws(0, 0));
    expect([top[PADDLE_Y], top[OPPONENT_Y], top[BALL_Y], top[BALL_VY]]).toEqual([88, 88, 94, -4]);
  });

  it('returns the ball off the paddle’s edge, steeper, and scores the points either way with a serve', () => {
    // The ball reaches x = 0 at y 50, the paddle centred at 44 (offset 6): returned, vy 1 + 3 = 4.
    const hit = state(2, 49, -2, 1, 44, 48);
    expect(pongStep(hit, 1, PONG_DEFAULTS, draws(0.9, 0.9))).toEqual({ reward: Math.fround(0.1), terminated: false });
    expect([hit[BALL_X], hit[BALL_Y], hit[BALL_VX], hit[BALL_VY], hit[RETURNS]]).toEqual([0, 50, 2, 4, 1]);
    // The same ball with the paddle 10 away: the point is lost and the ball served (draws 0.9, 0.1: right, vy −2).
    const miss = state(2, 49, -2, 1, 40, 48);
    expect(pongStep(miss, 1, PONG_DEFAULTS, draws(0.9, 0.1))).toEqual({ reward: -1, terminated: false });
    expect([miss[POINTS_LOST], miss[BALL_X], miss[BALL_Y], miss[BALL_VX], miss[BALL_VY]]).toEqual([1, 64, 48, 2, -2]);
    // A steep ball the tracker (2 a step) cannot reach: the point is won; the fifth point ends the game.
    const won = state(126, 20, 2, 4, 48, 40);
    won[POINTS_WON] = 2;
    won[POINTS_LOST] = 2;
    expect(pongStep(won, 1, PONG_DEFAULTS, draws(0.2, 0.5))).toEqual({ reward: 1, terminated: true });
    expect([won[POINTS_WON], won[BALL_VX], won[BALL_VY]]).toEqual([3, -2, 0]);
    // The tracker's side returns the ball too.
    const back = state(126, 40, 2, 0, 48, 44);
    pongStep(back, 1, PONG_DEFAULTS, draws(0, 0));
    expect([back[BALL_X], back[BALL_VX], back[BALL_VY], back[OPPONENT_Y]]).toEqual([128, -2, -1, 42]);
  });

  it('resets with both paddles centred and a serve from the centre', () => {
    const s = new Float32Array(PONG_STATE_SIZE).fill(9);
    pongReset(s, draws(0.1, 0.99));
    expect([...s]).toEqual([64, 48, -2, 2, 48, 48, 0, 0, 0, 0, 0]);
  });

  it('the policy seat: drawn at reset, its move kept and applied with the learner\'s, the court mirrored for it', () => {
    const seat = { ...PONG_DEFAULTS, opponent_policy: 0.25 };
    const s = new Float32Array(PONG_STATE_SIZE);
    pongReset(s, draws(0.1, 0.99, 0.2), seat);
    expect([s[OPPONENT], s[OPPONENT_MOVE]]).toEqual([1, 0]);
    pongReset(s, draws(0.1, 0.99, 0.3), seat);
    expect(s[OPPONENT]).toBe(0);
    // The seat's choice waits in the state; the step moves both paddles by paddle_speed (3), not the tracker's 2 toward the ball.
    const play = state(60, 40, -2, 1, 48, 48);
    play[OPPONENT] = 1;
    pongOpponentStep(play, 0);
    expect(play[OPPONENT_MOVE]).toBe(-1);
    pongStep(play, 2, PONG_DEFAULTS, draws(0, 0));
    expect([play[PADDLE_Y], play[OPPONENT_Y], play[BALL_X], play[BALL_Y]]).toEqual([51, 45, 58, 41]);
    // Seen from the right: ball x 128 − 58 = 70 (obs 70/64 − 1), vx +2 (obs 1), its own paddle 45 first, the learner's 51 second.
    const view = pongOpponentObservation(play, new Float32Array(6));
    expect([...view]).toEqual([70 / 64 - 1, 41 / 48 - 1, 1, 0.25, 45 / 48 - 1, 51 / 48 - 1].map(Math.fround));
  });

  it('scripted paddles against the tracker: meeting the ball with the edge wins a point every ~130 steps, following it rarely scores', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const play = (target: (s: Float32Array) => number, steps: number) => {
      const s = new Float32Array(PONG_STATE_SIZE);
      pongReset(s, random);
      let [won, lost] = [0, 0];
      for (let t = 0; t < steps; t += 1) {
        const gap = target(s) - s[PADDLE_Y]!;
        const { reward, terminated } = pongStep(s, gap > 1 ? 2 : gap < -1 ? 0 : 1, PONG_DEFAULTS, random);
        if (reward > 0.5) won += 1;
        if (reward < -0.5) lost += 1;
        if (terminated) pongReset(s, random);
      }
      return { won, lost, stepsPerPoint: Math.round(steps / Math.max(won + lost, 1)) };
    };
    const follow = play((s) => s[BALL_Y]!, 100_000);
    // Aim 7 below the ball when it comes, so that it leaves off the edge upward or downward, whichever is steeper.
    const edge = play((s) => (s[BALL_VX]! < 0 ? s[BALL_Y]! - 7 * Math.sign(s[BALL_VY]! || 1) : 48), 100_000);
    console.log(`[pong] seed ${seed}, 100 000 steps each against the tracker: follow the ball ${JSON.stringify(follow)}; meet it with the edge ${JSON.stringify(edge)}`);
    // The edge wins a point every ~130 steps and loses almost none; following returns everything and rarely scores.
    expect(edge.won, `seed ${seed}`).toBeGreaterThan(500);
    expect(edge.won / (edge.won + edge.lost), `seed ${seed}`).toBeGreaterThan(0.9);
    expect(follow.won + follow.lost, `seed ${seed}`).toBeLessThan(100);
  });
});
