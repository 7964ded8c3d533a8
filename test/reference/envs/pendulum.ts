/**
 * Float64 reference of Pendulum-v1, transcribed from gymnasium/envs/classic_control/pendulum.py
 * (PendulumEnv.step, reset, _get_obs, angle_normalize), independently of
 * shaders/envs/pendulum.wgsl (which reduces the angle before sin and cos; this takes sin θ of the
 * raw angle, as Gymnasium does).
 */

/** Gymnasium's constants, keyed like EnvParams in shaders/envs/pendulum.wgsl. */
export const PENDULUM_CONSTANTS = {
  max_speed: 8,
  max_torque: 2.0,
  dt: 0.05,
  g: 10.0,
  m: 1.0,
  l: 1.0,
  reset_theta: Math.PI,
  reset_theta_dot: 1.0,
} as const;

export type PendulumParams = { readonly [K in keyof typeof PENDULUM_CONSTANTS]: number };

export interface PendulumStep {
  /** [θ, θ̇] after the step. */
  state: number[];
  reward: number;
  /** Always false: Pendulum has no terminal state. */
  terminated: boolean;
  /** No discontinuous decision (the clips are continuous, angle_normalize's jump is squared away). */
  margin: number;
}

/** Python's x % y for floats: the result has the sign of y (a floored mod). */
const floorMod = (x: number, y: number) => x - y * Math.floor(x / y);

/** angle_normalize(x) = ((x + π) % 2π) − π, in [−π, π). */
export function angleNormalize(x: number): number {
  return floorMod(x + Math.PI, 2 * Math.PI) - Math.PI;
}

/** PendulumEnv.step([u]) from `state` ([θ, θ̇]). */
export function pendulumStep(
  state: readonly number[],
  action: readonly number[],
  params: PendulumParams = PENDULUM_CONSTANTS,
): PendulumStep {
  const [th, thdot] = state as [number, number];
  const { g, m, l, dt } = params;
  const u = Math.min(Math.max(action[0]!, -params.max_torque), params.max_torque);
  const costs = angleNormalize(th) ** 2 + 0.1 * thdot ** 2 + 0.001 * u ** 2;
  let newthdot = thdot + ((3 * g) / (2 * l) * Math.sin(th) + (3.0 / (m * l ** 2)) * u) * dt;
  newthdot = Math.min(Math.max(newthdot, -params.max_speed), params.max_speed);
  const newth = th + newthdot * dt;
  return { state: [newth, newthdot], reward: -costs, terminated: false, margin: Infinity };
}

/** _get_obs: [cos θ, sin θ, θ̇]. */
export function pendulumObs(state: readonly number[]): number[] {
  return [Math.cos(state[0]!), Math.sin(state[0]!), state[1]!];
}

/** reset: θ ~ U(−x_init, x_init), θ̇ ~ U(−y_init, y_init), in that order (np_random.uniform(low, high) over [θ, θ̇]). */
export function pendulumReset(uniform: () => number, params: PendulumParams = PENDULUM_CONSTANTS): number[] {
  const theta = -params.reset_theta + 2 * params.reset_theta * uniform();
  const thetaDot = -params.reset_theta_dot + 2 * params.reset_theta_dot * uniform();
  return [theta, thetaDot];
}
