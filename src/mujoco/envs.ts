/**
 * The locomotion envs by name: `await mujocoEnv('Hopper-v5')`, or each env's own factory
 * (`hopperV5`, `halfCheetahV5`, `walker2dV5`, `antV5`, `humanoidV5`). Each resolves Gymnasium's defaults with the
 * caller's options (the constructor arguments of hopper_v5.py & co., in camelCase), loads MuJoCo once
 * (./load.ts) unless given a module, and returns a {@link MujocoLocomotionEnv}: a BatchedHostEnv
 * that Agent.create, createTrainer or createHostVectorEnv take as they take a game's env.
 */
import { loadMujoco, type MujocoModule } from './load';
import { MujocoLocomotionEnv, type LocomotionSettings } from './locomotion-env';
import { ANT_TASK, HALF_CHEETAH_TASK, HOPPER_TASK, HUMANOID_TASK, LOCOMOTION_TASKS, WALKER2D_TASK, type HealthRule, type Interval, type LocomotionTask } from './tasks';

/** Options every locomotion env takes; unset fields keep Gymnasium v5's defaults. */
export interface LocomotionOptions {
  /** A MuJoCo module already loaded (e.g. the multi-threaded `@mujoco/mujoco/mt`); default: loadMujoco(). */
  readonly mujoco?: MujocoModule;
  /** Shown in errors and run summaries (default the Gymnasium id, e.g. 'Hopper-v5'). */
  readonly name?: string;
  /** Episodes are truncated at this many steps (default 1000, Gymnasium's registration). */
  readonly maxEpisodeSteps?: number;
  /** Weight of x_velocity in the reward (default 1). */
  readonly forwardRewardWeight?: number;
  /** Weight of Σ action² subtracted from the reward (Hopper and Walker2d 1e-3, HalfCheetah and Humanoid 0.1, Ant 0.5). */
  readonly ctrlCostWeight?: number;
  /** Scale of the reset noise (Hopper and Walker2d 5e-3, HalfCheetah and Ant 0.1, Humanoid 1e-2). */
  readonly resetNoiseScale?: number;
}

/** The options of an env with a health rule (Hopper, Walker2d, Ant). */
export interface HealthyLocomotionOptions extends LocomotionOptions {
  /** Paid on each step that ends healthy (default 1; Humanoid 5). */
  readonly healthyReward?: number;
  /** End the episode when the state is unhealthy (default true). */
  readonly terminateWhenUnhealthy?: boolean;
  /**
   * Torso height must stay inside: qpos[1] strictly (Hopper (0.7, ∞), Walker2d (0.8, 2)); Ant's
   * qpos[2] ends included ([0.2, 1]); Humanoid's qpos[2] strictly ((1, 2)).
   */
  readonly healthyZRange?: Interval;
  /** Torso angle qpos[2] must stay strictly inside (Hopper (−0.2, 0.2), Walker2d (−1, 1)). */
  readonly healthyAngleRange?: Interval;
}

/** Hopper-v5's options: also the range of qpos[2:] and qvel. */
export interface HopperOptions extends HealthyLocomotionOptions {
  /** Every entry of qpos[2:] and of the unclipped qvel must stay strictly inside (default (−100, 100)). */
  readonly healthyStateRange?: Interval;
}

/** Ant-v5's options: its health is the torso height alone (no angle), and it pays for contact forces. */
export interface AntOptions extends Omit<HealthyLocomotionOptions, 'healthyAngleRange'> {
  /** Weight of Σ clip(cfrc_ext)² subtracted from the reward (default 5e-4). */
  readonly contactCostWeight?: number;
  /** cfrc_ext is clipped to it in the observation and the contact cost (default (−1, 1)). */
  readonly contactForceRange?: Interval;
}

/** Humanoid-v5's options: its health is the torso height alone, and it pays for the raw contact forces. */
export interface HumanoidOptions extends Omit<HealthyLocomotionOptions, 'healthyAngleRange'> {
  /** Weight of Σ cfrc_ext² subtracted from the reward (default 5e-7). */
  readonly contactCostWeight?: number;
  /** The contact cost is clamped to it (default (−∞, 10]). */
  readonly contactCostRange?: Interval;
}

