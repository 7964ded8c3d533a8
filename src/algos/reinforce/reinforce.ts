/**
 * REINFORCE (Williams 1992), every phase on the GPU, ONE gradient step per batch (on-policy). Reads
 * in phase order: setup, then one iteration = collect → weights (total return or reward-to-go) →
 * baseline (none | batch mean | per-timestep mean | learned V) → [normalise] → one full-batch step
 * of L = −Â·log π − c·H (+ c_v·½(V − w)² when the critic is the baseline) → statistics, in one
 * command buffer.
 *
 * The same step serves `a2c` (./a2c.ts), whose weights are GAE(λ) advantages with V as baseline:
 * `createPolicyGradientTrainer` takes the estimator as a plan. It reuses PPO's pieces (rollout,
 * returns, baselines, normaliser, loss kernels, MLP passes, policy head, statistics) on the scaffold
 * of src/train/actor-critic.ts (envs, rollout, joint parameters, Adam, report, loop); the update is
 * built step by step in ./update.ts. Without minibatches no permutation or gather is needed: the
 * networks read the rollout's buffers directly (rows t·N + n).
 *
 * Any action space: the policy is the actor's head (categorical per branch, a diagonal Gaussian
 * with a state-independent learned log-std for a box, both for a hybrid space). Every loss reads
 * log π per row, so the Gaussian's densities enter the same estimators, and off-policy's ratios
 * π_θ/π_behaviour are exp(log π_θ − log π_behaviour) of densities, per step or summed over a
 * trajectory segment, as for probabilities. Box envs usually want normObs and normReward (the
 * rollout's running normalisers, as PPO's).
 *
 * The rollout always runs the critic (createRollout needs one); without a value baseline the
 * critic keeps its initial parameters, its values are unused, and the weights are not bootstrapped
 * (an episode cut by the rollout's end or a time limit counts its rewards so far). With a critic,
 * time-outs and the rollout's end bootstrap from V, as in ppo.ts.
 *
 * Populations of estimators (config `variants`, one per agent; the Break-It Lab): G agents in the
 * same dispatches, agent g the solo run with seed + g and its variant's weights, baseline ('none' |
 * 'value'), normAdv, learning rate and off-policy K, equal to it bit for bit
 * (test/gpu/reinforce-variants.test.ts). How: each (weights, bootstrapped?) pair the agents use is
 * computed over all envs; the batch is gathered agent-major ([G][T][N/G], each agent's solo row
 * order, so every per-agent reduction adds the same values in the same order) and each agent's own
 * weights are copied into place; an agent without a baseline (or normalisation) gets its raw
 * weights (or advantages) copied over the shared kernel's output, and c_v = 0, so Adam leaves its
 * critic at the initialisation as its solo run does; the update runs max K steps and an agent past
 * its own K is switched off by Adam's per-agent active flags (a copy per step from a [K][G] table).
 * The statistics of a population read the [T][N] weights of its first (weights, baseline) pair.
 *
 * "N trajectories per update" (`trajectories`, per agent): the agent's envs j ≥ N still run (same
 * seeds and envs as the full agent) but weigh nothing: their advantages are NaN while normalising
 * (the moments skip non-finite values, so mean and std are those of the kept rows) and 0 after,
 * and their value gradients are cleared before the critic's backward. The losses' means still
 * divide by the whole batch: a constant factor numEnvs/N on the agent's gradient that Adam's
 * per-parameter scaling removes (up to ε); an entropy bonus (entCoef > 0) would still see all rows.
 */
import type { MlpLayout } from '../../nn/mlp-spec';
import type { Transitions } from '../../rollout/transitions';
import { createActorCritic } from '../../train/actor-critic';
import { requiredStatistics } from '../../train/nan-guard';
import { ALGORITHM_BASE, REPORT_WORDS } from '../../train/report';
import type { Trainer } from '../../train/trainer';
import { resolveReinforceConfig, type ReinforceConfig, type ResolvedPolicyGradientConfig, type ResolvedReinforceConfig } from './config';
import {
  compilePolicyGradientKernels,
  createPolicyGradientBuffers,
  createPolicyGradientModels,
  ESS_HISTORY_WORDS,
  PolicyGradientUpdate,
  policyGradientKernelSizes,
  resolvePolicyGradientSizes,
  valueTargetsOf,
  type PolicyGradientPlan,
} from './update';

