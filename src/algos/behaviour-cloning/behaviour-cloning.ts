/**
 * Behaviour cloning on the GPU: fit an actor to demonstrations (src/agent/demonstrations.ts) by
 * minimising the negative log-likelihood of the demonstrated actions,
 *   L(θ) = −(1/B) Σ_r log π_θ(a_r | s_r)   over a minibatch of B pairs,
 * (for a multi-discrete space log π = Σ_b log π_b, each branch a categorical over its slice of the
 * logits; for a hybrid one log π = log N(a_c; μ, σ²) + Σ_b log π_b, the Gaussian over the first D
 * outputs and the branches over the rest), which is the policy gradient with every weight equal to
 * one: the surrogate objective 'clone' (shaders/losses/surrogate.wgsl, ∂L/∂log π = −1/B), then the
 * same head backward, MLP backward and Adam as PPO's update. The trained parameters are in the
 * actor's mlpLayout order, so an agent copies them into PPO's actor to warm-start it.
 *
 * Reads in phase order: validation, setup (dataset upload, passes, head, loss, Adam, permutation
 * and gathers, the NLL reduction), then one epoch = a fresh Feistel permutation of the M pairs →
 * ⌊M/B⌋ minibatches of gather → forward → log π → surrogate → head backward → MLP backward → Adam
 * → the epoch's mean NLL reduced on the GPU, all in one submit. The mean NLL is read back through
 * a ring and reported up to two epochs late; nothing waits between submits.
 *
 * Remainder: when B does not divide M, each epoch uses the first ⌊M/B⌋·B positions of its
 * permutation and drops the other M mod B pairs, a different random set each epoch (as PyTorch's
 * DataLoader with drop_last and shuffle), so every pair is used in expectation and every step
 * averages over exactly B rows.
 *
 * No entropy bonus, no gradient clipping: the loss is the plain NLL. G = 1 (one actor).
 */
import { MAX_ACTION_BRANCHES } from '../../envs/action-branches';
import { MAX_ACTION_SIZE } from '../../envs/contract';
import { BufferSet } from '../../gpu/buffers';
import { createKernel, type KernelSpec } from '../../gpu/kernel';
import { readBufferOnce, ReadbackRing } from '../../gpu/readback';
import { createSegmentedMoments, decodeMoments, SEGMENT_STATS_BYTES, type SegmentedMoments } from '../../gpu/reduce';
import { LOSS_TERM, LOSS_TERM_COUNT, packLossCoefficients } from '../../losses/layout';
import { surrogateLossKernel } from '../../losses/losses';
import { initialParameters } from '../../nn/init';
import { createMlpPasses, type MlpPasses } from '../../nn/mlp';
import type { MlpLayout } from '../../nn/mlp-spec';
import { createOptimizer, type Optimizer } from '../../nn/optimizer';
import { MAX_DISCRETE_ACTIONS } from '../../rng/categories';
import { encodeRngParams, RNG_PARAMS_BYTES } from '../../rng/params';
import { feistelPermutationKernel, GATHER_PARAMS_BYTES, gatherRowsKernel } from '../../rollout/kernels';
import { createPolicyHead, type PolicyHead, type PolicyKind } from '../../train/policy-head';

/** The Philox stream of the per-epoch permutations of behaviour cloning ('BCP'). */
export const BC_PERMUTATION_STREAM = 0x424350;

