/**
 * Float64 reference of Acrobot-v1, transcribed from gymnasium/envs/classic_control/acrobot.py
 * (AcrobotEnv.step, _dsdt with book_or_nips = "book", rk4, wrap, bound, _terminal, _get_ob).
 * Written independently of shaders/envs/acrobot.wgsl: Gymnasium's literal forms are kept
 * (cos(θ − π/2), while-loop wrap), and the arithmetic is float64 throughout.
 */

/** Gymnasium's class constants, keyed like EnvParams in shaders/envs/acrobot.wgsl. */
export const ACROBOT_CONSTANTS = {
  dt: 0.2,
  link_length_1: 1.0,
  link_mass_1: 1.0,
  link_mass_2: 1.0,
  link_com_pos_1: 0.5,
  link_com_pos_2: 0.5,
  link_moi: 1.0,
  gravity: 9.8,
  max_vel_1: 4 * Math.PI,
  max_vel_2: 9 * Math.PI,
  reset_low: -0.1,
  reset_high: 0.1,
} as const;

export type AcrobotParams = { readonly [K in keyof typeof ACROBOT_CONSTANTS]: number };

/** AVAIL_TORQUE, indexed by the discrete action. */
export const ACROBOT_TORQUES = [-1.0, 0.0, 1.0] as const;

/** The result of one step: state [θ1, θ2, θ̇1, θ̇2] after it, reward, terminated. */
export interface AcrobotStep {
  state: number[];
  reward: number;
  terminated: boolean;
  /** |height − 1|: how far the termination test's quantity was from its threshold. */
  margin: number;
}

/** wrap(x, m, M) of acrobot.py: add or subtract M − m until m ≤ x ≤ M. */
export function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  let wrapped = x;
  while (wrapped > M) wrapped -= diff;
  while (wrapped < m) wrapped += diff;
  return wrapped;
}

/** bound(x, m, M) of acrobot.py: min(max(x, m), M). */
export function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}

/** _dsdt: derivative of the augmented state [θ1, θ2, θ̇1, θ̇2, a] (the torque's is 0). */
export function acrobotDsdt(augmented: readonly number[], params: AcrobotParams = ACROBOT_CONSTANTS): number[] {
  const m1 = params.link_mass_1;
  const m2 = params.link_mass_2;
  const l1 = params.link_length_1;
  const lc1 = params.link_com_pos_1;
  const lc2 = params.link_com_pos_2;
  const I1 = params.link_moi;
  const I2 = params.link_moi;
  const g = params.gravity;
  const [theta1, theta2, dtheta1, dtheta2, a] = augmented as [number, number, number, number, number];
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2.0);
  const phi1 =
    -m2 * l1 * lc2 * dtheta2 ** 2 * Math.sin(theta2) -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
    (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) +
    phi2;
  // "book" (and the Java implementation): the −m2·l1·lc2·θ̇1²·sin θ2 term the NIPS paper lacks.
  const ddtheta2 =
    (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 ** 2 * Math.sin(theta2) - phi2) /
    (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0];
}

/** rk4(derivs, y0, [0, dt]): one classic Runge–Kutta step; returns the first four entries. */
export function rk4Step(derivs: (y: readonly number[]) => number[], y0: readonly number[], dt: number): number[] {
  const dt2 = dt / 2.0;
  const axpy = (y: readonly number[], h: number, k: readonly number[]) => y.map((v, i) => v + h * k[i]!);
  const k1 = derivs(y0);
  const k2 = derivs(axpy(y0, dt2, k1));
  const k3 = derivs(axpy(y0, dt2, k2));
  const k4 = derivs(axpy(y0, dt, k3));
  const y1 = y0.map((v, i) => v + (dt / 6.0) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
  return y1.slice(0, 4);
}

/** −cos θ1 − cos(θ2 + θ1): the tip's height above the pivot (_terminal compares it with 1). */
export function acrobotHeight(state: readonly number[]): number {
  return -Math.cos(state[0]!) - Math.cos(state[1]! + state[0]!);
}

/** AcrobotEnv.step(a) from `state` ([θ1, θ2, θ̇1, θ̇2]). */
export function acrobotStep(state: readonly number[], action: number, params: AcrobotParams = ACROBOT_CONSTANTS): AcrobotStep {
  const torque = ACROBOT_TORQUES[action];
  if (torque === undefined) throw new Error(`Acrobot action must be 0, 1 or 2 (got ${action})`);
  const ns = rk4Step((y) => acrobotDsdt(y, params), [...state, torque], params.dt);
  ns[0] = wrap(ns[0]!, -Math.PI, Math.PI);
  ns[1] = wrap(ns[1]!, -Math.PI, Math.PI);
  ns[2] = bound(ns[2]!, -params.max_vel_1, params.max_vel_1);
  ns[3] = bound(ns[3]!, -params.max_vel_2, params.max_vel_2);
  const height = acrobotHeight(ns);
  const terminated = height > 1.0;
  return { state: ns, reward: terminated ? 0.0 : -1.0, terminated, margin: Math.abs(height - 1.0) };
}

/** _get_ob: [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2]. */
export function acrobotObs(state: readonly number[]): number[] {
  const [theta1, theta2, dtheta1, dtheta2] = state as [number, number, number, number];
  return [Math.cos(theta1), Math.sin(theta1), Math.cos(theta2), Math.sin(theta2), dtheta1, dtheta2];
}

/** reset: four draws U(low, high) in state order, cast to float32 as Gymnasium does. */
export function acrobotReset(uniform: () => number, params: AcrobotParams = ACROBOT_CONSTANTS): number[] {
  return [0, 1, 2, 3].map(() => Math.fround(params.reset_low + (params.reset_high - params.reset_low) * uniform()));
}
