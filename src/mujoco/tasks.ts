/**
 * What makes each locomotion env Gymnasium's v5 env on top of its model: the observation, the
 * health rule, the forward measure, the reset noise and the reward weights, as in
 * gymnasium/envs/mujoco/hopper_v5.py, half_cheetah_v5.py, walker2d_v5.py, ant_v5.py and
 * humanoid_v5.py (defaults of their constructors). ./locomotion-env.ts runs them.
 */
import { ANT_XML, HALF_CHEETAH_XML, HOPPER_XML, HUMANOID_XML, WALKER2D_XML } from './models';

/** One instance's live views into its MjData (re-taken whenever the WebAssembly heap grows). */
export interface InstanceViews {
  /** [nq] joint positions. */
  readonly qpos: Float64Array;
  /** [nv] joint velocities. */
  readonly qvel: Float64Array;
  /** [nv] joint accelerations (checked for blow-ups after each step). */
  readonly qacc: Float64Array;
  /** [nu] actuator controls: the action, written raw. */
  readonly ctrl: Float64Array;
  /** [nbody][3] body positions: Ant's forward measure reads the torso's. */
  readonly xpos: Float64Array;
  /** [nbody][6] external contact wrenches (filled by mj_rnePostConstraint): Ant's and Humanoid's observation and contact cost. */
  readonly cfrc_ext: Float64Array;
  /** [nbody][3] bodies' centres of mass: Humanoid's forward measure (the whole body's centre of mass). */
  readonly xipos: Float64Array;
  /** [nbody][10] inertia and mass in the frame at the tree's centre of mass (Humanoid's observation). */
  readonly cinert: Float64Array;
  /** [nbody][6] velocity in that frame, rotation then translation (Humanoid's observation). */
  readonly cvel: Float64Array;
  /** [nv] the actuators' generalised forces (Humanoid's observation, its joints' part). */
  readonly qfrc_actuator: Float64Array;
}

/** An interval [lo, hi] (a health rule's is open or closed as the rule says); ±Infinity allowed. */
export type Interval = readonly [number, number];

/**
 * The health rule of a planar walker (Hopper, Walker2d): torso height qpos[1] and angle qpos[2]
 * strictly inside their ranges, and for Hopper every entry of qpos[2:] and qvel strictly inside
 * the state range. A NaN fails every comparison, so a NaN state is unhealthy.
 */
export interface PlanarHealth {
  /** Tells the rules apart. */
  readonly kind: 'planar';
  /** The open interval of torso heights qpos[1]. */
  readonly z: Interval;
  /** The open interval of torso angles qpos[2] (radians). */
  readonly angle: Interval;
  /** Hopper's healthy_state_range over qpos[2:] and the unclipped qvel; absent for Walker2d. */
  readonly state?: Interval;
}

/**
 * The health rule of a free-floating body: torso height qpos[2] within [lo, hi] with its ends
 * included (Ant: ant_v5.py compares with ≤) or strictly inside (Humanoid). Ant's other condition,
 * a finite state, holds for every env here: a state that is not ends the episode as unstable first
 * (./locomotion-env.ts).
 */
export interface HeightHealth {
  /** Tells the rules apart. */
  readonly kind: 'height';
  /** The interval of torso heights qpos[2]. */
  readonly z: Interval;
  /** Whether a height equal to an end is healthy (Ant) or not (Humanoid). */
  readonly ends: 'included' | 'excluded';
}

/** A locomotion env's health rule. */
export type HealthRule = PlanarHealth | HeightHealth;

/** Gymnasium's reward weights, health reward and reset noise of one env (its constructor's defaults). */
export interface LocomotionWeights {
  /** Weight of x_velocity in the reward. */
  readonly forwardRewardWeight: number;
  /** Weight of Σ action² subtracted from the reward. */
  readonly ctrlCostWeight: number;
  /** Weight of Σ cfrc_ext² (clipped for Ant: 5e-4; raw for Humanoid: 5e-7; 0 for the envs without a contact cost). */
  readonly contactCostWeight: number;
  /** Paid on each step that ends healthy (0 for an env without a health rule). */
  readonly healthyReward: number;
  /** Scale of the reset noise: U(−s, s), or s · N(0, 1) for the velocities where the task says so. */
  readonly resetNoiseScale: number;
}

