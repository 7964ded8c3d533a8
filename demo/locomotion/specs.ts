/**
 * A MuJoCo env's shape without MuJoCo: what the Train panel's form needs to resolve a config (the
 * documented defaults, PPO_ENV_DEFAULTS by the env's name, the algorithms that refuse it) before
 * anything loads the 10 MB WebAssembly module. It is never stepped: Start makes the real env.
 */
import type { BatchedHostEnv } from '../../src/index';
import { findMujocoEnvId, LOCOMOTION_TASKS, type MujocoEnvId } from '../../src/mujoco';

/** The locomotion env id that a Train panel choice names, or undefined for a built-in env. */
export const locomotionId = (env: string): MujocoEnvId | undefined => findMujocoEnvId(env);

/** The stand-in for `id`: the env's name, sizes, action box, step limit and metric names. */
export function locomotionSpec(id: MujocoEnvId): BatchedHostEnv {
  const task = LOCOMOTION_TASKS.find((t) => t.id === id)!;
  const nu = task.sizes.nu;
  return {
    name: id,
    observationSize: task.observationSize,
    actionSpace: { kind: 'box', size: nu, low: new Array<number>(nu).fill(-1), high: new Array<number>(nu).fill(1) },
    maxEpisodeSteps: 1000,
    stepsRanges: true,
    // As MujocoLocomotionEnv names them with Gymnasium's default options.
    episodeMetrics: [
      'x_position',
      'x_velocity',
      'reward_forward',
      'reward_ctrl',
      ...(task.contactForceRange ? ['reward_contact'] : []),
      ...(task.health ? ['reward_survive'] : []),
      'unstable',
    ],
    resetBatch() {
      throw new Error(`${id}: the form's stand-in is not an env; Start makes the real one`);
    },
    stepBatch() {
      throw new Error(`${id}: the form's stand-in is not an env; Start makes the real one`);
    },
  };
}