/** Every option of every locomotion env (each env takes those that apply to it). */
export type AnyLocomotionOptions = HopperOptions & AntOptions & HumanoidOptions;

/** The Gymnasium ids of the locomotion envs. */
export type MujocoEnvId = 'Hopper-v5' | 'HalfCheetah-v5' | 'Walker2d-v5' | 'Ant-v5' | 'Humanoid-v5';

/** The locomotion envs' ids, in the order help texts list them. */
export const MUJOCO_ENV_IDS: readonly MujocoEnvId[] = LOCOMOTION_TASKS.map((task) => task.id as MujocoEnvId);

/** The locomotion env id that `name` names, ignoring case (undefined when none). */
export function findMujocoEnvId(name: string): MujocoEnvId | undefined {
  const lower = name.toLowerCase();
  return MUJOCO_ENV_IDS.find((id) => id.toLowerCase() === lower);
}

/** The options every env takes, and those that only some do. */
const COMMON_OPTIONS = ['mujoco', 'name', 'maxEpisodeSteps', 'forwardRewardWeight', 'ctrlCostWeight', 'resetNoiseScale'];
const ALL_OPTIONS = [
  ...COMMON_OPTIONS,
  'healthyReward',
  'terminateWhenUnhealthy',
  'healthyZRange',
  'healthyAngleRange',
  'healthyStateRange',
  'contactCostWeight',
  'contactForceRange',
  'contactCostRange',
];

/** The options `task` takes. */
function optionsOf(task: LocomotionTask): Set<string> {
  const names = new Set(COMMON_OPTIONS);
  const health = task.health;
  if (health) for (const name of ['healthyReward', 'terminateWhenUnhealthy', 'healthyZRange']) names.add(name);
  if (health?.kind === 'planar') names.add('healthyAngleRange');
  if (health?.kind === 'planar' && health.state) names.add('healthyStateRange');
  if (task.contactForceRange) for (const name of ['contactCostWeight', 'contactForceRange']) names.add(name);
  if (task.contactCostRange) for (const name of ['contactCostWeight', 'contactCostRange']) names.add(name);
  return names;
}

function finiteOption(id: string, field: string, value: unknown, fallback: number, min = -Infinity): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    const valid = min === -Infinity ? 'a finite number' : `a finite number ≥ ${min}`;
    throw new RangeError(`${id}: ${field} must be ${valid} (got ${String(value)})`);
  }
  return value;
}

function rangeOption(id: string, field: string, value: unknown, fallback: Interval): Interval {
  if (value === undefined) return fallback;
  const ok = Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && !Number.isNaN(v)) && value[0] < value[1];
  if (!ok) throw new RangeError(`${id}: ${field} must be [low, high] with low < high (±Infinity allowed) (got ${JSON.stringify(value)})`);
  return [value[0], value[1]];
}

/** The task's health rule with the options' ranges on top. */
function healthOf(task: LocomotionTask, options: AnyLocomotionOptions): HealthRule | null {
  const { id, health } = task;
  if (health === null) return null;
  const z = rangeOption(id, 'healthyZRange', options.healthyZRange, health.z);
  if (health.kind === 'height') return { kind: 'height', z, ends: health.ends };
  const angle = rangeOption(id, 'healthyAngleRange', options.healthyAngleRange, health.angle);
  return { kind: 'planar', z, angle, ...(health.state ? { state: rangeOption(id, 'healthyStateRange', options.healthyStateRange, health.state) } : {}) };
}

