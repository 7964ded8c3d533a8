/**
 * MountainCar-v0 (gymnasium/envs/classic_control/mountain_car.py): drive an underpowered car out
 * of a valley by rocking it. WGSL body: shaders/envs/mountain_car.wgsl.
 */
import type { EnvDescriptor } from '../types';
import mountainCarWgsl from '../../../shaders/envs/mountain_car.wgsl';

/** MountainCar-v0: 3 discrete actions (left, coast, right); obs [position, velocity]. */
export const mountainCar: EnvDescriptor = {
  id: 'MountainCar-v0',
  aliases: ['mountaincar'],
  body: mountainCarWgsl,
  observationSpace: { kind: 'box', size: 2, low: [-1.2, -0.07], high: [0.6, 0.07] },
  actionSpace: { kind: 'discrete', n: 3 },
  stateNames: ['position', 'velocity'],
  params: {
    min_position: -1.2, // left wall (inelastic)
    max_position: 0.6, // right edge
    max_speed: 0.07, // |v| clipped to this
    goal_position: 0.5, // terminated at p ≥ goal_position ...
    goal_velocity: 0, // ... and v ≥ goal_velocity
    force: 0.001, // acceleration of actions 0 and 2
    gravity: 0.0025, // v += −cos(3p)·gravity
    reset_low: -0.6, // reset: p ~ U(reset_low, reset_high), v = 0
    reset_high: -0.4,
  },
  maxEpisodeSteps: 200,
  rewardThreshold: -110,
};
