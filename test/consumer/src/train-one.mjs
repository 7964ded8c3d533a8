// A training script in plain Node ESM: the Node entry loads Dawn (the optional peer `webgpu`).
import { Agent, VERSION } from 'webgpu-rl/node';

const agent = await Agent.create({ env: 'CartPole-v1', algorithm: { algo: 'ppo', numEnvs: 4, numSteps: 32, totalTimesteps: 128 } });
for await (const stats of agent.train({ iterations: 1 })) {
  console.log(JSON.stringify({ version: VERSION, globalStep: stats.globalStep, valueLossFinite: Number.isFinite(stats.statistics.value_loss) }));
}
agent.destroy();
