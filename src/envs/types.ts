/**
 * What an environment is, as the engine sees it: a WGSL body (shaders/envs/<name>.wgsl, or a user's
 * custom body) that follows the env contract, and the TypeScript description of its spaces, state,
 * physics parameters and step limit. The generic wrapper (shaders/envs/env_*.wgsl, driven by
 * src/envs/vector-env.ts) adds everything else: randomness, truncation, auto-reset, episode
 * statistics.
 *
 * The WGSL contract (every body declares):
 *   const OBS_SIZE: u32; const STATE_SIZE: u32; const ACTION_SIZE: u32;
 *   struct EnvParams { ... }   only f32/u32 fields, in the order `params` lists them (a uniform)
 *   struct State { ... }       f32 fields (or array<f32, K> ones, K floats each), STATE_SIZE floats
 *                              in all, in Gymnasium's order
 *   alias EnvAction = u32;     (discrete), array<u32, ACTION_SIZE> (multi-discrete: one action per
 *                              branch, ACTION_SIZE = branches) or array<f32, ACTION_SIZE> (box)
 *   A hybrid env (HybridSpace: D floats and K branches) declares instead ACTION_SIZE = D, also
 *   `const ACTION_BRANCHES: u32` = K, and a struct in place of the alias:
 *   struct EnvAction { continuous: array<f32, ACTION_SIZE>, discrete: array<u32, ACTION_BRANCHES> }
 *   struct EnvStep { state: State, reward: f32, terminated: bool }
 *   fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State
 *   fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep
 *   fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE>
 * Randomness only through shaders/envs/env_rng.wgsl (env_uniform, env_uniform_range). For sin and
 * cos, env_sin / env_cos / env_sincos (shaders/envs/env_math.wgsl, ~1e-7 absolute): the built-ins
 * may err by 2^-11 (SwiftShader's cos does, by ~2e-4), beyond the 1e-5 the env tests ask for.
 * A body must not redeclare the wrapper's module-scope names (its bindings, main, NUM_ENVS,
 * MAX_EPISODE_STEPS, ACTION_COUNT, WORKGROUP_SIZE, and names starting env_ / ENV_); locals may.
 */
import type { ShaderPart } from '../gpu/shaders';
import type { MlpSpec } from '../nn/mlp-spec';

/** A box of `size` floats with per-dimension bounds (±Infinity allowed for observations). */
export interface BoxSpace {
  /** Always 'box'. */
  kind: 'box';
  /** Floats per observation or action. */
  size: number;
  /** Lower bound of each of the `size` dimensions. */
  low: readonly number[];
  /** Upper bound of each of the `size` dimensions. */
  high: readonly number[];
}

/**
 * A product of K independent discrete choices (branches), e.g. move × fire × jump: Gymnasium's
 * MultiDiscrete, ML-Agents' discrete branches. An action is K u32 words, word b in [0, nvec[b]);
 * the policy is one categorical per branch over its own slice of the logits, so
 * log π(a|s) = Σ_b log π_b(a_b|s) and the entropy and KL are sums over branches too.
 */
export interface MultiDiscreteSpace {
  /** Always 'multiDiscrete'. */
  kind: 'multiDiscrete';
  /** Actions of each branch (each ≥ 1; at most MAX_ACTION_BRANCHES branches, Σ nvec ≤ MAX_DISCRETE_ACTIONS). */
  nvec: readonly number[];
}

/**
 * A continuous part and K discrete branches chosen together (ML-Agents' ActionSpec of continuous
 * and discrete actions; Gymnasium's Tuple(Box, MultiDiscrete)): e.g. an aim in [-1, 1]² and a
 * weapon of 3. The policy is a diagonal Gaussian over the box times one categorical per branch, so
 * log π(a|s) = log N(a_c; μ, σ²) + Σ_b log π_b(a_b|s), and the entropy is the same sum.
 *
 * An action is one row of D + K words: the D floats of the box first (f32), then the K branch
 * indices (u32), as the GPU's action buffers and a JavaScript env's batch lay it out; act() returns
 * the two parts apart (ActResult: `actions` f32 [batch][D], `discreteActions` u32 [batch][K]).
 * The policy head's output row is the D means followed by the Σ nvec logits; masks cover the
 * branches only ([Σ nvec] per row, as a multi-discrete space's).
 */
export interface HybridSpace {
  /** Always 'hybrid'. */
  kind: 'hybrid';
  /** The continuous part: D floats, clipped by the env to its bounds (1 ≤ D; D + K ≤ MAX_ACTION_SIZE words). */
  continuous: BoxSpace;
  /** Actions of each discrete branch, as a multi-discrete space's (at most MAX_ACTION_BRANCHES). */
  nvec: readonly number[];
}

