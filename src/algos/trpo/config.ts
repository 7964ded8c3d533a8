/**
 * TRPO's configuration, validated and frozen once, with the derived sizes computed right after
 * validation. Nothing mutates the caller's object.
 *
 * Sources of the defaults (CleanRL has no TRPO):
 *   SU  = SpinningUp spinup/algos/pytorch/trpo/trpo.py arguments;
 *   ZOO = RL Baselines3 Zoo's tuned TRPO for CartPole-v1 (sb3/trpo-CartPole-v1: n_envs 2,
 *         n_steps 512, gae_lambda 0.98, learning_rate 1e-3, n_critic_updates 20);
 *   SB3 = sb3-contrib TRPO defaults; PAPER = Schulman et al. 2015.
 */
import { optional, strictObject } from 'valibot';
import { lookupEnv } from '../../envs/registry';
import type { EnvDescriptor } from '../../envs/types';
import { MAX_DISCRETE_ACTIONS } from '../../rng/categories';
import {
  checkField,
  envSource,
  failConfig,
  flag,
  integerIn,
  layerWidths,
  nonNegative,
  openUnitInterval,
  parseConfig,
  positive,
  positiveInteger,
  u32,
  unitInterval,
  type ConfigInput,
} from '../../train/config';

/** TRPO's config schema (valibot). */
export const TRPO_SCHEMA = strictObject(
  {
    /** A registered env id or alias ('CartPole-v1'; a discrete, multi-discrete or box env), a customEnv descriptor, or a game's HostEnv. */
    env: optional(envSource()),
    /** u32 seed of initialisation, envs and sampling. */
    seed: optional(u32()), // 1
    /** Env steps to train for. */
    totalTimesteps: optional(positiveInteger()), // 500_000
    /** Parallel envs N. */
    numEnvs: optional(positiveInteger(65_536)), // 8
    /** Rollout steps T per env per iteration; the batch N·T = 1024 is ZOO's 2 envs × 512 steps. */
    numSteps: optional(positiveInteger(1 << 20)), // 128
    /** Discount γ (SU, ZOO). */
    gamma: optional(unitInterval()), // 0.99
    /** GAE λ (ZOO; SU uses 0.97). */
    gaeLambda: optional(unitInterval()), // 0.98
    /** KL radius δ of the trust region (SU delta, SB3 target_kl, PAPER). */
    maxKl: optional(positive()), // 0.01
    /** Conjugate-gradient iterations (SU cg_iters, PAPER). */
    cgIterations: optional(positiveInteger(1024)), // 10
    /**
     * Fisher-vector products use every k-th sample of the batch (OpenAI Baselines' trpo_mpi takes
     * every 5th, after Schulman's thesis §3.5; SB3 sub_sampling_factor). 4 divides the default batch.
     * The gradient and the line search always use the whole batch.
     */
    fisherSubsample: optional(integerIn(1, 1 << 22, 'an integer in [1, numEnvs × numSteps]')), // 4
    /** λ of the damped Fisher matrix F + λI (SU damping_coeff, SB3 cg_damping). */
    damping: optional(nonNegative()), // 0.1
    /** Line-search candidates θ − backtrackCoef^k·Δθ, k < backtrackIterations (SU backtrack_iters, SB3). */
    backtrackIterations: optional(positiveInteger(64)), // 10
    /** Step shrink factor per candidate (PAPER's halving; SU and SB3 use 0.8). */
    backtrackCoef: optional(openUnitInterval()), // 0.5
    /** Normalise the advantages over the batch (SU, SB3 normalize_advantage). */
    normAdv: optional(flag()), // true
    /** The critic's Adam learning rate (SU vf_lr, ZOO learning_rate). */
    vfLearningRate: optional(nonNegative()), // 1e-3
    /**
     * Full-batch Adam steps on the value loss per iteration. SU's train_v_iters is 80 and ZOO makes
     * 40 minibatch steps (20 epochs × 2); 10 keeps a 500k-step CartPole run near 30 min on a software
     * adapter; in one 30-iteration comparison (seed 1, fisherSubsample 4 vs 1) the mean return reached
     * 197 with 10 and 237 with 20 (one run each: within seed noise, not a measured equivalence).
     */
    valueIterations: optional(positiveInteger(4096)), // 10
    /** Adam ε (torch's default, which SU and SB3 use). */
    adamEpsilon: optional(positive()), // 1e-8
    /** Global gradient-norm clip of the critic's step; 0: none (SU, SB3 do not clip). */
    maxGradNorm: optional(nonNegative()), // 0
    /** Hidden layer widths of the actor and of the critic, tanh (SU, SB3 MlpPolicy). */
    hiddenSizes: optional(layerWidths()), // [64, 64]
    /** Normalise observations by running statistics on the GPU (as PPO's normObs; SB3's VecNormalize). */
    normObs: optional(flag()), // false
    /** Scale rewards by the running std of the γ-discounted return (as PPO's normReward). */
    normReward: optional(flag()), // false
    /** Truncation limit; default the env's (500 for CartPole-v1). */
    maxEpisodeSteps: optional(positiveInteger()),
  },
  'an object',
);

