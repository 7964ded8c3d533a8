/**
 * Float64 reference of MountainCarContinuous-v0, transcribed from gymnasium/envs/classic_control/
 * continuous_mountain_car.py (Continuous_MountainCarEnv.step, reset), independently of
 * shaders/envs/mountain_car_continuous.wgsl.
 */
import { mountainCarFinish } from './mountain-car';

/** Gymnasium's constants, keyed like EnvParams in shaders/envs/mountain_car_continuous.wgsl. */
export const MOUNTAIN_CAR_CONTINUOUS_CONSTANTS = {
  min_action: -1.0,
  max_action: 1.0,
  min_position: -1.2,
  max_position: 0.6,
  max_speed: 0.07,
  goal_position: 0.45,
  goal_velocity: 0,
  power: 0.0015,
  gravity: 0.0025,
  goal_reward: 100.0,
  action_cost: 0.1,
  reset_low: -0.6,
  reset_high: -0.4,
} as const;

export type MountainCarContinuousParams = { readonly [K in keyof typeof MOUNTAIN_CAR_CONTINUOUS_CONSTANTS]: number };

export interface MountainCarContinuousStep {
  /** [position, velocity] after the step, rounded to float32 as Gymnasium stores it. */
  state: number[];
  reward: number;
  terminated: boolean;
  /** As MountainCarStep.margin: distance of the wall and goal decisions from their thresholds. */
  margin: number;
}

/** Continuous_MountainCarEnv.step([a]) from `state` ([position, velocity]). */
export function mountainCarContinuousStep(
  state: readonly number[],
  action: readonly number[],
  params: MountainCarContinuousParams = MOUNTAIN_CAR_CONTINUOUS_CONSTANTS,
): MountainCarContinuousStep {
  const [position, velocity] = state as [number, number];
  const a = action[0]!;
  const force = Math.min(Math.max(a, params.min_action), params.max_action);
  let v = velocity + force * params.power - params.gravity * Math.cos(3 * position);
  if (v > params.max_speed) v = params.max_speed;
  if (v < -params.max_speed) v = -params.max_speed;
  const end = mountainCarFinish(position + v, v, params);
  let reward = 0;
  if (end.terminated) reward = params.goal_reward;
  reward -= a ** 2 * params.action_cost;
  // self.state = np.array([position, velocity], dtype=np.float32): decided in float64, stored in float32.
  return {
    state: [Math.fround(end.position), Math.fround(end.velocity)],
    reward,
    terminated: end.terminated,
    margin: end.margin,
  };
}

/** The observation is the state. */
export function mountainCarContinuousObs(state: readonly number[]): number[] {
  return [state[0]!, state[1]!];
}

/** reset: p ~ U(low, high) (one draw), v = 0. */
export function mountainCarContinuousReset(
  uniform: () => number,
  params: MountainCarContinuousParams = MOUNTAIN_CAR_CONTINUOUS_CONSTANTS,
): number[] {
  return [params.reset_low + (params.reset_high - params.reset_low) * uniform(), 0];
}
