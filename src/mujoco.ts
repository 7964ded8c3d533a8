/**
 * `webgpu-rl/mujoco`: Gymnasium's v5 locomotion envs (Hopper-v5, HalfCheetah-v5, Walker2d-v5, Ant-v5,
 * Humanoid-v5) simulated by MuJoCo's official WebAssembly bindings, `@mujoco/mujoco`, an optional peer
 * dependency: `npm install @mujoco/mujoco`. Each env is a {@link BatchedHostEnv} (a JavaScript env
 * stepped on the CPU, pipelined in halves with the GPU), so it trains like a game's env:
 * ```ts
 * import { Agent } from 'webgpu-rl';
 * import { hopperV5 } from 'webgpu-rl/mujoco';
 * const env = await hopperV5();
 * const agent = await Agent.create({ env, algorithm: { algo: 'ppo', numEnvs: 16 } });
 * for await (const stats of agent.train()) console.log(stats.returnMean100);
 * agent.destroy();
 * env.close(); // frees the model and its MjData on MuJoCo's WebAssembly heap
 * ```
 * The package root does not import this entry, so a game without locomotion never loads MuJoCo.
 *
 * @packageDocumentation
 * @module webgpu-rl/mujoco
 */
export {
  ANT_TASK,
  HALF_CHEETAH_TASK,
  HOPPER_TASK,
  HUMANOID_TASK,
  LOCOMOTION_TASKS,
  MUJOCO_ENV_IDS,
  MUJOCO_MAX_VALUE,
  MUJOCO_PACKAGE,
  MujocoLocomotionEnv,
  MujocoUnavailableError,
  WALKER2D_TASK,
  antV5,
  findMujocoEnvId,
  halfCheetahV5,
  hopperV5,
  humanoidV5,
  loadMujoco,
  mujocoEnv,
  resolveLocomotionSettings,
  walker2dV5,
} from './mujoco/index';
export type {
  AntOptions,
  AnyLocomotionOptions,
  HealthRule,
  HeightHealth,
  Interval,
  HealthyLocomotionOptions,
  HopperOptions,
  HumanoidOptions,
  InstanceViews,
  LocomotionOptions,
  LocomotionSettings,
  LocomotionTask,
  LocomotionWeights,
  MujocoData,
  MujocoEnvId,
  MujocoModel,
  MujocoModule,
  PlanarHealth,
} from './mujoco/index';
export type { BatchedHostEnv, HostEnvBatch } from './envs/batched-host-env';
