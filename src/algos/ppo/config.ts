/**
 * PPO's configuration: CleanRL's ppo.py arguments (discrete defaults), validated and frozen once,
 * with the derived sizes computed right after validation. Nothing mutates the caller's object.
 */
import { lookupEnv, type EnvSource } from '../../envs/registry';
import type { EnvDescriptor } from '../../envs/types';
import { MAX_CATEGORIES } from '../../rng/kernels';
import { fieldChecks } from '../../train/config';

export interface PpoConfig {
  /** A registered env id or alias ('CartPole-v1'), a customEnv descriptor, or a game's HostEnv. */
  readonly env?: EnvSource;
  /** u32 seed of initialisation, envs, sampling and permutations. */
  readonly seed?: number; // 1
  /** Env steps to train for (CleanRL's total_timesteps). */
  readonly totalTimesteps?: number; // 500_000
  /** Adam learning rate (annealed linearly to 0 when annealLr); one per agent in a population. */
  readonly learningRate?: number | readonly number[]; // 2.5e-4
  /** Parallel envs N (per agent). */
  readonly numEnvs?: number; // 4
  /** G: independent agents trained in the same dispatches, agent g with seed + g. */
  readonly agents?: number; // 1
  /** Rollout steps T per env per iteration. */
  readonly numSteps?: number; // 128
  /** Anneal the learning rate linearly over the iterations. */
  readonly annealLr?: boolean; // true
  /** Discount γ. */
  readonly gamma?: number; // 0.99
  /** GAE λ. */
  readonly gaeLambda?: number; // 0.95
  /** Minibatches per epoch. */
  readonly numMinibatches?: number; // 4
  /** Epochs K over each batch. */
  readonly updateEpochs?: number; // 4
  /** Normalise advantages per minibatch. */
  readonly normAdv?: boolean; // true
  /** Surrogate clipping coefficient ε (also the value clip). */
  readonly clipCoef?: number; // 0.2
  /** Clip the value loss around the rollout's values. */
  readonly clipVloss?: boolean; // true
  /** Entropy bonus coefficient; one per agent in a population. */
  readonly entCoef?: number | readonly number[]; // 0.01
  /** Decay the entropy coefficient linearly to 0 over the iterations, as annealLr does the rate. */
  readonly annealEntCoef?: boolean; // false
  /** Value loss coefficient. */
  readonly vfCoef?: number; // 0.5
  /** Global gradient-norm clip over actor and critic together. */
  readonly maxGradNorm?: number; // 0.5
  /** Adam ε. */
  readonly adamEpsilon?: number; // 1e-5
  /** Hidden layer widths of the actor and of the critic (tanh). */
  readonly hiddenSizes?: readonly number[]; // [64, 64]
  /** Normalise observations by running statistics on the GPU (gymnasium's NormalizeObservation, clip ±10). */
  readonly normObs?: boolean; // false
  /** Scale rewards by the running std of the γ-discounted return (NormalizeReward, clip ±10). */
  readonly normReward?: boolean; // false
  /**
   * CleanRL's target_kl: stop the epoch loop once an epoch's last minibatch has approx_kl above it
   * (decided on the GPU); null: never.
   */
  readonly targetKl?: number | null; // null
  /** Truncation limit; default the env's (500 for CartPole-v1). */
  readonly maxEpisodeSteps?: number;
}

export const PPO_DEFAULTS = Object.freeze({
  env: 'CartPole-v1',
  seed: 1,
  totalTimesteps: 500_000,
  learningRate: 2.5e-4 as number | readonly number[],
  numEnvs: 4,
  agents: 1,
  numSteps: 128,
  annealLr: true,
  gamma: 0.99,
  gaeLambda: 0.95,
  numMinibatches: 4,
  updateEpochs: 4,
  normAdv: true,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0.01 as number | readonly number[],
  annealEntCoef: false,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  adamEpsilon: 1e-5,
  hiddenSizes: Object.freeze([64, 64]) as readonly number[],
  targetKl: null as number | null,
  normObs: false,
  normReward: false,
});

