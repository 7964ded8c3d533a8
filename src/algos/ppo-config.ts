/**
 * PPO's configuration: CleanRL's ppo.py arguments (discrete defaults), validated and frozen once,
 * with the derived sizes computed right after validation. Nothing mutates the caller's object.
 */
import { lookupEnv } from '../envs/registry';
import type { EnvDescriptor } from '../envs/types';
import { MAX_CATEGORIES } from '../rng/kernels';
import { fieldChecks } from '../train/config';

export interface PpoConfig {
  /** Env id or alias. */
  readonly env?: string; // 'CartPole-v1'
  /** u32 seed of initialisation, envs, sampling and permutations. */
  readonly seed?: number; // 1
  /** Env steps to train for (CleanRL's total_timesteps). */
  readonly totalTimesteps?: number; // 500_000
  /** Adam learning rate (annealed linearly to 0 when annealLr). */
  readonly learningRate?: number; // 2.5e-4
  /** Parallel envs N. */
  readonly numEnvs?: number; // 4
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
  /** Entropy bonus coefficient. */
  readonly entCoef?: number; // 0.01
  /** Value loss coefficient. */
  readonly vfCoef?: number; // 0.5
  /** Global gradient-norm clip over actor and critic together. */
  readonly maxGradNorm?: number; // 0.5
  /** Adam ε. */
  readonly adamEpsilon?: number; // 1e-5
  /** Hidden layer widths of the actor and of the critic (tanh). */
  readonly hiddenSizes?: readonly number[]; // [64, 64]
  /** Truncation limit; default the env's (500 for CartPole-v1). */
  readonly maxEpisodeSteps?: number;
}

export const PPO_DEFAULTS = Object.freeze({
  env: 'CartPole-v1',
  seed: 1,
  totalTimesteps: 500_000,
  learningRate: 2.5e-4,
  numEnvs: 4,
  numSteps: 128,
  annealLr: true,
  gamma: 0.99,
  gaeLambda: 0.95,
  numMinibatches: 4,
  updateEpochs: 4,
  normAdv: true,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  adamEpsilon: 1e-5,
  hiddenSizes: Object.freeze([64, 64]) as readonly number[],
});

/** A validated config with defaults filled in and the derived sizes. */
export interface ResolvedPpoConfig extends Required<Omit<PpoConfig, 'maxEpisodeSteps'>> {
  readonly maxEpisodeSteps: number;
  readonly envDescriptor: EnvDescriptor;
  /** numEnvs · numSteps. */
  readonly batchSize: number;
  /** batchSize / numMinibatches. */
  readonly minibatchSize: number;
  /** ⌊totalTimesteps / batchSize⌋. */
  readonly numIterations: number;
}

const FIELDS = [...Object.keys(PPO_DEFAULTS), 'maxEpisodeSteps'];

/** Validates `config` (unknown fields, types, ranges, divisibility) and freezes the result. Throws before any GPU work. */
export function resolvePpoConfig(config: PpoConfig = {}): ResolvedPpoConfig {
  const check = fieldChecks('ppo');
  if (typeof config !== 'object' || config === null) check.fail('config', config, 'an object');
  check.knownFields(config, FIELDS);
  const c = { ...PPO_DEFAULTS, ...config };
  const envDescriptor = lookupEnv(c.env);
  const space = envDescriptor.actionSpace;
  if (space.kind !== 'discrete') {
    throw new RangeError(
      `ppo: env '${envDescriptor.id}' has a continuous (box) action space; this PPO trainer has a categorical policy and needs a discrete env (the Gaussian head is not wired into it yet)`,
    );
  }
  if (space.n > MAX_CATEGORIES) check.fail('env', c.env, `an env with at most ${MAX_CATEGORIES} actions`);
  const seed = check.u32('seed', c.seed);
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
  const maxEpisodeSteps = check.positiveInteger('maxEpisodeSteps', config.maxEpisodeSteps ?? envDescriptor.maxEpisodeSteps);
  return Object.freeze({
    env: envDescriptor.id,
    seed,
    totalTimesteps,
    learningRate: check.nonNegative('learningRate', c.learningRate),
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
    entCoef: check.nonNegative('entCoef', c.entCoef),
    vfCoef: check.nonNegative('vfCoef', c.vfCoef),
    maxGradNorm: check.nonNegative('maxGradNorm', c.maxGradNorm),
    adamEpsilon: check.positive('adamEpsilon', c.adamEpsilon),
    hiddenSizes: Object.freeze([...c.hiddenSizes]),
    maxEpisodeSteps,
    envDescriptor,
    batchSize,
    minibatchSize: batchSize / numMinibatches,
    numIterations: Math.floor(totalTimesteps / batchSize),
  });
}
