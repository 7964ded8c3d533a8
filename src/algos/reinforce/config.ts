/**
 * The configs of the one-step policy-gradient trainers (`reinforce`, and `a2c` in ./a2c.ts),
 * validated and frozen once before any GPU work, with the derived sizes. Both share the fields and
 * checks below; each adds its own (REINFORCE: weights and baseline; A2C: GAE's λ).
 */
import { array, nonEmpty, optional, pipe, strictObject, type ObjectEntries, type StrictObjectSchema } from 'valibot';
import { lookupEnv } from '../../envs/registry';
import type { EnvDescriptor } from '../../envs/types';
import type { BaselineKind } from '../../returns/baselines';
import { MAX_DISCRETE_ACTIONS } from '../../rng/categories';
import { ALGORITHM_WORDS } from '../../train/report';
import {
  checkField,
  definedFields,
  envSource,
  failConfig,
  flag,
  integerIn,
  layerWidths,
  nonNegative,
  oneOf,
  parseConfig,
  positive,
  positiveInteger,
  u32,
  unitInterval,
  type ConfigInput,
  type ConfigSchema,
} from '../../train/config';

/** The fields every one-step policy-gradient trainer takes, each with its schema. */
export const POLICY_GRADIENT_FIELDS = {
  /** A registered env id or alias ('CartPole-v1'), a customEnv descriptor, or a game's HostEnv. */
  env: optional(envSource()),
  /** u32 seed of initialisation, envs and sampling. */
  seed: optional(u32()),
  /** Env steps to train for. */
  totalTimesteps: optional(positiveInteger()),
  /** Adam learning rate. */
  learningRate: optional(nonNegative()),
  /** Anneal the learning rate linearly to 0 over the iterations. */
  annealLr: optional(flag()),
  /** Parallel envs N (per agent, in a REINFORCE population). */
  numEnvs: optional(positiveInteger(65_536)),
  /** Rollout steps T per env per iteration (one gradient step per T·N steps). */
  numSteps: optional(positiveInteger(1 << 20)),
  /** Discount γ. */
  gamma: optional(unitInterval()),
  /** Normalise the advantages over the whole batch before the step. */
  normAdv: optional(flag()),
  /** Entropy bonus coefficient. */
  entCoef: optional(nonNegative()),
  /** Value loss coefficient (when a critic is trained). */
  vfCoef: optional(nonNegative()),
  /** Global gradient-norm clip over actor and critic together; 0: none. */
  maxGradNorm: optional(nonNegative()),
  /** Adam ε. */
  adamEpsilon: optional(positive()),
  /** Hidden layer widths of the actor and of the critic (tanh). */
  hiddenSizes: optional(layerWidths()),
  /** Truncation limit; default the env's. */
  maxEpisodeSteps: optional(positiveInteger()),
  /** Normalise observations by running statistics on the GPU (gymnasium's NormalizeObservation, clip ±10), as PPO's normObs. */
  normObs: optional(flag()),
  /** Scale rewards by the running std of the γ-discounted return (NormalizeReward, clip ±10), as PPO's normReward. */
  normReward: optional(flag()),
};

/** The hyperparameters every one-step policy-gradient trainer (reinforce, a2c, offpolicy) takes; all optional. */
export interface PolicyGradientConfig extends ConfigInput<StrictObjectSchema<typeof POLICY_GRADIENT_FIELDS, undefined>> {}

/**
 * w in REINFORCE's −w·log π: 'total-return', the whole trajectory's return at every step, or
 * 'reward-to-go', the return from the step on (causality: rewards before an action do not weigh it).
 */
export type ReinforceWeights = 'total-return' | 'reward-to-go';

const WEIGHTS = ['total-return', 'reward-to-go'] as const satisfies readonly ReinforceWeights[];
const BASELINES = ['none', 'batch-mean', 'timestep-mean', 'value'] as const satisfies readonly BaselineKind[];
/** A population runs one baseline kernel over all agents: the learned critic, or nothing. */
const POPULATION_BASELINES: readonly BaselineKind[] = ['none', 'value'];

/** Off-policy K's bound: every step's ESS fits the report's algorithm words (reinforce.ts's ESS_HISTORY_WORDS − 1). */
export const MAX_UPDATE_STEPS = ALGORITHM_WORDS - 1;

