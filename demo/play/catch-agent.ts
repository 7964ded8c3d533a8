/**
 * The Play tab's agent: one PPO agent on Catch-v0, trained in a worker with its own device (on the
 * page's thread, sharing the page's device, where workers get no GPU), sized for the adapter. It
 * acts in the game through its CPU policy: a synchronous act() in the game's tick.
 * A software adapter (SwiftShader) runs every kernel on a couple of CPU cores, so it gets a small
 * batch and small networks that still learn to chase the fruit within minutes; a real GPU gets a
 * wider batch. The step budget is large on purpose: "Train agent" runs until the player stops it,
 * and a constant learning rate (no annealing) keeps a long run learning.
 * Measured with the software sizes (seed 1, SwiftShader in Node, unpaced): the mean return of the
 * last 100 episodes goes from −3 (random) to 4 at 57 000 steps and 10 at 120 000 (the scripted
 * "move toward the fruit" policy scores about 14).
 */
/** Steps after which the software-sized agent chases the fruit (return ≈ 10, see above). */
export const STEPS_TO_LEARN = 120_000;
import { Agent, createAgent, WorkerAgent, WorkerUnavailableError, type AlgorithmConfig, type CpuPolicy, type TrainingAgent } from '../../src/index';

export const CATCH_ENV = 'Catch-v0';
/** The IndexedDB name of the saved agent. */
export const SAVE_NAME = 'catch-agent';

export function catchAlgorithm(isSoftware: boolean): AlgorithmConfig {
  return {
    algo: 'ppo',
    seed: 1,
    numEnvs: isSoftware ? 8 : 64,
    numSteps: isSoftware ? 64 : 128,
    numMinibatches: isSoftware ? 4 : 8,
    updateEpochs: 4,
    hiddenSizes: isSoftware ? [32, 32] : [64, 64],
    learningRate: 1e-3,
    annealLr: false,
    totalTimesteps: 50_000_000,
  } as AlgorithmConfig;
}

/** The agent in a worker, or on the page's device where a worker gets no GPU (the reason is logged). */
export async function createCatchAgent(device: GPUDevice, isSoftware: boolean): Promise<TrainingAgent> {
  try {
    return await createAgent({ env: CATCH_ENV, algorithm: catchAlgorithm(isSoftware), worker: true });
  } catch (error) {
    if (!(error instanceof WorkerUnavailableError)) throw error;
    console.warn(`webgpu-rl demo, play: ${error.message}`);
    return Agent.create({ env: CATCH_ENV, algorithm: catchAlgorithm(isSoftware), device });
  }
}

/** A saved agent, loaded where createCatchAgent would make it. */
export async function loadCatchAgent(bytes: Uint8Array, device: GPUDevice): Promise<TrainingAgent> {
  try {
    return await WorkerAgent.load(bytes);
  } catch (error) {
    if (!(error instanceof WorkerUnavailableError)) throw error;
    return Agent.load(bytes, { device });
  }
}

/** The policy's greedy action for one observation (a batch of one row), at once. */
export function greedyAction(policy: CpuPolicy, observation: Float32Array): number {
  return policy.act(observation, { deterministic: true }).actions[0]!;
}
