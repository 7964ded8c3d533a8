/**
 * Matches against an env's scripted opponent: a two-player env with a built-in opponent
 * (ConnectFour-v0: `opponent_lookahead` and `learner_seat` parameters), or against a frozen policy
 * in its policy seat (another checkpoint: evaluatePolicy's `opponent`), played through
 * evaluatePolicy, half the games as first player and half as second, each game's result read from
 * its return (> 0 a win, < 0 a loss, 0 a draw; the env rewards only the end).
 */
import type { Agent } from '../agent/agent';
import { evaluatePolicy, type ActFunction, type FrozenPolicy } from '../agent/evaluate-policy';
import type { EnvDescriptor } from '../envs/types';

/** The scripted opponents of a two-player env, by name, and the env parameter each sets. */
export const SCRIPTED_OPPONENTS = Object.freeze({
  /** A uniformly random legal move. */
  random: {
    /** The env's chance of the lookahead player: never. */
    opponent_lookahead: 0,
  },
  /** Wins now if it can, else blocks the learner's immediate win, else random. */
  lookahead: {
    /** The env's chance of the lookahead player: always. */
    opponent_lookahead: 1,
  },
});

/** The match envs' default seed (2^31 + 1, as evaluatePolicy's). */
const MATCH_SEED = 0x80000001;

/** A scripted opponent's name. */
export type ScriptedOpponent = keyof typeof SCRIPTED_OPPONENTS;

/** Options of {@link evaluateAgentMatches}. */
export interface MatchOptions {
  /**
   * The opponent: a scripted one by name, or a frozen policy (another checkpoint's actor, a
   * snapshot) that plays the env's policy seat (an env with EnvDescriptor.policySeat), sampling its moves.
   */
  readonly opponent: ScriptedOpponent | FrozenPolicy;
  /** Games to play (≥ 2): ⌈games/2⌉ as first player, ⌊games/2⌋ as second. */
  readonly games: number;
  /** Seed of the match envs (evaluatePolicy's default when left out). */
  readonly seed?: number;
  /** Greedy moves (default true); false samples them. */
  readonly deterministic?: boolean;
}

/** Wins, draws and losses over the games, and the win rate wins / games. */
export interface MatchResult extends MatchTally {
  /** Games played. */
  readonly games: number;
  /** wins / games. */
  readonly winRate: number;
  /** The same counts as first player and as second. */
  readonly bySeat: {
    /** The games the learner opened. */
    readonly first: MatchTally;
    /** The games the opponent opened. */
    readonly second: MatchTally;
  };
}

/** Counts of games by result. */
export interface MatchTally {
  /** Games the learner won. */
  readonly wins: number;
  /** Games drawn. */
  readonly draws: number;
  /** Games the learner lost. */
  readonly losses: number;
}

/** Whether `descriptor` is a two-player env with scripted opponents (its params name the opponent and the seat). */
export function hasScriptedOpponents(descriptor: EnvDescriptor): boolean {
  return 'opponent_lookahead' in descriptor.params && 'learner_seat' in descriptor.params;
}

/** Plays `options.games` games of `descriptor` against a scripted opponent with the policy `act`; see the file comment. */
export async function evaluateMatches(device: GPUDevice, descriptor: EnvDescriptor, act: ActFunction, options: MatchOptions): Promise<MatchResult> {
  if (!hasScriptedOpponents(descriptor)) {
    throw new RangeError(`matches: env '${descriptor.id}' has no scripted opponent (a two-player env with the params opponent_lookahead and learner_seat, e.g. ConnectFour-v0)`);
  }
  const { opponent } = options;
  const frozen = typeof opponent === 'object' && opponent !== null;
  if (frozen && !descriptor.policySeat) throw new RangeError(`matches: env '${descriptor.id}' has no policy seat for a policy opponent (EnvDescriptor.policySeat)`);
  if (!frozen && !Object.hasOwn(SCRIPTED_OPPONENTS, opponent)) {
    throw new RangeError(`matches: opponent must be one of ${Object.keys(SCRIPTED_OPPONENTS).join(', ')} or a frozen policy (got '${String(opponent)}')`);
  }
  if (!Number.isInteger(options.games) || options.games < 2) throw new RangeError(`matches: games must be an integer ≥ 2 (got ${String(options.games)})`);
  const seat = async (learnerSeat: 1 | 2, episodes: number): Promise<MatchTally> => {
    const { returns } = await evaluatePolicy(device, descriptor, act, {
      episodes,
      deterministic: options.deterministic ?? true,
      params: { ...(frozen ? {} : SCRIPTED_OPPONENTS[opponent]), learner_seat: learnerSeat },
      ...(frozen ? { opponent } : {}),
      // The second seat's games draw from the next seed.
      seed: ((options.seed ?? MATCH_SEED) + learnerSeat - 1) >>> 0,
    });
    return { wins: returns.filter((r) => r > 0).length, draws: returns.filter((r) => r === 0).length, losses: returns.filter((r) => r < 0).length };
  };
  const first = await seat(1, Math.ceil(options.games / 2));
  const second = await seat(2, Math.floor(options.games / 2));
  const wins = first.wins + second.wins;
  return { games: options.games, wins, draws: first.draws + second.draws, losses: first.losses + second.losses, winRate: wins / options.games, bySeat: { first, second } };
}

/**
 * Plays `options.games` games of the agent's two-player env against its scripted opponent with the
 * agent's policy (its act()), ⌈games/2⌉ as first player and ⌊games/2⌋ as second; the agent's
 * maxActBatch must hold ⌈games/2⌉ envs.
 */
export async function evaluateAgentMatches(agent: Agent, options: MatchOptions): Promise<MatchResult> {
  return evaluateMatches(agent.device, agent.env, (observations, actOptions) => agent.act(observations, actOptions), options);
}