/**
 * Each env's documented defaults over PPO_DEFAULTS (a field the caller gives wins):
 * - Acrobot-v1: CleanRL's discrete defaults as they are (its benchmark: −86.36 ± 1.32 at 500 000 steps).
 * - Box envs (Pendulum-v1, MountainCarContinuous-v0): CleanRL's ppo_continuous_action.py details —
 *   10 epochs, no entropy bonus, a state-independent log-std, observation normalisation and reward
 *   scaling, 1 M steps — with two departures for a GPU rollout and a software adapter: a batch of
 *   16 envs × 256 steps (4096) in 8 minibatches of 512 instead of 1 × 2048 in 32 of 64 (the cost of
 *   an iteration is its sequential env steps and minibatch updates, not its width), and
 *   rl-baselines3-zoo's tuned Pendulum values lr 1e-3 and γ = 0.9 (200-step episodes of dense
 *   reward: a short horizon learns far faster than γ = 0.99).
 *   Measured (seed 1, SwiftShader): Pendulum-v1 reaches a mean of −250 over 100 episodes at 114 688
 *   steps and −191 at 241 664 (docs/LEARNING.md). MountainCarContinuous-v0 with these values is
 *   not measured (its sparse goal reward is a known failure of plain PPO).
 */
export const PPO_ENV_DEFAULTS: Readonly<Record<string, PpoConfig>> = Object.freeze({
  'Pendulum-v1': {
    learningRate: 1e-3,
    numEnvs: 16,
    numSteps: 256,
    updateEpochs: 10,
    numMinibatches: 8,
    entCoef: 0,
    normObs: true,
    normReward: true,
    gamma: 0.9,
    totalTimesteps: 1_000_000,
  },
  'MountainCarContinuous-v0': {
    learningRate: 3e-4,
    numEnvs: 16,
    numSteps: 256,
    updateEpochs: 10,
    numMinibatches: 8,
    entCoef: 0,
    normObs: true,
    normReward: true,
    totalTimesteps: 1_000_000,
  },
});

/** A validated config with defaults filled in and the derived sizes. */
export interface ResolvedPpoConfig extends Required<Omit<PpoConfig, 'maxEpisodeSteps' | 'targetKl' | 'learningRate' | 'entCoef' | 'env'>> {
  /** The env's id (`envDescriptor` is the env). */
  readonly env: string;
  readonly targetKl: number | null;
  /** One per agent. */
  readonly learningRate: readonly number[];
  readonly entCoef: readonly number[];
  readonly maxEpisodeSteps: number;
  readonly envDescriptor: EnvDescriptor;
  /** numEnvs · numSteps. */
  readonly batchSize: number;
  /** batchSize / numMinibatches. */
  readonly minibatchSize: number;
  /** ⌊totalTimesteps / batchSize⌋. */
  readonly numIterations: number;
}

/** Validates `config` (unknown fields, types, ranges, divisibility) and freezes the result. Throws before any GPU work. */
export function resolvePpoConfig(config: PpoConfig = {}): ResolvedPpoConfig {
  return Object.freeze(resolvePpoFamilyConfig('ppo', PPO_DEFAULTS, config).resolved);
}

/**
 * Validates the PPO fields of `config` for the trainer `name` (unknown fields against `defaults`'
 * keys plus `maxEpisodeSteps`); returns the resolved PPO part, the merged input and the checker,
 * for a variant (ppo-kl) to validate its own fields.
 */