/** Trajectories per update: at most numEnvs, which the check after the schema knows (the schema bounds it by numEnvs' own bound). */
const trajectoriesField = () => integerIn(1, 65_536, 'an integer in [1, numEnvs]');

/** What one agent of a population may change about the estimator (`offpolicy` adds updateSteps). */
const VARIANT_FIELDS = {
  /** This agent's w in −w·log π: the whole trajectory's return, or the reward-to-go. */
  weights: optional(oneOf(WEIGHTS)),
  /** This agent's baseline: 'none' or 'value' in a population (G > 1). */
  baseline: optional(oneOf(BASELINES)),
  /** This agent's Adam learning rate. */
  learningRate: optional(nonNegative()),
  /** Normalise this agent's advantages over its batch. */
  normAdv: optional(flag()),
  /** Trajectories per update: the gradient uses only the agent's first this-many envs (1 … numEnvs). */
  trajectories: optional(trajectoriesField()),
};

const OFFPOLICY_VARIANT_FIELDS = {
  ...VARIANT_FIELDS,
  /** Off-policy K (`offpolicy` only). */
  updateSteps: optional(positiveInteger(MAX_UPDATE_STEPS)),
};

/** A variant's schema: a record of `fields`; a field it does not take names the ones it does. */
const variantSchema = <E extends ObjectEntries>(fields: E) =>
  strictObject(fields, (issue) => (issue.expected === 'never' ? `absent: a variant sets ${Object.keys(fields).join(', ')}` : 'an object'));

/** The population fields of reinforce and offpolicy, over a variant schema. */
const populationFields = <V extends ReturnType<typeof variantSchema>>(variant: V) => {
  const valid = 'a non-empty array of { weights, baseline, learningRate, updateSteps } records';
  return {
    /** w in −w·log π: the whole trajectory's return, or the reward-to-go from the step (causality). */
    weights: optional(oneOf(WEIGHTS)),
    /** Subtracted from w: none, the batch mean, the per-timestep mean, or a learned critic V(s_t). */
    baseline: optional(oneOf(BASELINES)),
    /**
     * G: independent agents trained in the same dispatches, agent g seeded seed + g with numEnvs envs
     * of its own (numEnvs is per agent, as PPO's). Default: variants' length, else 1.
     */
    agents: optional(positiveInteger(1024)),
    /**
     * One estimator per agent (a population of variants): each entry overrides the top-level
     * weights, baseline, learningRate, normAdv, trajectories (and updateSteps for `offpolicy`) for its agent; a field left
     * out takes the top-level value. Agent g then trains as the solo run with seed + g and its
     * variant's fields. In a population (G > 1) baselines are 'none' or 'value'.
     */
    variants: optional(pipe(array(variant, valid), nonEmpty(valid))),
    /**
     * Envs (of numEnvs, the first ones) whose rollouts the gradient uses; the others still run but
     * weigh nothing: "N trajectories per update" with the same envs and seeds. Default numEnvs.
     */
    trajectories: optional(trajectoriesField()),
  };
};

/** REINFORCE's fields: the shared ones, the estimator and the population. */
export const REINFORCE_FIELDS = { ...POLICY_GRADIENT_FIELDS, ...populationFields(variantSchema(VARIANT_FIELDS)) };
/** The off-policy trainer's REINFORCE fields, whose variants may also set updateSteps (offpolicy.ts adds its own). */
export const OFFPOLICY_REINFORCE_FIELDS = { ...POLICY_GRADIENT_FIELDS, ...populationFields(variantSchema(OFFPOLICY_VARIANT_FIELDS)) };

/** REINFORCE's config schema (valibot). */
export const REINFORCE_SCHEMA = strictObject(REINFORCE_FIELDS, 'an object');

/**
 * REINFORCE's hyperparameters (`algorithm: { algo: 'reinforce', ... }`): the one-step
 * policy-gradient fields, the estimator (weights, baseline) and an optional population of
 * variants. Every field is optional: {@link REINFORCE_DEFAULTS} fills the ones left out.
 */
export interface ReinforceConfig extends ConfigInput<typeof REINFORCE_SCHEMA> {}