export interface BehaviourCloningConfig {
  /**
   * The actor to train: the layout the agent's PPO uses (a 'policy' head; a Gaussian or hybrid one
   * with extras.logStd, whose length is a hybrid head's D continuous dims: hybridActorSpec).
   */
  readonly actor: MlpLayout;
  /**
   * Categorical logits over discrete actions, a Gaussian mean with the layout's learned log-std, or
   * hybrid: the D Gaussian means, then the logits of the branches.
   */
  readonly policy: PolicyKind;
  /**
   * The branch sizes of a categorical policy (a multi-discrete space's nvec: K branches summing to
   * the policy head's width) or of a hybrid one (its nvec, summing to the width less the D means);
   * log π = Σ_b log π_b over each branch's slice of the logits. Default one branch of all the
   * logits. Not for a Gaussian policy.
   */
  readonly branches?: readonly number[];
  /**
   * M pairs: observations f32 [M][inputSize]; actions u32 [M][K] (categorical: K = 1 for one
   * branch, word b in [0, branches[b])), f32 [M][D] (Gaussian), or u32 [M][D + K] (hybrid: each
   * row's D continuous values as f32 bit patterns, then its K branch indices, as
   * Demonstrations.toDataset() hands them over; the words are uploaded as they are).
   */
  readonly dataset: { readonly observations: Float32Array; readonly actions: Uint32Array | Float32Array };
  /** Passes over the dataset. */
  readonly epochs: number;
  /** B: pairs per Adam step, 1 ≤ B ≤ M; an epoch takes ⌊M/B⌋ steps. */
  readonly minibatchSize: number;
  /** Adam's learning rate (e.g. 1e-3). */
  readonly learningRate: number;
  /** Seeds the permutations, and the initial parameters when none are given. */
  readonly seed: number;
  /** Adam's ε; default 1e-5 (CleanRL's, as PPO). */
  readonly adamEpsilon?: number;
  /** f32 [P_actor]; default initialParameters(actor, seed) (CleanRL's orthogonal init). */
  readonly initialParameters?: Float32Array;
  /** Prefix of every GPU object's label; default 'bc'. */
  readonly label?: string;
}

export interface BehaviourCloning {
  /**
   * Runs `epochs` more epochs (one submit each) and resolves with each epoch's mean NLL, −mean
   * log π(a|s) over the pairs it used, each taken before that pair's step. `onEpoch` is called in
   * epoch order as the values arrive (up to two epochs late). A second call continues the run.
   */
  train(onEpoch?: (epoch: number, meanNll: number) => void): Promise<readonly number[]>;
  /** f32 [P_actor]: the trained actor in mlpLayout order (STORAGE | COPY_SRC | COPY_DST). */
  readonly parameters: GPUBuffer;
  /** ⌊M/B⌋: Adam steps per epoch. */
  readonly minibatchesPerEpoch: number;
  /** M mod B: pairs left out of each epoch (a fresh random set each time). */
  readonly droppedPerEpoch: number;
  /** For tests and tools, never read inside the loop. */
  readonly buffers: {
    /** f32 [P_actor]: ∂L/∂θ of the last minibatch. */
    readonly gradients: GPUBuffer;
    /** u32 [M]: the last epoch's permutation; minibatch m used positions [m·B, (m + 1)·B). */
    readonly indices: GPUBuffer;
  };
  readParameters(): Promise<Float32Array>;
  destroy(): void;
}

/** A config whose every field has been checked, with derived sizes. */
interface Resolved {
  readonly actor: MlpLayout;
  readonly policy: PolicyKind;
  /** The categorical branches' sizes (one branch of the width − D logits by default); empty for a Gaussian. */
  readonly branches: readonly number[];
  /** D: the Gaussian means' dims (0 for a categorical head). */
  readonly continuousDims: number;
  readonly pairs: number;
  readonly width: number;
  readonly epochs: number;
  readonly minibatchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly adamEpsilon: number;
  readonly initial: Float32Array<ArrayBuffer>;
  readonly label: string;
}

function fail(field: string, value: unknown, valid: string): never {
  throw new RangeError(`behaviourCloning.${field} must be ${valid} (got ${String(value)})`);
}

const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i += 1) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

/**
 * The categorical branches of a head of `width` outputs whose first D are Gaussian means: given ones
 * checked against the width − D logits, else one branch of all of them; none for a Gaussian.
 */