/**
 * TRPO's hyperparameters (`algorithm: { algo: 'trpo', ... }`; discrete, multi-discrete and box envs).
 * Every field is optional: {@link TRPO_DEFAULTS} fills the ones left out, over the env's own
 * defaults in {@link TRPO_ENV_DEFAULTS}.
 */
export interface TrpoConfig extends ConfigInput<typeof TRPO_SCHEMA> {}

/**
 * TRPO's defaults, from SpinningUp's trpo.py, RL Baselines3 Zoo's tuned CartPole-v1 values and
 * sb3-contrib's TRPO (each field's source is on TrpoConfig's field).
 */
export const TRPO_DEFAULTS = Object.freeze({
  /** The env's id. */
  env: 'CartPole-v1',
  /** Seed of initialisation, envs and sampling. */
  seed: 1,
  /** Env steps to train for. */
  totalTimesteps: 500_000,
  /** Parallel envs N. */
  numEnvs: 8,
  /** Rollout steps T per env per iteration. */
  numSteps: 128,
  /** Discount γ. */
  gamma: 0.99,
  /** GAE λ. */
  gaeLambda: 0.98,
  /** KL radius δ of the trust region. */
  maxKl: 0.01,
  /** Conjugate-gradient iterations. */
  cgIterations: 10,
  /** Fisher-vector products use every k-th sample of the batch. */
  fisherSubsample: 4,
  /** λ of the damped Fisher matrix F + λI. */
  damping: 0.1,
  /** Line-search candidates. */
  backtrackIterations: 10,
  /** Step shrink factor per line-search candidate. */
  backtrackCoef: 0.5,
  /** Normalise the advantages over the batch. */
  normAdv: true,
  /** The critic's Adam learning rate. */
  vfLearningRate: 1e-3,
  /** Full-batch Adam steps on the value loss per iteration. */
  valueIterations: 10,
  /** Adam ε. */
  adamEpsilon: 1e-8,
  /** Global gradient-norm clip of the critic's step; 0: none. */
  maxGradNorm: 0,
  /** Hidden layer widths of the actor and of the critic: [64, 64] (tanh). */
  hiddenSizes: Object.freeze([64, 64]) as readonly number[],
  /** Normalise observations by running statistics. */
  normObs: false,
  /** Scale rewards by the running std of the discounted return. */
  normReward: false,
});

/**
 * Each env's documented defaults over TRPO_DEFAULTS (a field the caller gives wins):
 * - Pendulum-v1: PPO's Pendulum settings where TRPO has them (PPO_ENV_DEFAULTS: observation
 *   normalisation and reward scaling, γ = 0.9 as rl-baselines3-zoo's tuned TRPO and PPO for
 *   Pendulum, a batch of 16 envs × 256 steps, 1 M steps), GAE λ 0.95 and 20 value steps (the zoo's
 *   n_critic_updates). Measured: docs/LEARNING.md.
 */
