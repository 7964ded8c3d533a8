/**
 * PPO's configuration: CleanRL's ppo.py arguments (discrete defaults), validated and frozen once,
 * with the derived sizes computed right after validation. Nothing mutates the caller's object.
 */
import { nullable, optional, strictObject } from 'valibot';
import { lookupEnv } from '../../envs/registry';
import type { EnvDescriptor } from '../../envs/types';
import { MAX_DISCRETE_ACTIONS } from '../../rng/categories';
import {
  checkField,
  envSource,
  failConfig,
  flag,
  layerWidths,
  nonNegative,
  numberIn,
  oneOf,
  parseConfig,
  perAgentNonNegative,
  positive,
  positiveInteger,
  u32,
  unitInterval,
  type ConfigInput,
  type ConfigSchema,
} from '../../train/config';
import { resolveSelfPlay, SELF_PLAY_SCHEMA, type SelfPlayOptions, type SelfPlaySettings } from '../../train/self-play-config';
import { resolveSeatPolicies, SEAT_POLICIES_SCHEMA, type SeatPolicies } from '../../train/seat-policies';

/** PPO's fields, each with its schema (PPO-KL adds two). */
export const PPO_FIELDS = {
  /** A registered env id or alias ('CartPole-v1'), a customEnv descriptor, or a game's HostEnv. */
  env: optional(envSource()),
  /** u32 seed of initialisation, envs, sampling and permutations. */
  seed: optional(u32()), // 1
  /** Env steps to train for (CleanRL's total_timesteps). */
  totalTimesteps: optional(positiveInteger()), // 500_000
  /** Adam learning rate (annealed linearly to 0 when annealLr); one per agent in a population. */
  learningRate: optional(perAgentNonNegative()), // 2.5e-4
  /** Parallel envs N (per agent). */
  numEnvs: optional(positiveInteger(65_536)), // 4
  /** G: independent agents trained in the same dispatches, agent g with seed + g. */
  agents: optional(positiveInteger(1024)), // 1
  /** Rollout steps T per env per iteration. */
  numSteps: optional(positiveInteger(1 << 20)), // 128
  /** Anneal the learning rate linearly over the iterations. */
  annealLr: optional(flag()), // true
  /** Discount γ. */
  gamma: optional(unitInterval()), // 0.99
  /** GAE λ. */
  gaeLambda: optional(unitInterval()), // 0.95
  /** Minibatches per epoch. */
  numMinibatches: optional(positiveInteger()), // 4
  /** Epochs K over each batch. */
  updateEpochs: optional(positiveInteger(1024)), // 4
  /** Normalise advantages per minibatch. */
  normAdv: optional(flag()), // true
  /** Surrogate clipping coefficient ε (also the value clip). */
  clipCoef: optional(positive()), // 0.2
  /** Clip the value loss around the rollout's values. */
  clipVloss: optional(flag()), // true
  /** Entropy bonus coefficient; one per agent in a population. */
  entCoef: optional(perAgentNonNegative()), // 0.01
  /** Decay the entropy coefficient linearly to 0 over the iterations, as annealLr does the rate. */
  annealEntCoef: optional(flag()), // false
  /** Value loss coefficient. */
  vfCoef: optional(nonNegative()), // 0.5
  /** Global gradient-norm clip over actor and critic together. */
  maxGradNorm: optional(nonNegative()), // 0.5
  /** Adam ε. */
  adamEpsilon: optional(positive()), // 1e-5
  /** Hidden layer widths of the actor and of the critic (tanh). */
  hiddenSizes: optional(layerWidths()), // [64, 64]
  /**
   * One trunk for the actor and the critic: a single network with a 'policy' and a 'value' head,
   * trained by the sum of the losses through the shared layers (as the original PPO's Atari
   * network); false: separate networks of the same shape (CleanRL's continuous control).
   */
  sharedTrunk: optional(flag()), // false
  /**
   * The Gaussian policy's initial log σ, every continuous dim (SB3's log_std_init): 0 is σ = 1,
   * CleanRL's; lower starts with less exploration noise. Box and hybrid action spaces only.
   */
  initialLogStd: optional(numberIn(-10, 2)), // 0
  /** Normalise observations by running statistics on the GPU (gymnasium's NormalizeObservation, clip ±10). */
  normObs: optional(flag()), // false
  /** Scale rewards by the running std of the γ-discounted return (NormalizeReward, clip ±10). */
  normReward: optional(flag()), // false
  /**
   * Sample and learn under the env's action masks, when it has them: illegal actions are never taken
   * and get no probability. false ignores them (a comparison run; the env decides what an illegal
   * action does).
   */
  actionMasks: optional(flag()), // true
  /**
   * How the rollout runs on the GPU: 'auto' fuses each step (observation, policy, draw, env step,
   * record) into one dispatch where it can (a WGSL env with one discrete action and no masks,
   * metrics or policy seat, no normalisers, an actor at most 64 wide; on a software adapter such
   * as SwiftShader only up to 16 envs, past which its layer-wise kernels are faster), 'layerwise'
   * always takes six dispatches and nine copies a step, 'fused' insists (an error where it
   * cannot). Both record the same transitions to float32 rounding.
   */
  rolloutKernels: optional(oneOf(['auto', 'fused', 'layerwise'] as const)), // 'auto'
  /**
   * CleanRL's target_kl: stop the epoch loop once an epoch's last minibatch has approx_kl above it
   * (decided on the GPU); null: never.
   */
  targetKl: optional(nullable(positive())), // null
  /** Truncation limit; default the env's (500 for CartPole-v1). */
  maxEpisodeSteps: optional(positiveInteger()),
  /**
   * Self-play on a two-player env (one with a policy seat, such as ConnectFour-v0): the learner
   * plays a pool of its own frozen snapshots (src/train/self-play.ts: window, saveSteps,
   * playAgainstLatestRatio, poolShare); `{}` takes the defaults, null (the default) plays the env's
   * own opponent.
   */
  selfPlay: optional(SELF_PLAY_SCHEMA),
  /**
   * A game with seats (a SeatedHostEnv): the policy index of each seat (src/train/seat-policies.ts).
   * Default every seat policy 0, one shared policy; several indices are team policies, the
   * population's members (`agents` defaults to their number), each playing as many seats. numEnvs
   * then counts one policy's rows: its seats × the matches.
   */
  seatPolicies: optional(SEAT_POLICIES_SCHEMA),
};

