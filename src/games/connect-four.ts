/**
 * ConnectFour-v0: Connect Four against a scripted opponent that replies inside the step, a
 * two-player board game on the GPU. Its body is shaders/envs/connect_four.wgsl (rules in that
 * file's header); this is its descriptor. It lives in webgpu-rl/games, not among the root's
 * built-in envs, so a page that plays no board game does not load its WGSL; the CLI registers it.
 */
import type { EnvDescriptor } from '../envs/types';
import connectFourWgsl from '../../shaders/envs/connect_four.wgsl';

/** The board's columns (the action space: a move is the column a disc is dropped in). */
export const CONNECT_FOUR_COLUMNS = 7;
/** The board's rows (row 0 at the bottom). */
export const CONNECT_FOUR_ROWS = 6;

/**
 * ConnectFour-v0. The learner drops discs in a 7 × 6 board against a scripted opponent; four in a
 * row wins.
 * - Actions (discrete, 7): the column. Full columns are masked (actionMasks); a full column played
 *   anyway (a run without masks) loses at once.
 * - Reward at the end only: +1 win, −1 loss, 0 draw. Terminated when the game ends (at most 21 of
 *   the learner's moves); the step limit of 42 never binds.
 * - Seats: `learner_seat` 0 (default) plays first or second uniformly at random each episode, 1
 *   always first, 2 always second; when second, the opponent's opening disc is on the board at reset.
 * - Opponent: with probability `opponent_lookahead` (default 0.5, drawn each episode) the lookahead
 *   player (wins now if it can, else blocks the learner's immediate win, else random), otherwise a
 *   uniformly random legal column. With an opponent pool (self-play: VectorEnvOptions.opponentPool),
 *   the policy seat instead with the pool's probability (`opponent_policy`, which the pool sets): a
 *   frozen snapshot of a policy, seeing the board from its side (its own discs first).
 * - State: seat, opponent (0 random, 1 lookahead, 2 the policy seat), moves, outcome (0 playing, 1 win, 2 draw, 3 loss, 4 illegal), cell_0 …
 *   cell_41 (row·7 + column, row 0 at the bottom; 0 empty, 1 the learner's, 2 the opponent's).
 * - Observation (84, each 0 or 1): the learner's discs (42 cells), then the opponent's.
 * - Episode metrics: win, draw, loss (illegal moves included), illegal.
 */
export const connectFour: EnvDescriptor = {
  id: 'ConnectFour-v0',
  aliases: ['connect-four', 'connect4'],
  body: connectFourWgsl,
  observationSpace: { kind: 'box', size: 84, low: new Array<number>(84).fill(0), high: new Array<number>(84).fill(1) },
  actionSpace: { kind: 'discrete', n: CONNECT_FOUR_COLUMNS },
  stateNames: ['seat', 'opponent', 'moves', 'outcome', ...Array.from({ length: CONNECT_FOUR_COLUMNS * CONNECT_FOUR_ROWS }, (_, i) => `cell_${i}`)],
  params: {
    opponent_lookahead: 0.5,
    learner_seat: 0,
    opponent_policy: 0,
  },
  maxEpisodeSteps: 42,
  actionMasks: true,
  episodeMetrics: ['win', 'draw', 'loss', 'illegal'],
  policySeat: { param: 'opponent_policy' },
};