/** What one agent of a population may change about the estimator. */
export interface ReinforceVariant extends ConfigInput<ReturnType<typeof variantSchema<typeof OFFPOLICY_VARIANT_FIELDS>>> {}

/** One agent's estimator, resolved. updateSteps is 1 for `reinforce`. */
export interface ResolvedReinforceVariant {
  /** w in −w·log π. */
  readonly weights: ReinforceWeights;
  /** What is subtracted from w. */
  readonly baseline: BaselineKind;
  /** Adam learning rate. */
  readonly learningRate: number;
  /** Whether the advantages are normalised over the agent's batch. */
  readonly normAdv: boolean;
  /** Trajectories per update: the agent's first this-many envs (1 … numEnvs). */
  readonly trajectories: number;
  /** Gradient steps on each batch (off-policy K). */
  readonly updateSteps: number;
}

/** A validated one-step policy-gradient config with defaults filled in and the derived sizes. */
export interface ResolvedPolicyGradientConfig extends Required<Omit<PolicyGradientConfig, 'maxEpisodeSteps' | 'env'>> {
  /** The env's id (`envDescriptor` is the env). */
  readonly env: string;
  /** Truncation limit in steps: the config's, else the env's. */
  readonly maxEpisodeSteps: number;
  /** The env trained on. */
  readonly envDescriptor: EnvDescriptor;
  /** numEnvs · numSteps. */
  readonly batchSize: number;
  /** ⌊totalTimesteps / batchSize⌋. */
  readonly numIterations: number;
}

/** A validated REINFORCE config (what resolveTrainerConfig returns for REINFORCE). */
export interface ResolvedReinforceConfig extends ResolvedPolicyGradientConfig {
  /** The top-level w in −w·log π (each agent's own is in `variants`). */
  readonly weights: ReinforceWeights;
  /** The top-level baseline (each agent's own is in `variants`). */
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
  /** The env's id. */
  env: 'CartPole-v1',
  /** Seed of initialisation, envs and sampling. */
  seed: 1,
  /** Env steps to train for. */
  totalTimesteps: 1_000_000,
  /** Adam learning rate. */
  learningRate: 1e-3,
  /** Anneal the learning rate linearly to 0 over the iterations. */
  annealLr: true,
  /** Parallel envs N per agent. */
  numEnvs: 8,
  /** Rollout steps T per env per iteration. */
  numSteps: 64,
  /** Discount γ. */
  gamma: 0.99,
  /** w in −w·log π: 'reward-to-go'. */
  weights: 'reward-to-go' as ReinforceWeights,
  /** Subtracted from w: 'value', a learned critic V(s_t). */
  baseline: 'value' as BaselineKind,
  /** Normalise the advantages over the whole batch. */
  normAdv: true,
  /** Entropy bonus coefficient. */
  entCoef: 0,
  /** Value loss coefficient. */
  vfCoef: 0.5,
  /** Global gradient-norm clip; 0: none. */
  maxGradNorm: 0,
  /** Adam ε. */
  adamEpsilon: 1e-5,
  /** Hidden layer widths of the actor and of the critic: [64, 64] (tanh). */
  hiddenSizes: Object.freeze([64, 64]) as readonly number[],
  /** Normalise observations by running statistics. */
  normObs: false,
  /** Scale rewards by the running std of the discounted return. */
  normReward: false,
});

/**
 * Validates `config` against `schema` (the shared fields plus the trainer's own) for the trainer
 * `name`, then checks what spans fields; returns the resolved shared part and the merged input
 * (`defaults` under the fields given).
 */
