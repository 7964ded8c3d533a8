/**
 * The one-step policy-gradient update (./reinforce.ts), as the steps that build it: the sizes and
 * per-agent estimators resolved once from the config and the plan, the models (returns, baseline,
 * normaliser, MLP passes, policy head, statistics), the kernels, the buffers (with what is written
 * once), the bind groups, and `PolicyGradientUpdate`, which records one iteration's weights,
 * advantages and K gradient steps.
 *
 * The policy head is the actor's own (src/train/policy-head.ts): categorical for a (multi-)discrete
 * env, a diagonal Gaussian with the actor's learned log-std for a box, both for a hybrid env. The
 * loss kernels and the trajectory weights read one log π per row whatever the head, so everything
 * between the head's evaluate and backward is the same for every kind; what depends on it is sized
 * from the head: action words per row (1, K branches, D floats or D + K), mask words (Σ nvec), the
 * output gradient's width (D + Σ nvec) and the Gaussian's [rows][D] log-std scratch.
 */
import { BufferSet } from '../../gpu/index';
import { createKernel, type Kernel, type KernelSpec } from '../../gpu/kernel';
import { splitPoint } from '../../gpu/split-point';
import { essRecordKernel } from '../../losses/ess';
import { packLossCoefficients } from '../../losses/layout';
import { entropyBonusKernel, surrogateLossKernel, trajectoryWeightsKernel, valueLossKernel } from '../../losses/losses';
import { createStatistics, type Statistics } from '../../losses/statistics';
import { createMlpPasses, type MlpPasses } from '../../nn/mlp';
import { createBaseline, type Baseline, type BaselineKind } from '../../returns/baselines';
import { createAdvantageNormaliser, type AdvantageNormaliser } from '../../returns/normalise';
import { createReturns, returnsInputs, type ReturnEstimator, type Returns } from '../../returns/returns';
import { gatherRowsKernel } from '../../rollout/kernels';
import type { ActorCritic } from '../../train/actor-critic';
import { createPolicyHead, type PolicyHead } from '../../train/policy-head';
import { ALGORITHM_WORDS } from '../../train/report';
import type { ResolvedPolicyGradientConfig, ResolvedReinforceVariant, ReinforceWeights } from './config';

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

/** Whether an agent's baseline is the learned critic. */
const learnedBaseline = (v: ResolvedReinforceVariant) => v.baseline === 'value';

/** One (weights, bootstrapped?) pair a population's agents use, computed over all envs. */
interface WeightsCombo {
  readonly key: string;
  readonly estimator: ReturnEstimator;
  readonly critic: boolean;
}

/** The combo key of an agent's estimator. */
const comboKey = (v: ResolvedReinforceVariant) => `${v.weights}|${learnedBaseline(v)}`;

/** The update's derived sizes and per-agent estimators, resolved once. */
export interface PolicyGradientSizes {
  readonly name: string;
  readonly plan: PolicyGradientPlan;
  /** Steps; agents; envs of all agents; each agent's batch T·numEnvs. */
  readonly T: number;
  readonly G: number;
  readonly N: number;
  readonly B: number;
  readonly population: boolean;
  /** One per agent (G = 1: the plan's estimator with the config's rate and normAdv). */
  readonly variants: readonly ResolvedReinforceVariant[];
  /** Each agent's gradient steps per batch, and their maximum K. */
  readonly stepsOf: readonly number[];
  readonly K: number;
  /** Some agent takes fewer than K steps: the optimiser's active flags change per step. */
  readonly perAgentK: boolean;
  readonly trainCritic: boolean;
  /** The (weights, bootstrapped?) pairs computed: one ('solo') without a population. */
  readonly combos: readonly WeightsCombo[];
}

