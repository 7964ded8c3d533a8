/**
 * Custom WGSL envs: a user's env body (State, EnvParams, env_reset, env_step, env_obs; the contract
 * in src/envs/types.ts) with its spaces and step limit becomes an EnvDescriptor that goes through
 * the same generic wrapper as the built-in envs. The body is checked for the contract's
 * declarations here, before anything compiles; a WGSL compile error is reported by createVectorEnv
 * as a ShaderCompileError located at `<id>:<line>:<column>` in the user's own text.
 */
import type { ShaderPart } from '../gpu/shaders';
import { checkEnvDescriptor, EnvContractError } from './contract';
import { registerEnv } from './registry';
import type { ActionSpace, BoxSpace, EnvDescriptor } from './types';

/** What a user gives to define an env in WGSL. */
export interface CustomEnvOptions {
  /** The env's id, e.g. 'RandomWalk-v0': how createVectorEnv and the CLI name it, and the file name compile errors show. */
  id: string;
  /** The env body: declarations of the env contract (see src/envs/types.ts). */
  wgsl: string;
  /** Floats per observation (OBS_SIZE); bounds default to ±Infinity. */
  observationSize: number;
  /** Observation bounds, when known (default ±Infinity). */
  observationSpace?: BoxSpace;
  /**
   * Discrete actions 0 … n − 1 (`alias EnvAction = u32`), K discrete branches (`array<u32,
   * ACTION_SIZE>`), a box of ACTION_SIZE floats clipped to its bounds before env_step, or hybrid (a
   * box and K branches: `struct EnvAction { continuous, discrete }`, src/envs/types.ts).
   */
  actionSpace: ActionSpace;
  /** STATE_SIZE names, in the order of struct State's fields. */
  stateNames: readonly string[];
  /** EnvParams defaults, keys in struct EnvParams's field order. */
  params: Readonly<Record<string, number>>;
  /** Episodes are truncated after this many steps. */
  maxEpisodeSteps: number;
  /** Short names that also find it in the registry. */
  aliases?: readonly string[];
  /** Return at which the env counts as solved, if it has one (as Gymnasium's reward_threshold). */
  rewardThreshold?: number;
  /** The body declares MASK_SIZE and env_mask: the policy samples and learns over legal actions only (EnvDescriptor.actionMasks). */
  actionMasks?: boolean;
  /** Names of the values env_metrics reports per finished episode (EnvDescriptor.episodeMetrics). */
  episodeMetrics?: readonly string[];
}

/** Ids are names people type: a letter, then letters, digits, '-', '_', '.'; no '/' (file names of built-in WGSL have one). */
const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** A descriptor for a custom WGSL env, checked against the env contract (not registered). */
export function customEnv(options: CustomEnvOptions): EnvDescriptor {
  const { id } = options;
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new EnvContractError(String(id), `id must start with a letter and hold only letters, digits, '-', '_' or '.' (got '${id}')`);
  }
  if (typeof options.wgsl !== 'string' || options.wgsl.trim().length === 0) {
    throw new EnvContractError(id, 'wgsl must be the env body as a non-empty string');
  }
  const size = options.observationSize;
  if (!Number.isInteger(size) || size < 1) throw new EnvContractError(id, `observationSize must be a positive integer (got ${size})`);
  const body: ShaderPart = { name: id, code: options.wgsl };
  const descriptor: EnvDescriptor = {
    id,
    aliases: options.aliases ?? [],
    body,
    observationSpace: options.observationSpace ?? {
      kind: 'box',
      size,
      low: new Array<number>(size).fill(-Infinity),
      high: new Array<number>(size).fill(Infinity),
    },
    actionSpace: options.actionSpace,
    stateNames: options.stateNames,
    params: options.params,
    maxEpisodeSteps: options.maxEpisodeSteps,
    ...(options.rewardThreshold === undefined ? {} : { rewardThreshold: options.rewardThreshold }),
    ...(options.actionMasks === undefined ? {} : { actionMasks: options.actionMasks }),
    ...(options.episodeMetrics === undefined ? {} : { episodeMetrics: options.episodeMetrics }),
  };
  if (descriptor.observationSpace.size !== size) {
    throw new EnvContractError(id, `observationSpace.size (${descriptor.observationSpace.size}) differs from observationSize (${size})`);
  }
  checkEnvDescriptor(descriptor);
  return descriptor;
}

/** customEnv, then adds it to the registry so that its id (and aliases) work wherever an env id does. */
export function registerCustomEnv(options: CustomEnvOptions): EnvDescriptor {
  const descriptor = customEnv(options);
  registerEnv(descriptor);
  return descriptor;
}