export function resolvePolicyGradientConfig<D extends object>(name: string, schema: ConfigSchema, defaults: D, config: unknown) {
  const given = parseConfig(name, schema, config) as PolicyGradientConfig;
  const c = { ...defaults, ...given } as D & Required<Omit<PolicyGradientConfig, 'maxEpisodeSteps'>>;
  const fail = (field: string, value: unknown, valid: string) => failConfig(name, field, value, valid);
  const envDescriptor = lookupEnv(c.env);
  const space = envDescriptor.actionSpace;
  // Every action space has its head (src/train/policy-head.ts): a box is a Gaussian, a hybrid space
  // a Gaussian and categoricals; a multi-discrete (or hybrid) nvec was checked against
  // MAX_DISCRETE_ACTIONS when the env was described.
  if (space.kind === 'discrete' && space.n > MAX_DISCRETE_ACTIONS) {
    fail('env', c.env, `an env with at most ${MAX_DISCRETE_ACTIONS} discrete actions (MAX_DISCRETE_ACTIONS); '${envDescriptor.id}' has ${space.n}`);
  }
  const batchSize = c.numEnvs * c.numSteps;
  if (batchSize > 1 << 24) fail('numEnvs × numSteps', batchSize, 'at most 2^24');
  if (c.totalTimesteps < batchSize) fail('totalTimesteps', c.totalTimesteps, `at least one batch, numEnvs × numSteps = ${batchSize}`);
  const resolved: ResolvedPolicyGradientConfig = {
    env: envDescriptor.id,
    seed: c.seed,
    totalTimesteps: c.totalTimesteps,
    learningRate: c.learningRate,
    annealLr: c.annealLr,
    numEnvs: c.numEnvs,
    numSteps: c.numSteps,
    gamma: c.gamma,
    normAdv: c.normAdv,
    entCoef: c.entCoef,
    vfCoef: c.vfCoef,
    maxGradNorm: c.maxGradNorm,
    adamEpsilon: c.adamEpsilon,
    hiddenSizes: Object.freeze([...c.hiddenSizes]),
    normObs: c.normObs,
    normReward: c.normReward,
    maxEpisodeSteps: given.maxEpisodeSteps ?? checkField(name, 'maxEpisodeSteps', positiveInteger(), envDescriptor.maxEpisodeSteps),
    envDescriptor,
    batchSize,
    numIterations: Math.floor(c.totalTimesteps / batchSize),
  };
  return { merged: c, resolved };
}

/** Validates a REINFORCE config and freezes the result. Throws before any GPU work. */
export function resolveReinforceConfig(config: ReinforceConfig = {}): ResolvedReinforceConfig {
  const { merged, resolved } = resolvePolicyGradientConfig('reinforce', REINFORCE_SCHEMA, REINFORCE_DEFAULTS, config);
  return Object.freeze({ ...resolved, weights: merged.weights, baseline: merged.baseline, ...resolvePopulation('reinforce', { ...merged, updateSteps: 1 }, resolved.numEnvs) });
}

/**
 * The population of `merged` (agents, variants, trajectories, over the top-level estimator):
 * each agent's estimator, with the checks that depend on numEnvs and on G.
 */
export function resolvePopulation(
  name: string,
  merged: ReinforceConfig & Pick<ResolvedReinforceVariant, 'weights' | 'baseline' | 'learningRate' | 'normAdv' | 'updateSteps'>,
  numEnvs: number,
): { agents: number; variants: readonly ResolvedReinforceVariant[] } {
  const list = merged.variants;
  const agents = checkField(name, 'agents', positiveInteger(1024), merged.agents ?? list?.length ?? 1);
  if (list && list.length !== agents) failConfig(name, 'variants', `${list.length} entries`, `one entry per agent (agents = ${agents})`);
  const top: ResolvedReinforceVariant = {
    weights: merged.weights,
    baseline: merged.baseline,
    learningRate: merged.learningRate,
    normAdv: merged.normAdv,
    trajectories: checkField(name, 'trajectories', positiveInteger(numEnvs), merged.trajectories ?? numEnvs),
    updateSteps: merged.updateSteps,
  };
  const variants = Array.from({ length: agents }, (_, g): ResolvedReinforceVariant => {
    const own: ReinforceVariant = definedFields(list?.[g] ?? {});
    // An error names the field where the bad value was written: the variant's, or the top-level one.
    const at = (field: keyof ReinforceVariant) => (field in own ? `variants[${g}].${field}` : field);
    const v = { ...top, ...own };
    checkField(name, at('trajectories'), positiveInteger(numEnvs), v.trajectories);
    if (agents > 1 && !POPULATION_BASELINES.includes(v.baseline)) {
      failConfig(name, at('baseline'), v.baseline, `one of ${POPULATION_BASELINES.map((b) => `'${b}'`).join(', ')} in a population (agents > 1)`);
    }
    return Object.freeze(v);
  });
  return { agents, variants: Object.freeze(variants) };
}
