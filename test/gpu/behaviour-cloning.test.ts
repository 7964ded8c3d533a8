/**
 * Behaviour cloning on the GPU (src/algos/behaviour-cloning/behaviour-cloning.ts).
 *
 * 1. The float64 reference of L(θ) = −(1/B) Σ_r log π_θ(a_r|s_r) and its gradient, checked by
 *    central finite differences (categorical, multi-discrete, Gaussian and hybrid, the log-std
 *    included).
 * 2. Two epochs at odd sizes (123 pairs, minibatches of 40, so 3 dropped per epoch) on fresh random
 *    data (categorical; multi-discrete [3, 2, 4]; Gaussian at 2, 17 and MAX_ACTION_SIZE = 64 dims;
 *    hybrid: 2 dims and branches [3, 2], and 3 dims and the default one branch of 4):
 *    the GPU's last-minibatch gradient, the parameters after every Adam step of the epoch and each
 *    epoch's mean NLL against a float64 replay that follows the permutation the GPU drew.
 * 3. Learning: 20 episodes of a scripted CartPole-v1 controller recorded through Demonstrations from
 *    the GPU env, cloned into CleanRL's 64-64 actor, then run greedily on the GPU env: mean return ≥ 400.
 * 4. Learning, multi-discrete: a deterministic map from 6 noisy one-hot states to 3 branches'
 *    actions, cloned until every branch's argmax reproduces it.
 */
import { describe, expect, it } from 'vitest';
import { Demonstrations } from '../../src/agent/demonstrations';
import { createBehaviourCloning, resolveBehaviourCloningConfig, type BehaviourCloningConfig } from '../../src/algos/behaviour-cloning/behaviour-cloning';
import { createVectorEnv, type VectorEnv } from '../../src/envs/vector-env';
import { readBufferOnce } from '../../src/gpu/index';
import { initialParameters } from '../../src/nn/init';
import { actorSpec, gaussianActorSpec, hybridActorSpec, mlpLayout, type MlpLayout } from '../../src/nn/mlp-spec';
import { gaussianLogProb, gaussianLogProbGrad } from '../reference/heads';
import { hybridLogProb, hybridLogProbGrad } from '../reference/hybrid';
import { mlpBackward, mlpForward } from '../reference/mlp';
import { multiCategoricalLogProb, multiCategoricalLogProbGrad } from '../reference/multi-categorical';
import { adamState, adamStep } from '../reference/optimizer';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

type Policy = 'categorical' | 'gaussian' | 'hybrid';

interface Pairs {
  observations: Float32Array<ArrayBuffer>;
  actions: Uint32Array<ArrayBuffer> | Float32Array<ArrayBuffer>;
}

/**
 * Branch sizes of a categorical or hybrid head when none are given: one branch of all its logits
 * (the head's outputs after a hybrid head's D means).
 */
const defaultBranches = (layout: MlpLayout) => [layout.spec.heads[0]!.size - (layout.extras.logStd?.length ?? 0)];

/**
 * A hybrid action row of `data` as the reference takes it: its D floats (the words' f32 bits) then
 * its K branch indices.
 */
function hybridRow(data: Pairs, row: number, D: number, K: number): number[] {
  const words = data.actions as Uint32Array;
  const floats = new Float32Array(words.buffer, words.byteOffset, words.length);
  const at = row * (D + K);
  return [...floats.subarray(at, at + D), ...words.subarray(at + D, at + D + K)];
}

/**
 * The float64 NLL −(1/|rows|) Σ log π(a|s) over `rows` of the dataset, and ∂/∂θ in the layout
 * (log-std included). A categorical policy's actions are u32 [M][K] over the branches `nvec`
 * (default one branch of the whole head); a hybrid policy's u32 rows of D f32 words then K indices.
 */