/** A locomotion env's definition: model, frame skip, observation, health, noise and defaults. */
export interface LocomotionTask {
  /** Gymnasium's id, e.g. 'Hopper-v5'. */
  readonly id: string;
  /** The MJCF model (./models.ts). */
  readonly xml: string;
  /** mj_step calls per env step: dt = timestep × frameSkip. */
  readonly frameSkip: number;
  /** The compiled model's sizes (checked after compiling: the MJCF and this file must agree). */
  readonly sizes: {
    /** qpos entries. */
    readonly nq: number;
    /** qvel entries. */
    readonly nv: number;
    /** Actuators, the action's size. */
    readonly nu: number;
    /** Bodies, the world included. */
    readonly nbody: number;
  };
  /** Floats per observation. */
  readonly observationSize: number;
  /** Leading qpos entries left out of the observation: x (1), or x and y (2, Ant). */
  readonly skippedPositions: number;
  /** Velocities in the observation are clipped to ±this (Hopper, Walker2d: 10); null: unclipped. */
  readonly observationVelocityClip: number | null;
  /**
   * Ant's contact_force_range: the observation ends with cfrc_ext[1:] (the world's row left out)
   * clipped to it, and the reward pays a contact cost on the clipped forces; null for the others.
   */
  readonly contactForceRange: Interval | null;
  /**
   * Humanoid's contact_cost_range: the reward pays a contact cost on the raw forces, clamped to it;
   * null for the others.
   */
  readonly contactCostRange: Interval | null;
  /**
   * Whether the observation goes on, after qvel, with the bodies' dynamics, all unclipped and the
   * world's rows left out: cinert[1:], cvel[1:], qfrc_actuator[6:] (the free joint's six left out)
   * and cfrc_ext[1:] (Humanoid).
   */
  readonly observesBodyDynamics: boolean;
  /**
   * The x that the forward reward differentiates: the root's qpos[0], the torso's xpos (Ant, as
   * ant_v5.py), or the whole body's centre of mass Σ mass · xipos / Σ mass (Humanoid).
   */
  readonly forwardPosition: 'qpos' | 'torso-xpos' | 'mass-centre';
  /** The health rule; null: the env is always healthy, never terminates and pays no survive reward (HalfCheetah). */
  readonly health: HealthRule | null;
  /** How qvel's reset noise is drawn: U(−s, s), or s · N(0, 1) (HalfCheetah, Ant). qpos's is always uniform. */
  readonly velocityNoise: 'uniform' | 'normal';
  /** Gymnasium's constructor defaults. */
  readonly defaults: LocomotionWeights;
  /** The reward at which Gymnasium's registration calls the env solved (none for Walker2d). */
  readonly rewardThreshold?: number;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

/** What a locomotion env's observation holds, resolved once per env (see {@link observeState}). */
export interface ObservationLayout {
  /** Leading qpos entries left out (Gymnasium's exclude_current_positions_from_observation). */
  readonly skippedPositions: number;
  /** qvel is clipped to ±this when it is a number. */
  readonly velocityClip: number | null;
  /** When given, the observation ends with cfrc_ext[1:] clipped to it (Ant). */
  readonly contactRange: Interval | null;
  /** Whether cinert[1:], cvel[1:], qfrc_actuator[6:] and cfrc_ext[1:] follow qvel, unclipped (Humanoid). */
  readonly bodyDynamics: boolean;
}

/** The observation layout of `task` with Ant's clipping range `contactRange` (an option of the env). */
export function observationLayoutOf(task: LocomotionTask, contactRange: Interval | null): ObservationLayout {
  return { skippedPositions: task.skippedPositions, velocityClip: task.observationVelocityClip, contactRange, bodyDynamics: task.observesBodyDynamics };
}

/** Copies values[from …] to out[k …]; returns the next k. */
function copyFrom(values: Float64Array, from: number, out: Float32Array, k: number): number {
  for (let j = from; j < values.length; j += 1) out[k++] = values[j]!;
  return k;
}

/**
 * Writes the observation of the state in `v` at out[at …]: qpos without its first skipped
 * entries, qvel (clipped when the layout says), then the bodies' dynamics (Humanoid) or the clipped
 * contact forces (Ant) when the layout has them.
 */
export function observeState(v: InstanceViews, layout: ObservationLayout, out: Float32Array, at: number): void {
  const { qvel } = v;
  let k = copyFrom(v.qpos, layout.skippedPositions, out, at);
  const velocityClip = layout.velocityClip;
  if (velocityClip === null) {
    k = copyFrom(qvel, 0, out, k);
  } else {
    for (let j = 0; j < qvel.length; j += 1) out[k++] = clamp(qvel[j]!, -velocityClip, velocityClip);
  }
  if (layout.bodyDynamics) {
    k = copyFrom(v.cinert, 10, out, k);
    k = copyFrom(v.cvel, 6, out, k);
    k = copyFrom(v.qfrc_actuator, 6, out, k);
    copyFrom(v.cfrc_ext, 6, out, k);
  }
  const range = layout.contactRange;
  if (range === null) return;
  const lo = range[0];
  const hi = range[1];
  const forces = v.cfrc_ext;
  for (let j = 6; j < forces.length; j += 1) out[k++] = clamp(forces[j]!, lo, hi);
}

/**
 * Σ cfrc_ext² over every row (the world's is zero), each force first clipped to `range` when it is
 * given: ant_v5.py's contact_cost sums the clipped forces, humanoid_v5.py's the raw ones.
 */
export function contactSquares(v: InstanceViews, range: Interval | null): number {
  const lo = range === null ? -Infinity : range[0];
  const hi = range === null ? Infinity : range[1];
  const forces = v.cfrc_ext;
  let sum = 0;
  for (let j = 0; j < forces.length; j += 1) {
    const f = clamp(forces[j]!, lo, hi);
    sum += f * f;
  }
  return sum;
}

// Indexing, not destructuring: a step calls these per state entry and must not allocate an iterator.
const inside = (value: number, range: Interval) => range[0] < value && value < range[1];

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

/** Whether the state in `v` is healthy under `rule` (null: always). */
export function isHealthy(v: InstanceViews, rule: HealthRule | null): boolean {
  if (rule === null) return true;
  if (rule.kind === 'planar') return planarHealthy(v, rule);
  const z = v.qpos[2]!;
  return rule.ends === 'included' ? rule.z[0] <= z && z <= rule.z[1] : inside(z, rule.z);
}

/** Hopper-v5: 11 observations (qpos[1:], qvel clipped ±10), 3 actions, healthy while upright. */
export const HOPPER_TASK: LocomotionTask = {
  id: 'Hopper-v5',
  xml: HOPPER_XML,
  frameSkip: 4,
  sizes: { nq: 6, nv: 6, nu: 3, nbody: 5 },
  observationSize: 11,
  skippedPositions: 1,
  observationVelocityClip: 10,
  contactForceRange: null,
  contactCostRange: null,
  observesBodyDynamics: false,
  forwardPosition: 'qpos',
  health: { kind: 'planar', z: [0.7, Infinity], angle: [-0.2, 0.2], state: [-100, 100] },
  velocityNoise: 'uniform',
  defaults: { forwardRewardWeight: 1, ctrlCostWeight: 1e-3, contactCostWeight: 0, healthyReward: 1, resetNoiseScale: 5e-3 },
  rewardThreshold: 3800,
};

/** HalfCheetah-v5: 17 observations (qpos[1:], qvel, unclipped), 6 actions, never terminates. */
export const HALF_CHEETAH_TASK: LocomotionTask = {
  id: 'HalfCheetah-v5',
  xml: HALF_CHEETAH_XML,
  frameSkip: 5,
  sizes: { nq: 9, nv: 9, nu: 6, nbody: 8 },
  observationSize: 17,
  skippedPositions: 1,
  observationVelocityClip: null,
  contactForceRange: null,
  contactCostRange: null,
  observesBodyDynamics: false,
  forwardPosition: 'qpos',
  health: null,
  velocityNoise: 'normal',
  defaults: { forwardRewardWeight: 1, ctrlCostWeight: 0.1, contactCostWeight: 0, healthyReward: 0, resetNoiseScale: 0.1 },
  rewardThreshold: 4800,
};

/** Walker2d-v5: 17 observations (qpos[1:], qvel clipped ±10), 6 actions, healthy while 0.8 < z < 2 and |angle| < 1. */
export const WALKER2D_TASK: LocomotionTask = {
  id: 'Walker2d-v5',
  xml: WALKER2D_XML,
  frameSkip: 4,
  sizes: { nq: 9, nv: 9, nu: 6, nbody: 8 },
  observationSize: 17,
  skippedPositions: 1,
  observationVelocityClip: 10,
  contactForceRange: null,
  contactCostRange: null,
  observesBodyDynamics: false,
  forwardPosition: 'qpos',
  health: { kind: 'planar', z: [0.8, 2], angle: [-1, 1] },
  velocityNoise: 'uniform',
  defaults: { forwardRewardWeight: 1, ctrlCostWeight: 1e-3, contactCostWeight: 0, healthyReward: 1, resetNoiseScale: 5e-3 },
};

/**
 * Ant-v5: 105 observations (qpos[2:], qvel, cfrc_ext[1:] clipped to ±1), 8 actions, healthy while
 * 0.2 ≤ z ≤ 1; x from the torso's xpos, read right after the step as Gymnasium reads it (it lags
 * qpos by the step's last position evaluation: no mj_forward in between).
 */
export const ANT_TASK: LocomotionTask = {
  id: 'Ant-v5',
  xml: ANT_XML,
  frameSkip: 5,
  sizes: { nq: 15, nv: 14, nu: 8, nbody: 14 },
  observationSize: 105,
  skippedPositions: 2,
  observationVelocityClip: null,
  contactForceRange: [-1, 1],
  contactCostRange: null,
  observesBodyDynamics: false,
  forwardPosition: 'torso-xpos',
  health: { kind: 'height', z: [0.2, 1], ends: 'included' },
  velocityNoise: 'normal',
  defaults: { forwardRewardWeight: 1, ctrlCostWeight: 0.5, contactCostWeight: 5e-4, healthyReward: 1, resetNoiseScale: 0.1 },
  rewardThreshold: 6000,
};

/**
 * Humanoid-v5: 348 observations (qpos[2:] 22, qvel 23, cinert[1:] 130, cvel[1:] 78,
 * qfrc_actuator[6:] 17, cfrc_ext[1:] 78; nothing clipped), 17 actions in ±0.4, healthy while
 * 1 < z < 2; x from the whole body's centre of mass, read right after the step as Gymnasium reads
 * it; reward 5 (healthy) + 1.25 · x_velocity − 0.1 Σa² − min(5e-7 Σ cfrc_ext², 10).
 */
export const HUMANOID_TASK: LocomotionTask = {
  id: 'Humanoid-v5',
  xml: HUMANOID_XML,
  frameSkip: 5,
  sizes: { nq: 24, nv: 23, nu: 17, nbody: 14 },
  observationSize: 348,
  skippedPositions: 2,
  observationVelocityClip: null,
  contactForceRange: null,
  contactCostRange: [-Infinity, 10],
  observesBodyDynamics: true,
  forwardPosition: 'mass-centre',
  health: { kind: 'height', z: [1, 2], ends: 'excluded' },
  velocityNoise: 'uniform',
  defaults: { forwardRewardWeight: 1.25, ctrlCostWeight: 0.1, contactCostWeight: 5e-7, healthyReward: 5, resetNoiseScale: 1e-2 },
};

/** The locomotion envs, in the order help texts list them. */
export const LOCOMOTION_TASKS: readonly LocomotionTask[] = [HOPPER_TASK, HALF_CHEETAH_TASK, WALKER2D_TASK, ANT_TASK, HUMANOID_TASK];
