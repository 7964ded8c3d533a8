/**
 * TRPO's configuration, validated and frozen once, with the derived sizes computed right after
 * validation. Nothing mutates the caller's object.
 *
 * Sources of the defaults (CleanRL has no TRPO):
 *   SU  = SpinningUp spinup/algos/pytorch/trpo/trpo.py arguments;
 *   ZOO = RL Baselines3 Zoo's tuned TRPO for CartPole-v1 (sb3/trpo-CartPole-v1: n_envs 2,
 *         n_steps 512, gae_lambda 0.98, learning_rate 1e-3, n_critic_updates 20);
 *   SB3 = sb3-contrib TRPO defaults; PAPER = Schulman et al. 2015; ISSUE = issue 6.
 */
import { lookupEnv, type EnvSource } from '../../envs/registry';
import type { EnvDescriptor } from '../../envs/types';
import { MAX_CATEGORIES } from '../../rng/kernels';
import { fieldChecks } from '../../train/config';

export interface TrpoConfig {
  /** A registered env id or alias ('CartPole-v1'; a discrete-action env), a customEnv descriptor, or a game's HostEnv. */
  readonly env?: EnvSource;
  /** u32 seed of initialisation, envs and sampling. */
  readonly seed?: number; // 1
  /** Env steps to train for. */
  readonly totalTimesteps?: number; // 500_000
  /** Parallel envs N. */
  readonly numEnvs?: number; // 8
  /** Rollout steps T per env per iteration; the batch N·T = 1024 is ZOO's 2 envs × 512 steps. */
  readonly numSteps?: number; // 128
  /** Discount γ (SU, ZOO). */
  readonly gamma?: number; // 0.99
  /** GAE λ (ZOO; SU uses 0.97). */
  readonly gaeLambda?: number; // 0.98
  /** KL radius δ of the trust region (SU delta, SB3 target_kl, PAPER). */
  readonly maxKl?: number; // 0.01
  /** Conjugate-gradient iterations (SU cg_iters, PAPER, ISSUE). */
  readonly cgIterations?: number; // 10
  /**
   * Fisher-vector products use every k-th sample of the batch (OpenAI Baselines' trpo_mpi takes
   * every 5th, after Schulman's thesis §3.5; SB3 sub_sampling_factor). 4 divides the default batch.
   * The gradient and the line search always use the whole batch.
   */
  readonly fisherSubsample?: number; // 4
  /** λ of the damped Fisher matrix F + λI (SU damping_coeff, SB3 cg_damping). */
  readonly damping?: number; // 0.1
  /** Line-search candidates θ − backtrackCoef^k·Δθ, k < backtrackIterations (SU backtrack_iters, SB3). */
  readonly backtrackIterations?: number; // 10
  /** Step shrink factor per candidate (ISSUE and PAPER's halving; SU and SB3 use 0.8). */
  readonly backtrackCoef?: number; // 0.5
  /** Normalise the advantages over the batch (SU, SB3 normalize_advantage). */
  readonly normAdv?: boolean; // true
  /** The critic's Adam learning rate (SU vf_lr, ZOO learning_rate). */
  readonly vfLearningRate?: number; // 1e-3
  /**
   * Full-batch Adam steps on the value loss per iteration. SU's train_v_iters is 80 and ZOO makes
   * 40 minibatch steps (20 epochs × 2); 10 keeps a 500k-step CartPole run near 30 min on a software
   * adapter; in one 30-iteration comparison (seed 1, fisherSubsample 4 vs 1) the mean return reached
   * 197 with 10 and 237 with 20 (one run each: within seed noise, not a measured equivalence).
   */
  readonly valueIterations?: number; // 10
  /** Adam ε (torch's default, which SU and SB3 use). */
  readonly adamEpsilon?: number; // 1e-8
  /** Global gradient-norm clip of the critic's step; 0: none (SU, SB3 do not clip). */
  readonly maxGradNorm?: number; // 0
  /** Hidden layer widths of the actor and of the critic, tanh (SU, SB3 MlpPolicy). */
  readonly hiddenSizes?: readonly number[]; // [64, 64]
  /** Truncation limit; default the env's (500 for CartPole-v1). */
  readonly maxEpisodeSteps?: number;
}

export const TRPO_DEFAULTS = Object.freeze({
  env: 'CartPole-v1',
  seed: 1,
  totalTimesteps: 500_000,
  numEnvs: 8,
  numSteps: 128,
  gamma: 0.99,
  gaeLambda: 0.98,
  maxKl: 0.01,
  cgIterations: 10,
  fisherSubsample: 4,
  damping: 0.1,
  backtrackIterations: 10,
  backtrackCoef: 0.5,
  normAdv: true,
  vfLearningRate: 1e-3,
  valueIterations: 10,
  adamEpsilon: 1e-8,
  maxGradNorm: 0,
  hiddenSizes: Object.freeze([64, 64]) as readonly number[],
});