function referenceNll(layout: MlpLayout, policy: Policy, params: ArrayLike<number>, data: Pairs, rows: readonly number[], nvec = defaultBranches(layout)) {
  const OBS = layout.spec.inputSize;
  // The Gaussian dims: the whole head of a Gaussian policy, the log-std's length for a hybrid one.
  const D = policy === 'hybrid' ? layout.extras.logStd!.length : layout.spec.heads[0]!.size;
  const inputs = rows.map((i) => data.observations.subarray(i * OBS, (i + 1) * OBS));
  const forward = mlpForward(layout, params, inputs);
  const outputs = forward.outputs.policy!;
  const B = rows.length;
  const logStdSlot = layout.extras.logStd;
  const logStd = logStdSlot ? Array.from({ length: D }, (_, d) => params[logStdSlot.offset + d]!) : [];
  const logStdGrad = new Float64Array(D);
  let loss = 0;
  const headGrads = outputs.map((out, r) => {
    const row = Array.from(out);
    if (policy === 'categorical') {
      const K = nvec.length;
      const a = Array.from(data.actions.subarray(rows[r]! * K, (rows[r]! + 1) * K));
      loss -= multiCategoricalLogProb(row, nvec, undefined, a) / B;
      return multiCategoricalLogProbGrad(row, nvec, undefined, a).map((g) => -g / B);
    }
    if (policy === 'hybrid') {
      const head = { outputs: row, logStd, nvec, mask: undefined };
      const a = hybridRow(data, rows[r]!, D, nvec.length);
      loss -= hybridLogProb(head, a) / B;
      const g = hybridLogProbGrad(head, a);
      g.logStd.forEach((v, d) => (logStdGrad[d] = logStdGrad[d]! - v / B));
      return g.outputs.map((v) => -v / B);
    }
    const action = Array.from(data.actions.subarray(rows[r]! * D, (rows[r]! + 1) * D));
    loss -= gaussianLogProb(action, row, logStd) / B;
    const g = gaussianLogProbGrad(action, row, logStd);
    g.logStd.forEach((v, d) => (logStdGrad[d] = logStdGrad[d]! - v / B));
    return g.mean.map((v) => -v / B);
  });
  const { paramGrad } = mlpBackward(layout, params, inputs, forward, { policy: headGrads });
  if (logStdSlot) paramGrad.set(logStdGrad, logStdSlot.offset);
  return { loss, gradient: paramGrad };
}

function randomParameters(layout: MlpLayout, random: () => number): Float32Array<ArrayBuffer> {
  const params = new Float32Array(layout.parametersPerAgent);
  for (const layer of layout.layers) {
    const scale = 1.5 / Math.sqrt(layer.inputSize);
    for (let i = 0; i < layer.weight.length; i += 1) params[layer.weight.offset + i] = (random() * 2 - 1) * scale;
    for (let i = 0; i < layer.bias.length; i += 1) params[layer.bias.offset + i] = (random() * 2 - 1) * 0.3;
  }
  const logStd = layout.extras.logStd;
  if (logStd) for (let d = 0; d < logStd.length; d += 1) params[logStd.offset + d] = random() - 0.5;
  return params;
}

function randomPairs(layout: MlpLayout, policy: Policy, count: number, random: () => number, nvec = defaultBranches(layout)): Pairs {
  const OBS = layout.spec.inputSize;
  const A = layout.spec.heads[0]!.size;
  const K = nvec.length;
  if (policy === 'hybrid') {
    // Rows of D floats (written through an f32 view) then K branch indices, as Demonstrations stores them.
    const D = layout.extras.logStd!.length;
    const actions = new Uint32Array(count * (D + K));
    const floats = new Float32Array(actions.buffer);
    for (let i = 0; i < actions.length; i += 1) {
      const c = i % (D + K);
      if (c < D) floats[i] = random() * 3 - 1.5;
      else actions[i] = Math.floor(random() * nvec[c - D]!);
    }
    return { observations: Float32Array.from({ length: count * OBS }, () => random() * 4 - 2), actions };
  }
  return {
    observations: Float32Array.from({ length: count * OBS }, () => random() * 4 - 2),
    actions:
      policy === 'categorical'
        ? Uint32Array.from({ length: count * K }, (_, i) => Math.floor(random() * nvec[i % K]!))
        : Float32Array.from({ length: count * A }, () => random() * 3 - 1.5),
  };
}

/** Every slot of the layout (weights, biases, extras): where the gradient must be written. */
const slots = (layout: MlpLayout) => [...layout.layers.flatMap((l) => [l.weight, l.bias]), ...Object.values(layout.extras)];

const layouts: Record<Policy, MlpLayout> = {
  categorical: mlpLayout(actorSpec(5, 3, [13, 7])),
  gaussian: mlpLayout(gaussianActorSpec(5, 2, [13, 7])),
  /** 2 Gaussian means, then the logits of the branches HYBRID_NVEC = [3, 2] (Aim-v0's), 7 outputs in all. */
  hybrid: mlpLayout(hybridActorSpec(5, 2, 5, [13, 7])),
};
/** Three branches side by side in one categorical head of 3 + 2 + 4 logits. */
const NVEC = [3, 2, 4];
const multiDiscreteLayout = mlpLayout(actorSpec(5, 9, [13, 7]));
const HYBRID_NVEC = [3, 2];
const hybridLayout = layouts.hybrid;

