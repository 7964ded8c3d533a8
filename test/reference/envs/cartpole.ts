/**
 * Float64 reference of CartPole-v1, transcribed from gymnasium/envs/classic_control/cartpole.py
 * (CartPoleEnv.step with kinematics_integrator "euler", reset), independently of
 * shaders/envs/cartpole.wgsl.
 */

/** Gymnasium's constants, keyed like EnvParams in shaders/envs/cartpole.wgsl. */
export const CARTPOLE_CONSTANTS = {
  gravity: 9.8,
  masscart: 1.0,
  masspole: 0.1,
  length: 0.5,
  force_mag: 10.0,
  tau: 0.02,
  x_threshold: 2.4,
  theta_threshold_radians: (12 * 2 * Math.PI) / 360,
} as const;

export type CartPoleParams = { readonly [K in keyof typeof CARTPOLE_CONSTANTS]: number };

/** Gymnasium's TimeLimit for CartPole-v1. */
export const CARTPOLE_MAX_EPISODE_STEPS = 500;

export interface CartPoleStep {
  /** [x, ẋ, θ, θ̇] after the step. */
  state: number[];
  /** 1 on every step, the terminating one included (sutton_barto_reward = False). */
  reward: number;
  terminated: boolean;
  /**
   * Distance of the new state from the termination boundary, relative to the threshold:
   * min(| |x| − x_threshold | / x_threshold, | |θ| − θ_threshold | / θ_threshold). A float32 step
   * can decide `terminated` differently only when this is tiny.
   */
  margin: number;
}

/** CartPoleEnv.step(action) from `state`. */
export function cartPoleStep(state: readonly number[], action: number, params: CartPoleParams = CARTPOLE_CONSTANTS): CartPoleStep {
  const [x, xDot, theta, thetaDot] = state as [number, number, number, number];
  const totalMass = params.masspole + params.masscart;
  const polemassLength = params.masspole * params.length;
  const force = action === 1 ? params.force_mag : -params.force_mag;
  const costheta = Math.cos(theta);
  const sintheta = Math.sin(theta);
  const temp = (force + polemassLength * thetaDot ** 2 * sintheta) / totalMass;
  const thetaacc =
    (params.gravity * sintheta - costheta * temp) / (params.length * (4.0 / 3.0 - (params.masspole * costheta ** 2) / totalMass));
  const xacc = temp - (polemassLength * thetaacc * costheta) / totalMass;
  const next = [x + params.tau * xDot, xDot + params.tau * xacc, theta + params.tau * thetaDot, thetaDot + params.tau * thetaacc];
  const [nx, , ntheta] = next as [number, number, number, number];
  const terminated =
    nx < -params.x_threshold || nx > params.x_threshold || ntheta < -params.theta_threshold_radians || ntheta > params.theta_threshold_radians;
  const margin = Math.min(
    Math.abs(Math.abs(nx) - params.x_threshold) / params.x_threshold,
    Math.abs(Math.abs(ntheta) - params.theta_threshold_radians) / params.theta_threshold_radians,
  );
  return { state: next, reward: 1.0, terminated, margin };
}

/** CartPoleEnv.reset: np_random.uniform(−0.05, 0.05, size=4) from four uniforms u in (0, 1), in state order. */
export function cartPoleReset(uniforms: readonly number[]): number[] {
  return uniforms.slice(0, 4).map((u) => -0.05 + 0.1 * u);
}

/** The observation is the state itself. */
export function cartPoleObs(state: readonly number[]): number[] {
  return [...state];
}
