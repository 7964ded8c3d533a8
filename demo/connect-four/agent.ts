/**
 * The Connect Four tab's agent: PPO on ConnectFour-v0 (webgpu-rl/games), untrained at first, in a
 * worker with its own device (on the page's thread, sharing the page's device, where workers get no
 * GPU). It trains by self-play (PPO's selfPlay): its training games are against a pool of its own
 * snapshots, one taken every 20 000 steps, which play the env's policy seat on the GPU; its games
 * against the person are played here, move by move, through its CPU policy.
 *
 * Its hyperparameters are the env's (PPO_ENV_DEFAULTS: 64 envs × 32 steps, two layers of 128, the
 * learning rate annealed over 1.5 M steps; docs/LEARNING.md has what that budget reaches against
 * the scripted opponents). A software adapter (SwiftShader) runs every kernel on a couple of CPU
 * cores, so it gets 16 envs and two layers of 64: an iteration of 512 steps then takes about half a
 * second in headless Chromium (600–1 000 steps per second measured), a round of 20 about ten.
 */
import { Agent, createAgent, WorkerAgent, WorkerUnavailableError, type AlgorithmConfig, type CpuPolicy, type TrainingAgent } from '../../src/index';
import { connectFour } from '../../src/games';
import type { Board } from './board';

/** PPO with the env's defaults, sized down on a software adapter (see above). */
export function connectFourAlgorithm(isSoftware: boolean): AlgorithmConfig {
  return isSoftware ? { algo: 'ppo', numEnvs: 16, hiddenSizes: [64, 64], selfPlay: {} } : { algo: 'ppo', selfPlay: {} };
}

/** Iterations of one "train" round: about 41 000 env steps on a GPU, 10 000 on a software adapter. */
export const ROUND_ITERATIONS = 20;

/** The agent in a worker, or on the page's device where a worker gets no GPU (the reason is logged). */
export async function createConnectFourAgent(device: GPUDevice, isSoftware: boolean): Promise<TrainingAgent> {
  const algorithm = connectFourAlgorithm(isSoftware);
  try {
    // The descriptor crosses to the worker by value (its WGSL included): the worker's registry
    // does not know the games entry's envs.
    return await createAgent({ env: connectFour, algorithm, worker: true });
  } catch (error) {
    if (!(error instanceof WorkerUnavailableError)) throw error;
    console.warn(`webgpu-rl demo, connect four: ${error.message}`);
    return Agent.create({ env: connectFour, algorithm, device });
  }
}

/** Where the agent trains, for the page to say. */
export const threadOf = (agent: TrainingAgent): 'worker' | 'page' => (agent instanceof WorkerAgent ? 'worker' : 'page');

/**
 * The agent's column on `board`, at once: its policy on the env's observation (its own discs, then
 * yours) with the full columns masked, so it never picks one. Greedy takes the most likely legal
 * column; sampled draws one from the policy's distribution over them.
 */
export function agentColumn(policy: CpuPolicy, board: Board, sampled: boolean): number {
  const { actions } = policy.act(board.observation('agent'), { deterministic: !sampled, actionMask: board.legalColumns() });
  return actions[0]!;
}
