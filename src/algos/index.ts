/**
 * The algorithms, by name. `createTrainer(device, { algo, ...config })` validates the whole config
 * (algorithm, env, hyperparameters) before any GPU work, then builds the algorithm's trainer.
 */
import type { Trainer } from '../train/trainer';
import { createA2cTrainer, resolveA2cConfig, type A2cConfig } from './a2c';
import { createPpoTrainer, resolvePpoConfig, type PpoConfig } from './ppo';
import { createReinforceTrainer, resolveReinforceConfig, type ReinforceConfig } from './reinforce';

export * from './a2c';
export * from './ppo';
export * from './reinforce';

/** Algorithms with a trainer, in the order help texts list them. */
export const ALGORITHMS = ['ppo', 'reinforce', 'a2c'] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];

/** A config for any algorithm: `algo` plus that algorithm's fields (each resolver rejects the others'). */
export type TrainerConfig = { readonly algo?: AlgorithmName } & PpoConfig & ReinforceConfig & A2cConfig;
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
  switch (checkAlgorithm(algo)) {
    case 'ppo':
      return resolvePpoConfig(rest);
    case 'reinforce':
      return resolveReinforceConfig(rest);
    case 'a2c':
      return resolveA2cConfig(rest);
  }
}

/** Builds the trainer of `config.algo` (default 'ppo'). */
export async function createTrainer(device: GPUDevice, config: TrainerConfig = {}): Promise<Trainer> {
  const { algo = 'ppo', ...rest } = config;
  switch (checkAlgorithm(algo)) {
    case 'ppo':
      return createPpoTrainer(device, rest);
    case 'reinforce':
      return createReinforceTrainer(device, rest);
    case 'a2c':
      return createA2cTrainer(device, rest);
  }
}
