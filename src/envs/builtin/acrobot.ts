/**
 * Acrobot-v1 (gymnasium/envs/classic_control/acrobot.py): swing the tip of a two-link chain above
 * the bar by torquing the middle joint. Book dynamics, one RK4 step of dt = 0.2 per env step.
 * WGSL body: shaders/envs/acrobot.wgsl.
 */
import type { EnvDescriptor } from '../types';
import acrobotWgsl from '../../../shaders/envs/acrobot.wgsl';

/** Gymnasium's MAX_VEL_1 and MAX_VEL_2 (rad/s). */
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;

/** Acrobot-v1: 3 discrete torques {−1, 0, +1}; obs [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2]. */
export const acrobot: EnvDescriptor = {
  id: 'Acrobot-v1',
  aliases: ['acrobot'],
  body: acrobotWgsl,
  observationSpace: {
    kind: 'box',
    size: 6,
    low: [-1, -1, -1, -1, -MAX_VEL_1, -MAX_VEL_2],
    high: [1, 1, 1, 1, MAX_VEL_1, MAX_VEL_2],
  },
  actionSpace: { kind: 'discrete', n: 3 },
  stateNames: ['theta1', 'theta2', 'theta1_dot', 'theta2_dot'],
  params: {
    dt: 0.2, // integration step (s)
    link_length_1: 1, // l1 (m)
    link_mass_1: 1, // m1 (kg)
    link_mass_2: 1, // m2 (kg)
    link_com_pos_1: 0.5, // lc1: pivot to link 1's centre of mass (m)
    link_com_pos_2: 0.5, // lc2: joint to link 2's centre of mass (m)
    link_moi: 1, // I1 = I2, moment of inertia of either link
    gravity: 9.8, // g (m/s²)
    max_vel_1: MAX_VEL_1, // θ̇1 clipped to ±4π
    max_vel_2: MAX_VEL_2, // θ̇2 clipped to ±9π
    reset_low: -0.1, // reset: every state entry ~ U(reset_low, reset_high)
    reset_high: 0.1,
  },
  maxEpisodeSteps: 500,
  rewardThreshold: -100,
};