/**
 * The actions of N envs of a hybrid space, as VectorEnv.writeActions and HostVectorEnv.writeActions
 * take them: the two parts in their own typed arrays, which the engine interleaves into the action
 * buffer's rows of D + K words.
 */
export interface HybridActions {
  /** f32 [N][D]: env n's continuous dim d at n·D + d (finite; clipped to the box by the env). */
  readonly continuous: Float32Array;
  /** u32 [N][K]: env n's branch b at n·K + b (below nvec[b]). */
  readonly discrete: Uint32Array;
}

/**
 * Discrete actions 0 … n − 1 (one u32 per env), multi-discrete (K u32 per env, one per branch), a
 * box of floats (ACTION_SIZE per env), or hybrid (D floats then K u32 per env).
 */
export type ActionSpace =
  | {
      /** Discrete actions. */
      kind: 'discrete';
      /** The number of actions: each is an integer in [0, n). */
      n: number;
    }
  | MultiDiscreteSpace
  | BoxSpace
  | HybridSpace;

/** A built-in or custom environment: its WGSL body and everything the wrapper needs to know about it. */
export interface EnvDescriptor {
  /** Gymnasium's id, e.g. 'Pendulum-v1' (a custom env: the user's id, which also names its WGSL in errors). */
  id: string;
  /** Short lower-case names, e.g. ['pendulum']. */
  aliases: readonly string[];
  /** The env's WGSL (shaders/envs/pendulum.wgsl, imported as a part), or a user's custom body. */
  body: ShaderPart;
  /** Bounds as Gymnasium states them (±Infinity allowed; uploaded as ±3.4e38 where a kernel needs them). */
  observationSpace: BoxSpace;
  /**
   * Discrete actions 0 … n − 1, K discrete branches, a box of floats that the env clips to its
   * bounds, or a box and branches together (hybrid).
   */
  actionSpace: ActionSpace;
  /** STATE_SIZE names in Gymnasium order, e.g. ['theta', 'theta_dot']. */
  stateNames: readonly string[];
  /** EnvParams defaults, keys in the WGSL struct's field order. */
  params: Readonly<Record<string, number>>;
  /** Gymnasium's TimeLimit: an episode is truncated when it reaches this many steps. */
  maxEpisodeSteps: number;
  /** Return at which Gymnasium calls the env solved (reward_threshold), if it has one. */
  rewardThreshold?: number;
  /**
   * The env says which actions are legal in each state (an action mask): a WGSL body then declares
   * `fn env_mask(state: State, params: EnvParams) -> array<u32, MASK_SIZE>` (1 = allowed, 0 =
   * masked; MASK_SIZE = maskWidth(actionSpace)), and a JavaScript env writes its mask rows. The
   * policy then samples, and learns, over the legal actions only. Default false.
   */
  actionMasks?: boolean;
  /**
   * Names of values the env reports once per finished episode (a game's own figures: score, win,
   * apples eaten), averaged over the last 100 episodes in the training report. A WGSL body then
   * declares `const METRIC_COUNT: u32` (= the number of names) and
   * `fn env_metrics(state: State, params: EnvParams) -> array<f32, METRIC_COUNT>`, evaluated on the
   * state the episode ended in. Default none.
   */
  episodeMetrics?: readonly string[];
  /**
   * A two-player env whose opponent a policy can play (self-play): the seat of that opponent. Its
   * WGSL body then declares, besides the contract's functions,
   * `fn env_policy_seat(state: State, params: EnvParams) -> bool` (this episode's opponent is the
   * seat, decided at reset), `fn env_opponent_turn(state: State, params: EnvParams) -> bool` (the
   * seat moves now), `fn env_opponent_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE>`
   * (the game seen from the seat, in the learner's observation layout, so one policy plays both),
   * `fn env_opponent_step(state: State, action: EnvAction, params: EnvParams) -> EnvStep` (the seat's
   * move, its reward and termination from the learner's side) and, for a masked env,
   * `fn env_opponent_mask(state: State, params: EnvParams) -> array<u32, MASK_SIZE>`. The seat is
   * asked after every step and after the reset; a real-time game answers `env_opponent_turn` true
   * every time and keeps the choice in its state for the next step (Pong-v0). A body may score its
   * finished games for the pool's results with `fn env_match_result(state: State, params:
   * EnvParams) -> f32` (its sign: the learner won, drew, lost); otherwise the last step's reward
   * decides. The action space must be discrete. The seat is played by a VectorEnv's opponent pool
   * (VectorEnvOptions.opponentPool). Default none.
   */
  policySeat?: {
    /**
     * The EnvParams field (f32) giving the probability that an episode's opponent is the seat: the
     * vector env writes it from its pool (0 without one) and refuses it in `params`.
     */
    readonly param: string;
  };
}

