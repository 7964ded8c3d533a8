/**
 * The algorithms, by name. `createTrainer(device, { algo, ...config })` validates the whole config
 * (algorithm, env, hyperparameters) before any GPU work, then builds the algorithm's trainer.
 */
import type { Trainer } from '../train/trainer';
import { createA2cTrainer, resolveA2cConfig, type A2cConfig } from './a2c/a2c';
import { createCemTrainer, resolveCemConfig, type CemConfig } from './cem/cem';
import { createOffPolicyTrainer, resolveOffPolicyConfig, type OffPolicyConfig } from './offpolicy/offpolicy';
import { createPpoTrainer, resolvePpoConfig, type PpoConfig } from './ppo/ppo';
import { createPpoKlTrainer, resolvePpoKlConfig, type PpoKlConfig } from './ppo-kl/ppo-kl';
import { createReinforceTrainer, resolveReinforceConfig, type ReinforceConfig } from './reinforce/reinforce';
import { createTrpoTrainer, resolveTrpoConfig, type TrpoConfig } from './trpo/trpo';


/** Each algorithm's validator and factory; the first is the default. */
const REGISTRY = {
  ppo: { resolve: resolvePpoConfig, create: createPpoTrainer },
  'ppo-kl': { resolve: resolvePpoKlConfig, create: createPpoKlTrainer },
  reinforce: { resolve: resolveReinforceConfig, create: createReinforceTrainer },
  a2c: { resolve: resolveA2cConfig, create: createA2cTrainer },
  offpolicy: { resolve: resolveOffPolicyConfig, create: createOffPolicyTrainer },
  trpo: { resolve: resolveTrpoConfig, create: createTrpoTrainer },
  cem: { resolve: resolveCemConfig, create: createCemTrainer },
} as const;

/** Algorithms with a trainer, in the order help texts list them. */
export const ALGORITHMS = Object.keys(REGISTRY) as readonly (keyof typeof REGISTRY)[];
export type AlgorithmName = keyof typeof REGISTRY;

/** A config for any algorithm: `algo` plus that algorithm's fields (each resolver rejects the others'). */
export type TrainerConfig =
  | ({ readonly algo?: 'ppo' } & PpoConfig)
  | ({ readonly algo: 'ppo-kl' } & PpoKlConfig)
  | ({ readonly algo: 'reinforce' } & ReinforceConfig)
  | ({ readonly algo: 'a2c' } & A2cConfig)
  | ({ readonly algo: 'offpolicy' } & OffPolicyConfig)
  | ({ readonly algo: 'trpo' } & TrpoConfig)
  | ({ readonly algo: 'cem' } & CemConfig);

/** An algorithm name no trainer implements. */
export class UnknownAlgorithmError extends RangeError {
  constructor(readonly requested: string) {
    super(`unknown algorithm '${requested}' (valid: ${ALGORITHMS.join(', ')})`);
    this.name = 'UnknownAlgorithmError';
  }
}

/** Throws UnknownAlgorithmError unless `name` is an algorithm with a trainer. */
export function checkAlgorithm(name: unknown): AlgorithmName {
  if (typeof name !== 'string' || !(ALGORITHMS as readonly string[]).includes(name.toLowerCase())) throw new UnknownAlgorithmError(String(name));
  return name.toLowerCase() as AlgorithmName;
}

/** Validates a trainer config without touching the GPU; returns the resolved config. */
export function resolveTrainerConfig(config: TrainerConfig) {
  const { algo = 'ppo', ...rest } = config;
  return REGISTRY[checkAlgorithm(algo)].resolve(rest as never);
}

/** Builds the trainer of `config.algo` (default 'ppo'). */
export async function createTrainer(device: GPUDevice, config: TrainerConfig = {}): Promise<Trainer> {
  const { algo = 'ppo', ...rest } = config;
  return (await REGISTRY[checkAlgorithm(algo)].create(device, rest as never)) as Trainer;
}