export function resolvePolicyGradientSizes(config: ResolvedPolicyGradientConfig, plan: PolicyGradientPlan): PolicyGradientSizes {
  const G = plan.variants?.length ?? 1;
  const population = G > 1;
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
  const trainCritic = plan.baseline === 'gae' || (population ? variants.some(learnedBaseline) : plan.baseline === 'value');
  const stepsOf = variants.map((v) => (plan.offPolicy ? v.updateSteps : 1));
  const K = Math.max(...stepsOf);
  const combos: WeightsCombo[] = population
    ? [...new Set(variants.map(comboKey))].map((key) => {
        const [estimator, critic] = key.split('|') as [ReinforceWeights, string];
        return { key, estimator, critic: critic === 'true' };
      })
    : [{ key: 'solo', estimator: plan.estimator, critic: trainCritic }];
  return {
    name: plan.name,
    plan,
    T: config.numSteps,
    G,
    // numEnvs is per agent; B: each agent's batch.
    N: config.numEnvs * G,
    B: config.numSteps * config.numEnvs,
    population,
    variants,
    stepsOf,
    K,
    perAgentK: stepsOf.some((k) => k !== K),
    trainCritic,
    combos,
  };
}

/** Returns per combo, baseline, normaliser, the networks' passes over the whole batch, head and statistics. */
export interface PolicyGradientModels {
  readonly returns: readonly Returns[];
  /** What the baseline kernel subtracts ('gae': nothing, GAE's advantages already have V subtracted). */
  readonly baselineKind: BaselineKind | 'gae';
  readonly baseline: Baseline | undefined;
  readonly normaliser: AdvantageNormaliser | undefined;
  readonly actorPasses: MlpPasses;
  readonly criticPasses: MlpPasses | undefined;
  readonly statistics: Statistics;
  readonly head: PolicyHead;
}