/** PPO's config schema (valibot), which resolvePpoConfig validates against. */
export const PPO_SCHEMA = strictObject(PPO_FIELDS, 'an object');

/**
 * PPO's hyperparameters (`algorithm: { algo: 'ppo', ... }`), CleanRL's ppo.py arguments in
 * camelCase. Every field is optional: {@link PPO_DEFAULTS} fills the ones left out, over the env's
 * own defaults in {@link PPO_ENV_DEFAULTS}.
 */
export interface PpoConfig extends ConfigInput<typeof PPO_SCHEMA> {}

/**
 * PPO's defaults: CleanRL's ppo.py discrete-action arguments (a batch of 4 envs × 128 steps in 4
 * minibatches of 128, 4 epochs, 500 000 steps on CartPole-v1); {@link PPO_ENV_DEFAULTS} overrides
 * some for the box envs. A field's type shows its value where it is a literal.
 */
export const PPO_DEFAULTS = Object.freeze({
  /** The env's id. */
  env: 'CartPole-v1',
  /** Seed of initialisation, envs, sampling and permutations. */
  seed: 1,
  /** Env steps to train for. */
  totalTimesteps: 500_000,
  /** Adam learning rate: 2.5e-4 for every agent. */
  learningRate: 2.5e-4 as number | readonly number[],
  /** Parallel envs per agent. */
  numEnvs: 4,
  /** Independent agents G trained in the same dispatches. */
  agents: 1,
  /** Rollout steps per env per iteration. */
  numSteps: 128,
  /** Anneal the learning rate linearly to 0 over the iterations. */
  annealLr: true,
  /** Discount γ. */
  gamma: 0.99,
  /** GAE λ. */
  gaeLambda: 0.95,
  /** Minibatches per epoch. */
  numMinibatches: 4,
  /** Epochs over each batch. */
  updateEpochs: 4,
  /** Normalise advantages per minibatch. */
  normAdv: true,
  /** Surrogate clipping coefficient ε. */
  clipCoef: 0.2,
  /** Clip the value loss around the rollout's values. */
  clipVloss: true,
  /** Entropy bonus coefficient: 0.01 for every agent. */
  entCoef: 0.01 as number | readonly number[],
  /** Decay the entropy coefficient linearly to 0 over the iterations. */
  annealEntCoef: false,
  /** Value loss coefficient. */
  vfCoef: 0.5,
  /** Global gradient-norm clip. */
  maxGradNorm: 0.5,
  /** Adam ε. */
  adamEpsilon: 1e-5,
  /** Hidden layer widths of the actor and of the critic: [64, 64] (tanh). */
  hiddenSizes: Object.freeze([64, 64]) as readonly number[],
  /** Separate actor and critic networks (true: one trunk with both heads). */
  sharedTrunk: false,
  /** The Gaussian policy's initial log σ: 0, σ = 1. */
  initialLogStd: 0,
  /** Approximate-KL bound that stops an iteration's epochs early: null, never. */
  targetKl: null as number | null,
  /** Normalise observations by running statistics. */
  normObs: false,
  /** Scale rewards by the running std of the discounted return. */
  normReward: false,
  /** Use the env's action masks when it has them. */
  actionMasks: true,
  /** Fuse each rollout step into one dispatch where it can. */
  rolloutKernels: 'auto' as 'auto' | 'fused' | 'layerwise',
  /** No self-play: the env's own opponent, if it has one. */
  selfPlay: null as SelfPlayOptions | null,
});

