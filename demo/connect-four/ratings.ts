/**
 * Your rating and the agent's: Elo from 1200 each with K = 16 (EloRatings' defaults, ML-Agents'
 * values), one update per finished game, and the games' tally. The agent keeps one rating while it
 * trains, so a rising agent rating is its training showing against you.
 */
import { EloRatings, expectedScore, type MatchScore } from '../../src/games';
import type { Side } from './board';

export const INITIAL_RATING = 1200;
export const K = 16;

export class Scoreboard {
  private readonly elo = new EloRatings({ initial: INITIAL_RATING, k: K });
  /** Your wins, the draws and your losses. */
  wins = 0;
  draws = 0;
  losses = 0;

  constructor() {
    this.elo.add('you');
    this.elo.add('agent');
  }

  get you(): number {
    return this.elo.rating('you');
  }

  get agent(): number {
    return this.elo.rating('agent');
  }

  /** Records a finished game by its winner (null: a draw). */
  record(winner: Side | null): void {
    const score: MatchScore = winner === 'you' ? 1 : winner === null ? 0.5 : 0;
    this.elo.record('you', 'agent', score);
    if (score === 1) this.wins += 1;
    else if (score === 0) this.losses += 1;
    else this.draws += 1;
  }

  /** Your expected score in the next game (0 to 1). */
  get expected(): number {
    return expectedScore(this.you, this.agent);
  }

  get games(): number {
    return this.wins + this.draws + this.losses;
  }
}
