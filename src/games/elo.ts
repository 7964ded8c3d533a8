/**
 * Elo ratings from match results: the expected score of a player rated R against one rated R' is
 * E = 1 / (1 + 10^((R' − R)/400)), and a game scored S (1 win, ½ draw, 0 loss) moves the ratings
 * by K·(S − E), one up and the other down by the same amount (the sum of ratings is conserved).
 * ML-Agents' self-play uses the same update (docs/ELO-Rating-System.md of Unity's ml-agents,
 * whose worked example is K = 16: 1200 beats 1200 → 1208 / 1192).
 */

/** A game's result for the first player: 1 win, 0.5 draw, 0 loss. */
export type MatchScore = 0 | 0.5 | 1;

/** The expected score of a player rated `rating` against one rated `opponent`. */
export function expectedScore(rating: number, opponent: number): number {
  return 1 / (1 + 10 ** ((opponent - rating) / 400));
}

/** Both ratings after one game scored `score` for the first player, with step `k`. */
export function eloUpdate(rating: number, opponent: number, score: MatchScore, k: number): [number, number] {
  const change = k * (score - expectedScore(rating, opponent));
  return [rating + change, opponent - change];
}

/** Options of {@link EloRatings}. */
export interface EloOptions {
  /** A new player's rating (default 1200, ML-Agents' initial_elo). */
  readonly initial?: number;
  /** The step K (default 16). */
  readonly k?: number;
}

/** A table of players' ratings, updated game by game. */
export class EloRatings {
  /** A new player's rating. */
  readonly initial: number;
  /** The step K of every update. */
  readonly k: number;
  private readonly ratings = new Map<string, number>();

  constructor(options: EloOptions = {}) {
    const { initial = 1200, k = 16 } = options;
    if (!Number.isFinite(initial)) throw new RangeError(`elo: initial must be a finite number (got ${initial})`);
    if (!(Number.isFinite(k) && k > 0)) throw new RangeError(`elo: k must be a finite number > 0 (got ${k})`);
    this.initial = initial;
    this.k = k;
  }

  /** Adds `player` at `rating` (default: the initial rating, or a copy of another's, as a snapshot takes its learner's). */
  add(player: string, rating = this.initial): void {
    if (this.ratings.has(player)) throw new RangeError(`elo: player '${player}' is already rated (${this.ratings.get(player)})`);
    if (!Number.isFinite(rating)) throw new RangeError(`elo: rating of '${player}' must be a finite number (got ${rating})`);
    this.ratings.set(player, rating);
  }

  /** `player`'s rating; a RangeError naming the rated players when it has none. */
  rating(player: string): number {
    const rating = this.ratings.get(player);
    if (rating === undefined) throw new RangeError(`elo: unknown player '${player}' (rated: ${[...this.ratings.keys()].join(', ') || 'none'})`);
    return rating;
  }

  /** Records a game of `first` against `second` scored `score` for `first`; returns both new ratings. */
  record(first: string, second: string, score: MatchScore): [number, number] {
    if (first === second) throw new RangeError(`elo: a player cannot be rated against itself ('${first}')`);
    if (score !== 0 && score !== 0.5 && score !== 1) throw new RangeError(`elo: score must be 0, 0.5 or 1 (got ${String(score)})`);
    const updated = eloUpdate(this.rating(first), this.rating(second), score, this.k);
    this.ratings.set(first, updated[0]);
    this.ratings.set(second, updated[1]);
    return updated;
  }

  /** Every player and rating, in the order they were added. */
  entries(): [string, number][] {
    return [...this.ratings];
  }
}
