/**
 * Pendulum-v1 (gymnasium/envs/classic_control/pendulum.py): swing a pendulum up and hold it
 * upright with a limited torque. Never terminates. WGSL body: shaders/envs/pendulum.wgsl.
 */
import type { EnvDescriptor } from '../types';
import pendulumWgsl from '../../../shaders/envs/pendulum.wgsl';

/** Pendulum-v1: torque in [−2, 2]; obs [cos θ, sin θ, θ̇]; no reward threshold in Gymnasium. */
export const pendulum: EnvDescriptor = {
  id: 'Pendulum-v1',
  aliases: ['pendulum'],
  body: pendulumWgsl,
  observationSpace: { kind: 'box', size: 3, low: [-1, -1, -8], high: [1, 1, 8] },
  actionSpace: { kind: 'box', size: 1, low: [-2], high: [2] },
  stateNames: ['theta', 'theta_dot'],
  params: {
    max_speed: 8, // θ̇ clipped to ±max_speed (rad/s)
    max_torque: 2, // the env clips u to ±max_torque
    dt: 0.05, // integration step (s)
    g: 10, // gravity (m/s²)
    m: 1, // mass (kg)
    l: 1, // length (m)
    reset_theta: Math.PI, // reset: θ ~ U(−reset_theta, reset_theta)  (Gymnasium's x_init)
    reset_theta_dot: 1, //        θ̇ ~ U(−reset_theta_dot, reset_theta_dot)  (y_init)
  },
  maxEpisodeSteps: 200,
};