function resolveBranches(branches: unknown, policy: PolicyKind, width: number, D: number): readonly number[] {
  if (policy === 'gaussian') {
    if (branches !== undefined) fail('branches', JSON.stringify(branches), 'absent for a Gaussian policy (branches split categorical logits)');
    return [];
  }
  const logits = width - D;
  if (branches === undefined) return [logits];
  if (!Array.isArray(branches) || branches.length < 1 || branches.length > MAX_ACTION_BRANCHES) {
    fail('branches', JSON.stringify(branches), `an array of 1 to ${MAX_ACTION_BRANCHES} branch sizes (MAX_ACTION_BRANCHES)`);
  }
  const bad = branches.findIndex((n) => !isPositiveInteger(n));
  if (bad >= 0) fail(`branches[${bad}]`, branches[bad], 'a positive integer');
  const total = (branches as number[]).reduce((sum, n) => sum + n, 0);
  if (total !== logits) {
    const head = D === 0 ? `the policy head's ${width} logits` : `the policy head's ${logits} logits (its ${width} outputs less the ${D} means)`;
    fail('branches', `[${branches.join(', ')}], summing to ${total}`, `branch sizes summing to ${head}`);
  }
  // A hybrid action is one row of D + K words, and rows are at most MAX_ACTION_SIZE words.
  if (D + branches.length > MAX_ACTION_SIZE) {
    fail('branches', `${branches.length} branches after ${D} continuous dims`, `at most ${MAX_ACTION_SIZE - D} branches: D + K ≤ ${MAX_ACTION_SIZE} words per action (MAX_ACTION_SIZE)`);
  }
  return Object.freeze([...(branches as number[])]);
}

/** The name of a value's constructor, for an error about its type. */
const typeName = (v: unknown) => (v as object | null)?.constructor?.name ?? v;

/** The dataset's actions: u32 [M][K], word b of each row within branch b (categorical). */
function checkCategoricalActions(actions: unknown, branches: readonly number[], pairs: number): void {
  const K = branches.length;
  if (!(actions instanceof Uint32Array)) fail('dataset.actions', typeName(actions), 'a Uint32Array [M][K] for a categorical policy');
  if (actions.length !== pairs * K) {
    fail('dataset.actions.length', actions.length, K === 1 ? `${pairs} (one action per observation)` : `${pairs * K} (${pairs} pairs × ${K} branches)`);
  }
  for (let i = 0; i < actions.length; i += 1) {
    const b = i % K;
    if (actions[i]! >= branches[b]!) {
      fail(`dataset.actions[${i}]`, actions[i], `an action in [0, ${branches[b]}) (${K === 1 ? "the policy head's size" : `pair ${Math.floor(i / K)}, branch ${b} of [${branches.join(', ')}]`})`);
    }
  }
}

/**
 * The dataset's actions for a hybrid head: u32 [M][D + K], each row's first D words finite f32
 * values (read through an f32 view of the same memory) and word D + b within branch b.
 */
function checkHybridActions(actions: unknown, branches: readonly number[], D: number, pairs: number): void {
  const K = branches.length;
  const W = D + K;
  if (!(actions instanceof Uint32Array)) {
    fail('dataset.actions', typeName(actions), `a Uint32Array [M][D + K] for a hybrid policy (each row ${D} f32 words, then ${K} branch indices: Demonstrations.toDataset())`);
  }
  if (actions.length !== pairs * W) fail('dataset.actions.length', actions.length, `${pairs * W} (${pairs} pairs × (${D} continuous dims + ${K} branches))`);
  const floats = new Float32Array(actions.buffer, actions.byteOffset, actions.length);
  for (let i = 0; i < actions.length; i += 1) {
    const pair = Math.floor(i / W);
    const c = i % W;
    if (c < D) {
      if (!Number.isFinite(floats[i]!)) fail(`dataset.actions[${i}]`, floats[i], `a finite f32 (pair ${pair}, continuous dim ${c})`);
    } else if (actions[i]! >= branches[c - D]!) {
      fail(`dataset.actions[${i}]`, actions[i], `an action in [0, ${branches[c - D]}) (pair ${pair}, branch ${c - D} of [${branches.join(', ')}])`);
    }
  }
}

