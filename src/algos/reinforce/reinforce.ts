/**
 * REINFORCE (Williams 1992), every phase on the GPU, ONE gradient step per batch (on-policy). Reads
 * in phase order: setup, then one iteration = collect → weights (total return or reward-to-go) →
 * baseline (none | batch mean | per-timestep mean | learned V) → [normalise] → one full-batch step
 * of L = −Â·log π − c·H (+ c_v·½(V − w)² when the critic is the baseline) → statistics, in one
 * command buffer.
 *
 * The same step serves `a2c` (./a2c.ts), whose weights are GAE(λ) advantages with V as baseline:
 * `createPolicyGradientTrainer` takes the estimator as a plan. It reuses PPO's pieces (rollout,
 * returns, baselines, normaliser, loss kernels, MLP passes, statistics) on the scaffold of
 * src/train/actor-critic.ts (envs, rollout, joint parameters, Adam, report, loop). Without
 * minibatches no permutation or gather is needed: the networks read the rollout's buffers directly
 * (rows t·N + n).
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
import { BufferSet } from '../../gpu/index';
import { createKernel, type Kernel, type KernelSpec } from '../../gpu/kernel';
import { packLossCoefficients } from '../../losses/layout';
import { essRecordKernel } from '../../losses/ess';
import { entropyBonusKernel, surrogateLossKernel, trajectoryWeightsKernel, valueLossKernel } from '../../losses/losses';
import { createStatistics } from '../../losses/statistics';
import { createMlpPasses } from '../../nn/mlp';
import { createBaseline, type BaselineKind } from '../../returns/baselines';
import { createAdvantageNormaliser } from '../../returns/normalise';
import { createReturns, returnsInputs, type ReturnEstimator } from '../../returns/returns';
import { createActorCritic } from '../../train/actor-critic';
import { createPolicyHead } from '../../train/policy-head';
import { splitPoint } from '../../gpu/split-point';
import { requiredStatistics } from '../../train/nan-guard';
import { ALGORITHM_BASE, ALGORITHM_WORDS, REPORT_WORDS } from '../../train/report';
import { gatherRowsKernel } from '../../rollout/kernels';
import type { Trainer } from '../../train/trainer';
import {
  resolveReinforceConfig,
  type ReinforceConfig,
  type ResolvedPolicyGradientConfig,
  type ResolvedReinforceConfig,
  type ResolvedReinforceVariant,
  type ReinforceWeights,
} from './config';


/** What the one-step trainer estimates: the weights and what is subtracted from them. */
export interface PolicyGradientPlan {
  readonly name: string;
  readonly estimator: ReturnEstimator;
  /** GAE's λ ('gae' only). */
  readonly lambda?: number;
  /** Subtracted from the weights; 'gae' already yields advantages (the critic is the baseline). */
  readonly baseline: BaselineKind | 'gae';
  /**
   * Off-policy reuse: K full-batch gradient steps on each rollout, step k > 0 weighting each row by
   * π_θ/π_behaviour per step ('importance') or by the product over its trajectory segment
   * ('trajectory'); absent: one on-policy step of the 'weighted' surrogate.
   */
  readonly offPolicy?: { readonly updateSteps: number; readonly importance: 'importance' | 'trajectory'; readonly cap?: number };
  /**
   * A population (G = length > 1): agent g's weights, baseline ('none' | 'value'), learning rate,
   * normAdv and off-policy K, replacing `estimator`, `baseline`, the config's rate and normAdv, and
   * offPolicy.updateSteps.
   */
  readonly variants?: readonly ResolvedReinforceVariant[];
}

/** Report words (algorithm area) of an off-policy update: [steps recorded, ESS/n of step 0, 1, …]. */
export const ESS_HISTORY_WORDS = ALGORITHM_WORDS;

/** The learning rate of iteration i (0-based), annealed linearly when asked. */
export function policyGradientLearningRate(config: ResolvedPolicyGradientConfig, iteration: number, learningRate = config.learningRate): number {
  return config.annealLr ? (1 - iteration / config.numIterations) * learningRate : learningRate;
}