export function resolvePpoFamilyConfig<D extends typeof PPO_DEFAULTS>(name: string, defaults: D, config: object) {
  const check = fieldChecks(name);
  if (typeof config !== 'object' || config === null) check.fail('config', config, 'an object');
  check.knownFields(config, [...Object.keys(defaults), 'maxEpisodeSteps']);
  const envDescriptor = lookupEnv((config as PpoConfig).env ?? defaults.env);
  const c = { ...defaults, ...PPO_ENV_DEFAULTS[envDescriptor.id], ...config } as D & PpoConfig;
  const space = envDescriptor.actionSpace;
  if (space.kind === 'discrete' && space.n > MAX_CATEGORIES) check.fail('env', c.env, `an env with at most ${MAX_CATEGORIES} actions`);
  const seed = check.u32('seed', c.seed);
  const agents = check.positiveInteger('agents', c.agents, 1024);
  const numEnvs = check.positiveInteger('numEnvs', c.numEnvs, 65_536);
  const numSteps = check.positiveInteger('numSteps', c.numSteps, 1 << 20);
  const batchSize = numEnvs * numSteps;
  if (batchSize > 1 << 24) check.fail('numEnvs × numSteps', batchSize, 'at most 2^24');
  const numMinibatches = check.positiveInteger('numMinibatches', c.numMinibatches);
  if (batchSize % numMinibatches !== 0) {
    check.fail('numMinibatches', numMinibatches, `a divisor of the batch numEnvs × numSteps = ${batchSize}`);
  }
  const totalTimesteps = check.positiveInteger('totalTimesteps', c.totalTimesteps);
  if (totalTimesteps < batchSize) check.fail('totalTimesteps', totalTimesteps, `at least one batch, numEnvs × numSteps = ${batchSize}`);
  if (!Array.isArray(c.hiddenSizes) || c.hiddenSizes.length === 0) check.fail('hiddenSizes', c.hiddenSizes, 'a non-empty array of layer widths');
  c.hiddenSizes.forEach((width, i) => check.positiveInteger(`hiddenSizes[${i}]`, width, 4096));
  const maxEpisodeSteps = check.positiveInteger('maxEpisodeSteps', (config as PpoConfig).maxEpisodeSteps ?? envDescriptor.maxEpisodeSteps);
  const targetKl = c.targetKl === null ? null : check.positive('targetKl', c.targetKl);
  const resolved: ResolvedPpoConfig = {
    env: envDescriptor.id,
    seed,
    totalTimesteps,
    learningRate: Object.freeze(check.perAgent('learningRate', c.learningRate, agents, check.nonNegative)),
    agents,
    numEnvs,
    numSteps,
    annealLr: check.boolean('annealLr', c.annealLr),
    gamma: check.number('gamma', c.gamma, 0, 1, 'a number in [0, 1]'),
    gaeLambda: check.number('gaeLambda', c.gaeLambda, 0, 1, 'a number in [0, 1]'),
    numMinibatches,
    updateEpochs: check.positiveInteger('updateEpochs', c.updateEpochs, 1024),
    normAdv: check.boolean('normAdv', c.normAdv),
    clipCoef: check.positive('clipCoef', c.clipCoef),
    clipVloss: check.boolean('clipVloss', c.clipVloss),
    entCoef: Object.freeze(check.perAgent('entCoef', c.entCoef, agents, check.nonNegative)),
    annealEntCoef: check.boolean('annealEntCoef', c.annealEntCoef),
    vfCoef: check.nonNegative('vfCoef', c.vfCoef),
    maxGradNorm: check.nonNegative('maxGradNorm', c.maxGradNorm),
    adamEpsilon: check.positive('adamEpsilon', c.adamEpsilon),
    hiddenSizes: Object.freeze([...c.hiddenSizes]),
    maxEpisodeSteps,
    envDescriptor,
    batchSize,
    minibatchSize: batchSize / numMinibatches,
    numIterations: Math.floor(totalTimesteps / batchSize),
    targetKl,
    normObs: check.boolean('normObs', c.normObs),
    normReward: check.boolean('normReward', c.normReward),
  };
  return { check, merged: c, resolved };
}
