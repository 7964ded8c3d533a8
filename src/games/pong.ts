/**
 * Pong-v0: a real-time two-paddle game against a scripted tracking paddle that moves inside the
 * step. Its body is shaders/envs/pong.wgsl (rules in that file's header); this is its descriptor.
 */
import type { EnvDescriptor } from '../envs/types';
import pongWgsl from '../../shaders/envs/pong.wgsl';

/**
 * Pong-v0. The learner's paddle (left) against a paddle that tracks the ball (right), on an integer
 * court of 128 × 96.
 * - Actions (discrete, 3): 0 down, 1 stay, 2 up (`paddle_speed` 3 a step); the tracker moves toward
 *   the ball's height by at most `opponent_speed` (2) a step.
 * - A return off a paddle's edge steepens the ball (vy += trunc(offset / 2), |vy| ≤ 4): steep balls
 *   beat the slower tracker.
 * - Reward: +1 for a point won (the tracker missed), −1 for a point lost, and `return_reward` (0.1)
 *   for each of the learner's returns (shaping: meeting the ball is the first lesson); a game is
 *   `points_per_game` (5) points, then terminated; truncated at 2 000 steps.
 * - Observation (6, each in [−1, 1]): ball x and y, its velocity (vx/2, vy/4), the learner's paddle,
 *   the tracker's paddle.
 * - Episode metrics: points_won, points_lost, returns (the learner's returns of the ball).
 * - Policy seat (`opponent_policy`, set by an opponent pool): the right paddle is a policy's,
 *   moving as the learner's does, both choosing on the same position; a game's result is its score.
 */
export const pong: EnvDescriptor = {
  id: 'Pong-v0',
  aliases: ['pong'],
  body: pongWgsl,
  observationSpace: { kind: 'box', size: 6, low: new Array<number>(6).fill(-1), high: new Array<number>(6).fill(1) },
  actionSpace: { kind: 'discrete', n: 3 },
  stateNames: ['ball_x', 'ball_y', 'ball_vx', 'ball_vy', 'paddle_y', 'opponent_y', 'points_won', 'points_lost', 'returns', 'opponent', 'opponent_move'],
  params: {
    paddle_speed: 3,
    opponent_speed: 2,
    paddle_half: 8,
    points_per_game: 5,
    return_reward: 0.1,
    opponent_policy: 0,
  },
  policySeat: { param: 'opponent_policy' },
  maxEpisodeSteps: 2000,
  episodeMetrics: ['points_won', 'points_lost', 'returns'],
};