/**
 * Words of one env's action-mask row: the number of discrete actions, or for a multi-discrete or
 * hybrid space Σ nvec (the branches' masks side by side, branch 0 first); a box has no mask. The `masks`
 * buffer of a masked env is u32 [N][maskWidth].
 */
export function maskWidth(space: ActionSpace): number {
  if (space.kind === 'discrete') return space.n;
  if (space.kind === 'multiDiscrete' || space.kind === 'hybrid') return space.nvec.reduce((sum, n) => sum + n, 0);
  return 0;
}

/** Options of createVectorEnv. */
export interface VectorEnvOptions {
  /** Number of env instances stepped together (a positive integer). */
  numEnvs: number;
  /** Seed of every random draw the envs make (a u32): resets and stochastic steps. */
  seed: number;
  /**
   * Per-group seeds (a population's agents): the envs split into seeds.length equal groups, and
   * env n draws as env n mod (N / S) of a run of N / S envs seeded seeds[⌊n / (N / S)⌋], so each
   * group replays exactly a run of its own size under its own seed. Default: [seed] (one group).
   */
  seeds?: readonly number[];
  /** Overrides of EnvParams defaults for this run (domain randomisation); unknown names are an error. */
  params?: Partial<Record<string, number>>;
  /** Overrides the descriptor's maxEpisodeSteps (truncation limit) for this run. */
  maxEpisodeSteps?: number;
  /** Workgroup size of the wrapper kernels (default 64). */
  workgroupSize?: number;
  /**
   * Frozen policies that play the env's policy seat (an env with EnvDescriptor.policySeat; an
   * error for any other). Empty until VectorEnv.opponentPool takes a snapshot, which must happen
   * before the first reset when `probability` > 0.
   */
  opponentPool?: OpponentPoolOptions;
}

/** The opponent pool of a two-player env's policy seat (ML-Agents' self-play window and ratio). */
export interface OpponentPoolOptions {
  /** The policy's MLP (the learner's actor): the env's observation in, one logit per action out. */
  readonly policy: MlpSpec;
  /** Snapshots kept: a ring of this many members, the oldest overwritten (1 … 256). */
  readonly window: number;
  /** The probability that an episode plays the newest snapshot rather than a uniformly drawn member (default 0.5). */
  readonly latestRatio?: number;
  /** The probability that an episode's opponent is the pool rather than the env's own opponent (default 1). */
  readonly probability?: number;
}

/** A host-side copy of every buffer a VectorEnv exposes (tests and tools; never inside a training loop). */
export interface VectorEnvSnapshot {
  /** [N][STATE_SIZE]: the current state (after any auto-reset). */
  states: Float32Array;
  /** [N][OBS_SIZE]: the current observation (after any auto-reset). */
  observations: Float32Array;
  /** [N]: reward of the last step. */
  rewards: Float32Array;
  /** [N]: 1 where the last step reached a terminal state. */
  terminated: Uint32Array;
  /** [N]: 1 where the last step reached the step limit (may be 1 together with terminated). */
  truncated: Uint32Array;
  /** [N][OBS_SIZE]: observation of the state after the last step, before any auto-reset. */
  finalObservations: Float32Array;
  /** [N][STATE_SIZE]: the state after the last step, before any auto-reset. */
  nextStates: Float32Array;
  /** [N]: return of the episode that ended at the last step (0 where none ended). */
  episodeReturns: Float32Array;
  /** [N]: length of the episode that ended at the last step (0 where none ended). */
  episodeLengths: Uint32Array;
  /** [N]: steps taken in the current episode (0 right after a reset). */
  stepCounts: Uint32Array;
  /** [N]: index of the current episode of each env (0 for the first; it keys the env's randomness). */
  episodeIndices: Uint32Array;
  /** [N][maskWidth]: the action mask of the current observation (1 = allowed); absent unless the env is masked. */
  masks?: Uint32Array;
  /** [N][METRIC_COUNT]: the env's metrics of the episode that ended at the last step (0 where none ended); absent without metrics. */
  episodeMetrics?: Float32Array;
}