/** The dataset's actions, by policy: see BehaviourCloningConfig.dataset. */
function checkActions(actions: unknown, policy: PolicyKind, branches: readonly number[], pairs: number, width: number, D: number): void {
  if (policy === 'categorical') return checkCategoricalActions(actions, branches, pairs);
  if (policy === 'hybrid') return checkHybridActions(actions, branches, D, pairs);
  if (!(actions instanceof Float32Array)) fail('dataset.actions', typeName(actions), 'a Float32Array [M][D] for a Gaussian policy');
  if (actions.length !== pairs * width) fail('dataset.actions.length', actions.length, `${pairs * width} (${pairs} pairs × ${width} action dims)`);
  const bad = firstNonFinite(actions);
  if (bad >= 0) fail(`dataset.actions[${bad}]`, actions[bad], 'finite');
}

/**
 * The policy head's width and its D Gaussian dims, after checking the layout and its head against
 * the policy kind: a Gaussian head is D means, a hybrid one D means (D = its log-std's length) and
 * then logits.
 */
function checkActor(actor: MlpLayout, policy: PolicyKind): { width: number; continuousDims: number } {
  if (typeof actor !== 'object' || actor === null || !Array.isArray(actor.layers) || !actor.spec) fail('actor', actor, 'an MlpLayout (mlpLayout(spec))');
  const headIndex = actor.headLayer.policy;
  if (headIndex === undefined) fail('actor', `heads ${Object.keys(actor.headLayer).join(', ')}`, "a layout with a 'policy' head");
  const width = actor.layers[headIndex]!.outputSize;
  if (policy !== 'categorical' && policy !== 'gaussian' && policy !== 'hybrid') fail('policy', policy, "'categorical', 'gaussian' or 'hybrid'");
  if (policy === 'categorical') {
    if (width > MAX_DISCRETE_ACTIONS) fail('actor policy head size', width, `at most ${MAX_DISCRETE_ACTIONS} actions (MAX_DISCRETE_ACTIONS)`);
    return { width, continuousDims: 0 };
  }
  const logStd = actor.extras.logStd;
  if (policy === 'gaussian') {
    if (width > MAX_ACTION_SIZE) fail('actor policy head size', width, `at most ${MAX_ACTION_SIZE} action dims (MAX_ACTION_SIZE)`);
    if (!logStd || logStd.length !== width) {
      fail('actor.extras.logStd', logStd?.length, `a slot of ${width} floats (one log σ per action dim; gaussianActorSpec makes it)`);
    }
    return { width, continuousDims: width };
  }
  if (!logStd || logStd.length < 1 || logStd.length >= width || logStd.length > MAX_ACTION_SIZE) {
    fail('actor.extras.logStd', logStd?.length, `a slot of D floats, 1 ≤ D < the policy head's ${width} outputs and D ≤ ${MAX_ACTION_SIZE} (one log σ per continuous dim; hybridActorSpec makes it)`);
  }
  const D = logStd.length;
  if (width - D > MAX_DISCRETE_ACTIONS) fail('actor policy head size', `${width} (${D} means and ${width - D} logits)`, `at most ${MAX_DISCRETE_ACTIONS} logits after the means (MAX_DISCRETE_ACTIONS)`);
  return { width, continuousDims: D };
}

/** The initial parameters: a checked copy of the given ones, or the layout's initialisation from the seed. */
function resolveInitial(actor: MlpLayout, given: unknown, seed: number): Float32Array<ArrayBuffer> {
  const P = actor.parametersPerAgent;
  if (given === undefined) return initialParameters(actor, seed);
  if (!(given instanceof Float32Array) || given.length !== P) {
    fail('initialParameters', given instanceof Float32Array ? `length ${given.length}` : given, `a Float32Array of ${P} floats (the actor's parametersPerAgent)`);
  }
  const bad = firstNonFinite(given);
  if (bad >= 0) fail(`initialParameters[${bad}]`, given[bad], 'finite');
  return Float32Array.from(given);
}

