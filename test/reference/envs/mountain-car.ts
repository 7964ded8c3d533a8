/**
 * Float64 reference of MountainCar-v0, transcribed from gymnasium/envs/classic_control/
 * mountain_car.py (MountainCarEnv.step, reset), independently of
 * shaders/envs/mountain_car.wgsl.
 */

/** Gymnasium's constants, keyed like EnvParams in shaders/envs/mountain_car.wgsl. */
export const MOUNTAIN_CAR_CONSTANTS = {
  min_position: -1.2,
  max_position: 0.6,
  max_speed: 0.07,
  goal_position: 0.5,
  goal_velocity: 0,
  force: 0.001,
  gravity: 0.0025,
  reset_low: -0.6,
  reset_high: -0.4,
} as const;

export type MountainCarParams = { readonly [K in keyof typeof MOUNTAIN_CAR_CONSTANTS]: number };

export interface MountainCarStep {
  /** [position, velocity] after the step. */
  state: number[];
  reward: number;
  terminated: boolean;
  /**
   * Distance of the step's discontinuous decisions from their thresholds: the left-wall stop
   * (p + v' ≤ min_position with v' < 0) and termination (p' ≥ goal and v' ≥ goal_velocity), each a
   * conjunction whose signed margin is the min of its parts'. Within float32 rounding of 0, the
   * GPU may decide either way.
   */
  margin: number;
}

/** clip(x, low, high) as np.clip. */
const clip = (x: number, low: number, high: number) => Math.min(Math.max(x, low), high);

/**
 * The left-wall and goal decisions shared by both mountain cars: velocity' and the position before
 * its clip, in; the final state, terminated and the decision margin, out.
 */
export function mountainCarFinish(
  positionUnclipped: number,
  velocity: number,
  params: { min_position: number; max_position: number; goal_position: number; goal_velocity: number },
): { position: number; velocity: number; terminated: boolean; margin: number } {
  const position = clip(positionUnclipped, params.min_position, params.max_position);
  let v = velocity;
  if (position === params.min_position && v < 0) v = 0;
  const terminated = position >= params.goal_position && v >= params.goal_velocity;
  const wallMargin = Math.min(params.min_position - positionUnclipped, -velocity);
  const goalMargin = Math.min(position - params.goal_position, v - params.goal_velocity);
  return { position, velocity: v, terminated, margin: Math.min(Math.abs(wallMargin), Math.abs(goalMargin)) };
}

/** MountainCarEnv.step(action) from `state` ([position, velocity]); action ∈ {0, 1, 2}. */
export function mountainCarStep(
  state: readonly number[],
  action: number,
  params: MountainCarParams = MOUNTAIN_CAR_CONSTANTS,
): MountainCarStep {
  if (!(action === 0 || action === 1 || action === 2)) throw new Error(`MountainCar action must be 0, 1 or 2 (got ${action})`);
  const [position, velocity] = state as [number, number];
  let v = velocity + (action - 1) * params.force + Math.cos(3 * position) * -params.gravity;
  v = clip(v, -params.max_speed, params.max_speed);
  const end = mountainCarFinish(position + v, v, params);
  return { state: [end.position, end.velocity], reward: -1.0, terminated: end.terminated, margin: end.margin };
}

/** The observation is the state, as float32. */
export function mountainCarObs(state: readonly number[]): number[] {
  return [state[0]!, state[1]!];
}

/** reset: p ~ U(low, high) (one draw), v = 0. */
export function mountainCarReset(uniform: () => number, params: MountainCarParams = MOUNTAIN_CAR_CONSTANTS): number[] {
  return [params.reset_low + (params.reset_high - params.reset_low) * uniform(), 0];
}