/** A validated config with defaults filled in and the derived sizes. */
export interface ResolvedTrpoConfig extends Required<Omit<TrpoConfig, 'maxEpisodeSteps' | 'env'>> {
  /** The env's id (`envDescriptor` is the env). */
  readonly env: string;
  readonly maxEpisodeSteps: number;
  readonly envDescriptor: EnvDescriptor;
  /** numEnvs · numSteps: the rows of every pass (policy gradient, Fisher products, value steps). */
  readonly batchSize: number;
  /** batchSize / fisherSubsample: the rows of the Fisher-vector products. */
  readonly fisherBatchSize: number;
  /** ⌊totalTimesteps / batchSize⌋. */
  readonly numIterations: number;
}

const FIELDS = [...Object.keys(TRPO_DEFAULTS), 'maxEpisodeSteps'];

/** Validates `config` (unknown fields, types, ranges) and freezes the result. Throws before any GPU work. */
export function resolveTrpoConfig(config: TrpoConfig = {}): ResolvedTrpoConfig {
  const check = fieldChecks('trpo');
  if (typeof config !== 'object' || config === null) check.fail('config', config, 'an object');
  check.knownFields(config, FIELDS);
  const c = { ...TRPO_DEFAULTS, ...config };
  const envDescriptor = lookupEnv(c.env);
  const space = envDescriptor.actionSpace;
  if (space.kind !== 'discrete') {
    throw new RangeError(
      `trpo: env '${envDescriptor.id}' has a continuous (box) action space; this TRPO trainer has a categorical policy and needs a discrete env (the Gaussian Fisher product is not built yet)`,
    );
  }
  if (space.n > MAX_CATEGORIES) check.fail('env', c.env, `an env with at most ${MAX_CATEGORIES} actions`);
  const seed = check.u32('seed', c.seed);
  const numEnvs = check.positiveInteger('numEnvs', c.numEnvs, 65_536);
  const numSteps = check.positiveInteger('numSteps', c.numSteps, 1 << 20);
  const batchSize = numEnvs * numSteps;
  if (batchSize > 1 << 22) check.fail('numEnvs × numSteps', batchSize, 'at most 2^22 (the line search evaluates backtrackIterations copies of the batch)');
  const backtrackIterations = check.positiveInteger('backtrackIterations', c.backtrackIterations, 64);
  const totalTimesteps = check.positiveInteger('totalTimesteps', c.totalTimesteps);
  if (totalTimesteps < batchSize) check.fail('totalTimesteps', totalTimesteps, `at least one batch, numEnvs × numSteps = ${batchSize}`);
  if (!Array.isArray(c.hiddenSizes) || c.hiddenSizes.length === 0) check.fail('hiddenSizes', c.hiddenSizes, 'a non-empty array of layer widths');
  c.hiddenSizes.forEach((width, i) => check.positiveInteger(`hiddenSizes[${i}]`, width, 4096));
  const fisherSubsample = check.positiveInteger('fisherSubsample', c.fisherSubsample, batchSize);
  if (batchSize % fisherSubsample !== 0) check.fail('fisherSubsample', fisherSubsample, `a divisor of the batch numEnvs × numSteps = ${batchSize}`);
  const maxEpisodeSteps = check.positiveInteger('maxEpisodeSteps', config.maxEpisodeSteps ?? envDescriptor.maxEpisodeSteps);
  const backtrackCoef = check.number('backtrackCoef', c.backtrackCoef, Number.MIN_VALUE, 1 - Number.EPSILON, 'a number in (0, 1)');
  return Object.freeze({
    env: envDescriptor.id,
    seed,
    totalTimesteps,
    numEnvs,
    numSteps,
    gamma: check.number('gamma', c.gamma, 0, 1, 'a number in [0, 1]'),
    gaeLambda: check.number('gaeLambda', c.gaeLambda, 0, 1, 'a number in [0, 1]'),
    maxKl: check.positive('maxKl', c.maxKl),
    cgIterations: check.positiveInteger('cgIterations', c.cgIterations, 1024),
    fisherSubsample,
    damping: check.nonNegative('damping', c.damping),
    backtrackIterations,
    backtrackCoef,
    normAdv: check.boolean('normAdv', c.normAdv),
    vfLearningRate: check.nonNegative('vfLearningRate', c.vfLearningRate),
    valueIterations: check.positiveInteger('valueIterations', c.valueIterations, 4096),
    adamEpsilon: check.positive('adamEpsilon', c.adamEpsilon),
    maxGradNorm: check.nonNegative('maxGradNorm', c.maxGradNorm),
    hiddenSizes: Object.freeze([...c.hiddenSizes]),
    maxEpisodeSteps,
    envDescriptor,
    batchSize,
    fisherBatchSize: batchSize / fisherSubsample,
    numIterations: Math.floor(totalTimesteps / batchSize),
  });
}