/** Builds a REINFORCE trainer; the config is validated before any GPU work. */
export async function createReinforceTrainer(device: GPUDevice, input: ReinforceConfig = {}): Promise<Trainer<ResolvedReinforceConfig>> {
  const config = resolveReinforceConfig(input);
  return createPolicyGradientTrainer(device, config, { name: 'reinforce', estimator: config.weights, baseline: config.baseline, variants: config.variants });
}

/** One full-batch gradient step per rollout (K off-policy), with the weights and baseline of `plan`. */
export async function createPolicyGradientTrainer<C extends ResolvedPolicyGradientConfig>(
  device: GPUDevice,
  config: C,
  plan: PolicyGradientPlan,
): Promise<Trainer<C>> {
  const { numSteps: T } = config;
  const { name } = plan;
  const G = plan.variants?.length ?? 1;
  const population = G > 1;
  // numEnvs is per agent; B: each agent's batch.
  const N = config.numEnvs * G;
  const B = T * config.numEnvs;
  const variants: readonly ResolvedReinforceVariant[] = plan.variants ?? [
    {
      weights: plan.estimator as ReinforceWeights,
      baseline: plan.baseline as BaselineKind,
      learningRate: config.learningRate,
      normAdv: config.normAdv,
      trajectories: config.numEnvs,
      updateSteps: plan.offPolicy?.updateSteps ?? 1,
    },
  ];
  const learnedBaseline = (v: ResolvedReinforceVariant) => v.baseline === 'value';
  const trainCritic = plan.baseline === 'gae' || (population ? variants.some(learnedBaseline) : plan.baseline === 'value');
  const stepsOf = variants.map((v) => (plan.offPolicy ? v.updateSteps : 1));
  const K = Math.max(...stepsOf);
  const ac = await createActorCritic(device, { ...config, name, numEnvs: N, agents: G, trainCritic });
  const { own, actor, critic } = ac;
  const masked = ac.masked;
  const OBS = actor.spec.inputSize;
  const tr = ac.transitions;
  const rolloutInputs = returnsInputs(tr);
  const p = ac.buffers;
  try {
    // ---- setup: weights, baseline, normaliser ----
    // A population computes each (weights, bootstrapped?) pair its agents use over all envs ([T][N]),
    // gathers the batch agent-major ([G][T][N/G], the order of each agent's solo rows), and copies
    // each agent's own weights into place: agent g then reads what its solo run reads.
    const combos = population
      ? [...new Set(variants.map((v) => `${v.weights}|${learnedBaseline(v)}`))].map((key) => {
          const [estimator, critic] = key.split('|') as [ReinforceWeights, string];
          return { key, estimator: estimator as ReturnEstimator, critic: critic === 'true' };
        })
      : [{ key: 'solo', estimator: plan.estimator, critic: trainCritic }];
    const returns = await Promise.all(
      combos.map(async (combo) =>
        own(
          await createReturns(device, {
            steps: T,
            envs: N,
            agents: G,
            estimator: combo.estimator,
            gamma: config.gamma,
            ...(plan.lambda === undefined ? {} : { lambda: plan.lambda }),
            critic: combo.critic,
            label: `${name}.returns.${combo.estimator}`,
          }),
        ),
      ),
    );
    // Agent-major shape of the population's batch: one "step" of G·B rows, segment g = agent g.
    const shape = population ? { steps: 1, envs: G * B, agents: G } : { steps: T, envs: N };
    const baselineKind = population ? (variants.some(learnedBaseline) ? 'value' : 'none') : plan.baseline;
    const baseline = baselineKind === 'gae' ? undefined : own(await createBaseline(device, { kind: baselineKind, ...shape, label: `${name}.baseline` }));
    const normalises = variants.some((v) => v.normAdv);
    const normaliser = normalises ? own(await createAdvantageNormaliser(device, { ...shape, label: `${name}.normalise` })) : undefined;

    // ---- setup: networks' passes over the whole batch, statistics ----
    const actorPasses = own(await createMlpPasses(device, actor, { agents: G, rowsPerAgent: B, label: `${name}.actor` }));
    const criticPasses = trainCritic ? own(await createMlpPasses(device, critic, { agents: G, rowsPerAgent: B, label: `${name}.critic` })) : undefined;
    const statistics = own(
      await createStatistics(device, { agents: G, steps: T, envs: N, minibatches: 1, updates: 1, valueLoss: trainCritic, critic: trainCritic, label: `${name}.statistics` }),
    );

    // ---- setup: update kernels ----
    // The categorical head evaluates and differentiates each branch of a multi-discrete space over
    // its slice of the logits (src/nn/heads-multi-discrete.ts); log π sums the branches, so the
    // loss kernels and the trajectory weights read one log π per row whatever K is.
    const head = await createPolicyHead(device, { kind: 'categorical', actor, agents: G, rowsPerAgent: B, masked, branches: ac.branches, label: name });
    // A: the Σ nvec logits (and mask words) of a row; actionWords: its actions, 1 or K branches.
    const A = head.width;
    const actionWords = head.actionWords;
    const loss = { agents: G, batchPerAgent: B, minibatches: 1 };
    const batch = { steps: T, envs: N, agents: G, rowsPerAgent: B };
    const sizes = {
      surrogate: surrogateLossKernel({ ...loss, objective: plan.offPolicy?.importance ?? 'weighted' }),
      trajectoryWeights: trajectoryWeightsKernel({ steps: T, envs: N, ...(plan.offPolicy?.cap === undefined ? {} : { cap: plan.offPolicy.cap }) }),
      essRecord: essRecordKernel({ agents: G, rowsPerAgent: B, historyWords: ESS_HISTORY_WORDS }),
      entropyBonus: entropyBonusKernel(loss),
      valueLoss: valueLossKernel({ ...loss, clipped: false }),
      gatherObservations: gatherRowsKernel({ ...batch, width: OBS }),
      gatherScalar: gatherRowsKernel({ ...batch, width: 1 }),
      gatherActions: gatherRowsKernel({ ...batch, width: actionWords }),
      gatherMasks: gatherRowsKernel({ ...batch, width: A }),
    };
    const compile = (s: { spec: KernelSpec }) => createKernel(device, { ...s.spec, label: `${name}.${s.spec.label}` });
    const surrogate = await compile(sizes.surrogate);
    const entropyBonus = await compile(sizes.entropyBonus);
    const valueLoss = trainCritic ? await compile(sizes.valueLoss) : undefined;
    const trajectoryWeights = plan.offPolicy?.importance === 'trajectory' ? await compile(sizes.trajectoryWeights) : undefined;
    if (trajectoryWeights && population) throw new RangeError(`${name}: trajectory importance weights need agents = 1 (got ${G})`);
    const essRecord = plan.offPolicy ? await compile(sizes.essRecord) : undefined;
    const gatherObservations = population ? await compile(sizes.gatherObservations) : undefined;
    const gatherScalar = population ? await compile(sizes.gatherScalar) : undefined;
    const gatherActions = population && actionWords > 1 ? await compile(sizes.gatherActions) : gatherScalar;
    const gatherMasks = population && masked ? await compile(sizes.gatherMasks) : undefined;

    const words = (count: number) => ({ size: 4 * count });
    const gathered = (count: number) => words(population ? count : 4);
    const set = own(
      new BufferSet(device, name, {
        weights: words(G * B),
        advantages: words(G * B),
        normalisedAdvantages: words(G * B),
        valueTargets: words(G * B),
        logProbs: words(G * B),
        entropies: words(G * B),
        logProbGrads: words(G * B),
        entropyGrads: words(G * B),
        logitGrads: words(G * B * A),
        valueGrads: words(G * B),
        trajectoryWeights: words(trajectoryWeights ? G * B : 4),
        essHistory: words(G * ESS_HISTORY_WORDS),
        coefficients: words(8 * G),
        unused: words(4),
        // A population's agent-major rows, its per-combo weights [T][N] and their agent-major copies.
        rowIndices: gathered(G * B),
        gatherParams: { size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
        observations: gathered(G * B * OBS),
        actions: gathered(G * B * actionWords),
        masks: gathered(masked ? G * B * A : 1),
        oldLogProbs: gathered(G * B),
        values: gathered(G * B),
        // NaN × numEnvs: written over the rows an agent's gradient leaves out, so the normaliser's moments skip them.
        nans: words(config.numEnvs),
        // u32 [K][G]: agent g steps at step k while k < its own K (the optimiser's active flags).
        stepFlags: words(K * G),
      }),
    );
    const b = set.buffers;
    const comboBuffers = population
      ? combos.map((combo, c) => own(new BufferSet(device, `${name}.weights[${c}]`, { timeMajor: words(G * B), agentMajor: words(G * B) })).buffers)
      : [];
    const { queue } = device;
    // A learned baseline's value loss is switched off (c_v = 0: zero critic gradients, so Adam leaves
    // the critic at its initialisation) for the agents without one, as their solo runs train no critic.
    queue.writeBuffer(
      b.coefficients,
      0,
      packLossCoefficients(
        G,
        variants.map((v) => ({ entCoef: config.entCoef, vfCoef: !population || learnedBaseline(v) ? config.vfCoef : 0 })),
      ),
    );
    queue.writeBuffer(b.stepFlags, 0, new Uint32Array(Array.from({ length: K * G }, (_, i) => (Math.floor(i / G) < stepsOf[i % G]! ? 1 : 0))));
    const perAgentK = stepsOf.some((k) => k !== K);
    queue.writeBuffer(b.nans, 0, new Float32Array(config.numEnvs).fill(Number.NaN));
    // "N trajectories per update": agent g's rows of envs j ≥ N_g, per timestep t one run of words at
    // g·B + t·(N/G) + N_g in both layouts (agent-major, and a solo run's [T][N]).
    const leftOut = variants.flatMap((v, g) =>
      v.trajectories < config.numEnvs
        ? [{ normalised: v.normAdv, ranges: Array.from({ length: T }, (_, t) => [4 * (g * B + t * config.numEnvs + v.trajectories), 4 * (config.numEnvs - v.trajectories)] as const) }]
        : [],
    );
    const clearLeftOut = (encoder: GPUCommandEncoder, buffer: GPUBuffer, which: (normalised: boolean) => boolean) => {
      for (const agent of leftOut) if (which(agent.normalised)) for (const [offset, size] of agent.ranges) encoder.clearBuffer(buffer, offset, size);
    };
    if (population) {
      // Agent g's row k is its sample t·(N/G) + j, i.e. the rollout's row t·N + g·N/G + j.
      const perAgentEnvs = config.numEnvs;
      const indices = new Uint32Array(G * B);
      for (let g = 0; g < G; g += 1) {
        for (let k = 0; k < B; k += 1) indices[g * B + k] = Math.floor(k / perAgentEnvs) * N + g * perAgentEnvs + (k % perAgentEnvs);
      }
      queue.writeBuffer(b.rowIndices, 0, indices);
      queue.writeBuffer(b.gatherParams, 0, new Uint32Array(4));
    }
    const rows = population
      ? { observations: b.observations, actions: b.actions, masks: b.masks, oldLogProbs: b.oldLogProbs, values: b.values }
      : { observations: tr.observations, actions: tr.actions, masks: tr.masks, oldLogProbs: tr.logProbs, values: tr.values };
    type Gather = readonly [Kernel, GPUBuffer, GPUBuffer, number];
    const gatherList: Gather[] = population
      ? [
          [gatherObservations!, tr.observations, b.observations, sizes.gatherObservations.invocations],
          [gatherActions!, tr.actions, b.actions, sizes.gatherActions.invocations],
          ...(gatherMasks ? [[gatherMasks, tr.masks!, b.masks, sizes.gatherMasks.invocations] as const] : []),
          [gatherScalar!, tr.logProbs, b.oldLogProbs, sizes.gatherScalar.invocations],
          [gatherScalar!, tr.values, b.values, sizes.gatherScalar.invocations],
          ...comboBuffers.map((w): Gather => [gatherScalar!, w.timeMajor, w.agentMajor, sizes.gatherScalar.invocations]),
        ]
      : [];
    const gathers = gatherList.map(([kernel, source, destination, invocations]) => ({
      kernel,
      invocations,
      group: kernel.bind({ params: b.gatherParams, indices: b.rowIndices, source, destination }),
    }));

    // Bind groups, once. The critic's target: GAE's A + V, or the REINFORCE weight itself.
    const advantageSource = normaliser ? b.normalisedAdvantages : b.advantages;
    const valueTargets = plan.baseline === 'gae' ? b.valueTargets : b.weights;
    const logits = actorPasses.outputs.policy!;
    const terms = statistics.buffers.lossTerms;
    const policy = head.bind({
      outputs: logits,
      parameters: p.actorParameters,
      actions: rows.actions,
      logProbs: b.logProbs,
      entropies: b.entropies,
      logProbGrads: b.logProbGrads,
      entropyGrads: b.entropyGrads,
      outputGrads: b.logitGrads,
      parameterGrads: p.actorGradients,
      logStdTerms: b.unused,
      unused: b.unused,
      // Masked: log π and H over the legal actions each row was sampled under.
      ...(masked ? { mask: rows.masks! } : {}),
    });
    const surrogateGroup = surrogate.bind({
      log_probs: b.logProbs,
      old_log_probs: rows.oldLogProbs,
      advantages: advantageSource,
      trajectory_weights: trajectoryWeights ? b.trajectoryWeights : b.unused,
      coefficients: b.coefficients,
      log_prob_grads: b.logProbGrads,
      terms,
    });
    const trajectoryGroup = trajectoryWeights?.bind({
      log_probs: b.logProbs,
      old_log_probs: tr.logProbs,
      terminated: tr.terminated,
      truncated: tr.truncated,
      weights: b.trajectoryWeights,
    });
    const essGroup = essRecord?.bind({ terms, history: b.essHistory });
    const entropyGroup = entropyBonus.bind({ entropies: b.entropies, coefficients: b.coefficients, entropy_grads: b.entropyGrads, terms });
    const valueLossGroup = valueLoss?.bind({
      values: criticPasses!.outputs.value!,
      returns: valueTargets,
      old_values: rows.values,
      coefficients: b.coefficients,
      value_grads: b.valueGrads,
      terms,
    });

    // ---- one iteration, after the scaffold's rollout ----
    const encodeWeights = (encoder: GPUCommandEncoder) => {
      if (!population) {
        // Weights: total return, reward-to-go, or GAE advantages (with the critic's targets A + V).
        returns[0]!.encode(encoder, { ...rolloutInputs, output: plan.baseline === 'gae' ? b.advantages : b.weights, ...(plan.baseline === 'gae' ? { returns: b.valueTargets } : {}) });
        return;
      }
      returns.forEach((r, c) => r.encode(encoder, { ...rolloutInputs, output: comboBuffers[c]!.timeMajor }));
    };

    const encodeUpdate = (encoder: GPUCommandEncoder) => {
      encodeWeights(encoder);
      if (population) {
        const pass = encoder.beginComputePass({ label: `${name}.gather` });
        for (const g of gathers) g.kernel.dispatch(pass, g.group, g.invocations);
        pass.end();
        variants.forEach((v, g) => {
          const c = combos.findIndex((combo) => combo.key === `${v.weights}|${learnedBaseline(v)}`);
          encoder.copyBufferToBuffer(comboBuffers[c]!.agentMajor, 4 * g * B, b.weights, 4 * g * B, 4 * B);
        });
      }

      // Baseline, then normalisation over each agent's batch; agents without a baseline take w itself.
      baseline?.encode(encoder, { weights: b.weights, values: rows.values, advantages: b.advantages });
      if (population && baselineKind === 'value') {
        variants.forEach((v, g) => {
          if (!learnedBaseline(v)) encoder.copyBufferToBuffer(b.weights, 4 * g * B, b.advantages, 4 * g * B, 4 * B);
        });
      }
      // Rows an agent's gradient leaves out: NaN before its normalisation (the moments skip them), 0 after.
      for (const agent of leftOut) {
        for (const [offset, size] of agent.ranges) {
          if (agent.normalised) encoder.copyBufferToBuffer(b.nans, 0, b.advantages, offset, size);
          else encoder.clearBuffer(b.advantages, offset, size);
        }
      }
      normaliser?.encode(encoder, { advantages: b.advantages, output: b.normalisedAdvantages });
      if (population && normaliser) {
        variants.forEach((v, g) => {
          if (!v.normAdv) encoder.copyBufferToBuffer(b.advantages, 4 * g * B, b.normalisedAdvantages, 4 * g * B, 4 * B);
        });
      }
      clearLeftOut(encoder, b.normalisedAdvantages, (normalised) => normalised);

      if (essRecord) encoder.clearBuffer(b.essHistory);
      for (let k = 0; k < K; k += 1) {
        // Agents past their own K sit the remaining steps out (Adam's per-agent active flag).
        // Where a paced loop may let a frame go by (K steps of a population are long on a CPU adapter).
        splitPoint(encoder);
        if (perAgentK) encoder.copyBufferToBuffer(b.stepFlags, 4 * k * G, ac.optimizer.buffers.active, 0, 4 * G);
        encodeStep(encoder);
      }
      if (perAgentK) encoder.copyBufferToBuffer(b.stepFlags, 0, ac.optimizer.buffers.active, 0, 4 * G);
    };

    const encodeStep = (encoder: GPUCommandEncoder) => {
      // Policy: L = −Â·log π − c·H over the batch (off-policy: −r·Â or −ρ̄·Â·log π), back through
      // the categorical head and the actor.
      actorPasses.encodeForward(encoder, { params: p.actorParameters, inputs: rows.observations });
      const pass = encoder.beginComputePass({ label: `${name}.policy-loss` });
      policy.evaluate(pass);
      if (trajectoryWeights && trajectoryGroup) trajectoryWeights.dispatch(pass, trajectoryGroup, sizes.trajectoryWeights.invocations);
      surrogate.dispatch(pass, surrogateGroup, sizes.surrogate.invocations);
      if (essRecord && essGroup) essRecord.dispatch(pass, essGroup, sizes.essRecord.invocations);
      entropyBonus.dispatch(pass, entropyGroup, sizes.entropyBonus.invocations);
      policy.backward(pass);
      pass.end();
      actorPasses.encodeBackward(encoder, { params: p.actorParameters, inputs: rows.observations, headGrads: { policy: b.logitGrads }, paramGrads: p.actorGradients });

      // Value: c_v · ½(V − target)², back through the critic (a learned baseline only).
      if (criticPasses && valueLoss && valueLossGroup) {
        criticPasses.encodeForward(encoder, { params: p.criticParameters, inputs: rows.observations });
        const valuePass = encoder.beginComputePass({ label: `${name}.value-loss` });
        valueLoss.dispatch(valuePass, valueLossGroup, sizes.valueLoss.invocations);
        valuePass.end();
        clearLeftOut(encoder, b.valueGrads, () => true);
        criticPasses.encodeBackward(encoder, { params: p.criticParameters, inputs: rows.observations, headGrads: { value: b.valueGrads }, paramGrads: p.criticGradients });
      }

      // ONE Adam step over [actor | critic], clipped by the joint gradient norm.
      ac.encodeStep(encoder);
    };

    return await ac.finish(
      config,
      {
        learningRates: (iteration) => variants.map((v) => policyGradientLearningRate(config, iteration, v.learningRate)),
        encode: encodeUpdate,
        encodeReport(encoder, report) {
          if (!essRecord) return;
          for (let g = 0; g < G; g += 1) {
            encoder.copyBufferToBuffer(b.essHistory, 4 * g * ESS_HISTORY_WORDS, report, 4 * (g * REPORT_WORDS + ALGORITHM_BASE), 4 * ESS_HISTORY_WORDS);
          }
        },
        statistics,
        requiredStatistics: requiredStatistics({ valueLoss: trainCritic }),
        // A population's statistics see the [T][N] weights of its first (weights, baseline) pair.
        statisticsInputs: ac.statisticsInputs({ returns: population ? comboBuffers[0]!.timeMajor : valueTargets, coefficients: b.coefficients }),
      },
      config.batchSize,
    );
  } catch (error) {
    ac.destroy();
    throw error;
  }
}