/** Checks every field before any GPU work; throws RangeError naming the field, the value and what is valid. */
export function resolveBehaviourCloningConfig(config: BehaviourCloningConfig): Resolved {
  if (typeof config !== 'object' || config === null) fail('config', config, 'an object');
  const { actor, policy, dataset } = config;
  const { width, continuousDims } = checkActor(actor, policy);
  const branches = resolveBranches(config.branches, policy, width, continuousDims);
  const OBS = actor.spec.inputSize;
  if (typeof dataset !== 'object' || dataset === null) fail('dataset', dataset, 'an object { observations, actions }');
  const { observations, actions } = dataset;
  if (!(observations instanceof Float32Array)) fail('dataset.observations', observations, 'a Float32Array [M][inputSize]');
  if (observations.length === 0 || observations.length % OBS !== 0) {
    fail('dataset.observations.length', observations.length, `a positive multiple of the actor's inputSize ${OBS}`);
  }
  const pairs = observations.length / OBS;
  const badObservation = firstNonFinite(observations);
  if (badObservation >= 0) fail(`dataset.observations[${badObservation}]`, observations[badObservation], 'finite');
  checkActions(actions, policy, branches, pairs, width, continuousDims);
  if (!isPositiveInteger(config.epochs)) fail('epochs', config.epochs, 'a positive integer');
  if (!isPositiveInteger(config.minibatchSize) || config.minibatchSize > pairs) {
    fail('minibatchSize', config.minibatchSize, `an integer in [1, ${pairs}] (the dataset has ${pairs} pairs)`);
  }
  const { learningRate } = config;
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate <= 0) fail('learningRate', learningRate, 'a finite number > 0');
  const { seed } = config;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail('seed', seed, 'an integer in [0, 4294967295]');
  const adamEpsilon = config.adamEpsilon ?? 1e-5;
  if (typeof adamEpsilon !== 'number' || !Number.isFinite(adamEpsilon) || adamEpsilon <= 0) fail('adamEpsilon', adamEpsilon, 'a finite number > 0');
  const initial = resolveInitial(actor, config.initialParameters, seed);
  const label = config.label ?? 'bc';
  if (typeof label !== 'string' || label.length === 0) fail('label', label, 'a non-empty string');
  return { actor, policy, branches, continuousDims, pairs, width, epochs: config.epochs, minibatchSize: config.minibatchSize, learningRate, seed, adamEpsilon, initial, label };
}

/** The sizes every step below shares: M pairs, minibatches of B, K = ⌊M/B⌋ of them an epoch, P parameters. */
interface CloningShape {
  readonly c: Resolved;
  readonly head: PolicyHead;
  readonly M: number;
  readonly B: number;
  readonly K: number;
  readonly OBS: number;
  readonly P: number;
  /** A uniform-offset slot's bytes for `bytes` (the adapter's minUniformBufferOffsetAlignment). */
  slot(bytes: number): number;
}

/**
 * The permutation, the gathers and the loss kernels. The dataset is a rollout of M steps × 1 env:
 * the permutation's indices are then pair indices. The gathers are sized for the ⌊M/B⌋·B positions
 * an epoch uses (with G = 1 a gather reads position m·B + k, whatever the batch size it was built for).
 */
async function createCloningKernels(device: GPUDevice, shape: CloningShape) {
  const { M, B, K, OBS, head } = shape;
  const used = { steps: K * B, envs: 1, agents: 1, rowsPerAgent: B };
  const sizes = {
    permute: feistelPermutationKernel({ steps: M, envs: 1, agents: 1 }),
    gatherObs: gatherRowsKernel({ ...used, width: OBS }),
    gatherActions: gatherRowsKernel({ ...used, width: head.actionWords }),
    // 'clone': ℓ = −log π, ∂L/∂log π = −1/B; terms accumulate over the epoch's minibatches.
    surrogate: surrogateLossKernel({ agents: 1, batchPerAgent: B, minibatches: 1, accumulateTerms: true, objective: 'clone' }),
  };
  const name = shape.c.label;
  const compile = (s: { spec: KernelSpec }) => createKernel(device, { ...s.spec, label: `${name}.${s.spec.label}` });
  return {
    sizes,
    permute: await compile(sizes.permute),
    gatherObs: await compile(sizes.gatherObs),
    gatherActions: await compile(sizes.gatherActions),
    surrogate: await compile(sizes.surrogate),
  };
}

