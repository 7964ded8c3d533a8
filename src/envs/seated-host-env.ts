/**
 * A game whose instances each host K agents: its seats. Each seat has its own observation, action,
 * reward and done; the instance (the match) starts and ends for all its seats together. The engine
 * sees one row per seat, so an instance's K seats are K envs to the policy, the rollout and the
 * update: a shared policy trains on every seat's transitions, and a mapping of seats to policies
 * (PPO's `seatPolicies`) gives each policy of a population the rows of its seats.
 *
 * Rows. Seats are laid out seat-major in the mapping's order: the seats of policy 0 first, each
 * seat's M instances contiguous, so that policy g's rows are one block, as a population's are
 * (src/rollout/rollout.ts: env n belongs to agent ⌊n / B⌋). `batch.row(instance, seat)` names the
 * row; the game never computes it.
 *
 * A seat that is out while its match goes on (knocked out, finished first) is played out as
 * SuperSuit's black_death wrapper does for PettingZoo's parallel envs
 * (https://github.com/Farama-Foundation/SuperSuit, `black_death_v3`): from the step it ends on, its
 * row's observation is zeros, its reward 0, every action legal (the game ignores them), and its
 * episode ends with the match, terminated. Its return is what it earned while in; its value target
 * after the end is 0. A game whose live observations can be all zeros should give its seats a
 * feature that is never 0 (an "in the game" flag), so the policy can tell the two apart.
 *
 * Here: the game's contract. The rows themselves (./seat-rows.ts) load with the first vector env
 * of a game with seats.
 */
import type { BatchedHostEnv, HostEnvBatch } from './batched-host-env';

/** The most seats an instance may have. */
export const MAX_SEATS = 64;

/**
 * The arrays of one run of a {@link SeatedHostEnv}, indexed by row: seat `s` of instance `i` is row
 * `row(i, s)` of every array (observations at row · observationSize, and so on, as in a
 * {@link HostEnvBatch}, whose actions, observations, rewards, masks and episodeMetrics these are,
 * a row for each seat; a seat that is out ignores its action). The same object for the whole run.
 */
export interface SeatBatch extends Pick<HostEnvBatch, 'actions' | 'discreteActions' | 'observations' | 'rewards' | 'masks' | 'episodeMetrics'> {
  /** Instances (matches) M. */
  readonly numInstances: number;
  /** Seats per instance K. */
  readonly seats: number;
  /** The row of `seat` in `instance`: where its action, observation, reward, flags and mask are. */
  row(instance: number, seat: number): number;
  /**
   * Out: 1 where the seat's own episode ends at this step (it won, lost, or is out); it is zeroed
   * before each stepBatch. The match ends once every seat of the instance has ended, or when any
   * seat's row of `truncated` is 1. A seat that ends while others play on is played out with zeros
   * (see the module's comment).
   */
  readonly terminated: Uint32Array;
  /**
   * In and out: on entry 1 on every row of an instance whose match reaches the step limit; the game
   * sets 1 on any row of an instance to cut its match short (every seat still in is then truncated,
   * its value bootstrapped).
   */
  readonly truncated: Uint32Array;
  /** The next uniform in (0, 1) of the instance's random stream (Philox, from the run's seed). */
  random(instance: number): number;
}

/**
 * A game in JavaScript whose every instance seats K agents with the same observation and action
 * spaces (a match of two or more players, a team game). The engine trains one row per seat; which
 * policy plays which seat is the trainer's `seatPolicies` (default: one policy for every seat).
 */
export interface SeatedHostEnv {
  /** Shown in errors (default 'host env'). */
  name?: string;
  /** Seats per instance K: an integer in [1, {@link MAX_SEATS}]. */
  seats: number;
  /** Floats per seat's observation. */
  observationSize: number;
  /** Each seat's action space (as {@link BatchedHostEnv.actionSpace}). */
  actionSpace: BatchedHostEnv['actionSpace'];
  /** Matches are truncated when they reach this many steps. */
  maxEpisodeSteps: number;
  /** The game writes each seat's legal actions (batch.masks). Default false. */
  actionMasks?: boolean;
  /** Names of the values written per seat to batch.episodeMetrics when a match ends. */
  episodeMetrics?: readonly string[];
  /** Starts fresh matches of the listed instances: writes every seat's observation (and mask) row. */
  resetBatch(batch: SeatBatch, instances: Uint32Array): void;
  /** One step of every instance: reads each seat's action, writes each seat's results. */
  stepBatch(batch: SeatBatch): void;
  /** Frees what the game holds for this run (see {@link BatchedHostEnv.releaseBatch}). Optional. */
  releaseBatch?(batch: SeatBatch): void;
}

/** Whether `env` is a SeatedHostEnv: a batched game that declares `seats`. */
export function isSeatedHostEnv(env: unknown): env is SeatedHostEnv {
  return typeof env === 'object' && env !== null && 'seats' in env && typeof (env as SeatedHostEnv).stepBatch === 'function';
}

/** Throws unless `env.seats` is an integer in [1, MAX_SEATS] (the rest is checked with its rows, ./seat-rows.ts). */
export function checkSeats(env: SeatedHostEnv, name: string): void {
  if (!(Number.isInteger(env.seats) && env.seats >= 1 && env.seats <= MAX_SEATS)) {
    throw new RangeError(`${name}: seats must be an integer in [1, ${MAX_SEATS}] (got ${String(env.seats)})`);
  }
}

/**
 * The rows' order: `order[p]` is the seat whose M rows are block p (rows p·M … p·M + M − 1). Every
 * permutation of the seats is a valid order; the trainer's puts each policy's seats together.
 */
export type SeatOrder = readonly number[];
