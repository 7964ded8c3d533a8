/**
 * PPO-clip (Schulman et al. 2017) with CleanRL's details, every phase on the GPU. Reads in phase
 * order: setup, then one iteration = collect → returns → update (K epochs × M minibatches) →
 * statistics, encoded into one command buffer.
 *
 * CleanRL details kept: orthogonal init (√2 hidden, 0.01 policy, 1.0 value), separate actor and
 * critic MLPs trained by ONE Adam (ε 1e-5) over both parameter vectors, so the global gradient
 * norm clipped to 0.5 is the joint norm, as CleanRL's clip_grad_norm_(agent.parameters()); the
 * learning rate annealed linearly per iteration; a fresh permutation per epoch; advantages
 * normalised per minibatch; the clipped value loss; the entropy bonus; optional target_kl. For box
 * envs: a Gaussian head with a state-independent log-std, actions clipped by the env, observation
 * normalisation and reward scaling by running statistics on the GPU (the rollout's).
 * One departure: a truncated episode (time limit) bootstraps from V(final observation), where
 * CleanRL treats it as terminal.
 *
 * Populations: with `agents: G` every kernel below runs G agents in the same dispatches (rows
 * agent-major); agent g is the solo run seeded seed + g, with its own learning rate and entropy
 * coefficient when given per agent.
 *
 * The envs, rollout, joint [actor | critic] parameters, Adam, NaN guard and report come from the
 * scaffold (src/train/actor-critic.ts); the update is built step by step in ./update.ts.
 */
import { LOSS_COEFFICIENT, LOSS_COEFFICIENT_WORDS } from '../../losses/layout';
import type { MlpLayout } from '../../nn/mlp-spec';
import { encodeRngParams } from '../../rng/params';
import type { Transitions } from '../../rollout/transitions';
import { createActorCritic, type ActorCriticIteration } from '../../train/actor-critic';
import { requiredStatistics } from '../../train/nan-guard';
import { ALGORITHM_BASE, REPORT_WORDS } from '../../train/report';
import type { Trainer } from '../../train/trainer';
import { resolvePpoConfig, type PpoConfig, type ResolvedPpoConfig } from './config';
import { compilePpoKernels, createPpoBuffers, createPpoModels, PpoUpdate, ppoKernelSizes, resolvePpoSizes } from './update';


/** The Philox stream of the per-epoch permutations ('PRM'). */
export const PERMUTATION_STREAM = 0x50524d;

export { criticInitSeed } from '../../train/actor-critic';

/** CleanRL's linear schedule: frac = 1 − i / numIterations at iteration i (0-based). */
const annealed = (config: ResolvedPpoConfig, iteration: number) => 1 - iteration / config.numIterations;

/** Each agent's learning rate at iteration i. */
export function ppoLearningRates(config: ResolvedPpoConfig, iteration: number): number[] {
  const frac = config.annealLr ? annealed(config, iteration) : 1;
  return config.learningRate.map((lr) => frac * lr);
}

/** Each agent's entropy coefficient at iteration i. */
export function ppoEntropyCoefficients(config: ResolvedPpoConfig, iteration: number): number[] {
  const frac = config.annealEntCoef ? annealed(config, iteration) : 1;
  return config.entCoef.map((c) => frac * c);
}

/** A PPO trainer, with the buffers and layouts that tests and tools read (never inside the loop). */
export interface PpoTrainer<C = ResolvedPpoConfig> extends Trainer<C> {
  readonly layouts: { readonly actor: MlpLayout; readonly critic: MlpLayout };
  readonly buffers: {
    /** f32 [actor | critic]: the parameters the optimiser updates. */
    readonly parameters: GPUBuffer;
    /** u32 [T·N]: the last epoch's permutation (sample indices t·N + n). */
    readonly indices: GPUBuffer;
    /** f32 [G][8]: the loss coefficients (src/losses/layout.ts), as the last iteration used them. */
    readonly coefficients: GPUBuffer;
    /** The rollout record of the last iteration. */
    readonly transitions: Transitions['buffers'];
  };
}

/** Which member of the PPO family: the clipped surrogate, or r·Â with an adaptive KL penalty. */
export type PpoPlan =
  | { readonly name: string; readonly objective: 'clip' }
  | { readonly name: string; readonly objective: 'kl-penalty'; readonly klTarget: number; readonly klBeta: number };

/** The report's algorithm word 0 of each agent: epochs whose updates ran (< updateEpochs after an early stop). */
export const EPOCHS_RUN_WORD = 0;

