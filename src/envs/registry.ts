/**
 * The env registry: Gymnasium ids, short aliases, and the custom envs a user registered. Lookups
 * accept an id exactly or an alias in any case; an unknown name is an error listing every valid one.
 */
import { acrobot } from './builtin/acrobot';
import { cartPole } from './builtin/cartpole';
import { catchEnv } from './builtin/catch';
import { mountainCar } from './builtin/mountain-car';
import { mountainCarContinuous } from './builtin/mountain-car-continuous';
import { pendulum } from './builtin/pendulum';
import { snakeEnv } from './builtin/snake';
import { hostEnvDescriptor, isBatchedHostEnv, isHostEnv, type BatchedHostEnv, type HostEnv } from './host-env';
import { isSeatedHostEnv, type SeatedHostEnv } from './seated-host-env';
import type { EnvDescriptor } from './types';

/** The built-in envs, in the order help texts list them. */
export const BUILTIN_ENVS: readonly EnvDescriptor[] = [
  cartPole,
  acrobot,
  mountainCar,
  mountainCarContinuous,
  pendulum,
  catchEnv,
  snakeEnv,
];

const customEnvs = new Map<string, EnvDescriptor>();

/** An env name that is neither a registered id nor an alias. */
export class UnknownEnvError extends Error {
  constructor(
    /** The id or alias asked for, as given. */
    readonly requested: string,
    /** The registered ids and aliases. */
    readonly valid: readonly string[],
  ) {
    super(`unknown env '${requested}' (valid: ${valid.join(', ')})`);
    this.name = 'UnknownEnvError';
  }
}

/** Built-in envs first, then custom envs in registration order. */
export function registeredEnvs(): EnvDescriptor[] {
  return [...BUILTIN_ENVS, ...customEnvs.values()];
}

/** Every valid name, as `Id (alias, alias)`. */
export function registeredEnvNames(): string[] {
  return registeredEnvs().map((env) => (env.aliases.length > 0 ? `${env.id} (${env.aliases.join(', ')})` : env.id));
}

/** The env whose id is `name`, or whose id or an alias equals `name` ignoring case. */
export function findEnv(name: string): EnvDescriptor | undefined {
  const envs = registeredEnvs();
  const exact = envs.find((env) => env.id === name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  return envs.find((env) => env.id.toLowerCase() === lower || env.aliases.some((alias) => alias.toLowerCase() === lower));
}

/** Where a config may name its env: a registered id or alias, a descriptor (customEnv's), or a game's JavaScript env. */
export type EnvSource = string | EnvDescriptor | HostEnv | BatchedHostEnv | SeatedHostEnv;

/**
 * The env named `name` (id or alias); throws UnknownEnvError listing the valid names. A descriptor
 * is returned as it is, and a HostEnv, BatchedHostEnv or SeatedHostEnv as its descriptor
 * (hostEnvDescriptor).
 */
export function lookupEnv(name: EnvSource): EnvDescriptor {
  if (isBatchedHostEnv(name) || isHostEnv(name) || isSeatedHostEnv(name)) return hostEnvDescriptor(name);
  if (typeof name === 'object' && name !== null && typeof (name as EnvDescriptor).id === 'string' && (name as EnvDescriptor).actionSpace !== undefined) {
    return name as EnvDescriptor;
  }
  if (typeof name !== 'string') throw new UnknownEnvError(String(name), registeredEnvNames());
  const env = findEnv(name);
  if (!env) throw new UnknownEnvError(name, registeredEnvNames());
  return env;
}

/**
 * Adds a custom env to the registry. Its id and aliases must not name an env already registered
 * (built-in or custom); registering the same descriptor object again is a no-op.
 */
export function registerEnv(descriptor: EnvDescriptor): void {
  for (const name of [descriptor.id, ...descriptor.aliases]) {
    const taken = findEnv(name);
    if (taken === descriptor) continue;
    if (taken) throw new Error(`cannot register env '${descriptor.id}': the name '${name}' already names '${taken.id}'`);
  }
  customEnvs.set(descriptor.id, descriptor);
}

/** Removes a custom env (tests); built-in envs cannot be removed. Returns whether one was removed. */
export function unregisterEnv(id: string): boolean {
  return customEnvs.delete(id);
}
