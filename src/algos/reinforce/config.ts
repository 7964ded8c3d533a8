/**
 * The configs of the one-step policy-gradient trainers (`reinforce`, and `a2c` in ./a2c.ts),
 * validated and frozen once before any GPU work, with the derived sizes. Both share the fields and
 * checks below; each adds its own (REINFORCE: weights and baseline; A2C: GAE's λ).
 */
import { lookupEnv, type EnvSource } from '../../envs/registry';
import type { EnvDescriptor } from '../../envs/types';
import type { BaselineKind } from '../../returns/baselines';
import { MAX_CATEGORIES } from '../../rng/kernels';
import { fieldChecks } from '../../train/config';

/** The fields every one-step policy-gradient trainer takes. */
export interface PolicyGradientConfig {
  /** A registered env id or alias ('CartPole-v1'), a customEnv descriptor, or a game's HostEnv. */
  readonly env?: EnvSource;
  /** u32 seed of initialisation, envs and sampling. */
  readonly seed?: number;
  /** Env steps to train for. */
  readonly totalTimesteps?: number;
  /** Adam learning rate. */
  readonly learningRate?: number;
  /** Anneal the learning rate linearly to 0 over the iterations. */
  readonly annealLr?: boolean;
  /** Parallel envs N (per agent, in a REINFORCE population). */
  readonly numEnvs?: number;
  /** Rollout steps T per env per iteration (one gradient step per T·N steps). */
  readonly numSteps?: number;
  /** Discount γ. */
  readonly gamma?: number;
  /** Normalise the advantages over the whole batch before the step. */
  readonly normAdv?: boolean;
  /** Entropy bonus coefficient. */
  readonly entCoef?: number;
  /** Value loss coefficient (when a critic is trained). */
  readonly vfCoef?: number;
  /** Global gradient-norm clip over actor and critic together; 0: none. */
  readonly maxGradNorm?: number;
  /** Adam ε. */
  readonly adamEpsilon?: number;
  /** Hidden layer widths of the actor and of the critic (tanh). */
  readonly hiddenSizes?: readonly number[];
  /** Truncation limit; default the env's. */
  readonly maxEpisodeSteps?: number;
}

export type ReinforceWeights = 'total-return' | 'reward-to-go';

export interface ReinforceConfig extends PolicyGradientConfig {
  /** w in −w·log π: the whole trajectory's return, or the reward-to-go from the step (causality). */
  readonly weights?: ReinforceWeights;
  /** Subtracted from w: none, the batch mean, the per-timestep mean, or a learned critic V(s_t). */
  readonly baseline?: BaselineKind;
  /**
   * G: independent agents trained in the same dispatches, agent g seeded seed + g with numEnvs envs
   * of its own (numEnvs is per agent, as PPO's). Default: variants' length, else 1.
   */
  readonly agents?: number;
  /**
   * One estimator per agent (a population of variants): each entry overrides the top-level
   * weights, baseline, learningRate, normAdv, trajectories (and updateSteps for `offpolicy`) for its agent; a field left
   * out takes the top-level value. Agent g then trains as the solo run with seed + g and its
   * variant's fields. In a population (G > 1) baselines are 'none' or 'value'.
   */
  readonly variants?: readonly ReinforceVariant[];
  /**
   * Envs (of numEnvs, the first ones) whose rollouts the gradient uses; the others still run but
   * weigh nothing: "N trajectories per update" with the same envs and seeds. Default numEnvs.
   */
  readonly trajectories?: number;
}

/** What one agent of a population may change about the estimator. */
export interface ReinforceVariant {
  readonly weights?: ReinforceWeights;
  readonly baseline?: BaselineKind;
  readonly learningRate?: number;
  /** Normalise this agent's advantages over its batch. */
  readonly normAdv?: boolean;
  /** Trajectories per update: the gradient uses only the agent's first this-many envs (1 … numEnvs). */
  readonly trajectories?: number;
  /** Off-policy K (`offpolicy` only). */
  readonly updateSteps?: number;
}

/** One agent's estimator, resolved. updateSteps is 1 for `reinforce`. */
export interface ResolvedReinforceVariant {
  readonly weights: ReinforceWeights;
  readonly baseline: BaselineKind;
  readonly learningRate: number;
  readonly normAdv: boolean;
  readonly trajectories: number;
  readonly updateSteps: number;
}

/** A validated config with defaults filled in and the derived sizes. */
export interface ResolvedPolicyGradientConfig extends Required<Omit<PolicyGradientConfig, 'maxEpisodeSteps' | 'env'>> {
  /** The env's id (`envDescriptor` is the env). */
  readonly env: string;
  readonly maxEpisodeSteps: number;
  readonly envDescriptor: EnvDescriptor;
  /** numEnvs · numSteps. */
  readonly batchSize: number;
  /** ⌊totalTimesteps / batchSize⌋. */
  readonly numIterations: number;
}

export interface ResolvedReinforceConfig extends ResolvedPolicyGradientConfig {
  readonly weights: ReinforceWeights;
  readonly baseline: BaselineKind;
  /** G. */
  readonly agents: number;
  /** One per agent (G = 1: the top-level fields). */
  readonly variants: readonly ResolvedReinforceVariant[];
}