function createCloningBuffers(device: GPUDevice, shape: CloningShape) {
  const { M, B, K, OBS, P, head } = shape;
  const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
  const words = (count: number) => ({ size: 4 * Math.max(4, count) });
  return new BufferSet(device, shape.c.label, {
    observations: words(M * OBS),
    actions: words(M * head.actionWords),
    parameters: words(P),
    gradients: words(P),
    indices: words(M),
    agentSeeds: words(1),
    mbObservations: words(B * OBS),
    mbActions: words(B * head.actionWords),
    logProbs: words(B),
    entropies: words(B),
    logProbGrads: words(B),
    // Stays zero: behaviour cloning has no entropy term.
    entropyGrads: words(B),
    headGrads: words(B * head.width),
    logStdTerms: words(head.continuousDims > 0 ? B * head.continuousDims : 4),
    coefficients: words(8),
    terms: words(LOSS_TERM_COUNT * B),
    nll: { size: SEGMENT_STATS_BYTES },
    unused: words(4),
    epochParams: { size: RNG_PARAMS_BYTES, usage: uniform },
    minibatchParams: { size: K * shape.slot(GATHER_PARAMS_BYTES), usage: uniform },
  });
}

type CloningBuffers = ReturnType<typeof createCloningBuffers>['buffers'];

/** The dataset, the initial parameters, the seed, the loss coefficients and each minibatch's index slot. */
function writeCloningInputs(queue: GPUQueue, b: CloningBuffers, dataset: BehaviourCloningConfig['dataset'], shape: CloningShape): void {
  const { c, K } = shape;
  queue.writeBuffer(b.observations, 0, dataset.observations as Float32Array<ArrayBuffer>);
  queue.writeBuffer(b.actions, 0, dataset.actions as Float32Array<ArrayBuffer>);
  queue.writeBuffer(b.parameters, 0, c.initial);
  queue.writeBuffer(b.agentSeeds, 0, Uint32Array.of(c.seed));
  queue.writeBuffer(b.coefficients, 0, packLossCoefficients(1));
  const stride = shape.slot(GATHER_PARAMS_BYTES);
  const minibatchSlots = new Uint32Array((K * stride) / 4);
  for (let m = 0; m < K; m += 1) minibatchSlots[(m * stride) / 4] = m;
  queue.writeBuffer(b.minibatchParams, 0, minibatchSlots);
}

/** The pieces an epoch records, built by {@link createBehaviourCloning}. */
interface EpochParts {
  readonly shape: CloningShape;
  readonly kernels: Awaited<ReturnType<typeof createCloningKernels>>;
  readonly b: CloningBuffers;
  readonly passes: MlpPasses;
  readonly optimizer: Optimizer;
  readonly nll: SegmentedMoments;
}

