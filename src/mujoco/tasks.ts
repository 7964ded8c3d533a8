/**
 * What makes each locomotion env Gymnasium's v5 env on top of its model: the observation, the
 * health rule, the forward measure, the reset noise and the reward weights, as in
 * gymnasium/envs/mujoco/hopper_v5.py, half_cheetah_v5.py and walker2d_v5.py (defaults of their
 * constructors). ./locomotion-env.ts runs them.
 */
import { HALF_CHEETAH_XML, HOPPER_XML, WALKER2D_XML } from './models';

/** One instance's live views into its MjData (re-taken whenever the WebAssembly heap grows). */
export interface InstanceViews {
  readonly qpos: Float64Array;
  readonly qvel: Float64Array;
  readonly qacc: Float64Array;
  readonly ctrl: Float64Array;
}

/** An open interval (lo, hi) of a health rule: a value is healthy when lo < value < hi, strictly. */
export type HealthRange = readonly [number, number];

/**
 * The health rule of a planar walker (Hopper, Walker2d): torso height qpos[1] and angle qpos[2]
 * inside their ranges, and for Hopper every entry of qpos[2:] and qvel inside the state range. A
 * NaN fails every comparison, so a NaN state is unhealthy.
 */
export interface PlanarHealth {
  readonly z: HealthRange;
  readonly angle: HealthRange;
  /** Hopper's healthy_state_range over qpos[2:] and the unclipped qvel; absent for Walker2d. */
  readonly state?: HealthRange;
}

/** Gymnasium's reward weights, health reward and reset noise of one env (its constructor's defaults). */
export interface LocomotionWeights {
  readonly forwardRewardWeight: number;
  readonly ctrlCostWeight: number;
  /** Paid on each step that ends healthy (0 for an env without a health rule). */
  readonly healthyReward: number;
  readonly resetNoiseScale: number;
}

/** A locomotion env's definition: model, frame skip, observation, health, noise and defaults. */
export interface LocomotionTask {
  /** Gymnasium's id, e.g. 'Hopper-v5'. */
  readonly id: string;
  readonly xml: string;
  /** mj_step calls per env step: dt = timestep × frameSkip. */
  readonly frameSkip: number;
  /** The compiled model's sizes (checked after compiling: the MJCF and this file must agree). */
  readonly sizes: { readonly nq: number; readonly nv: number; readonly nu: number; readonly nbody: number };
  readonly observationSize: number;
  /** Velocities in the observation are clipped to ±this (Hopper, Walker2d: 10); null: unclipped. */
  readonly observationVelocityClip: number | null;
  /** The health rule; null: the env is always healthy, never terminates and pays no survive reward (HalfCheetah). */
  readonly health: PlanarHealth | null;
  /** How qvel's reset noise is drawn: U(−s, s), or s · N(0, 1) (HalfCheetah). qpos's is always uniform. */
  readonly velocityNoise: 'uniform' | 'normal';
  readonly defaults: LocomotionWeights;
  /** The reward at which Gymnasium's registration calls the env solved (none for Walker2d). */
  readonly rewardThreshold?: number;
}

/**
 * The observation of a planar walker: qpos[1:] (x left out, Gymnasium's
 * exclude_current_positions_from_observation), then qvel, clipped to ±clip when clip is a number.
 */
export function observePlanar(v: InstanceViews, clip: number | null, out: Float32Array, at: number): void {
  const { qpos, qvel } = v;
  let k = at;
  for (let j = 1; j < qpos.length; j += 1) out[k++] = qpos[j]!;
  if (clip === null) {
    for (let j = 0; j < qvel.length; j += 1) out[k++] = qvel[j]!;
    return;
  }
  for (let j = 0; j < qvel.length; j += 1) out[k++] = Math.min(Math.max(qvel[j]!, -clip), clip);
}

const inside = (value: number, [lo, hi]: HealthRange) => lo < value && value < hi;

/** Gymnasium's is_healthy for Hopper and Walker2d (strict comparisons, as the code has them). */
export function planarHealthy(v: InstanceViews, health: PlanarHealth): boolean {
  const { qpos, qvel } = v;
  if (!inside(qpos[1]!, health.z) || !inside(qpos[2]!, health.angle)) return false;
  const state = health.state;
  if (state === undefined) return true;
  for (let j = 2; j < qpos.length; j += 1) if (!inside(qpos[j]!, state)) return false;
  for (let j = 0; j < qvel.length; j += 1) if (!inside(qvel[j]!, state)) return false;
  return true;
}

/** Hopper-v5: 11 observations (qpos[1:], qvel clipped ±10), 3 actions, healthy while upright. */
export const HOPPER_TASK: LocomotionTask = {
  id: 'Hopper-v5',
  xml: HOPPER_XML,
  frameSkip: 4,
  sizes: { nq: 6, nv: 6, nu: 3, nbody: 5 },
  observationSize: 11,
  observationVelocityClip: 10,
  health: { z: [0.7, Infinity], angle: [-0.2, 0.2], state: [-100, 100] },
  velocityNoise: 'uniform',
  defaults: { forwardRewardWeight: 1, ctrlCostWeight: 1e-3, healthyReward: 1, resetNoiseScale: 5e-3 },
  rewardThreshold: 3800,
};

/** HalfCheetah-v5: 17 observations (qpos[1:], qvel, unclipped), 6 actions, never terminates. */
export const HALF_CHEETAH_TASK: LocomotionTask = {
  id: 'HalfCheetah-v5',
  xml: HALF_CHEETAH_XML,
  frameSkip: 5,
  sizes: { nq: 9, nv: 9, nu: 6, nbody: 8 },
  observationSize: 17,
  observationVelocityClip: null,
  health: null,
  velocityNoise: 'normal',
  defaults: { forwardRewardWeight: 1, ctrlCostWeight: 0.1, healthyReward: 0, resetNoiseScale: 0.1 },
  rewardThreshold: 4800,
};

/** Walker2d-v5: 17 observations (qpos[1:], qvel clipped ±10), 6 actions, healthy while 0.8 < z < 2 and |angle| < 1. */
export const WALKER2D_TASK: LocomotionTask = {
  id: 'Walker2d-v5',
  xml: WALKER2D_XML,
  frameSkip: 4,
  sizes: { nq: 9, nv: 9, nu: 6, nbody: 8 },
  observationSize: 17,
  observationVelocityClip: 10,
  health: { z: [0.8, 2], angle: [-1, 1] },
  velocityNoise: 'uniform',
  defaults: { forwardRewardWeight: 1, ctrlCostWeight: 1e-3, healthyReward: 1, resetNoiseScale: 5e-3 },
};

/** The locomotion envs, in the order help texts list them. */
export const LOCOMOTION_TASKS: readonly LocomotionTask[] = [HOPPER_TASK, HALF_CHEETAH_TASK, WALKER2D_TASK];