describe('behaviour cloning: the float64 reference', () => {
  const cases: [string, Policy, MlpLayout, number[] | undefined][] = [
    ['categorical', 'categorical', layouts.categorical, undefined],
    ['multi-discrete [3, 2, 4]', 'categorical', multiDiscreteLayout, NVEC],
    ['gaussian', 'gaussian', layouts.gaussian, undefined],
    ['hybrid 2 dims, [3, 2]', 'hybrid', hybridLayout, HYBRID_NVEC],
  ];
  for (const [name, policy, layout, nvec] of cases) {
    it(`${name}: ∂L/∂θ matches central finite differences`, () => {
      const seed = freshSeed();
      const random = seededRandom(seed);
      const data = randomPairs(layout, policy, 9, random, nvec);
      const rows = [0, 1, 2, 3, 4, 5, 6, 7, 8];
      const params = Float64Array.from(randomParameters(layout, random));
      const { gradient } = referenceNll(layout, policy, params, data, rows, nvec);
      const h = 1e-6;
      const checked = [...Array.from({ length: 30 }, () => Math.floor(random() * layout.parametersPerAgent))];
      if (layout.extras.logStd) checked.push(layout.extras.logStd.offset, layout.extras.logStd.offset + 1);
      for (const i of checked) {
        const saved = params[i]!;
        params[i] = saved + h;
        const plus = referenceNll(layout, policy, params, data, rows, nvec).loss;
        params[i] = saved - h;
        const minus = referenceNll(layout, policy, params, data, rows, nvec).loss;
        params[i] = saved;
        const numeric = (plus - minus) / (2 * h);
        expect(Math.abs(numeric - gradient[i]!), `seed ${seed}, parameter ${i}`).toBeLessThan(1e-6 * Math.max(1e-2, Math.abs(numeric)));
      }
    });
  }
});

