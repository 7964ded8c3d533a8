/**
 * MountainCarContinuous-v0 (gymnasium/envs/classic_control/continuous_mountain_car.py): the
 * mountain car with a continuous throttle, a small cost per unit of effort and +100 at the goal.
 * WGSL body: shaders/envs/mountain_car_continuous.wgsl.
 */
import type { EnvDescriptor } from '../types';
import mountainCarContinuousWgsl from '../../../shaders/envs/mountain_car_continuous.wgsl';

/** MountainCarContinuous-v0: throttle in [−1, 1]; obs [position, velocity]. */
export const mountainCarContinuous: EnvDescriptor = {
  id: 'MountainCarContinuous-v0',
  aliases: ['mountaincar-continuous'],
  body: mountainCarContinuousWgsl,
  // Gymnasium's docstring says ±Inf; its code (low_state, high_state) says these.
  observationSpace: { kind: 'box', size: 2, low: [-1.2, -0.07], high: [0.6, 0.07] },
  actionSpace: { kind: 'box', size: 1, low: [-1], high: [1] },
  stateNames: ['position', 'velocity'],
  params: {
    min_action: -1, // the env clips the throttle to [min_action, max_action]
    max_action: 1,
    min_position: -1.2, // left wall (inelastic)
    max_position: 0.6, // right edge
    max_speed: 0.07, // |v| clipped to this
    goal_position: 0.45, // terminated at p ≥ goal_position ...
    goal_velocity: 0, // ... and v ≥ goal_velocity
    power: 0.0015, // v += force·power
    gravity: 0.0025, // v −= gravity·cos(3p)
    goal_reward: 100, // added on the terminating step
    action_cost: 0.1, // reward −= action_cost·a²
    reset_low: -0.6, // reset: p ~ U(reset_low, reset_high), v = 0
    reset_high: -0.4,
  },
  maxEpisodeSteps: 999,
  rewardThreshold: 90,
};