/** The task's defaults with `options` on top, each option checked (errors name the field, the value and what is valid). */
export function resolveLocomotionSettings(task: LocomotionTask, options: AnyLocomotionOptions = {}): LocomotionSettings {
  const id = task.id;
  const takes = optionsOf(task);
  for (const key of Object.keys(options)) {
    if (!ALL_OPTIONS.includes(key)) throw new RangeError(`${id}: unknown option '${key}' (valid: ${[...takes].join(', ')})`);
    if (!takes.has(key)) throw new RangeError(`${id}: option '${key}' does not apply to this env (valid: ${[...takes].join(', ')})`);
  }
  const steps = options.maxEpisodeSteps ?? 1000;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`${id}: maxEpisodeSteps must be a positive integer (got ${String(steps)})`);
  if (options.terminateWhenUnhealthy !== undefined && typeof options.terminateWhenUnhealthy !== 'boolean') {
    throw new TypeError(`${id}: terminateWhenUnhealthy must be true or false (got ${String(options.terminateWhenUnhealthy)})`);
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw new TypeError(`${id}: name must be a non-empty string (got ${JSON.stringify(options.name)})`);
  }
  const d = task.defaults;
  const range = task.contactForceRange;
  const costRange = task.contactCostRange;
  return {
    name: options.name ?? id,
    maxEpisodeSteps: steps,
    forwardRewardWeight: finiteOption(id, 'forwardRewardWeight', options.forwardRewardWeight, d.forwardRewardWeight),
    ctrlCostWeight: finiteOption(id, 'ctrlCostWeight', options.ctrlCostWeight, d.ctrlCostWeight),
    healthyReward: finiteOption(id, 'healthyReward', options.healthyReward, d.healthyReward),
    terminateWhenUnhealthy: task.health !== null && (options.terminateWhenUnhealthy ?? true),
    resetNoiseScale: finiteOption(id, 'resetNoiseScale', options.resetNoiseScale, d.resetNoiseScale, 0),
    health: healthOf(task, options),
    contactCostWeight: finiteOption(id, 'contactCostWeight', options.contactCostWeight, d.contactCostWeight),
    contactForceRange: range === null ? null : rangeOption(id, 'contactForceRange', options.contactForceRange, range),
    contactCostRange: costRange === null ? null : rangeOption(id, 'contactCostRange', options.contactCostRange, costRange),
  };
}

/** Checks the options, loads MuJoCo unless given, compiles the model. */
async function makeEnv(task: LocomotionTask, options: AnyLocomotionOptions = {}): Promise<MujocoLocomotionEnv> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${task.id}: options must be an object (got ${String(options)})`);
  const settings = resolveLocomotionSettings(task, options);
  const mujoco = options.mujoco ?? (await loadMujoco());
  return new MujocoLocomotionEnv(mujoco, task, settings);
}

/** Hopper-v5 (Gymnasium): hop forward on one leg; 11 observations, 3 actions in ±1. */
export function hopperV5(options?: HopperOptions): Promise<MujocoLocomotionEnv> {
  return makeEnv(HOPPER_TASK, options);
}

/** HalfCheetah-v5 (Gymnasium): run forward; 17 observations, 6 actions in ±1; never terminates. */
export function halfCheetahV5(options?: LocomotionOptions): Promise<MujocoLocomotionEnv> {
  return makeEnv(HALF_CHEETAH_TASK, options);
}

/** Walker2d-v5 (Gymnasium): walk forward on two legs; 17 observations, 6 actions in ±1. */
export function walker2dV5(options?: HealthyLocomotionOptions): Promise<MujocoLocomotionEnv> {
  return makeEnv(WALKER2D_TASK, options);
}

/** Ant-v5 (Gymnasium): walk forward on four legs; 105 observations (contact forces included), 8 actions in ±1. */
export function antV5(options?: AntOptions): Promise<MujocoLocomotionEnv> {
  return makeEnv(ANT_TASK, options);
}

/**
 * Humanoid-v5 (Gymnasium): walk forward on two legs, arms free; 348 observations (the bodies'
 * inertias, velocities, actuator and contact forces included), 17 actions in ±0.4.
 */
export function humanoidV5(options?: HumanoidOptions): Promise<MujocoLocomotionEnv> {
  return makeEnv(HUMANOID_TASK, options);
}

/**
 * The locomotion env `id` names (a Gymnasium id, any case: 'Hopper-v5', 'HalfCheetah-v5',
 * 'Walker2d-v5', 'Ant-v5', 'Humanoid-v5'), with `options` (those that apply to it); an unknown id is an error
 * listing the valid ones.
 */
export function mujocoEnv(id: string, options?: AnyLocomotionOptions): Promise<MujocoLocomotionEnv> {
  const found = typeof id === 'string' ? findMujocoEnvId(id) : undefined;
  if (!found) return Promise.reject(new RangeError(`unknown MuJoCo env '${String(id)}' (valid: ${MUJOCO_ENV_IDS.join(', ')})`));
  return makeEnv(LOCOMOTION_TASKS.find((task) => task.id === found)!, options);
}