describe('behaviour cloning on the GPU', () => {
  const gpu = useGpu();

  // The Gaussian also over wide boxes: 17 dims and MAX_ACTION_SIZE = 64.
  // Multi-discrete: K = 3 words per pair through the gathers, log π and its gradient summed over branches.
  const replayCases: [string, Policy, MlpLayout, number[]?][] = [
    ['categorical', 'categorical', layouts.categorical],
    ['multi-discrete [3, 2, 4]', 'categorical', multiDiscreteLayout, NVEC],
    ['gaussian', 'gaussian', layouts.gaussian],
    ['gaussian 17 dims', 'gaussian', mlpLayout(gaussianActorSpec(5, 17, [13, 7]))],
    ['gaussian 64 dims', 'gaussian', mlpLayout(gaussianActorSpec(5, 64, [13, 7]))],
    // Hybrid: D + K words per pair through the gathers, the floats read as f32 and the indices as u32.
    ['hybrid 2 dims, [3, 2]', 'hybrid', hybridLayout, HYBRID_NVEC],
    // Branches left out: one branch of the 4 logits after the 3 means.
    ['hybrid 3 dims, one branch of 4', 'hybrid', mlpLayout(hybridActorSpec(5, 3, 4, [13, 7]))],
  ];
  for (const [name, policy, layout, nvec] of replayCases) {
    it(`${name}: two epochs of 123 pairs in minibatches of 40 match a float64 replay`, async () => {
      const { device } = gpu();
      const seed = freshSeed();
      const random = seededRandom(seed);
      const M = 123;
      const B = 40;
      const learningRate = 3e-3;
      const data = randomPairs(layout, policy, M, random, nvec);
      const initial = randomParameters(layout, random);
      const bc = await createBehaviourCloning(device, {
        actor: layout,
        policy,
        branches: nvec,
        dataset: data,
        epochs: 1,
        minibatchSize: B,
        learningRate,
        seed,
        initialParameters: initial,
        label: `bc-${policy}`,
      });
      try {
        expect(bc.minibatchesPerEpoch).toBe(3);
        expect(bc.droppedPerEpoch).toBe(3);
        // Poison every slot of the gradient: the trainer must write all of them.
        const poison = new Float32Array(layout.parametersPerAgent);
        for (const slot of slots(layout)) poison.fill(Number.NaN, slot.offset, slot.offset + slot.length);
        device.queue.writeBuffer(bc.buffers.gradients, 0, poison);

        const reference = Float64Array.from(initial);
        const adam = adamState(layout.parametersPerAgent);
        const seen: number[][] = [];
        for (let epoch = 0; epoch < 2; epoch += 1) {
          const reported: [number, number][] = [];
          const [meanNll = Number.NaN] = await gpuStep(gpu(), `bc epoch ${epoch}`, () => bc.train((e, nll) => reported.push([e, nll])));
          expect(reported).toEqual([[epoch, meanNll]]);
          const indices = Array.from(new Uint32Array(await readBufferOnce(device, bc.buffers.indices)));
          expect([...indices].sort((a, b) => a - b), `seed ${seed}: the epoch's indices are a permutation of the pairs`).toEqual(
            Array.from({ length: M }, (_, i) => i),
          );
          seen.push(indices);
          // Replay: the first 3·40 positions in order, one Adam step per minibatch.
          let nllSum = 0;
          let lastGradient: Float64Array = new Float64Array(0);
          for (let m = 0; m < 3; m += 1) {
            const { loss, gradient } = referenceNll(layout, policy, reference, data, indices.slice(m * B, (m + 1) * B), nvec);
            nllSum += loss;
            lastGradient = gradient;
            adamStep(reference, gradient, adam, learningRate);
          }
          const gradient = new Float32Array(await readBufferOnce(device, bc.buffers.gradients));
          const parameters = await bc.readParameters();
          let maxGradient = 0;
          let gradientError = 0;
          let parameterError = 0;
          for (const slot of slots(layout)) {
            for (let i = slot.offset; i < slot.offset + slot.length; i += 1) {
              expect(Number.isFinite(gradient[i]!), `seed ${seed}: ${slot.name}[${i - slot.offset}] written`).toBe(true);
              maxGradient = Math.max(maxGradient, Math.abs(lastGradient[i]!));
              gradientError = Math.max(gradientError, Math.abs(gradient[i]! - lastGradient[i]!));
              parameterError = Math.max(parameterError, Math.abs(parameters[i]! - reference[i]!));
            }
          }
          const expectedNll = nllSum / 3;
          console.log(
            `[bc ${name}] epoch ${epoch}: NLL ${meanNll.toFixed(5)} (ref ${expectedNll.toFixed(5)}), ` +
              `max|Δ∇|/max|∇| ${(gradientError / maxGradient).toExponential(2)}, max|Δθ| ${parameterError.toExponential(2)} (seed ${seed})`,
          );
          expect(gradientError / maxGradient, `seed ${seed}: last minibatch's gradient`).toBeLessThan(1e-4);
          expect(parameterError, `seed ${seed}: parameters after epoch ${epoch}`).toBeLessThan(2e-5);
          expect(Math.abs(meanNll - expectedNll), `seed ${seed}: mean NLL`).toBeLessThan(1e-5 * Math.max(1, Math.abs(expectedNll)));
        }
        expect(seen[0], 'each epoch draws a fresh permutation').not.toEqual(seen[1]);
      } finally {
        bc.destroy();
      }
      await expect(bc.train()).rejects.toThrow(/after destroy/);
    });
  }

  it('rejects a bad config before any GPU work, naming the field and what is valid', () => {
    const actor = layouts.categorical;
    const good: BehaviourCloningConfig = {
      actor,
      policy: 'categorical',
      dataset: { observations: new Float32Array(5 * 10), actions: new Uint32Array(10) },
      epochs: 1,
      minibatchSize: 4,
      learningRate: 1e-3,
      seed: 1,
    };
    expect(() => resolveBehaviourCloningConfig(good)).not.toThrow();
    const bad = (patch: Partial<BehaviourCloningConfig>) => () => resolveBehaviourCloningConfig({ ...good, ...patch });
    expect(bad({ minibatchSize: 11 })).toThrow(/minibatchSize must be an integer in \[1, 10\].*got 11/);
    expect(bad({ epochs: 0 })).toThrow(/epochs must be a positive integer \(got 0\)/);
    expect(bad({ learningRate: Number.NaN })).toThrow(/learningRate must be a finite number > 0 \(got NaN\)/);
    expect(bad({ seed: -1 })).toThrow(/seed must be an integer/);
    expect(bad({ dataset: { observations: new Float32Array(49), actions: new Uint32Array(10) } })).toThrow(/observations.length must be a positive multiple of .* 5 \(got 49\)/);
    expect(bad({ dataset: { observations: new Float32Array(50), actions: new Uint32Array(9) } })).toThrow(/actions.length must be 10/);
    expect(bad({ dataset: { observations: new Float32Array(50), actions: Uint32Array.of(0, 1, 2, 3, 0, 0, 0, 0, 0, 0) } })).toThrow(
      /dataset.actions\[3\] must be an action in \[0, 3\).*got 3/,
    );
    expect(bad({ dataset: { observations: new Float32Array(50).fill(Number.NaN), actions: new Uint32Array(10) } })).toThrow(/observations\[0\] must be finite/);
    expect(bad({ dataset: { observations: new Float32Array(50), actions: new Float32Array(10) } })).toThrow(/dataset.actions must be a Uint32Array/);
    expect(bad({ policy: 'gaussian' })).toThrow(/extras.logStd/);
    expect(bad({ policy: 'beta' as never })).toThrow(/policy must be 'categorical', 'gaussian' or 'hybrid' \(got beta\)/);
    expect(bad({ initialParameters: new Float32Array(3) })).toThrow(new RegExp(`initialParameters must be a Float32Array of ${actor.parametersPerAgent} floats`));
    expect(bad({ adamEpsilon: 0 })).toThrow(/adamEpsilon must be a finite number > 0/);
    // A categorical head of up to MAX_DISCRETE_ACTIONS = 1 024 actions; one more is refused, naming the size and the limit.
    const wide = (actions: number) => ({ actor: mlpLayout(actorSpec(5, actions, [13, 7])) });
    expect(() => resolveBehaviourCloningConfig({ ...good, ...wide(1024) })).not.toThrow();
    expect(bad(wide(1025))).toThrow(/actor policy head size must be at most 1024 actions \(MAX_DISCRETE_ACTIONS\) \(got 1025\)/);
    // A Gaussian head of up to MAX_ACTION_SIZE = 64 dims; one more is refused the same way.
    const box = (dims: number) => ({ policy: 'gaussian' as const, actor: mlpLayout(gaussianActorSpec(5, dims, [13, 7])), dataset: { observations: new Float32Array(50), actions: new Float32Array(10 * dims) } });
    expect(() => resolveBehaviourCloningConfig({ ...good, ...box(64) })).not.toThrow();
    expect(bad(box(65))).toThrow(/actor policy head size must be at most 64 action dims \(MAX_ACTION_SIZE\) \(got 65\)/);
    expect(bad({ actor: mlpLayout({ inputSize: 5, hiddenSizes: [4], activation: 'tanh', heads: [{ name: 'value', size: 1, gain: 1 }] }) })).toThrow(
      /a 'policy' head/,
    );
    // Branches: sizes summing to the head's width, actions u32 [M][K] with each word within its branch.
    const branched = (actions: Uint32Array, branches?: readonly number[]) => ({ actor: multiDiscreteLayout, branches, dataset: { observations: new Float32Array(50), actions } });
    expect(() => resolveBehaviourCloningConfig({ ...good, ...branched(new Uint32Array(30), NVEC) })).not.toThrow();
    expect(resolveBehaviourCloningConfig({ ...good, ...branched(new Uint32Array(30), NVEC) }).branches).toEqual(NVEC);
    expect(resolveBehaviourCloningConfig(good).branches).toEqual([3]);
    expect(bad(branched(new Uint32Array(30), [3, 2, 3]))).toThrow(/branches must be branch sizes summing to the policy head's 9 logits \(got \[3, 2, 3\], summing to 8\)/);
    expect(bad(branched(new Uint32Array(30), [3, 0, 6]))).toThrow(/branches\[1\] must be a positive integer \(got 0\)/);
    expect(bad(branched(new Uint32Array(30), []))).toThrow(/branches must be an array of 1 to 8 branch sizes \(MAX_ACTION_BRANCHES\) \(got \[\]\)/);
    expect(bad(branched(new Uint32Array(30), [1, 1, 1, 1, 1, 1, 1, 1, 1]))).toThrow(/branches must be an array of 1 to 8 branch sizes/);
    expect(bad(branched(new Uint32Array(10), NVEC))).toThrow(/dataset.actions.length must be 30 \(10 pairs × 3 branches\) \(got 10\)/);
    const outOfRange = new Uint32Array(30);
    outOfRange[3 * 4 + 1] = 2;
    expect(bad(branched(outOfRange, NVEC))).toThrow(/dataset.actions\[13\] must be an action in \[0, 2\) \(pair 4, branch 1 of \[3, 2, 4\]\) \(got 2\)/);
    expect(bad({ ...branched(new Uint32Array(30), NVEC), dataset: { observations: new Float32Array(50), actions: new Float32Array(30) } })).toThrow(
      /dataset.actions must be a Uint32Array \[M\]\[K\] for a categorical policy \(got Float32Array\)/,
    );
    expect(bad({ policy: 'gaussian', actor: layouts.gaussian, branches: [1, 1], dataset: { observations: new Float32Array(50), actions: new Float32Array(20) } })).toThrow(
      /branches must be absent for a Gaussian policy .*\(got \[1,1\]\)/,
    );
  });
});

describe('behaviour cloning: a hybrid config', () => {
  /** M = 10 hybrid rows of 2 floats then 2 indices (all zero: valid). */
  const rows = () => new Uint32Array(10 * 4);
  const good: BehaviourCloningConfig = {
    actor: hybridLayout,
    policy: 'hybrid',
    branches: HYBRID_NVEC,
    dataset: { observations: new Float32Array(5 * 10), actions: rows() },
    epochs: 1,
    minibatchSize: 4,
    learningRate: 1e-3,
    seed: 1,
  };
  const bad = (patch: Partial<BehaviourCloningConfig>) => () => resolveBehaviourCloningConfig({ ...good, ...patch });
  /** A dataset whose action word `i` is `value`: written through an f32 view (a continuous dim) or as a u32 (a branch index). */
  const withWord = (i: number, value: number, asFloat: boolean) => {
    const actions = rows();
    if (asFloat) new Float32Array(actions.buffer)[i] = value;
    else actions[i] = value;
    return { dataset: { observations: new Float32Array(50), actions } };
  };

  it('resolves the branches after the D means, and refuses bad rows naming dataset.actions[i], the pair, the dim or branch and the value', () => {
    const resolved = resolveBehaviourCloningConfig(good);
    expect([resolved.branches, resolved.continuousDims, resolved.width]).toEqual([HYBRID_NVEC, 2, 7]);
    // Branches left out: one branch of the 5 logits after the 2 means.
    const oneBranch = { observations: new Float32Array(50), actions: new Uint32Array(10 * 3) };
    expect(resolveBehaviourCloningConfig({ ...good, branches: undefined, dataset: oneBranch }).branches).toEqual([5]);
    expect(() => resolveBehaviourCloningConfig({ ...good, ...withWord(1, -3.4e38, true) })).not.toThrow();
    expect(bad(withWord(5, Number.NaN, true))).toThrow(/behaviourCloning.dataset.actions\[5\] must be a finite f32 \(pair 1, continuous dim 1\) \(got NaN\)/);
    expect(bad(withWord(8, Number.NEGATIVE_INFINITY, true))).toThrow(/dataset.actions\[8\] must be a finite f32 \(pair 2, continuous dim 0\) \(got -Infinity\)/);
    expect(bad(withWord(14, 3, false))).toThrow(/dataset.actions\[14\] must be an action in \[0, 3\) \(pair 3, branch 0 of \[3, 2\]\) \(got 3\)/);
    expect(bad(withWord(39, 2, false))).toThrow(/dataset.actions\[39\] must be an action in \[0, 2\) \(pair 9, branch 1 of \[3, 2\]\) \(got 2\)/);
    expect(bad({ dataset: { observations: new Float32Array(50), actions: new Uint32Array(39) } })).toThrow(
      /dataset.actions.length must be 40 \(10 pairs × \(2 continuous dims \+ 2 branches\)\) \(got 39\)/,
    );
    expect(bad({ dataset: { observations: new Float32Array(50), actions: new Float32Array(40) } })).toThrow(
      /dataset.actions must be a Uint32Array \[M\]\[D \+ K\] for a hybrid policy \(each row 2 f32 words, then 2 branch indices: Demonstrations.toDataset\(\)\) \(got Float32Array\)/,
    );
  });

  it('refuses branches and actors that do not fit a hybrid head', () => {
    expect(bad({ branches: [3, 3] })).toThrow(/branches must be branch sizes summing to the policy head's 5 logits \(its 7 outputs less the 2 means\) \(got \[3, 3\], summing to 6\)/);
    expect(bad({ branches: [3, 0, 2] })).toThrow(/branches\[1\] must be a positive integer \(got 0\)/);
    // A head without a log-std, or whose log-std covers every output, has no hybrid split.
    expect(bad({ actor: multiDiscreteLayout })).toThrow(/actor.extras.logStd must be a slot of D floats, 1 ≤ D < the policy head's 9 outputs .*hybridActorSpec.* \(got undefined\)/);
    expect(bad({ actor: layouts.gaussian, branches: undefined })).toThrow(/actor.extras.logStd must be a slot of D floats, 1 ≤ D < the policy head's 2 outputs .* \(got 2\)/);
    // D + K ≤ MAX_ACTION_SIZE = 64 words per action: 62 dims leave room for 2 branches, not 3.
    const wide = mlpLayout(hybridActorSpec(5, 62, 3, [4]));
    const dataset = (K: number) => ({ observations: new Float32Array(50), actions: new Uint32Array(10 * (62 + K)) });
    expect(() => resolveBehaviourCloningConfig({ ...good, actor: wide, branches: [2, 1], dataset: dataset(2) })).not.toThrow();
    expect(bad({ actor: wide, branches: [1, 1, 1], dataset: dataset(3) })).toThrow(
      /branches must be at most 2 branches: D \+ K ≤ 64 words per action \(MAX_ACTION_SIZE\) \(got 3 branches after 62 continuous dims\)/,
    );
    // At most MAX_DISCRETE_ACTIONS = 1 024 logits after the means.
    expect(bad({ actor: mlpLayout(hybridActorSpec(5, 2, 1025, [4])), branches: undefined })).toThrow(
      /actor policy head size must be at most 1024 logits after the means \(MAX_DISCRETE_ACTIONS\) \(got 1027 \(2 means and 1025 logits\)\)/,
    );
  });
});

// ---- learning: clone a scripted CartPole controller ----

/** Pushes right iff 0.1x + 0.5ẋ + 10θ + 2θ̇ > 0: 500 on every CartPole-v1 episode, and robust to 10 % random actions (mean 498). */
const expert = (s: ArrayLike<number>) => (0.1 * s[0]! + 0.5 * s[1]! + 10 * s[2]! + 2 * s[3]! > 0 ? 1 : 0);

/** The observations and the end-of-step flags of every env, in one readback. */
async function readStep(device: GPUDevice, env: VectorEnv) {
  const N = env.numEnvs;
  const OBS = env.observationSize;
  const { observations, terminated, truncated, episodeReturns } = env.buffers;
  const staging = device.createBuffer({ label: 'bc-test.step', size: 4 * N * (OBS + 3), usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(observations, 0, staging, 0, 4 * N * OBS);
  encoder.copyBufferToBuffer(terminated, 0, staging, 4 * N * OBS, 4 * N);
  encoder.copyBufferToBuffer(truncated, 0, staging, 4 * N * (OBS + 1), 4 * N);
  encoder.copyBufferToBuffer(episodeReturns, 0, staging, 4 * N * (OBS + 2), 4 * N);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const bytes = staging.getMappedRange().slice(0);
  staging.destroy();
  return {
    observations: new Float32Array(bytes, 0, N * OBS),
    done: (n: number) => new Uint32Array(bytes, 4 * N * OBS, 2 * N).some((v, i) => i % N === n && v !== 0),
    episodeReturn: (n: number) => new Float32Array(bytes, 4 * N * (OBS + 2), N)[n]!,
  };
}

/**
 * Runs the first episode of each of `numEnvs` CartPole envs with `act` choosing every action from
 * the observation; calls `onStep(n, observation, action)` for each step of each env's first
 * episode; returns each first episode's return.
 */
async function runEpisodes(
  device: GPUDevice,
  numEnvs: number,
  seed: number,
  act: (observations: Float32Array, numEnvs: number) => Uint32Array,
  onStep?: (env: number, observation: Float32Array, action: number) => void,
): Promise<number[]> {
  const env = await createVectorEnv(device, 'CartPole-v1', { numEnvs, seed });
  try {
    const encoder = device.createCommandEncoder();
    env.encodeReset(encoder);
    device.queue.submit([encoder.finish()]);
    const returns: (number | undefined)[] = new Array(numEnvs).fill(undefined);
    let state = await readStep(device, env);
    for (let t = 0; t < env.maxEpisodeSteps && returns.includes(undefined); t += 1) {
      const actions = act(state.observations, numEnvs);
      for (let n = 0; n < numEnvs; n += 1) {
        if (returns[n] === undefined) onStep?.(n, state.observations.slice(n * 4, n * 4 + 4), actions[n]!);
      }
      env.writeActions(actions);
      const step = device.createCommandEncoder();
      env.encodeStep(step);
      device.queue.submit([step.finish()]);
      state = await readStep(device, env);
      for (let n = 0; n < numEnvs; n += 1) if (returns[n] === undefined && state.done(n)) returns[n] = state.episodeReturn(n);
    }
    expect(returns.includes(undefined), 'every first episode ends within the step limit').toBe(false);
    return returns as number[];
  } finally {
    env.destroy();
  }
}

describe('behaviour cloning learns CartPole-v1 from demonstrations', () => {
  const gpu = useGpu();

  it('20 expert episodes → a cloned 64-64 actor that scores ≥ 400 greedily over 10 episodes', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const started = performance.now();

    // Record: 20 parallel first episodes of the expert, then one episode after another into the recorder.
    const perEnv: { observations: Float32Array[]; actions: number[] }[] = Array.from({ length: 20 }, () => ({ observations: [], actions: [] }));
    const expertReturns = await gpuStep(gpu(), 'record', () =>
      runEpisodes(
        device,
        20,
        seed,
        (obs, n) => Uint32Array.from({ length: n }, (_, i) => expert(obs.subarray(i * 4, i * 4 + 4))),
        (n, observation, action) => {
          perEnv[n]!.observations.push(observation);
          perEnv[n]!.actions.push(action);
        },
      ),
    );
    const demonstrations = new Demonstrations({ observationSize: 4, actionSpace: { kind: 'discrete', n: 2 } });
    perEnv.forEach((episode, n) => {
      episode.observations.forEach((o, t) => demonstrations.record(o, episode.actions[t]!));
      demonstrations.endEpisode(expertReturns[n]);
    });
    const recorded = performance.now();
    expect(demonstrations.episodes.length).toBe(20);
    const expertMean = expertReturns.reduce((a, b) => a + b, 0) / 20;
    expect(expertMean, 'the expert solves CartPole').toBeGreaterThanOrEqual(475);

    // Clone into the actor PPO uses for CartPole (CleanRL's 64-64 tanh, orthogonal init).
    const actor = mlpLayout(actorSpec(4, 2));
    const epochs = 5;
    const bc = await createBehaviourCloning(device, {
      actor,
      policy: 'categorical',
      dataset: demonstrations.toDataset(),
      epochs,
      minibatchSize: 64,
      learningRate: 3e-3,
      seed,
    });
    let nll: readonly number[] = [];
    let parameters: Float32Array;
    try {
      const reported: number[][] = [];
      nll = await gpuStep(gpu(), 'clone', () => bc.train((epoch, value) => reported.push([epoch, value])));
      expect(reported, 'onEpoch sees every epoch in order, with the values train() returns').toEqual(nll.map((value, epoch) => [epoch, value]));
      parameters = await bc.readParameters();
    } finally {
      bc.destroy();
    }
    const cloned = performance.now();

    // Evaluate greedily (argmax of the logits, float64 forward on the CPU) on fresh envs.
    const returns = await gpuStep(gpu(), 'evaluate', () =>
      runEpisodes(device, 10, (seed ^ 0x9e3779b9) >>> 0, (obs, n) => {
        const rows = Array.from({ length: n }, (_, i) => obs.subarray(i * 4, i * 4 + 4));
        const logits = mlpForward(actor, parameters, rows).outputs.policy!;
        return Uint32Array.from(logits, (l) => (l[1]! > l[0]! ? 1 : 0));
      }),
    );
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const seconds = (to: number, from: number) => ((to - from) / 1000).toFixed(1);
    console.log(
      `[bc cartpole] ${demonstrations.size} pairs (expert mean ${expertMean}); ${epochs} epochs, NLL ${nll.map((v) => v.toFixed(4)).join(' → ')}; ` +
        `greedy returns ${returns.join(' ')} (mean ${mean}); record ${seconds(recorded, started)} s, clone ${seconds(cloned, recorded)} s, ` +
        `evaluate ${seconds(performance.now(), cloned)} s (seed ${seed})`,
    );
    expect(nll[nll.length - 1]!, `seed ${seed}: the NLL falls`).toBeLessThan(nll[0]!);
    expect(mean, `seed ${seed}: greedy mean return of the cloned policy`).toBeGreaterThanOrEqual(400);
  }, 120_000);
});

// ---- learning: clone a deterministic multi-discrete map ----

/** Each of 6 states' action in each branch of NVEC: distinct per branch, so no branch can copy another. */
const multiDiscreteTarget = (state: number) => [state % 3, Math.floor(state / 3), (3 * state + 1) % 4];

/** State s as a one-hot of 6 with ±0.15 noise in every entry (the head sees a noisy observation, not a lookup). */
function noisyOneHot(state: number, random: () => number): number[] {
  return Array.from({ length: 6 }, (_, i) => (i === state ? 1 : 0) + (random() - 0.5) * 0.3);
}

/** Each branch's argmax of a row of Σ NVEC logits. */
function branchArgmax(logits: ArrayLike<number>): number[] {
  let offset = 0;
  return NVEC.map((n) => {
    let best = 0;
    for (let a = 1; a < n; a += 1) if (logits[offset + a]! > logits[offset + best]!) best = a;
    offset += n;
    return best;
  });
}

describe('behaviour cloning learns a multi-discrete map', () => {
  const gpu = useGpu();

  it('240 pairs of 6 noisy states → 3 branches: the NLL falls and every branch argmax reproduces the map', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const M = 240;
    const states = Array.from({ length: M }, (_, i) => i % 6);
    const dataset = {
      observations: Float32Array.from(states.flatMap((s) => noisyOneHot(s, random))),
      actions: Uint32Array.from(states.flatMap(multiDiscreteTarget)),
    };
    const actor = mlpLayout(actorSpec(6, 9, [16]));
    const initial = initialParameters(actor, seed);
    const epochs = 30;
    const bc = await createBehaviourCloning(device, { actor, policy: 'categorical', branches: NVEC, dataset, epochs, minibatchSize: 40, learningRate: 1e-2, seed, initialParameters: initial });
    let nll: readonly number[];
    let parameters: Float32Array;
    try {
      const started = performance.now();
      nll = await gpuStep(gpu(), 'clone', () => bc.train());
      parameters = await bc.readParameters();
      console.log(`[bc multi-discrete] ${epochs} epochs in ${((performance.now() - started) / 1000).toFixed(1)} s, NLL ${nll[0]!.toFixed(4)} → ${nll.at(-1)!.toFixed(4)} (seed ${seed})`);
    } finally {
      bc.destroy();
    }
    // The first epoch starts from the initial parameters: its first minibatch alone is not the
    // epoch's mean, but with these logits near zero the NLL starts near Σ_b log nvec[b] = log 24.
    expect(nll[0]!, `seed ${seed}: first epoch's NLL near log 24`).toBeGreaterThan(Math.log(24) * 0.6);
    expect(nll.at(-1)!, `seed ${seed}: the NLL falls below a tenth of its start`).toBeLessThan(nll[0]! / 10);
    // Greedy per branch on fresh noisy observations of every state (float64 forward on the CPU).
    const fresh = Array.from({ length: 60 }, (_, i) => i % 6);
    const logits = mlpForward(actor, parameters, fresh.map((s) => noisyOneHot(s, random))).outputs.policy!;
    const wrong = fresh.filter((s, r) => branchArgmax(logits[r]!).join() !== multiDiscreteTarget(s).join());
    expect(wrong, `seed ${seed}: states whose greedy actions differ from the map`).toEqual([]);
  }, 120_000);
});
