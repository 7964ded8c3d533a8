/**
 * `webgpu-rl/games`: two-player games and what goes with them. `ConnectFour-v0` and `Pong-v0`
 * (GPU envs: the learner against a scripted opponent that plays inside the step), matches against
 * an env's scripted opponents, half the games as first player, and Elo ratings:
 * ```ts
 * import { Agent } from 'webgpu-rl';
 * import { connectFour, evaluateAgentMatches } from 'webgpu-rl/games';
 * const agent = await Agent.create({ env: connectFour, algorithm: { algo: 'ppo' }, maxActBatch: 200 });
 * for await (const stats of agent.train()) console.log(stats.returnMean100);
 * const { winRate } = await evaluateAgentMatches(agent, { opponent: 'lookahead', games: 400 });
 * ```
 * The package root does not import this entry, so a page without board games never loads their
 * shaders. The `webgpu-rl` command registers both (`--env ConnectFour-v0`, `--env Pong-v0`).
 *
 * @packageDocumentation
 * @module webgpu-rl/games
 */
export { CONNECT_FOUR_COLUMNS, CONNECT_FOUR_ROWS, connectFour } from './games/connect-four';
export { pong } from './games/pong';
export { evaluateAgentMatches, hasScriptedOpponents, SCRIPTED_OPPONENTS } from './games/matches';
export type { MatchOptions, MatchResult, MatchTally, ScriptedOpponent } from './games/matches';
export { EloRatings, eloUpdate, expectedScore } from './games/elo';
export type { EloOptions, MatchScore } from './games/elo';
export { SelfPlayRatings } from './games/self-play-ratings';
export type { SelfPlayRoundSummary } from './games/self-play-ratings';