/**
 * REINFORCE's defaults (no CleanRL script exists; these follow its conventions): 8 envs × 64 steps
 * = a batch of 512 steps per gradient step, Adam lr 1e-3 (ε 1e-5) annealed linearly to 0, γ 0.99,
 * reward-to-go weights with a learned value baseline (vf 0.5), advantages normalised over the batch,
 * no entropy bonus, no gradient clipping, 64×64 tanh networks.
 * Why no clipping: PPO's joint clip (norm 0.5 over actor and critic) lets the critic's large early
 * value-loss gradients shrink the actor's step, and it hid what causality and a baseline buy.
 * Measured on SwiftShader, seeds 1/2/3, steps until the mean return of the last 100 episodes
 * reaches 475 (docs/LEARNING.md): reward-to-go + value baseline 381 952 / 269 312 / 177 664
 * without the clip, 481 792 / 420 864 / 523 264 with it; total return without baseline or
 * normalisation, no clip: 289 792 / 401 920 / 862 720. A constant rate fell back after reaching
 * 475 (≈ 150 at 865 000 steps), hence the annealing.
 */
export const REINFORCE_DEFAULTS = Object.freeze({
  env: 'CartPole-v1',
  seed: 1,
  totalTimesteps: 1_000_000,
  learningRate: 1e-3,
  annealLr: true,
  numEnvs: 8,
  numSteps: 64,
  gamma: 0.99,
  weights: 'reward-to-go' as ReinforceWeights,
  baseline: 'value' as BaselineKind,
  normAdv: true,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 0,
  adamEpsilon: 1e-5,
  hiddenSizes: Object.freeze([64, 64]) as readonly number[],
});

const WEIGHTS: readonly ReinforceWeights[] = ['total-return', 'reward-to-go'];
const BASELINES: readonly BaselineKind[] = ['none', 'batch-mean', 'timestep-mean', 'value'];

/**
 * Validates the shared fields of `config` for the trainer `name` (unknown fields against
 * `defaults`' keys plus `maxEpisodeSteps`); returns the resolved shared part and the checker.
 */
export function resolvePolicyGradientConfig<D extends object>(name: string, defaults: D, config: object, extraFields: readonly string[] = []) {
  const check = fieldChecks(name);
  if (typeof config !== 'object' || config === null) check.fail('config', config, 'an object');
  check.knownFields(config, [...Object.keys(defaults), 'maxEpisodeSteps', ...extraFields]);
  const c = { ...defaults, ...config } as D & Required<PolicyGradientConfig>;
  const envDescriptor = lookupEnv(c.env);
  const space = envDescriptor.actionSpace;
  if (space.kind !== 'discrete') {
    throw new RangeError(`${name}: env '${envDescriptor.id}' has a continuous (box) action space; this trainer has a categorical policy and needs a discrete env`);
  }
  if (space.n > MAX_CATEGORIES) check.fail('env', c.env, `an env with at most ${MAX_CATEGORIES} actions`);
  const seed = check.u32('seed', c.seed);
  const numEnvs = check.positiveInteger('numEnvs', c.numEnvs, 65_536);
  const numSteps = check.positiveInteger('numSteps', c.numSteps, 1 << 20);
  const batchSize = numEnvs * numSteps;
  if (batchSize > 1 << 24) check.fail('numEnvs × numSteps', batchSize, 'at most 2^24');
  const totalTimesteps = check.positiveInteger('totalTimesteps', c.totalTimesteps);
  if (totalTimesteps < batchSize) check.fail('totalTimesteps', totalTimesteps, `at least one batch, numEnvs × numSteps = ${batchSize}`);
  if (!Array.isArray(c.hiddenSizes) || c.hiddenSizes.length === 0) check.fail('hiddenSizes', c.hiddenSizes, 'a non-empty array of layer widths');
  c.hiddenSizes.forEach((width, i) => check.positiveInteger(`hiddenSizes[${i}]`, width, 4096));
  const maxEpisodeSteps = check.positiveInteger('maxEpisodeSteps', (config as PolicyGradientConfig).maxEpisodeSteps ?? envDescriptor.maxEpisodeSteps);
  const resolved: ResolvedPolicyGradientConfig = {
    env: envDescriptor.id,
    seed,
    totalTimesteps,
    learningRate: check.nonNegative('learningRate', c.learningRate),
    annealLr: check.boolean('annealLr', c.annealLr),
    numEnvs,
    numSteps,
    gamma: check.number('gamma', c.gamma, 0, 1, 'a number in [0, 1]'),
    normAdv: check.boolean('normAdv', c.normAdv),
    entCoef: check.nonNegative('entCoef', c.entCoef),
    vfCoef: check.nonNegative('vfCoef', c.vfCoef),
    maxGradNorm: check.nonNegative('maxGradNorm', c.maxGradNorm),
    adamEpsilon: check.positive('adamEpsilon', c.adamEpsilon),
    hiddenSizes: Object.freeze([...c.hiddenSizes]),
    maxEpisodeSteps,
    envDescriptor,
    batchSize,
    numIterations: Math.floor(totalTimesteps / batchSize),
  };
  return { check, merged: c, resolved };
}

