/**
 * Elo ratings of a self-play run: the learner and every snapshot of it in the opponent pool, from
 * the learner's results against each pool member (IterationStats.selfPlay), as ML-Agents' ghost
 * trainer rates them: each finished game moves the learner by change = K·(S − E) against the stored
 * rating of the snapshot it played, and that snapshot by −change; a new snapshot starts at the
 * learner's rating when it is taken. K defaults to 1, the step ML-Agents' code applies per game
 * (a round holds hundreds of games: at K = 16 one round could move a rating by thousands). A
 * round's games are applied interleaved (wins, draws and losses spread evenly through it), since
 * sequential Elo depends on order. The ratings measure the learner against its own past: a learner
 * that keeps beating its snapshots climbs without bound, whatever its strength against others.
 */
import type { SelfPlayRound } from '../train/self-play-config';
import { EloRatings, type EloOptions, type MatchScore } from './elo';

/** The rating table's name of snapshot k. */
const snapshotName = (k: number) => `snapshot ${k}`;

/** The learner's results of one round, summed over the pool. */
export interface SelfPlayRoundSummary {
  /** The snapshot taken right after this round (its rating: the learner's now). */
  readonly snapshot: number;
  /** The learner's rating after the round. */
  readonly elo: number;
  /** The round's games the learner won, over every member. */
  readonly wins: number;
  /** The round's draws. */
  readonly draws: number;
  /** The round's games the learner lost. */
  readonly losses: number;
}

/** The ratings of a self-play run's learner and snapshots. */
export class SelfPlayRatings {
  private readonly table: EloRatings;

  /** The learner and its first snapshot (the initial policy) start at `initial` (default 1200). */
  constructor(options: EloOptions = {}) {
    this.table = new EloRatings({ k: 1, ...options });
    this.table.add('learner');
    this.table.add(snapshotName(0));
  }

  /** The learner's rating. */
  get learner(): number {
    return this.table.rating('learner');
  }

  /** Snapshot k's rating (a RangeError for one not taken yet). */
  snapshot(k: number): number {
    return this.table.rating(snapshotName(k));
  }

  /** Every snapshot's rating so far, snapshot 0 first. */
  snapshots(): number[] {
    return this.table.entries().filter(([name]) => name !== 'learner').map(([, rating]) => rating);
  }

  /**
   * Applies a round's games (against each member's snapshot), then rates the snapshot taken after it
   * (number round.snapshots) at the learner's new rating. Rounds must come in order.
   */
  record(round: SelfPlayRound): SelfPlayRoundSummary {
    let wins = 0;
    let draws = 0;
    let losses = 0;
    for (const member of round.results) {
      if (member.snapshot < 0) continue;
      for (const score of interleaved(member.wins, member.draws, member.losses)) this.table.record('learner', snapshotName(member.snapshot), score);
      wins += member.wins;
      draws += member.draws;
      losses += member.losses;
    }
    this.table.add(snapshotName(round.snapshots), this.learner);
    return { snapshot: round.snapshots, elo: this.learner, wins, draws, losses };
  }
}

/** The scores of w wins, d draws and l losses, each kind spread evenly through the sequence. */
function interleaved(wins: number, draws: number, losses: number): MatchScore[] {
  const games: { at: number; score: MatchScore }[] = [];
  for (const [count, score] of [[wins, 1], [draws, 0.5], [losses, 0]] as const) {
    for (let j = 0; j < count; j += 1) games.push({ at: (j + 0.5) / count, score });
  }
  return games.sort((a, b) => a.at - b.at).map((g) => g.score);
}