/** Binds everything once; returns the recorder of one epoch: permute, then per minibatch gather → forward → −log π → backward → Adam, then the NLL's reduction. */
function epochRecorder({ shape, kernels: k, b, passes, optimizer, nll }: EpochParts): (encoder: GPUCommandEncoder) => void {
  const { K, head } = shape;
  const name = shape.c.label;
  const permuteGroup = k.permute.bind({ params: b.epochParams, indices: b.indices, agent_seeds: b.agentSeeds }, `${name}.permute`);
  const gatherGroups = Array.from({ length: K }, (_, m) => {
    const params = { buffer: b.minibatchParams, offset: m * shape.slot(GATHER_PARAMS_BYTES), size: GATHER_PARAMS_BYTES };
    return {
      observations: k.gatherObs.bind({ params, indices: b.indices, source: b.observations, destination: b.mbObservations }, `${name}.gather[${m}].observations`),
      actions: k.gatherActions.bind({ params, indices: b.indices, source: b.actions, destination: b.mbActions }, `${name}.gather[${m}].actions`),
    };
  });
  const policyHead = head.bind({
    outputs: passes.outputs.policy!,
    parameters: b.parameters,
    actions: b.mbActions,
    logProbs: b.logProbs,
    entropies: b.entropies,
    logProbGrads: b.logProbGrads,
    entropyGrads: b.entropyGrads,
    outputGrads: b.headGrads,
    parameterGrads: b.gradients,
    logStdTerms: b.logStdTerms,
    unused: b.unused,
  });
  // old_log_probs only feeds the approx_kl/clipfrac terms, which cloning ignores: bind log π itself.
  const surrogateGroup = k.surrogate.bind({
    log_probs: b.logProbs,
    old_log_probs: b.logProbs,
    advantages: b.unused,
    trajectory_weights: b.unused,
    coefficients: b.coefficients,
    log_prob_grads: b.logProbGrads,
    terms: b.terms,
  });
  return (encoder) => {
    encoder.clearBuffer(b.terms);
    const permutePass = encoder.beginComputePass({ label: `${name}.permute` });
    k.permute.dispatch(permutePass, permuteGroup, k.sizes.permute.invocations);
    permutePass.end();
    for (let m = 0; m < K; m += 1) {
      const gather = encoder.beginComputePass({ label: `${name}.gather` });
      k.gatherObs.dispatch(gather, gatherGroups[m]!.observations, k.sizes.gatherObs.invocations);
      k.gatherActions.dispatch(gather, gatherGroups[m]!.actions, k.sizes.gatherActions.invocations);
      gather.end();
      // L = −(1/B) Σ log π(a|s): forward, log π, ∂L/∂log π = −1/B, back through the head and the actor.
      passes.encodeForward(encoder, { params: b.parameters, inputs: b.mbObservations });
      const headPass = encoder.beginComputePass({ label: `${name}.nll` });
      policyHead.evaluate(headPass);
      k.surrogate.dispatch(headPass, surrogateGroup, k.sizes.surrogate.invocations);
      policyHead.backward(headPass);
      headPass.end();
      passes.encodeBackward(encoder, { params: b.parameters, inputs: b.mbObservations, headGrads: { policy: b.headGrads }, paramGrads: b.gradients });
      optimizer.encodeStep(encoder, { parameters: b.parameters, gradients: b.gradients });
    }
    // The epoch's Σ over minibatches of ℓ per row, reduced over the B rows: mean = K · mean NLL.
    nll.encode(encoder, { values: b.terms, output: b.nll });
  };
}

/**
 * Runs `epochs` epochs from `firstEpoch`, at most two in flight (so the three-slot ring always has a
 * free slot); returns each epoch's mean NLL, NaN for an epoch with a non-finite row (the reduction
 * skips and counts it).
 */
async function runEpochs(
  device: GPUDevice,
  run: { readonly shape: CloningShape; readonly b: CloningBuffers; readonly ring: ReadbackRing; readonly encodeEpoch: (encoder: GPUCommandEncoder) => void },
  firstEpoch: number,
  alive: (what: string) => void,
  onEpoch?: (epoch: number, meanNll: number) => void,
): Promise<number[]> {
  const { shape, b, ring } = run;
  const { c, K } = shape;
  const results: number[] = [];
  const pending: { epoch: number; result: Promise<ArrayBuffer> }[] = [];
  const settle = async () => {
    const { epoch, result } = pending.shift()!;
    const [moments] = decodeMoments(await result, 1);
    const value = moments!.nonfinite > 0 ? Number.NaN : moments!.mean / K;
    results.push(value);
    onEpoch?.(epoch, value);
  };
  for (let e = 0; e < c.epochs; e += 1) {
    const epoch = firstEpoch + e;
    if (pending.length >= 2) await settle();
    alive('train()');
    device.queue.writeBuffer(b.epochParams, 0, encodeRngParams({ seed: c.seed, stream: BC_PERMUTATION_STREAM, iteration: 0, step: epoch, draw: 0 }));
    const encoder = device.createCommandEncoder({ label: `${c.label}.epoch` });
    run.encodeEpoch(encoder);
    const ticket = ring.record(encoder, b.nll)!;
    device.queue.submit([encoder.finish()]);
    pending.push({ epoch, result: ring.collect(ticket) });
  }
  while (pending.length > 0) await settle();
  return results;
}