/** Validates a REINFORCE config and freezes the result. Throws before any GPU work. */
export function resolveReinforceConfig(config: ReinforceConfig = {}): ResolvedReinforceConfig {
  const { check, merged, resolved } = resolvePolicyGradientConfig('reinforce', REINFORCE_DEFAULTS, config, POPULATION_FIELDS);
  const estimator = checkEstimator(check, merged);
  return Object.freeze({ ...resolved, ...estimator, ...checkPopulation(check, config, { ...estimator, learningRate: resolved.learningRate, normAdv: resolved.normAdv, numEnvs: resolved.numEnvs }, null) });
}

/** The population fields reinforce and offpolicy take beyond their defaults' keys. */
export const POPULATION_FIELDS: readonly string[] = ['agents', 'variants', 'trajectories'];

/**
 * Checks `agents` and `variants` against the top-level estimator `base`; `updateSteps` is the
 * off-policy K bound (null: the trainer takes no updateSteps, K = 1).
 */
export function checkPopulation(
  check: ReturnType<typeof fieldChecks>,
  config: { readonly agents?: unknown; readonly variants?: unknown; readonly trajectories?: unknown },
  base: {
    readonly weights: ReinforceWeights;
    readonly baseline: BaselineKind;
    readonly learningRate: number;
    readonly normAdv: boolean;
    readonly numEnvs: number;
    readonly updateSteps?: number;
  },
  updateSteps: { readonly max: number } | null,
): { agents: number; variants: readonly ResolvedReinforceVariant[] } {
  const given = config.variants;
  if (given !== undefined && (!Array.isArray(given) || given.length === 0)) check.fail('variants', given, 'a non-empty array of { weights, baseline, learningRate, updateSteps } records');
  const list = given as readonly ReinforceVariant[] | undefined;
  const agents = check.positiveInteger('agents', config.agents ?? list?.length ?? 1, 1024);
  if (list && list.length !== agents) check.fail('variants', `${list.length} entries`, `one entry per agent (agents = ${agents})`);
  const trajectories = check.positiveInteger('trajectories', config.trajectories ?? base.numEnvs, base.numEnvs);
  const known = ['weights', 'baseline', 'learningRate', 'normAdv', 'trajectories', ...(updateSteps ? ['updateSteps'] : [])];
  const variants = Array.from({ length: agents }, (_, g): ResolvedReinforceVariant => {
    const v = list?.[g] ?? {};
    const at = `variants[${g}]`;
    if (typeof v !== 'object' || v === null) check.fail(at, v, 'an object');
    for (const field of Object.keys(v)) {
      if (!known.includes(field)) check.fail(`${at}.${field}`, (v as Record<string, unknown>)[field], `absent: a variant sets ${known.join(', ')}`);
    }
    const merged = { trajectories, ...base, ...v };
    // An error names the field where the bad value was written: the variant's, or the top-level one.
    const name = (field: string) => (field in v ? `${at}.${field}` : field);
    const list2 = (values: readonly string[]) => `one of ${values.map((x) => `'${x}'`).join(', ')}`;
    if (!WEIGHTS.includes(merged.weights)) check.fail(name('weights'), merged.weights, list2(WEIGHTS));
    // A population runs one baseline kernel over all agents: the learned critic, or nothing.
    const allowed = agents > 1 ? POPULATION_BASELINES : BASELINES;
    if (!allowed.includes(merged.baseline)) check.fail(name('baseline'), merged.baseline, `${list2(allowed)}${agents > 1 ? ' in a population (agents > 1)' : ''}`);
    return Object.freeze({
      weights: merged.weights,
      baseline: merged.baseline,
      learningRate: check.nonNegative(name('learningRate'), merged.learningRate),
      normAdv: check.boolean(name('normAdv'), merged.normAdv),
      trajectories: check.positiveInteger(name('trajectories'), merged.trajectories, base.numEnvs),
      updateSteps: updateSteps ? check.positiveInteger(name('updateSteps'), merged.updateSteps ?? 1, updateSteps.max) : 1,
    });
  });
  return { agents, variants: Object.freeze(variants) };
}

const POPULATION_BASELINES: readonly BaselineKind[] = ['none', 'value'];

/** Checks REINFORCE's estimator fields (weights, baseline); shared with the off-policy trainer. */
export function checkEstimator(check: ReturnType<typeof fieldChecks>, merged: { weights: unknown; baseline: unknown }) {
  const list = (values: readonly string[]) => `one of ${values.map((v) => `'${v}'`).join(', ')}`;
  if (!WEIGHTS.includes(merged.weights as ReinforceWeights)) check.fail('weights', merged.weights, list(WEIGHTS));
  if (!BASELINES.includes(merged.baseline as BaselineKind)) check.fail('baseline', merged.baseline, list(BASELINES));
  return { weights: merged.weights as ReinforceWeights, baseline: merged.baseline as BaselineKind };
}