export const TRPO_ENV_DEFAULTS: Readonly<Record<string, TrpoConfig>> = Object.freeze({
  'Pendulum-v1': {
    numEnvs: 16,
    numSteps: 256,
    gamma: 0.9,
    gaeLambda: 0.95,
    valueIterations: 20,
    normObs: true,
    normReward: true,
    totalTimesteps: 1_000_000,
  },
});

/** A validated TRPO config with defaults filled in and the derived sizes (what resolveTrainerConfig returns for TRPO). */
export interface ResolvedTrpoConfig extends Required<Omit<TrpoConfig, 'maxEpisodeSteps' | 'env'>> {
  /** The env's id (`envDescriptor` is the env). */
  readonly env: string;
  /** Truncation limit in steps: the config's, else the env's. */
  readonly maxEpisodeSteps: number;
  /** The env trained on. */
  readonly envDescriptor: EnvDescriptor;
  /** numEnvs · numSteps: the rows of every pass (policy gradient, Fisher products, value steps). */
  readonly batchSize: number;
  /** batchSize / fisherSubsample: the rows of the Fisher-vector products. */
  readonly fisherBatchSize: number;
  /** ⌊totalTimesteps / batchSize⌋. */
  readonly numIterations: number;
}

/** Validates `config` (unknown fields, types, ranges) and freezes the result. Throws before any GPU work. */
export function resolveTrpoConfig(config: TrpoConfig = {}): ResolvedTrpoConfig {
  const given = parseConfig('trpo', TRPO_SCHEMA, config);
  const envDescriptor = lookupEnv(given.env ?? TRPO_DEFAULTS.env);
  const c = { ...TRPO_DEFAULTS, ...TRPO_ENV_DEFAULTS[envDescriptor.id], ...given };
  const fail = (field: string, value: unknown, valid: string) => failConfig('trpo', field, value, valid);
  const space = envDescriptor.actionSpace;
  // A multi-discrete space (its Σ nvec checked by the env's registration) trains as K independent
  // categoricals: the Fisher product and the line search run per branch; a box as a diagonal
  // Gaussian. A hybrid policy's Fisher product and line search would need both parts in one
  // product (block-diagonal, as its KL is a sum): not built.
  if (space.kind === 'hybrid') {
    throw new RangeError(
      `trpo: env '${envDescriptor.id}' has a hybrid (box and discrete branches) action space; TRPO's Fisher product and line search take a categorical (discrete, multi-discrete) or a Gaussian (box) policy, not both at once (use 'ppo' or 'ppo-kl' for hybrid envs)`,
    );
  }
  if (space.kind === 'discrete' && space.n > MAX_DISCRETE_ACTIONS) {
    fail('env', c.env, `an env with at most ${MAX_DISCRETE_ACTIONS} discrete actions (MAX_DISCRETE_ACTIONS); '${envDescriptor.id}' has ${space.n}`);
  }
  const batchSize = c.numEnvs * c.numSteps;
  if (batchSize > 1 << 22) fail('numEnvs × numSteps', batchSize, 'at most 2^22 (the line search evaluates backtrackIterations copies of the batch)');
  if (c.totalTimesteps < batchSize) fail('totalTimesteps', c.totalTimesteps, `at least one batch, numEnvs × numSteps = ${batchSize}`);
  checkField('trpo', 'fisherSubsample', positiveInteger(batchSize), c.fisherSubsample);
  if (batchSize % c.fisherSubsample !== 0) fail('fisherSubsample', c.fisherSubsample, `a divisor of the batch numEnvs × numSteps = ${batchSize}`);
  return Object.freeze({
    ...c,
    env: envDescriptor.id,
    hiddenSizes: Object.freeze([...c.hiddenSizes]),
    maxEpisodeSteps: given.maxEpisodeSteps ?? checkField('trpo', 'maxEpisodeSteps', positiveInteger(), envDescriptor.maxEpisodeSteps),
    envDescriptor,
    batchSize,
    fisherBatchSize: batchSize / c.fisherSubsample,
    numIterations: Math.floor(c.totalTimesteps / batchSize),
  });
}
