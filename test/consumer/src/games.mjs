// The two-player games entry from plain Node: an Agent of 'webgpu-rl/node' trains on a game of
// 'webgpu-rl/games' for one iteration and plays matches against the scripted opponent.
import { Agent } from 'webgpu-rl/node';
import { connectFour, evaluateAgentMatches } from 'webgpu-rl/games';

const agent = await Agent.create({
  env: connectFour,
  algorithm: { algo: 'ppo', numEnvs: 8, numSteps: 16, hiddenSizes: [16], totalTimesteps: 128 },
  maxActBatch: 3,
});
for await (const stats of agent.train({ iterations: 1 })) void stats;
const result = await evaluateAgentMatches(agent, { opponent: 'lookahead', games: 6 });
console.log(JSON.stringify({ env: agent.env.id, games: result.wins + result.draws + result.losses }));
agent.destroy();