/** Builds everything once (kernels, buffers, bind groups on first use), then trains by `iterate()`. */
export async function createPpoTrainer(device: GPUDevice, input: PpoConfig = {}): Promise<PpoTrainer> {
  return createPpoFamilyTrainer(device, resolvePpoConfig(input), { name: 'ppo', objective: 'clip' });
}

/**
 * PPO-clip, or PPO with the adaptive KL penalty (`plan`): the same rollout, GAE, epochs and
 * minibatches; the penalty variant keeps a copy of θ_old, adds an actor forward pass with it per
 * minibatch (the old logits or Gaussian means the per-row KL needs; θ_old's log-std is read from
 * the copy), KL(π_old ‖ π) with its gradient added to the head output's (and the log-std's), and
 * the β update on the GPU after the statistics.
 */
export async function createPpoFamilyTrainer<C extends ResolvedPpoConfig>(device: GPUDevice, config: C, plan: PpoPlan): Promise<PpoTrainer<C>> {
  const sizes = resolvePpoSizes(device.limits, config, plan.name, plan.objective === 'kl-penalty' ? plan : undefined);
  const ac = await createActorCritic(device, {
    ...config,
    name: sizes.name,
    numEnvs: sizes.N,
    trainCritic: true,
    sharedTrunk: config.sharedTrunk,
    normalizeObservations: config.normObs,
    normalizeRewards: config.normReward ? { gamma: config.gamma } : false,
  });
  try {
    const models = await createPpoModels(device, config, sizes, ac);
    const kernelSizes = ppoKernelSizes(config, sizes, ac, models.head);
    const kernels = await compilePpoKernels(device, config, sizes, kernelSizes, models.head, ac.masked);
    const buffers = createPpoBuffers(device, config, sizes, ac, models.head);
    const update = new PpoUpdate({ config, sizes, ac, models, kernelSizes, kernels, buffers });
    const trainer = await ac.finish(config, ppoIteration(device, update), config.batchSize);
    const { actor, critic } = ac;
    return { ...trainer, layouts: { actor, critic }, buffers: { parameters: ac.buffers.parameters, indices: buffers.indices, coefficients: buffers.coefficients, transitions: ac.transitions } };
  } catch (error) {
    ac.destroy();
    throw error;
  }
}

/** The scaffold's per-iteration hooks: the schedules written before the encode, the update, its report words. */
function ppoIteration(device: GPUDevice, update: PpoUpdate): ActorCriticIteration {
  const { config, sizes, ac, models, kernels, buffers: b } = update.parts;
  const { K, G } = sizes;
  const { queue } = device;
  // The entropy coefficient's schedule rewrites its word only (β may be adapting on the GPU).
  const entropyWord = new Float32Array(1);
  const epochSlots = new Uint32Array((K * sizes.epochSlot) / 4);
  return {
    learningRates: (iteration) => ppoLearningRates(config, iteration),
    prepare(iteration) {
      for (let k = 0; k < K; k += 1) {
        epochSlots.set(encodeRngParams({ seed: config.seed, stream: PERMUTATION_STREAM, iteration, step: k, draw: 0 }), (k * sizes.epochSlot) / 4);
      }
      queue.writeBuffer(b.epochParams, 0, epochSlots);
      if (config.annealEntCoef) {
        ppoEntropyCoefficients(config, iteration).forEach((c, g) => {
          entropyWord[0] = c;
          queue.writeBuffer(b.coefficients, 4 * (g * LOSS_COEFFICIENT_WORDS + LOSS_COEFFICIENT.entropy), entropyWord);
        });
      }
      // An early stop switched the optimiser off for the rest of the last iteration.
      if (kernels.earlyStop) ac.optimizer.setActive(true);
    },
    encode: (encoder) => update.encode(encoder),
    encodeReport(encoder, report) {
      update.encodeAdaptBeta(encoder);
      if (kernels.earlyStop) {
        for (let g = 0; g < G; g += 1) encoder.copyBufferToBuffer(b.epochsRun, 4 * g, report, 4 * (g * REPORT_WORDS + ALGORITHM_BASE + EPOCHS_RUN_WORD), 4);
      }
    },
    statistics: models.statistics,
    // β adapts on the GPU (ppo-kl); the other words are rewritten from the config.
    state: { coefficients: b.coefficients },
    requiredStatistics: requiredStatistics({ klPenalty: sizes.penalty !== undefined }),
    statisticsInputs: ac.statisticsInputs({ returns: b.returns, coefficients: b.coefficients }),
  };
}