export async function createPolicyGradientModels(
  device: GPUDevice,
  config: ResolvedPolicyGradientConfig,
  sizes: PolicyGradientSizes,
  ac: ActorCritic,
): Promise<PolicyGradientModels> {
  const { name, plan, T, G, N, B, population, variants, trainCritic } = sizes;
  const { own, actor, critic } = ac;
  // A population computes each (weights, bootstrapped?) pair its agents use over all envs ([T][N]),
  // gathers the batch agent-major ([G][T][N/G], the order of each agent's solo rows), and copies
  // each agent's own weights into place: agent g then reads what its solo run reads.
  const returns = await Promise.all(
    sizes.combos.map(async (combo) =>
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
  const normaliser = variants.some((v) => v.normAdv) ? own(await createAdvantageNormaliser(device, { ...shape, label: `${name}.normalise` })) : undefined;
  const passes = { agents: G, rowsPerAgent: B };
  const actorPasses = own(await createMlpPasses(device, actor, { ...passes, label: `${name}.actor` }));
  const criticPasses = trainCritic ? own(await createMlpPasses(device, critic, { ...passes, label: `${name}.critic` })) : undefined;
  const statistics = own(
    await createStatistics(device, { agents: G, steps: T, envs: N, minibatches: 1, updates: 1, valueLoss: trainCritic, critic: trainCritic, label: `${name}.statistics` }),
  );
  // The actor's own head: log π sums a multi-discrete space's branches (and a hybrid space's
  // Gaussian and branches), so the loss kernels read one log π per row whatever the space.
  const head = await createPolicyHead(device, { kind: ac.policy, actor, ...passes, masked: ac.masked, branches: ac.branches, label: name });
  return { returns, baselineKind, baseline, normaliser, actorPasses, criticPasses, statistics, head };
}

/** Every update kernel's spec and invocations per dispatch. */
export function policyGradientKernelSizes(sizes: PolicyGradientSizes, ac: ActorCritic, head: PolicyHead) {
  const { plan, T, G, N, B } = sizes;
  const loss = { agents: G, batchPerAgent: B, minibatches: 1 };
  const batch = { steps: T, envs: N, agents: G, rowsPerAgent: B };
  return {
    surrogate: surrogateLossKernel({ ...loss, objective: plan.offPolicy?.importance ?? 'weighted' }),
    trajectoryWeights: trajectoryWeightsKernel({ steps: T, envs: N, ...(plan.offPolicy?.cap === undefined ? {} : { cap: plan.offPolicy.cap }) }),
    essRecord: essRecordKernel({ agents: G, rowsPerAgent: B, historyWords: ESS_HISTORY_WORDS }),
    entropyBonus: entropyBonusKernel(loss),
    valueLoss: valueLossKernel({ ...loss, clipped: false }),
    gatherObservations: gatherRowsKernel({ ...batch, width: ac.actor.spec.inputSize }),
    gatherScalar: gatherRowsKernel({ ...batch, width: 1 }),
    // A row's actions: 1 word, K branches, D floats, or D floats then K branches (moved as bits).
    gatherActions: gatherRowsKernel({ ...batch, width: head.actionWords }),
    // A row's mask covers the categorical branches only (Σ nvec words).
    gatherMasks: gatherRowsKernel({ ...batch, width: Math.max(1, head.maskWidth) }),
  };
}
export type PolicyGradientKernelSizes = ReturnType<typeof policyGradientKernelSizes>;

/** Compiles the kernels this configuration dispatches; the others stay undefined. */
export async function compilePolicyGradientKernels(device: GPUDevice, sizes: PolicyGradientSizes, ks: PolicyGradientKernelSizes, head: PolicyHead, masked: boolean) {
  const { name, plan, population, G, trainCritic } = sizes;
  const compile = (s: { spec: KernelSpec }) => createKernel(device, { ...s.spec, label: `${name}.${s.spec.label}` });
  const surrogate = await compile(ks.surrogate);
  const entropyBonus = await compile(ks.entropyBonus);
  const valueLoss = trainCritic ? await compile(ks.valueLoss) : undefined;
  const trajectoryWeights = plan.offPolicy?.importance === 'trajectory' ? await compile(ks.trajectoryWeights) : undefined;
  if (trajectoryWeights && population) throw new RangeError(`${name}: trajectory importance weights need agents = 1 (got ${G})`);
  const essRecord = plan.offPolicy ? await compile(ks.essRecord) : undefined;
  const gatherObservations = population ? await compile(ks.gatherObservations) : undefined;
  const gatherScalar = population ? await compile(ks.gatherScalar) : undefined;
  const gatherActions = population && head.actionWords > 1 ? await compile(ks.gatherActions) : gatherScalar;
  const gatherMasks = population && masked ? await compile(ks.gatherMasks) : undefined;
  return { surrogate, entropyBonus, valueLoss, trajectoryWeights, essRecord, gatherObservations, gatherScalar, gatherActions, gatherMasks };
}
export type PolicyGradientKernels = Awaited<ReturnType<typeof compilePolicyGradientKernels>>;

/** The update's buffers, owned by the trainer. */
export function createPolicyGradientBuffers(device: GPUDevice, config: ResolvedPolicyGradientConfig, sizes: PolicyGradientSizes, ac: ActorCritic, head: PolicyHead) {
  const { name, population, G, B, K } = sizes;
  const words = (count: number) => ({ size: 4 * count });
  const gathered = (count: number) => words(population ? count : 4);
  const rows = G * B;
  const set = ac.own(
    new BufferSet(device, name, {
      weights: words(rows),
      advantages: words(rows),
      normalisedAdvantages: words(rows),
      valueTargets: words(rows),
      logProbs: words(rows),
      entropies: words(rows),
      logProbGrads: words(rows),
      entropyGrads: words(rows),
      outputGrads: words(rows * head.width),
      // The Gaussian's per-row log-std terms, summed into the actor gradient's logStd slot.
      logStdTerms: words(head.continuousDims > 0 ? rows * head.continuousDims : 4),
      valueGrads: words(rows),
      trajectoryWeights: words(sizes.plan.offPolicy?.importance === 'trajectory' ? rows : 4),
      essHistory: words(G * ESS_HISTORY_WORDS),
      coefficients: words(8 * G),
      unused: words(4),
      // A population's agent-major rows, its per-combo weights [T][N] and their agent-major copies.
      rowIndices: gathered(rows),
      gatherParams: { size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
      observations: gathered(rows * ac.actor.spec.inputSize),
      actions: gathered(rows * head.actionWords),
      masks: gathered(ac.masked ? rows * head.maskWidth : 1),
      oldLogProbs: gathered(rows),
      values: gathered(rows),
      // NaN × numEnvs: written over the rows an agent's gradient leaves out, so the normaliser's moments skip them.
      nans: words(config.numEnvs),
      // u32 [K][G]: agent g steps at step k while k < its own K (the optimiser's active flags).
      stepFlags: words(K * G),
    }),
  );
  const comboBuffers = population
    ? sizes.combos.map((_, c) => ac.own(new BufferSet(device, `${name}.weights[${c}]`, { timeMajor: words(rows), agentMajor: words(rows) })).buffers)
    : [];
  writePolicyGradientConstants(device, config, sizes, set.buffers);
  return { ...set.buffers, comboBuffers };
}
export type PolicyGradientBuffers = ReturnType<typeof createPolicyGradientBuffers>;

/** What the update reads but never changes: loss coefficients, step flags, NaNs, a population's row order. */
function writePolicyGradientConstants(
  device: GPUDevice,
  config: ResolvedPolicyGradientConfig,
  sizes: PolicyGradientSizes,
  b: Omit<PolicyGradientBuffers, 'comboBuffers'>,
): void {
  const { population, variants, stepsOf, G, N, B, K } = sizes;
  const { queue } = device;
  // A learned baseline's value loss is switched off (c_v = 0: zero critic gradients, so Adam leaves
  // the critic at its initialisation) for the agents without one, as their solo runs train no critic.
  const coefficients = variants.map((v) => ({ entCoef: config.entCoef, vfCoef: !population || learnedBaseline(v) ? config.vfCoef : 0 }));
  queue.writeBuffer(b.coefficients, 0, packLossCoefficients(G, coefficients));
  queue.writeBuffer(b.stepFlags, 0, new Uint32Array(Array.from({ length: K * G }, (_, i) => (Math.floor(i / G) < stepsOf[i % G]! ? 1 : 0))));
  queue.writeBuffer(b.nans, 0, new Float32Array(config.numEnvs).fill(Number.NaN));
  if (!population) return;
  // Agent g's row k is its sample t·(N/G) + j, i.e. the rollout's row t·N + g·N/G + j.
  const perAgentEnvs = config.numEnvs;
  const indices = new Uint32Array(G * B);
  for (let g = 0; g < G; g += 1) {
    for (let k = 0; k < B; k += 1) indices[g * B + k] = Math.floor(k / perAgentEnvs) * N + g * perAgentEnvs + (k % perAgentEnvs);
  }
  queue.writeBuffer(b.rowIndices, 0, indices);
  queue.writeBuffer(b.gatherParams, 0, new Uint32Array(4));
}

/**
 * "N trajectories per update": agent g's rows of envs j ≥ N_g, per timestep t one run of words at
 * g·B + t·(N/G) + N_g in both layouts (agent-major, and a solo run's [T][N]), as [offset, size] in bytes.
 */
function leftOutRanges(config: ResolvedPolicyGradientConfig, sizes: PolicyGradientSizes) {
  const { variants, T, B } = sizes;
  return variants.flatMap((v, g) =>
    v.trajectories < config.numEnvs
      ? [{ normalised: v.normAdv, ranges: Array.from({ length: T }, (_, t) => [4 * (g * B + t * config.numEnvs + v.trajectories), 4 * (config.numEnvs - v.trajectories)] as const) }]
      : [],
  );
}

/** Everything the bind groups and the encode read, built by the steps above. */
export interface PolicyGradientParts {
  readonly config: ResolvedPolicyGradientConfig;
  readonly sizes: PolicyGradientSizes;
  readonly ac: ActorCritic;
  readonly models: PolicyGradientModels;
  readonly kernelSizes: PolicyGradientKernelSizes;
  readonly kernels: PolicyGradientKernels;
  readonly buffers: PolicyGradientBuffers;
}

/** The rows the networks read: the rollout's own, or a population's agent-major copies. */
function batchRows({ sizes, ac, buffers: b }: PolicyGradientParts) {
  const tr = ac.transitions;
  return sizes.population
    ? { observations: b.observations, actions: b.actions, masks: b.masks, oldLogProbs: b.oldLogProbs, values: b.values }
    : { observations: tr.observations, actions: tr.actions, masks: tr.masks, oldLogProbs: tr.logProbs, values: tr.values };
}

/** A population's gathers of the rollout's columns (and each combo's weights) into agent-major order. */
function bindPolicyGradientGathers({ sizes, ac, kernelSizes: ks, kernels: k, buffers: b }: PolicyGradientParts) {
  if (!sizes.population) return [];
  const tr = ac.transitions;
  type Gather = readonly [Kernel, GPUBuffer, GPUBuffer, number];
  const list: Gather[] = [
    [k.gatherObservations!, tr.observations, b.observations, ks.gatherObservations.invocations],
    [k.gatherActions!, tr.actions, b.actions, ks.gatherActions.invocations],
    ...(k.gatherMasks ? [[k.gatherMasks, tr.masks!, b.masks, ks.gatherMasks.invocations] as const] : []),
    [k.gatherScalar!, tr.logProbs, b.oldLogProbs, ks.gatherScalar.invocations],
    [k.gatherScalar!, tr.values, b.values, ks.gatherScalar.invocations],
    ...b.comboBuffers.map((w): Gather => [k.gatherScalar!, w.timeMajor, w.agentMajor, ks.gatherScalar.invocations]),
  ];
  return list.map(([kernel, source, destination, invocations]) => ({
    kernel,
    invocations,
    group: kernel.bind({ params: b.gatherParams, indices: b.rowIndices, source, destination }),
  }));
}

/** The policy head's and the losses' bind groups. */
function bindPolicyGradientLosses(parts: PolicyGradientParts) {
  const { ac, models, kernels: k, buffers: b } = parts;
  const p = ac.buffers;
  const tr = ac.transitions;
  const rows = batchRows(parts);
  const terms = models.statistics.buffers.lossTerms;
  const policy = models.head.bind({
    outputs: models.actorPasses.outputs.policy!,
    parameters: p.actorParameters,
    actions: rows.actions,
    logProbs: b.logProbs,
    entropies: b.entropies,
    logProbGrads: b.logProbGrads,
    entropyGrads: b.entropyGrads,
    outputGrads: b.outputGrads,
    parameterGrads: p.actorGradients,
    logStdTerms: b.logStdTerms,
    unused: b.unused,
    // Masked: log π and H over the legal actions each row was sampled under.
    ...(ac.masked ? { mask: rows.masks! } : {}),
  });
  const surrogateGroup = k.surrogate.bind({
    log_probs: b.logProbs,
    old_log_probs: rows.oldLogProbs,
    advantages: models.normaliser ? b.normalisedAdvantages : b.advantages,
    trajectory_weights: k.trajectoryWeights ? b.trajectoryWeights : b.unused,
    coefficients: b.coefficients,
    log_prob_grads: b.logProbGrads,
    terms,
  });
  const trajectoryGroup = k.trajectoryWeights?.bind({ log_probs: b.logProbs, old_log_probs: tr.logProbs, terminated: tr.terminated, truncated: tr.truncated, weights: b.trajectoryWeights });
  const essGroup = k.essRecord?.bind({ terms, history: b.essHistory });
  const entropyGroup = k.entropyBonus.bind({ entropies: b.entropies, coefficients: b.coefficients, entropy_grads: b.entropyGrads, terms });
  const valueLossGroup = k.valueLoss?.bind({
    values: models.criticPasses!.outputs.value!,
    returns: valueTargetsOf(parts),
    old_values: rows.values,
    coefficients: b.coefficients,
    value_grads: b.valueGrads,
    terms,
  });
  return { policy, surrogateGroup, trajectoryGroup, essGroup, entropyGroup, valueLossGroup };
}

/** The critic's target: GAE's A + V, or the REINFORCE weight itself. */
export function valueTargetsOf({ sizes, buffers: b }: Pick<PolicyGradientParts, 'sizes' | 'buffers'>): GPUBuffer {
  return sizes.plan.baseline === 'gae' ? b.valueTargets : b.weights;
}

/** Records one iteration's update after the scaffold's rollout: weights, advantages, then K gradient steps. */
export class PolicyGradientUpdate {
  private readonly rows: ReturnType<typeof batchRows>;
  private readonly gathers: ReturnType<typeof bindPolicyGradientGathers>;
  private readonly groups: ReturnType<typeof bindPolicyGradientLosses>;
  private readonly leftOut: ReturnType<typeof leftOutRanges>;
  /** Each agent's combo (its weights' source in a population). */
  private readonly comboOf: readonly number[];

  constructor(readonly parts: PolicyGradientParts) {
    const { config, sizes } = parts;
    this.rows = batchRows(parts);
    this.gathers = bindPolicyGradientGathers(parts);
    this.groups = bindPolicyGradientLosses(parts);
    this.leftOut = leftOutRanges(config, sizes);
    this.comboOf = sizes.variants.map((v) => sizes.combos.findIndex((combo) => combo.key === comboKey(v)));
  }

  encode(encoder: GPUCommandEncoder): void {
    const { sizes, ac, kernels: k, buffers: b } = this.parts;
    const { K, G, perAgentK } = sizes;
    this.encodeWeights(encoder);
    this.encodeAdvantages(encoder);
    if (k.essRecord) encoder.clearBuffer(b.essHistory);
    for (let step = 0; step < K; step += 1) {
      // Agents past their own K sit the remaining steps out (Adam's per-agent active flag).
      // Where a paced loop may let a frame go by (K steps of a population are long on a CPU adapter).
      splitPoint(encoder);
      if (perAgentK) encoder.copyBufferToBuffer(b.stepFlags, 4 * step * G, ac.optimizer.buffers.active, 0, 4 * G);
      this.encodeStep(encoder);
    }
    if (perAgentK) encoder.copyBufferToBuffer(b.stepFlags, 0, ac.optimizer.buffers.active, 0, 4 * G);
  }

  /** Weights: total return, reward-to-go, or GAE advantages (with the critic's targets A + V); a population's gathered agent-major. */
  private encodeWeights(encoder: GPUCommandEncoder): void {
    const { sizes, ac, models, buffers: b } = this.parts;
    const inputs = returnsInputs(ac.transitions);
    if (!sizes.population) {
      const gae = sizes.plan.baseline === 'gae';
      models.returns[0]!.encode(encoder, { ...inputs, output: gae ? b.advantages : b.weights, ...(gae ? { returns: b.valueTargets } : {}) });
      return;
    }
    models.returns.forEach((r, c) => r.encode(encoder, { ...inputs, output: b.comboBuffers[c]!.timeMajor }));
    const pass = encoder.beginComputePass({ label: `${sizes.name}.gather` });
    for (const g of this.gathers) g.kernel.dispatch(pass, g.group, g.invocations);
    pass.end();
    const B = sizes.B;
    this.comboOf.forEach((c, g) => encoder.copyBufferToBuffer(b.comboBuffers[c]!.agentMajor, 4 * g * B, b.weights, 4 * g * B, 4 * B));
  }

  /** Baseline, then normalisation over each agent's batch; agents without a baseline (or normalisation) take the raw values. */
  private encodeAdvantages(encoder: GPUCommandEncoder): void {
    const { sizes, models, buffers: b } = this.parts;
    const { population, variants, B } = sizes;
    const copyAgent = (from: GPUBuffer, to: GPUBuffer, g: number) => encoder.copyBufferToBuffer(from, 4 * g * B, to, 4 * g * B, 4 * B);
    models.baseline?.encode(encoder, { weights: b.weights, values: this.rows.values, advantages: b.advantages });
    if (population && models.baselineKind === 'value') {
      variants.forEach((v, g) => {
        if (!learnedBaseline(v)) copyAgent(b.weights, b.advantages, g);
      });
    }
    // Rows an agent's gradient leaves out: NaN before its normalisation (the moments skip them), 0 after.
    for (const agent of this.leftOut) {
      for (const [offset, size] of agent.ranges) {
        if (agent.normalised) encoder.copyBufferToBuffer(b.nans, 0, b.advantages, offset, size);
        else encoder.clearBuffer(b.advantages, offset, size);
      }
    }
    models.normaliser?.encode(encoder, { advantages: b.advantages, output: b.normalisedAdvantages });
    if (population && models.normaliser) {
      variants.forEach((v, g) => {
        if (!v.normAdv) copyAgent(b.advantages, b.normalisedAdvantages, g);
      });
    }
    this.clearLeftOut(encoder, b.normalisedAdvantages, (normalised) => normalised);
  }

  private clearLeftOut(encoder: GPUCommandEncoder, buffer: GPUBuffer, which: (normalised: boolean) => boolean): void {
    for (const agent of this.leftOut) if (which(agent.normalised)) for (const [offset, size] of agent.ranges) encoder.clearBuffer(buffer, offset, size);
  }

  /** One gradient step: the policy loss through the head and the actor, the value loss through the critic, one Adam step. */
  private encodeStep(encoder: GPUCommandEncoder): void {
    const { sizes, ac, models, kernelSizes: ks, kernels: k, buffers: b } = this.parts;
    const { actorPasses, criticPasses } = models;
    const g = this.groups;
    const p = ac.buffers;
    const observations = this.rows.observations;
    // Policy: L = −Â·log π − c·H over the batch (off-policy: −r·Â or −ρ̄·Â·log π), back through
    // the head (and the Gaussian's log-std) and the actor.
    actorPasses.encodeForward(encoder, { params: p.actorParameters, inputs: observations });
    const pass = encoder.beginComputePass({ label: `${sizes.name}.policy-loss` });
    g.policy.evaluate(pass);
    if (k.trajectoryWeights && g.trajectoryGroup) k.trajectoryWeights.dispatch(pass, g.trajectoryGroup, ks.trajectoryWeights.invocations);
    k.surrogate.dispatch(pass, g.surrogateGroup, ks.surrogate.invocations);
    if (k.essRecord && g.essGroup) k.essRecord.dispatch(pass, g.essGroup, ks.essRecord.invocations);
    k.entropyBonus.dispatch(pass, g.entropyGroup, ks.entropyBonus.invocations);
    g.policy.backward(pass);
    pass.end();
    actorPasses.encodeBackward(encoder, { params: p.actorParameters, inputs: observations, headGrads: { policy: b.outputGrads }, paramGrads: p.actorGradients });

    // Value: c_v · ½(V − target)², back through the critic (a learned baseline only).
    if (criticPasses && k.valueLoss && g.valueLossGroup) {
      criticPasses.encodeForward(encoder, { params: p.criticParameters, inputs: observations });
      const valuePass = encoder.beginComputePass({ label: `${sizes.name}.value-loss` });
      k.valueLoss.dispatch(valuePass, g.valueLossGroup, ks.valueLoss.invocations);
      valuePass.end();
      this.clearLeftOut(encoder, b.valueGrads, () => true);
      criticPasses.encodeBackward(encoder, { params: p.criticParameters, inputs: observations, headGrads: { value: b.valueGrads }, paramGrads: p.criticGradients });
    }

    // ONE Adam step over [actor | critic], clipped by the joint gradient norm.
    ac.encodeStep(encoder);
  }
}