export { ESS_HISTORY_WORDS, type PolicyGradientPlan } from './update';

/** A one-step policy-gradient trainer, with the layouts and buffers that tests and tools read (never inside the loop). */
export interface PolicyGradientTrainer<C = ResolvedPolicyGradientConfig> extends Trainer<C> {
  readonly layouts: { readonly actor: MlpLayout; readonly critic: MlpLayout };
  readonly buffers: {
    /** f32 [G][actor | critic] (the critic's part only when it is trained): the parameters the optimiser updates. */
    readonly parameters: GPUBuffer;
    /** f32 [G][actor | critic]: the last gradient step's raw gradient (before the clip). */
    readonly gradients: GPUBuffer;
    /** f32 [G][P_actor] and [G][P_critic]: what the networks read. */
    readonly actorParameters: GPUBuffer;
    readonly criticParameters: GPUBuffer;
    /** The rollout record of the last iteration. */
    readonly transitions: Transitions['buffers'];
  };
}

/** The learning rate of iteration i (0-based), annealed linearly when asked. */
export function policyGradientLearningRate(config: ResolvedPolicyGradientConfig, iteration: number, learningRate = config.learningRate): number {
  return config.annealLr ? (1 - iteration / config.numIterations) * learningRate : learningRate;
}

/** Builds a REINFORCE trainer; the config is validated before any GPU work. */
export async function createReinforceTrainer(device: GPUDevice, input: ReinforceConfig = {}): Promise<PolicyGradientTrainer<ResolvedReinforceConfig>> {
  const config = resolveReinforceConfig(input);
  return createPolicyGradientTrainer(device, config, { name: 'reinforce', estimator: config.weights, baseline: config.baseline, variants: config.variants });
}

/** One full-batch gradient step per rollout (K off-policy), with the weights and baseline of `plan`, built step by step in ./update.ts. */
export async function createPolicyGradientTrainer<C extends ResolvedPolicyGradientConfig>(device: GPUDevice, config: C, plan: PolicyGradientPlan): Promise<PolicyGradientTrainer<C>> {
  const sizes = resolvePolicyGradientSizes(config, plan);
  const { name, G, population, variants, trainCritic } = sizes;
  const ac = await createActorCritic(device, {
    ...config,
    name,
    numEnvs: sizes.N,
    agents: G,
    trainCritic,
    normalizeObservations: config.normObs,
    normalizeRewards: config.normReward ? { gamma: config.gamma } : false,
  });
  try {
    const models = await createPolicyGradientModels(device, config, sizes, ac);
    const kernelSizes = policyGradientKernelSizes(sizes, ac, models.head);
    const kernels = await compilePolicyGradientKernels(device, sizes, kernelSizes, models.head, ac.masked);
    const buffers = createPolicyGradientBuffers(device, config, sizes, ac, models.head);
    const update = new PolicyGradientUpdate({ config, sizes, ac, models, kernelSizes, kernels, buffers });
    const { essRecord } = kernels;
    const trainer = await ac.finish(
      config,
      {
        learningRates: (iteration) => variants.map((v) => policyGradientLearningRate(config, iteration, v.learningRate)),
        encode: (encoder) => update.encode(encoder),
        encodeReport(encoder, report) {
          if (!essRecord) return;
          for (let g = 0; g < G; g += 1) {
            encoder.copyBufferToBuffer(buffers.essHistory, 4 * g * ESS_HISTORY_WORDS, report, 4 * (g * REPORT_WORDS + ALGORITHM_BASE), 4 * ESS_HISTORY_WORDS);
          }
        },
        statistics: models.statistics,
        requiredStatistics: requiredStatistics({ valueLoss: trainCritic }),
        // A population's statistics see the [T][N] weights of its first (weights, baseline) pair.
        statisticsInputs: ac.statisticsInputs({ returns: population ? buffers.comboBuffers[0]!.timeMajor : valueTargetsOf({ sizes, buffers }), coefficients: buffers.coefficients }),
      },
      config.batchSize,
    );
    const { actor, critic } = ac;
    const p = ac.buffers;
    return {
      ...trainer,
      layouts: { actor, critic },
      buffers: { parameters: p.parameters, gradients: p.gradients, actorParameters: p.actorParameters, criticParameters: p.criticParameters, transitions: ac.transitions },
    };
  } catch (error) {
    ac.destroy();
    throw error;
  }
}