/** CleanRL's continuous-control PPO for the MuJoCo locomotion envs (see PPO_ENV_DEFAULTS). */
const LOCOMOTION_PPO: PpoConfig = Object.freeze({
  learningRate: 3e-4,
  numEnvs: 16,
  numSteps: 128,
  updateEpochs: 10,
  numMinibatches: 8,
  entCoef: 0,
  normObs: true,
  normReward: true,
  totalTimesteps: 1_000_000,
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
 * - Snake-v0: a wider, shorter batch (32 envs × 64 steps, 4 minibatches of 512) and lr 1e-3 over
 *   102 400 steps: its short episodes and dense shaping learn in tens of thousands of steps.
 *   Measured (SwiftShader, seeds 1–3): a mean of 8 over 100 episodes at about 20 000 steps under
 *   the env's masks, about 60 000–75 000 without (test/learning/ppo-snake-masks.test.ts).
 * - Two-player games (webgpu-rl/games), against their scripted opponents: ConnectFour-v0 a batch
 *   of 64 envs × 32 steps (a game lasts at most 21 moves) and two layers of 128, 1.5 M steps;
 *   Pong-v0 32 envs × 128 steps (a point takes about 130 steps), 2 M steps: seeds 1–3 win 70 % of
 *   the points by 610k–688k steps and end at 89–92 % (SwiftShader; docs/LEARNING.md, "Two-player
 *   games").
 * - MuJoCo locomotion (Hopper-v5, HalfCheetah-v5, Walker2d-v5, Ant-v5, Humanoid-v5; webgpu-rl/mujoco): CleanRL's
 *   ppo_continuous_action.py values — lr 3e-4, 10 epochs, no entropy bonus, observation
 *   normalisation and reward scaling, 1 M steps, a batch of 2048 — as 16 envs × 128 steps in 8
 *   minibatches of 256 rather than 1 × 2048 in 32 of 64 (the minibatches run as dispatches).
 *   Measured (SwiftShader, seeds 1–3, docs/LEARNING.md): Hopper-v5 ends at 1 873–2 275, past 1 000
 *   at 168k–332k steps. HalfCheetah-v5 ends at 1 432–1 440 with these values, as CleanRL's own runs
 *   of them, so its defaults start the policy's σ at 0.5 (initialLogStd ≈ ln 0.5; Andrychowicz et
 *   al. 2021, "What Matters in On-Policy Reinforcement Learning?", recommend 0.5): past 1 500 at
 *   193k–209k steps, ending at 5 133–5 570.
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
  'Snake-v0': {
    learningRate: 1e-3,
    numEnvs: 32,
    numSteps: 64,
    totalTimesteps: 102_400,
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
  'ConnectFour-v0': {
    numEnvs: 64,
    numSteps: 32,
    hiddenSizes: [128, 128],
    totalTimesteps: 1_500_000,
  },
  'Pong-v0': {
    numEnvs: 32,
    numSteps: 128,
    totalTimesteps: 2_000_000,
  },
  'Hopper-v5': LOCOMOTION_PPO,
  // CleanRL's values end at 1 432–1 440 (its own runs: 1 443 ± 46); starting σ at 0.5 rather than 1
  // (ln 0.5 to four places, the value the documented runs used) takes the same budget past 5 000.
  'HalfCheetah-v5': { ...LOCOMOTION_PPO, initialLogStd: -0.6931 },
  'Walker2d-v5': LOCOMOTION_PPO,
  'Ant-v5': LOCOMOTION_PPO,
  'Humanoid-v5': LOCOMOTION_PPO,
});

/** A validated PPO config with defaults filled in and the derived sizes (what resolveTrainerConfig returns for PPO). */
export interface ResolvedPpoConfig extends Required<Omit<PpoConfig, 'maxEpisodeSteps' | 'targetKl' | 'learningRate' | 'entCoef' | 'env' | 'selfPlay' | 'seatPolicies'>> {
  /** A seated env's seat mapping (the population is its policies), or null for an env without seats. */
  readonly seats: SeatPolicies | null;
  /** Self-play's options with the snapshot interval in iterations, or null. */
  readonly selfPlay: SelfPlaySettings | null;
  /** The env's id (`envDescriptor` is the env). */
  readonly env: string;
  /** The approximate-KL bound that stops an iteration's epochs early; null: never. */
  readonly targetKl: number | null;
  /** Adam learning rate at the first iteration, one per agent. */
  readonly learningRate: readonly number[];
  /** Entropy bonus coefficient at the first iteration, one per agent. */
  readonly entCoef: readonly number[];
  /** Truncation limit in steps: the config's, else the env's. */
  readonly maxEpisodeSteps: number;
  /** The env trained on. */
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
  return Object.freeze(resolvePpoFamilyConfig('ppo', PPO_SCHEMA, PPO_DEFAULTS, config).resolved);
}

/**
 * Validates `config` against `schema` (PPO's fields, or a variant's superset) for the trainer
 * `name`, then checks what spans fields; returns the resolved PPO part and the merged input
 * (`defaults`, the env's defaults, the fields given), for a variant (ppo-kl) to take its own fields.
 */
export function resolvePpoFamilyConfig<D extends typeof PPO_DEFAULTS>(name: string, schema: ConfigSchema, defaults: D, config: unknown) {
  const given = parseConfig(name, schema, config) as PpoConfig;
  const envDescriptor = lookupEnv(given.env ?? defaults.env);
  const merged = { ...defaults, ...PPO_ENV_DEFAULTS[envDescriptor.id], ...given } as D;
  const seats = resolveSeatPolicies(name, given.seatPolicies, { envDescriptor, agents: given.agents, numEnvs: merged.numEnvs });
  // A seated env's population is its policies.
  const c = seats ? { ...merged, agents: seats.agents } : merged;
  const fail = (field: string, value: unknown, valid: string) => failConfig(name, field, value, valid);
  const space = envDescriptor.actionSpace;
  if (space.kind === 'discrete' && space.n > MAX_DISCRETE_ACTIONS) {
    fail('env', c.env, `an env with at most ${MAX_DISCRETE_ACTIONS} discrete actions (MAX_DISCRETE_ACTIONS); '${envDescriptor.id}' has ${space.n}`);
  }
  const batchSize = c.numEnvs * c.numSteps;
  if (batchSize > 1 << 24) fail('numEnvs × numSteps', batchSize, 'at most 2^24');
  if (c.initialLogStd !== 0 && space.kind !== 'box' && space.kind !== 'hybrid') {
    fail('initialLogStd', c.initialLogStd, `0 for a ${space.kind} action space (it sets a Gaussian policy's initial log σ: box and hybrid spaces)`);
  }
  if (batchSize % c.numMinibatches !== 0) fail('numMinibatches', c.numMinibatches, `a divisor of the batch numEnvs × numSteps = ${batchSize}`);
  if (c.totalTimesteps < batchSize) fail('totalTimesteps', c.totalTimesteps, `at least one batch, numEnvs × numSteps = ${batchSize}`);
  const perAgent = (field: 'learningRate' | 'entCoef'): readonly number[] => {
    const value = c[field];
    if (!Array.isArray(value)) return Object.freeze(Array<number>(c.agents).fill(value as number));
    if (value.length !== c.agents) fail(field, value, `one number or ${c.agents} numbers (one per agent)`);
    return Object.freeze([...value]);
  };
  const resolved: ResolvedPpoConfig = {
    ...c,
    env: envDescriptor.id,
    learningRate: perAgent('learningRate'),
    entCoef: perAgent('entCoef'),
    hiddenSizes: Object.freeze([...c.hiddenSizes]),
    maxEpisodeSteps: given.maxEpisodeSteps ?? checkField(name, 'maxEpisodeSteps', positiveInteger(), envDescriptor.maxEpisodeSteps),
    envDescriptor,
    batchSize,
    minibatchSize: batchSize / c.numMinibatches,
    numIterations: Math.floor(c.totalTimesteps / batchSize),
    selfPlay: resolveSelfPlay(name, c.selfPlay, { envDescriptor, batchSize, agents: c.agents, normObs: c.normObs, sharedTrunk: c.sharedTrunk }),
    seats,
  };
  return { merged: c, resolved };
}