/** Uploads the dataset and builds every kernel, buffer and bind group once; `train()` only encodes and submits. */
export async function createBehaviourCloning(device: GPUDevice, config: BehaviourCloningConfig): Promise<BehaviourCloning> {
  const c = resolveBehaviourCloningConfig(config);
  const { actor, pairs: M, minibatchSize: B, label: name } = c;
  const K = Math.floor(M / B);
  const P = actor.parametersPerAgent;
  const owned: { destroy(): void }[] = [];
  const own = <T extends { destroy(): void }>(x: T): T => (owned.push(x), x);
  const destroyAll = () => owned.splice(0).reverse().forEach((x) => x.destroy());
  try {
    const passes = own(await createMlpPasses(device, actor, { agents: 1, rowsPerAgent: B, label: `${name}.actor` }));
    // A categorical head reads K words per row (one per branch), a Gaussian D, a hybrid D + K (the
    // floats, then the branch indices): the gathers copy head.actionWords per row.
    const head = await createPolicyHead(device, { kind: c.policy, actor, agents: 1, rowsPerAgent: B, branches: c.policy === 'gaussian' ? undefined : c.branches, label: name });
    const optimizer = own(await createOptimizer(device, { kind: 'adam', agents: 1, parametersPerAgent: P, learningRate: c.learningRate, epsilon: c.adamEpsilon, label: `${name}.adam` }));
    const align = device.limits.minUniformBufferOffsetAlignment;
    const shape: CloningShape = { c, head, M, B, K, OBS: actor.spec.inputSize, P, slot: (bytes) => Math.ceil(bytes / align) * align };
    const kernels = await createCloningKernels(device, shape);
    const nll = own(await createSegmentedMoments(device, { segments: 1, layout: { kind: 'contiguous', length: B, offset: LOSS_TERM.surrogate * B }, label: `${name}.nll` }));
    const ring = own(new ReadbackRing(device, { label: `${name}.nll`, byteLength: SEGMENT_STATS_BYTES, slots: 3 }));
    const b = own(createCloningBuffers(device, shape)).buffers;
    writeCloningInputs(device.queue, b, config.dataset, shape);
    const encodeEpoch = epochRecorder({ shape, kernels, b, passes, optimizer, nll });

    let epochsDone = 0;
    let running = false;
    let destroyed = false;
    const alive = (what: string) => {
      if (destroyed) throw new Error(`behaviour cloning '${name}': ${what} after destroy()`);
    };
    return {
      parameters: b.parameters,
      minibatchesPerEpoch: K,
      droppedPerEpoch: M - K * B,
      buffers: { gradients: b.gradients, indices: b.indices },
      async train(onEpoch) {
        alive('train()');
        if (running) throw new Error(`behaviour cloning '${name}': train() is already running`);
        running = true;
        try {
          const results = await runEpochs(device, { shape, b, ring, encodeEpoch }, epochsDone, alive, onEpoch);
          epochsDone += c.epochs;
          return results;
        } finally {
          running = false;
        }
      },
      async readParameters() {
        alive('readParameters()');
        return new Float32Array(await readBufferOnce(device, b.parameters, 4 * P));
      },
      destroy() {
        if (destroyed) return;
        destroyed = true;
        destroyAll();
      },
    };
  } catch (error) {
    destroyAll();
    throw error;
  }
}
