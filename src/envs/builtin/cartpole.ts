/** CartPole-v1 (Gymnasium classic_control): the body is shaders/envs/cartpole.wgsl. */
import type { EnvDescriptor } from '../types';
import cartpoleWgsl from '../../../shaders/envs/cartpole.wgsl';

const X_THRESHOLD = 2.4;
const THETA_THRESHOLD_RADIANS = (12 * 2 * Math.PI) / 360;

/** CartPole-v1: push a cart left or right to keep its pole upright; +1 per step, 500 steps at most. */
export const cartPole: EnvDescriptor = {
  id: 'CartPole-v1',
  aliases: ['cartpole'],
  body: cartpoleWgsl,
  // Gymnasium's bounds: twice the termination thresholds, so a failing observation is still in the box.
  observationSpace: {
    kind: 'box',
    size: 4,
    low: [-2 * X_THRESHOLD, -Infinity, -2 * THETA_THRESHOLD_RADIANS, -Infinity],
    high: [2 * X_THRESHOLD, Infinity, 2 * THETA_THRESHOLD_RADIANS, Infinity],
  },
  actionSpace: { kind: 'discrete', n: 2 },
  stateNames: ['x', 'x_dot', 'theta', 'theta_dot'],
  params: {
    gravity: 9.8,
    masscart: 1.0,
    masspole: 0.1,
    length: 0.5, // half the pole's length
    force_mag: 10.0,
    tau: 0.02, // seconds between state updates
    x_threshold: X_THRESHOLD,
    theta_threshold_radians: THETA_THRESHOLD_RADIANS,
  },
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
};
