/**
 * The algorithms, by name. `createTrainer(device, { algo, ...config })` validates the whole config
 * (algorithm, env, hyperparameters) before any GPU work, then builds the algorithm's trainer.
 */
import type { ConfigSchema } from '../train/config';
import type { Trainer } from '../train/trainer';
import { A2C_DEFAULTS, A2C_SCHEMA, resolveA2cConfig, type A2cConfig } from './a2c/config';
import { CEM_DEFAULTS, CEM_SCHEMA, resolveCemConfig, type CemConfig } from './cem/config';
import { OFFPOLICY_DEFAULTS, OFFPOLICY_SCHEMA, resolveOffPolicyConfig, type OffPolicyConfig } from './offpolicy/config';
import { PPO_DEFAULTS, PPO_SCHEMA, resolvePpoConfig, type PpoConfig } from './ppo/config';
import { PPO_KL_DEFAULTS, PPO_KL_SCHEMA, resolvePpoKlConfig, type PpoKlConfig } from './ppo-kl/config';
import { REINFORCE_DEFAULTS, REINFORCE_SCHEMA, resolveReinforceConfig, type ReinforceConfig } from './reinforce/config';
import { resolveTrpoConfig, TRPO_DEFAULTS, TRPO_SCHEMA, type TrpoConfig } from './trpo/config';

/**
 * Each algorithm's config schema, defaults, validator and trainer factory; the first is the
 * default. Configs are validated from these static imports; a trainer's own module (its kernels,
 * their WGSL) is imported when the first trainer of that algorithm is built, so a page that trains
 * PPO carries no TRPO or CEM code.
 */
const REGISTRY = {
  ppo: { schema: PPO_SCHEMA, defaults: PPO_DEFAULTS, resolve: resolvePpoConfig, load: async () => (await import('./ppo/ppo')).createPpoTrainer },
  'ppo-kl': { schema: PPO_KL_SCHEMA, defaults: PPO_KL_DEFAULTS, resolve: resolvePpoKlConfig, load: async () => (await import('./ppo-kl/ppo-kl')).createPpoKlTrainer },
  reinforce: { schema: REINFORCE_SCHEMA, defaults: REINFORCE_DEFAULTS, resolve: resolveReinforceConfig, load: async () => (await import('./reinforce/reinforce')).createReinforceTrainer },
  a2c: { schema: A2C_SCHEMA, defaults: A2C_DEFAULTS, resolve: resolveA2cConfig, load: async () => (await import('./a2c/a2c')).createA2cTrainer },
  offpolicy: { schema: OFFPOLICY_SCHEMA, defaults: OFFPOLICY_DEFAULTS, resolve: resolveOffPolicyConfig, load: async () => (await import('./offpolicy/offpolicy')).createOffPolicyTrainer },
  trpo: { schema: TRPO_SCHEMA, defaults: TRPO_DEFAULTS, resolve: resolveTrpoConfig, load: async () => (await import('./trpo/trpo')).createTrpoTrainer },
  cem: { schema: CEM_SCHEMA, defaults: CEM_DEFAULTS, resolve: resolveCemConfig, load: async () => (await import('./cem/cem')).createCemTrainer },
} as const satisfies Record<AlgorithmName, unknown>;

/** Algorithms with a trainer, in the order help texts list them. */
export const ALGORITHMS = Object.keys(REGISTRY) as readonly AlgorithmName[];

/**
 * An algorithm's name, the `algo` of a config: 'ppo' (the default), 'ppo-kl', 'reinforce', 'a2c',
 * 'offpolicy', 'trpo' or 'cem'.
 */
export type AlgorithmName = 'ppo' | 'ppo-kl' | 'reinforce' | 'a2c' | 'offpolicy' | 'trpo' | 'cem';

/**
 * An algorithm's config schema (valibot; `algo` is not among its fields) and its defaults (the
 * env-specific ones aside: PPO_ENV_DEFAULTS, which PPO-KL shares, TRPO_ENV_DEFAULTS, CEM_ENV_DEFAULTS). scripts/config-schema.ts makes the JSON Schema of
 * `--config` files from these.
 */
export function algorithmConfigSchema(algo: AlgorithmName): { readonly schema: ConfigSchema; readonly defaults: Readonly<Record<string, unknown>> } {
  const { schema, defaults } = REGISTRY[algo];
  return { schema, defaults };
}

/** A config for any algorithm: `algo` plus that algorithm's fields (each resolver rejects the others'). */
export type TrainerConfig =
  | ({
      /** The algorithm, 'ppo' when left out. */
      readonly algo?: 'ppo';
    } & PpoConfig)
  | ({
      /** The algorithm. */
      readonly algo: 'ppo-kl';
    } & PpoKlConfig)
  | ({
      /** The algorithm. */
      readonly algo: 'reinforce';
    } & ReinforceConfig)
  | ({
      /** The algorithm. */
      readonly algo: 'a2c';
    } & A2cConfig)
  | ({
      /** The algorithm. */
      readonly algo: 'offpolicy';
    } & OffPolicyConfig)
  | ({
      /** The algorithm. */
      readonly algo: 'trpo';
    } & TrpoConfig)
  | ({
      /** The algorithm. */
      readonly algo: 'cem';
    } & CemConfig);

/** An algorithm name no trainer implements. */
export class UnknownAlgorithmError extends RangeError {
  constructor(
    /** The name asked for, as given. */
    readonly requested: string,
  ) {
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

/** Builds the trainer of `config.algo` (default 'ppo'); the config is validated before anything loads. */
export async function createTrainer(device: GPUDevice, config: TrainerConfig = {}): Promise<Trainer> {
  const { algo = 'ppo', ...rest } = config;
  const entry = REGISTRY[checkAlgorithm(algo)];
  entry.resolve(rest as never);
  const create = await entry.load();
  return (await create(device, rest as never)) as Trainer;
}
