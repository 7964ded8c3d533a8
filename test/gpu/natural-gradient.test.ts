/**
 * The natural-gradient pieces on a real device against the float64 reference
 * (test/reference/natural-gradient.ts), on fresh random policies at odd sizes (input 7, hidden
 * [33, 20] tanh, 5 actions, 123 rows per agent):
 *   - the Fisher-vector product (tangent pass → fisher_categorical → backward), G = 1 and 3;
 *   - conjugate gradient (10 iterations, damping 0.1) on that product, and its step scale, G = 2;
 *   - the line search: every candidate's mean improvement and KL, the choice, and θ after it,
 *     including a direction that no candidate improves on (θ must stay as it was);
 *   - the Gaussian Fisher-vector product and line search (mean and log-std) at D = 3, 17 and
 *     MAX_ACTION_SIZE = 64 action dims, G = 2.
 * Outputs are poisoned with NaN first. Relative error = max |gpu − ref| / max |ref| per tensor.
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, decodeMoments, readBufferOnce } from '../../src/gpu/index';
import { createMlpPasses } from '../../src/nn/mlp';
import { actorSpec, mlpLayout, type MlpLayout } from '../../src/nn/mlp-spec';
import { createConjugateGradient } from '../../src/algos/trpo/conjugate-gradient';
import { createFisherVectorProduct } from '../../src/algos/trpo/fisher';
import { CG_SCALAR, CG_SCALAR_WORDS, LINE_SEARCH, LINE_SEARCH_WORDS, fisherCategoricalKernel, lineSearchCandidatesKernel, lineSearchTermsKernel } from '../../src/algos/trpo/kernels';
import { createKernel, type SizedKernel } from '../../src/gpu/kernel';
import { MAX_DISCRETE_ACTIONS } from '../../src/rng/index';
import { categoricalKl, categoricalLogProb } from '../reference/heads';
import { createLineSearch } from '../../src/algos/trpo/line-search';
import { mlpForward } from '../reference/mlp';
import {
  categoricalFisherProduct,
  conjugateGradient,
  fisherVectorProduct,
  gaussianFisherVectorProduct,
  gaussianLineSearchCandidates,
  gaussianSurrogateLossGradient,
  lineSearchCandidates,
  lineSearchChoice,
  multiCategoricalFisherProduct,
  multiCategoricalLineSearchTerms,
  stepScale,
  surrogateLossGradient,
} from '../reference/natural-gradient';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

const OBS = 7;
const ACTIONS = 5;
const B = 123;
const layout = mlpLayout(actorSpec(OBS, ACTIONS, [33, 20]));
const P = layout.parametersPerAgent;

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-30;
  for (let i = 0; i < expected.length; i += 1) {
    if (Number.isNaN(actual[i]!)) return Number.POSITIVE_INFINITY;
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

/** Weights U(±1.5/√in), biases U(±0.3); padding 0 (the layout's contract for every vector). */
function randomVector(random: () => number, agents: number, weightScale = 1.5): Float32Array<ArrayBuffer> {
  const v = new Float32Array(agents * P);
  for (let g = 0; g < agents; g += 1) {
    for (const layer of layout.layers) {
      const s = weightScale / Math.sqrt(layer.inputSize);
      for (let i = 0; i < layer.weight.length; i += 1) v[g * P + layer.weight.offset + i] = s * (2 * random() - 1);
      for (let i = 0; i < layer.bias.length; i += 1) v[g * P + layer.bias.offset + i] = 0.3 * (2 * random() - 1);
    }
  }
  return v;
}

const parameterIndices = (() => {
  const indices: number[] = [];
  for (const layer of layout.layers) for (const slot of [layer.weight, layer.bias]) for (let i = 0; i < slot.length; i += 1) indices.push(slot.offset + i);
  return indices;
})();

const rowsOf = (data: Float32Array, width: number, first: number, count: number) =>
  Array.from({ length: count }, (_, r) => data.subarray((first + r) * width, (first + r + 1) * width));
const agentSlice = (data: ArrayLike<number>, g: number, length: number) => Array.from(data).slice(g * length, (g + 1) * length);
const s0 = (scalars: Float32Array, g: number) => scalars[g * CG_SCALAR_WORDS + CG_SCALAR.stepScale]!.toPrecision(6);
const nanFill = (floats: number) => new Float32Array(floats).fill(Number.NaN);

describe('natural gradient on the GPU vs the float64 reference', () => {
  const gpu = useGpu();

  /** Buffers for G agents' parameters, a vector, inputs; passes over them, forward encoded at θ. */
  async function setup(agents: number, seed: number) {
    const { device } = gpu();
    const random = seededRandom(seed);
    const params = randomVector(random, agents);
    const vector = randomVector(random, agents, 1);
    const inputs = Float32Array.from({ length: agents * B * OBS }, () => 2 * random() - 1);
    const passes = await createMlpPasses(device, layout, { agents, rowsPerAgent: B, label: 'test.ng.actor' });
    const set = new BufferSet(device, 'test.ng', {
      params: { size: params.byteLength },
      vector: { size: vector.byteLength },
      inputs: { size: inputs.byteLength },
      output: { size: params.byteLength },
    });
    device.queue.writeBuffer(set.buffers.params, 0, params);
    device.queue.writeBuffer(set.buffers.vector, 0, vector);
    device.queue.writeBuffer(set.buffers.inputs, 0, inputs);
    return { random, params, vector, inputs, passes, set, b: set.buffers };
  }

  it.each([1, 3])('the Fisher-vector product matches the reference, G = %i', async (agents) => {
    const { device } = gpu();
    const seed = freshSeed();
    const { params, vector, inputs, passes, set, b } = await setup(agents, seed);
    const fisher = await createFisherVectorProduct(device, { passes, label: 'test.ng.fisher' });
    try {
      const got = await gpuStep(gpu(), `fvp seed ${seed}`, async () => {
        device.queue.writeBuffer(b.output, 0, nanFill(agents * P));
        const encoder = device.createCommandEncoder();
        passes.encodeForward(encoder, { params: b.params, inputs: b.inputs });
        fisher.encode(encoder, { params: b.params, inputs: b.inputs, vector: b.vector, output: b.output });
        device.queue.submit([encoder.finish()]);
        return new Float32Array(await readBufferOnce(device, b.output));
      });
      for (let g = 0; g < agents; g += 1) {
        const want = fisherVectorProduct(layout, agentSlice(params, g, P), rowsOf(inputs, OBS, g * B, B), agentSlice(vector, g, P));
        const slots = parameterIndices.map((i) => got[g * P + i]!);
        const error = relativeError(slots, parameterIndices.map((i) => want[i]!));
        expect(error, `seed ${seed}, agent ${g}`).toBeLessThan(1e-4);
        console.log(`[natural-gradient] F·v, G = ${agents}, agent ${g}: relative error ${error.toExponential(1)}`);
        // Padding is never written (it stays as the caller left it).
        for (let i = 0; i < P; i += 1) if (!parameterIndices.includes(i)) expect(got[g * P + i]).toBeNaN();
      }
    } finally {
      fisher.destroy();
      set.destroy();
      passes.destroy();
    }
  });

  // D = 17 (MuJoCo Humanoid's actuators) and MAX_ACTION_SIZE = 64: wide boxes.
  it.each([3, 17, 64])('the Gaussian Fisher-vector product (network and log-std) matches the reference, D = %i, G = 2', async (D) => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const agents = 2;
    const gaussian = mlpLayout({ ...actorSpec(OBS, D, [33, 20]), extras: { logStd: D } });
    const GP = gaussian.parametersPerAgent;
    const slot = gaussian.extras.logStd!;
    const draw = (scale: number) => {
      const v = new Float32Array(agents * GP);
      for (let g = 0; g < agents; g += 1) {
        for (const layer of gaussian.layers) {
          for (const t of [layer.weight, layer.bias]) for (let i = 0; i < t.length; i += 1) v[g * GP + t.offset + i] = (scale / Math.sqrt(layer.inputSize)) * (2 * random() - 1);
        }
        for (let d = 0; d < D; d += 1) v[g * GP + slot.offset + d] = 0.5 * (2 * random() - 1);
      }
      return v;
    };
    const params = draw(1.5);
    const vector = draw(1);
    const inputs = Float32Array.from({ length: agents * B * OBS }, () => 2 * random() - 1);
    const passes = await createMlpPasses(device, gaussian, { agents, rowsPerAgent: B, label: 'test.ng.gaussian' });
    const fisher = await createFisherVectorProduct(device, { passes, distribution: 'gaussian', label: 'test.ng.fisher-gaussian' });
    const set = new BufferSet(device, 'test.ng.gaussian-io', {
      params: { size: params.byteLength },
      vector: { size: vector.byteLength },
      inputs: { size: inputs.byteLength },
      output: { size: params.byteLength },
    });
    const b = set.buffers;
    try {
      const got = await gpuStep(gpu(), `gaussian fvp seed ${seed}`, async () => {
        device.queue.writeBuffer(b.params, 0, params);
        device.queue.writeBuffer(b.vector, 0, vector);
        device.queue.writeBuffer(b.inputs, 0, inputs);
        device.queue.writeBuffer(b.output, 0, nanFill(agents * GP));
        const encoder = device.createCommandEncoder();
        passes.encodeForward(encoder, { params: b.params, inputs: b.inputs });
        fisher.encode(encoder, { params: b.params, inputs: b.inputs, vector: b.vector, output: b.output });
        device.queue.submit([encoder.finish()]);
        return new Float32Array(await readBufferOnce(device, b.output));
      });
      const written = new Set<number>();
      for (const layer of gaussian.layers) for (const t of [layer.weight, layer.bias]) for (let i = 0; i < t.length; i += 1) written.add(t.offset + i);
      for (let d = 0; d < D; d += 1) written.add(slot.offset + d);
      for (let g = 0; g < agents; g += 1) {
        const want = gaussianFisherVectorProduct(gaussian, agentSlice(params, g, GP), rowsOf(inputs, OBS, g * B, B), agentSlice(vector, g, GP));
        const indices = [...written];
        const error = relativeError(indices.map((i) => got[g * GP + i]!), indices.map((i) => want[i]!));
        console.log(`[natural-gradient] Gaussian F·v, agent ${g}: relative error ${error.toExponential(1)}`);
        expect(error, `seed ${seed}, agent ${g}`).toBeLessThan(1e-4);
        const logStdError = relativeError(Array.from(got.subarray(g * GP + slot.offset, g * GP + slot.offset + D)), want.subarray(slot.offset, slot.offset + D));
        expect(logStdError, `seed ${seed}, agent ${g}: log-std block`).toBeLessThan(1e-6);
        for (let i = 0; i < GP; i += 1) if (!written.has(i)) expect(got[g * GP + i]).toBeNaN();
      }
    } finally {
      fisher.destroy();
      set.destroy();
      passes.destroy();
    }
  });

  it('conjugate gradient on the Fisher product and its step scale match the reference, G = 2', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const agents = 2;
    const { params, vector: rhs, inputs, passes, set, b } = await setup(agents, seed);
    const fisher = await createFisherVectorProduct(device, { passes, label: 'test.ng.fisher' });
    const damping = 0.1;
    const maxKl = 0.01;
    const cg = await createConjugateGradient(device, { agents, parametersPerAgent: P, iterations: 10, damping, maxKl, label: 'test.ng.cg' });
    try {
      const got = await gpuStep(gpu(), `cg seed ${seed}`, async () => {
        for (const buffer of [cg.buffers.x, cg.buffers.residual, cg.buffers.direction]) device.queue.writeBuffer(buffer, 0, nanFill(agents * P));
        device.queue.writeBuffer(cg.buffers.scalars, 0, nanFill(agents * CG_SCALAR_WORDS));
        const encoder = device.createCommandEncoder();
        passes.encodeForward(encoder, { params: b.params, inputs: b.inputs });
        cg.encode(encoder, {
          rhs: b.vector,
          operator: (e, v, out) => fisher.encode(e, { params: b.params, inputs: b.inputs, vector: v, output: out }),
        });
        device.queue.submit([encoder.finish()]);
        return {
          x: new Float32Array(await readBufferOnce(device, cg.buffers.x)),
          scalars: new Float32Array(await readBufferOnce(device, cg.buffers.scalars)),
        };
      });
      for (let g = 0; g < agents; g += 1) {
        const theta = agentSlice(params, g, P);
        const x = rowsOf(inputs, OBS, g * B, B);
        const apply = (v: Float64Array) => fisherVectorProduct(layout, theta, x, v);
        const ref = conjugateGradient(apply, agentSlice(rhs, g, P), 10, damping);
        const scale = stepScale(apply, ref.x, damping, maxKl);
        const where = `seed ${seed}, agent ${g}`;
        // Ten CG steps in f32 vs f64: rounding amplified by F's conditioning (damping 0.1 bounds it).
        // Measured ~3e-7; a 1 % error in α measured 1e-2.
        const xError = relativeError(agentSlice(got.x, g, P), ref.x);
        console.log(`[natural-gradient] CG x, agent ${g}: relative error ${xError.toExponential(1)}; step scale ${s0(got.scalars, g)} vs ${scale.scale.toPrecision(6)}`);
        expect(xError, where).toBeLessThan(1e-4);
        const s = got.scalars.subarray(g * CG_SCALAR_WORDS, (g + 1) * CG_SCALAR_WORDS);
        expect(s[CG_SCALAR.rrInitial]! / ref.rhsSquared - 1, where).toBeCloseTo(0, 5);
        expect(s[CG_SCALAR.xAx]! / scale.xAx - 1, where).toBeCloseTo(0, 4);
        expect(s[CG_SCALAR.stepScale]! / scale.scale - 1, where).toBeCloseTo(0, 4);
        // CG made progress: the residual fell well below the right-hand side.
        expect(s[CG_SCALAR.rr]!, where).toBeLessThan(1e-2 * ref.rhsSquared);
      }
    } finally {
      cg.destroy();
      fisher.destroy();
      set.destroy();
      passes.destroy();
    }
  });

  /**
   * A line search of G agents at θ along x = ∇loss (scaled by a chosen step scale), with advantages
   * of sign `advantageSign`·U(−1, 1). Returns the GPU's and the reference's outcomes.
   */
  async function lineSearchCase(agents: number, seed: number, scales: readonly number[], flip = false) {
    const { device } = gpu();
    const random = seededRandom(seed);
    const params = randomVector(random, agents);
    const inputs = Float32Array.from({ length: agents * B * OBS }, () => 2 * random() - 1);
    const actions = Uint32Array.from({ length: agents * B }, () => Math.floor(random() * ACTIONS));
    const advantages = Float32Array.from({ length: agents * B }, () => 2 * random() - 1);
    const K = 10;
    const backtrack = 0.5;
    const maxKl = 0.01;
    const direction = new Float32Array(agents * P);
    const oldLogits = new Float32Array(agents * B * ACTIONS);
    const scalars = new Float32Array(agents * CG_SCALAR_WORDS);
    const reference = [];
    for (let g = 0; g < agents; g += 1) {
      const theta = agentSlice(params, g, P);
      const batch = { inputs: rowsOf(inputs, OBS, g * B, B), actions: agentSlice(actions, g, B), advantages: agentSlice(advantages, g, B) };
      const gradient = surrogateLossGradient(layout, theta, batch);
      // Unit-norm direction; flip = the ascent direction of the loss: no candidate improves.
      const norm = Math.hypot(...gradient);
      gradient.forEach((v, i) => (direction[g * P + i] = ((flip ? -1 : 1) * v) / norm));
      scalars[g * CG_SCALAR_WORDS + CG_SCALAR.stepScale] = scales[g]!;
      scalars[g * CG_SCALAR_WORDS + CG_SCALAR.rrInitial] = norm * norm;
      mlpForward(layout, theta, batch.inputs).outputs.policy!.forEach((row, r) => oldLogits.set(row, (g * B + r) * ACTIONS));
      const candidates = lineSearchCandidates(layout, theta, agentSlice(direction, g, P), scales[g]!, batch, K, backtrack);
      reference.push({ candidates, chosen: lineSearchChoice(candidates, maxKl) });
    }
    const search = await createLineSearch(device, { layout, agents, rowsPerAgent: B, candidates: K, backtrack, maxKl, label: 'test.ng.ls' });
    const set = new BufferSet(device, 'test.ng.ls-io', {
      params: { size: params.byteLength },
      direction: { size: direction.byteLength },
      scalars: { size: scalars.byteLength },
      inputs: { size: inputs.byteLength },
      oldLogits: { size: oldLogits.byteLength },
      actions: { size: actions.byteLength },
      advantages: { size: advantages.byteLength },
    });
    const b = set.buffers;
    try {
      const got = await gpuStep(gpu(), `line search seed ${seed}`, async () => {
        device.queue.writeBuffer(b.params, 0, params);
        device.queue.writeBuffer(b.direction, 0, direction);
        device.queue.writeBuffer(b.scalars, 0, scalars);
        device.queue.writeBuffer(b.inputs, 0, inputs);
        device.queue.writeBuffer(b.oldLogits, 0, oldLogits);
        device.queue.writeBuffer(b.actions, 0, actions);
        device.queue.writeBuffer(b.advantages, 0, advantages);
        device.queue.writeBuffer(search.buffers.result, 0, nanFill(agents * LINE_SEARCH_WORDS));
        device.queue.writeBuffer(search.buffers.terms, 0, nanFill(search.buffers.terms.size / 4));
        device.queue.writeBuffer(search.buffers.candidates, 0, nanFill(search.buffers.candidates.size / 4));
        const encoder = device.createCommandEncoder();
        search.encode(encoder, {
          params: b.params,
          direction: b.direction,
          scalars: b.scalars,
          inputs: b.inputs,
          oldOutputs: b.oldLogits,
          actions: b.actions,
          advantages: b.advantages,
        });
        device.queue.submit([encoder.finish()]);
        return {
          params: new Float32Array(await readBufferOnce(device, b.params)),
          moments: decodeMoments(await readBufferOnce(device, search.buffers.moments), 2 * agents * K),
          result: new Float32Array(await readBufferOnce(device, search.buffers.result)),
        };
      });
      return { got, reference, params, direction, K, maxKl };
    } finally {
      search.destroy();
      set.destroy();
    }
  }

  it('the line search evaluates every candidate, takes the first acceptable one and writes it into θ, G = 2', async () => {
    // Agent 0: a step whose first candidates overshoot the KL radius; agent 1: a modest step.
    let seed = freshSeed();
    let outcome = await lineSearchCase(2, seed, [3, 0.2]);
    // Redraw if the reference's choice sits on a knife edge that f32 could tip (rare).
    const knifeEdge = (o: typeof outcome) =>
      o.reference.some(({ candidates }) => candidates.some((c) => Math.abs(c.kl - o.maxKl) < 1e-3 * o.maxKl || Math.abs(c.improvement) < 1e-6));
    for (let attempt = 0; attempt < 3 && knifeEdge(outcome); attempt += 1) outcome = await lineSearchCase(2, (seed = freshSeed()), [3, 0.2]);
    const { got, reference, params, direction, K } = outcome;
    for (let g = 0; g < 2; g += 1) {
      const where = `seed ${seed}, agent ${g}`;
      const { candidates, chosen } = reference[g]!;
      for (let k = 0; k < K; k += 1) {
        const improvement = got.moments[g * K + k]!;
        const kl = got.moments[2 * K + g * K + k]!;
        expect(improvement.count, where).toBe(B);
        expect(Math.abs(improvement.mean - candidates[k]!.improvement), `${where}, improvement of k = ${k}`).toBeLessThan(1e-4 * Math.max(1e-2, Math.abs(candidates[k]!.improvement)));
        expect(Math.abs(kl.mean - candidates[k]!.kl), `${where}, KL of k = ${k}`).toBeLessThan(1e-3 * Math.max(1e-4, candidates[k]!.kl));
      }
      const result = got.result.subarray(g * LINE_SEARCH_WORDS, (g + 1) * LINE_SEARCH_WORDS);
      expect(result[LINE_SEARCH.chosen], where).toBe(chosen);
      expect(chosen, `${where}: the case is meant to accept a step`).toBeGreaterThanOrEqual(0);
      expect(result[LINE_SEARCH.stepFraction]).toBe(0.5 ** chosen);
      const scale = [3, 0.2][g]!;
      const want = parameterIndices.map((i) => params[g * P + i]! - 0.5 ** chosen * scale * direction[g * P + i]!);
      expect(relativeError(parameterIndices.map((i) => got.params[g * P + i]!), want), where).toBeLessThan(1e-6);
    }
    // The overshooting agent backtracked at least once.
    expect(reference[0]!.chosen).toBeGreaterThan(0);
  });

  it('keeps θ when no candidate improves the surrogate (chosen = −1)', async () => {
    const seed = freshSeed();
    const { got, reference, params } = await lineSearchCase(1, seed, [0.5], true);
    expect(reference[0]!.chosen, `seed ${seed}`).toBe(-1);
    expect(got.result[LINE_SEARCH.chosen]).toBe(-1);
    expect(got.result[LINE_SEARCH.stepFraction]).toBe(0);
    expect(got.params).toEqual(params);
  });

  it.each([3, 17, 64])('the Gaussian line search (mean and log-std move) matches the reference, D = %i, G = 2', async (D) => {
    const { device } = gpu();
    const seed = freshSeed();
    const random = seededRandom(seed);
    const agents = 2;
    const K = 10;
    const maxKl = 0.01;
    const gaussian = mlpLayout({ ...actorSpec(OBS, D, [33, 20]), extras: { logStd: D } });
    const GP = gaussian.parametersPerAgent;
    const slot = gaussian.extras.logStd!;
    const params = new Float32Array(agents * GP);
    for (let g = 0; g < agents; g += 1) {
      for (const layer of gaussian.layers) {
        for (const t of [layer.weight, layer.bias]) for (let i = 0; i < t.length; i += 1) params[g * GP + t.offset + i] = (1.5 / Math.sqrt(layer.inputSize)) * (2 * random() - 1);
      }
      for (let d = 0; d < D; d += 1) params[g * GP + slot.offset + d] = 0.5 * (2 * random() - 1);
    }
    const inputs = Float32Array.from({ length: agents * B * OBS }, () => 2 * random() - 1);
    const actions = Float32Array.from({ length: agents * B * D }, () => 2 * random() - 1);
    const advantages = Float32Array.from({ length: agents * B }, () => 2 * random() - 1);
    const direction = new Float32Array(agents * GP);
    const oldMeans = new Float32Array(agents * B * D);
    const scalars = new Float32Array(agents * CG_SCALAR_WORDS);
    const scales = [2, 0.1];
    const reference = [];
    for (let g = 0; g < agents; g += 1) {
      const theta = agentSlice(params, g, GP);
      const batch = { inputs: rowsOf(inputs, OBS, g * B, B), actions: rowsOf(actions, D, g * B, B), advantages: agentSlice(advantages, g, B) };
      const gradient = gaussianSurrogateLossGradient(gaussian, theta, batch);
      const norm = Math.hypot(...gradient);
      gradient.forEach((v, i) => (direction[g * GP + i] = v / norm));
      scalars[g * CG_SCALAR_WORDS + CG_SCALAR.stepScale] = scales[g]!;
      mlpForward(gaussian, theta, batch.inputs).outputs.policy!.forEach((row, r) => oldMeans.set(row, (g * B + r) * D));
      const candidates = gaussianLineSearchCandidates(gaussian, theta, agentSlice(direction, g, GP), scales[g]!, batch, K, 0.5);
      reference.push({ candidates, chosen: lineSearchChoice(candidates, maxKl) });
    }
    const search = await createLineSearch(device, { layout: gaussian, distribution: 'gaussian', agents, rowsPerAgent: B, candidates: K, backtrack: 0.5, maxKl, label: 'test.ng.ls-gaussian' });
    const set = new BufferSet(device, 'test.ng.ls-gaussian-io', {
      params: { size: params.byteLength },
      direction: { size: direction.byteLength },
      scalars: { size: scalars.byteLength },
      inputs: { size: inputs.byteLength },
      oldMeans: { size: oldMeans.byteLength },
      actions: { size: actions.byteLength },
      advantages: { size: advantages.byteLength },
    });
    const b = set.buffers;
    try {
      const got = await gpuStep(gpu(), `gaussian line search seed ${seed}`, async () => {
        device.queue.writeBuffer(b.params, 0, params);
        device.queue.writeBuffer(b.direction, 0, direction);
        device.queue.writeBuffer(b.scalars, 0, scalars);
        device.queue.writeBuffer(b.inputs, 0, inputs);
        device.queue.writeBuffer(b.oldMeans, 0, oldMeans);
        device.queue.writeBuffer(b.actions, 0, actions);
        device.queue.writeBuffer(b.advantages, 0, advantages);
        device.queue.writeBuffer(search.buffers.result, 0, nanFill(agents * LINE_SEARCH_WORDS));
        device.queue.writeBuffer(search.buffers.terms, 0, nanFill(search.buffers.terms.size / 4));
        const encoder = device.createCommandEncoder();
        search.encode(encoder, { params: b.params, direction: b.direction, scalars: b.scalars, inputs: b.inputs, oldOutputs: b.oldMeans, actions: b.actions, advantages: b.advantages });
        device.queue.submit([encoder.finish()]);
        return {
          params: new Float32Array(await readBufferOnce(device, b.params)),
          moments: decodeMoments(await readBufferOnce(device, search.buffers.moments), 2 * agents * K),
          result: new Float32Array(await readBufferOnce(device, search.buffers.result)),
        };
      });
      for (let g = 0; g < agents; g += 1) {
        const where = `seed ${seed}, agent ${g}`;
        const { candidates, chosen } = reference[g]!;
        for (let k = 0; k < K; k += 1) {
          const c = candidates[k]!;
          expect(Math.abs(got.moments[g * K + k]!.mean - c.improvement), `${where}, improvement of k = ${k}`).toBeLessThan(1e-4 * Math.max(1e-2, Math.abs(c.improvement)));
          expect(Math.abs(got.moments[2 * K + g * K + k]!.mean - c.kl), `${where}, KL of k = ${k}`).toBeLessThan(1e-3 * Math.max(1e-4, c.kl));
        }
        const result = got.result.subarray(g * LINE_SEARCH_WORDS, (g + 1) * LINE_SEARCH_WORDS);
        expect(result[LINE_SEARCH.chosen], where).toBe(chosen);
        expect(chosen, `${where}: a step is accepted`).toBeGreaterThanOrEqual(0);
        const want = Array.from({ length: GP }, (_, i) => params[g * GP + i]! - 0.5 ** chosen * scales[g]! * direction[g * GP + i]!);
        expect(relativeError(agentSlice(got.params, g, GP), want), where).toBeLessThan(1e-6);
      }
      expect(reference[0]!.chosen, 'the large step backtracks').toBeGreaterThan(0);
    } finally {
      search.destroy();
      set.destroy();
    }
  });

  it('rejects bad sizes with errors naming the field and the value', () => {
    expect(() => fisherCategoricalKernel({ agents: 1, rowsPerAgent: 0, actions: 2 })).toThrow(/rowsPerAgent must be a positive integer \(got 0\)/);
    expect(() => fisherCategoricalKernel({ agents: 1, rowsPerAgent: 3, actions: 1025 })).toThrow(/actions must be an integer in \[1, 1024\] \(got 1025\)/);
    expect(() => lineSearchTermsKernel({ agents: 1, candidates: 2, rowsPerAgent: 3, actions: 1025 })).toThrow(/lineSearchTerms\.actions must be an integer in \[1, 1024\] \(got 1025\)/);
    expect(() => lineSearchCandidatesKernel({ agents: 1, parametersPerAgent: 8, candidates: 10, backtrack: 1 })).toThrow(/backtrack must be a number in \(0, 1\) \(got 1\)/);
    return Promise.all([
      expect(createConjugateGradient(gpu().device, { agents: 1, parametersPerAgent: 8, iterations: 10, damping: -1, maxKl: 0.01 })).rejects.toThrow(/damping must be a finite number ≥ 0 \(got -1\)/),
      expect(createConjugateGradient(gpu().device, { agents: 1, parametersPerAgent: 8, iterations: 0, damping: 0.1, maxKl: 0.01 })).rejects.toThrow(/iterations must be a positive integer \(got 0\)/),
      expect(createConjugateGradient(gpu().device, { agents: 1, parametersPerAgent: 8, iterations: 10, damping: 0.1, maxKl: 0 })).rejects.toThrow(/maxKl must be a finite number > 0 \(got 0\)/),
    ]);
  });
});

/**
 * The categorical kernels of the Fisher product and the line search on their own, at A = 1, 5, 301
 * and MAX_DISCRETE_ACTIONS (few rows at large A), with and without a mask; a masked case has one
 * row that allows nothing, whose outputs must be exactly 0.
 */
describe('categorical Fisher and line-search kernels at A up to MAX_DISCRETE_ACTIONS', () => {
  const gpu = useGpu();

  /** Runs `head` once over buffers holding `data[name]`; returns every read_write binding as f32. */
  async function run(head: SizedKernel, data: Record<string, Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>): Promise<Record<string, Float32Array>> {
    const { device } = gpu();
    const kernel = await createKernel(device, head.spec);
    const set = new BufferSet(device, `test.${head.spec.label}`, Object.fromEntries(kernel.bindings.map((b) => [b.name, { size: Math.max(4, data[b.name]!.byteLength) }])));
    try {
      return await gpuStep(gpu(), head.spec.label, async () => {
        for (const b of kernel.bindings) device.queue.writeBuffer(set.buffers[b.name]!, 0, data[b.name]!);
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        kernel.dispatch(pass, kernel.bind(set.buffers), head.invocations);
        pass.end();
        device.queue.submit([encoder.finish()]);
        const out: Record<string, Float32Array> = {};
        for (const b of kernel.bindings) if (b.access === 'read_write') out[b.name] = new Float32Array(await readBufferOnce(device, set.buffers[b.name]!));
        return out;
      });
    } finally {
      set.destroy();
    }
  }

  /** Rows of logits in U(−3, 3) and their masks: 30 % masked, at least one allowed, row `blocked` none. */
  function rowsAndMasks(random: () => number, rows: number, actions: number, masked: boolean, blocked: number) {
    const logits = Float32Array.from({ length: rows * actions }, () => 6 * random() - 3);
    const masks = Array.from({ length: rows }, (_, r) => {
      if (!masked) return undefined;
      if (r === blocked) return new Array<number>(actions).fill(0);
      const m = Array.from({ length: actions }, () => (random() < 0.3 ? 0 : 1));
      if (!m.includes(1)) m[Math.floor(random() * actions)] = 1;
      return m;
    });
    const words = masked ? Uint32Array.from(masks.flatMap((m) => m!)) : new Uint32Array(1);
    const row = (r: number) => Array.from(logits.subarray(r * actions, (r + 1) * actions));
    return { logits, masks, words, row };
  }

  const cases = [1, 5, 301, MAX_DISCRETE_ACTIONS].flatMap((actions) => [false, true].map((masked) => ({ actions, masked })));

  it.each(cases)('fisher_categorical: p ⊙ (t − ⟨p, t⟩)/B per row, A = $actions, masked $masked', async ({ actions, masked }) => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const agents = 2;
    const rowsPerAgent = actions > 64 ? 11 : 37;
    const rows = agents * rowsPerAgent;
    const blocked = masked ? 1 + Math.floor(random() * (rows - 1)) : -1;
    const input = rowsAndMasks(random, rows, actions, masked, blocked);
    const tangents = Float32Array.from({ length: rows * actions }, () => 2 * random() - 1);
    const head = fisherCategoricalKernel({ agents, rowsPerAgent, actions, masked });
    const out = await run(head, { logits: input.logits, mask: input.words, tangents, fisher_grads: nanFill(rows * actions) });
    const got = out.fisher_grads!;
    const want = new Float64Array(rows * actions);
    for (let r = 0; r < rows; r += 1) {
      if (r === blocked) continue;
      const t = Array.from(tangents.subarray(r * actions, (r + 1) * actions));
      categoricalFisherProduct(input.row(r), t, input.masks[r]).forEach((v, a) => (want[r * actions + a] = v / rowsPerAgent));
    }
    const where = `seed ${seed}, A = ${actions}, masked ${masked}`;
    const error = relativeError(got, want);
    expect(error, where).toBeLessThan(1e-4);
    const maskedNonZero = input.masks.flatMap((m, r) => (m ?? []).flatMap((allowed, a) => (allowed === 0 && got[r * actions + a] !== 0 ? [a] : [])));
    expect(maskedNonZero, `${where}: masked (or row ${blocked} allowing nothing) with nonzero output`).toEqual([]);
    console.log(`[natural-gradient] fisher_categorical A = ${actions}, masked ${masked}: relative error ${error.toExponential(1)}`);
  });

  it.each(cases)('line_search_terms: (ρ − 1)·Â and KL(old ‖ candidate) per candidate row, A = $actions, masked $masked', async ({ actions, masked }) => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const [agents, K, B] = [2, 3, actions > 64 ? 5 : 13];
    const batchRows = agents * B;
    const Q = agents * K * B;
    const blocked = masked ? 1 + Math.floor(random() * (batchRows - 1)) : -1;
    const old = rowsAndMasks(random, batchRows, actions, masked, blocked);
    const candidates = rowsAndMasks(random, Q, actions, false, -1);
    const actionsTaken = Uint32Array.from(old.masks, (m) => {
      const allowed = Array.from({ length: actions }, (_, a) => a).filter((a) => !m || m[a] === 1);
      return allowed.length === 0 ? 0 : allowed[Math.floor(random() * allowed.length)]!;
    });
    const advantages = Float32Array.from({ length: batchRows }, () => 2 * random() - 1);
    const head = lineSearchTermsKernel({ agents, candidates: K, rowsPerAgent: B, actions, masked });
    const out = await run(head, { logits: candidates.logits, old_logits: old.logits, mask: old.words, actions: actionsTaken, advantages, terms: nanFill(2 * Q) });
    const want = new Float64Array(2 * Q);
    for (let q = 0; q < Q; q += 1) {
      const s = Math.floor(q / (K * B)) * B + (q % B);
      if (s === blocked) continue; // no distribution: ρ = 1 and KL = 0
      const m = old.masks[s];
      const a = actionsTaken[s]!;
      const logRatio = categoricalLogProb(candidates.row(q), m, a) - categoricalLogProb(old.row(s), m, a);
      want[q] = (Math.exp(logRatio) - 1) * advantages[s]!;
      want[Q + q] = categoricalKl(old.row(s), candidates.row(q), m);
    }
    const where = `seed ${seed}, A = ${actions}, masked ${masked}`;
    const got = out.terms!;
    const [improvement, kl] = [relativeError(got.subarray(0, Q), want.subarray(0, Q)), relativeError(got.subarray(Q), want.subarray(Q))];
    expect(improvement, `${where}: improvement terms`).toBeLessThan(1e-4);
    expect(kl, `${where}: KL terms`).toBeLessThan(1e-4);
    for (let q = 0; q < Q; q += 1) {
      if (Math.floor(q / (K * B)) * B + (q % B) === blocked) expect([Math.abs(got[q]!), got[Q + q]], `${where}: candidate row ${q} of the row allowing nothing`).toEqual([0, 0]);
    }
    console.log(`[natural-gradient] line_search_terms A = ${actions}, masked ${masked}: relative errors ${improvement.toExponential(1)}, ${kl.toExponential(1)}`);
  });

  /** Runs every kernel of `heads` in order (one pass) over buffers holding `data[name]`; returns the read_write bindings. */
  async function runAll(heads: SizedKernel[], data: Record<string, Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>): Promise<Record<string, Float32Array>> {
    const { device } = gpu();
    const kernels = await Promise.all(heads.map((h) => createKernel(device, h.spec)));
    const bindings = kernels[0]!.bindings;
    const set = new BufferSet(device, 'test.branches', Object.fromEntries(bindings.map((b) => [b.name, { size: Math.max(4, data[b.name]!.byteLength) }])));
    try {
      return await gpuStep(gpu(), 'branches', async () => {
        for (const b of bindings) device.queue.writeBuffer(set.buffers[b.name]!, 0, data[b.name]!);
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        kernels.forEach((kernel, i) => kernel.dispatch(pass, kernel.bind(set.buffers), heads[i]!.invocations));
        pass.end();
        device.queue.submit([encoder.finish()]);
        const out: Record<string, Float32Array> = {};
        for (const b of bindings) if (b.access === 'read_write') out[b.name] = new Float32Array(await readBufferOnce(device, set.buffers[b.name]!));
        return out;
      });
    } finally {
      set.destroy();
    }
  }

  const NVEC = [3, 1, 5];
  const WIDTH = 9;
  const starts = [0, 3, 4];
  /** Masks of a multi-discrete row: each branch 30 % masked with at least one allowed; actions among the allowed. */
  function branchRows(random: () => number, rows: number) {
    const masks = Array.from({ length: rows }, () =>
      NVEC.flatMap((n) => {
        const m = Array.from({ length: n }, () => (random() < 0.3 ? 0 : 1));
        if (!m.includes(1)) m[Math.floor(random() * n)] = 1;
        return m;
      }),
    );
    const allowed = (m: number[], b: number) => m.slice(starts[b], starts[b]! + NVEC[b]!).flatMap((ok, a) => (ok ? [a] : []));
    const actions = masks.map((m) => NVEC.map((_, b) => allowed(m, b)[Math.floor(random() * allowed(m, b).length)]!));
    return { masks, actions, maskWords: Uint32Array.from(masks.flat()), actionWords: Uint32Array.from(actions.flat()) };
  }

  it('per-branch fisher_categorical over logit, mask and gradient slices: the block-diagonal product, nvec [3, 1, 5], masked', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const agents = 2;
    const rowsPerAgent = 29;
    const rows = agents * rowsPerAgent;
    const { masks, maskWords } = branchRows(random, rows);
    const logits = Float32Array.from({ length: rows * WIDTH }, () => 6 * random() - 3);
    const tangents = Float32Array.from({ length: rows * WIDTH }, () => 2 * random() - 1);
    const heads = NVEC.map((actions, b) => {
      const slice = { stride: WIDTH, offset: starts[b]! };
      return fisherCategoricalKernel({ agents, rowsPerAgent, actions, logits: slice, grad: slice, mask: slice, masked: true });
    });
    const got = (await runAll(heads, { logits, mask: maskWords, tangents, fisher_grads: nanFill(rows * WIDTH) })).fisher_grads!;
    const row = (data: Float32Array, r: number) => Array.from(data.subarray(r * WIDTH, (r + 1) * WIDTH));
    const want = Array.from({ length: rows }, (_, r) => multiCategoricalFisherProduct(row(logits, r), row(tangents, r), NVEC, masks[r]).map((v) => v / rowsPerAgent)).flat();
    const error = relativeError(got, want);
    expect(error, `seed ${seed}`).toBeLessThan(1e-4);
    const maskedNonZero = masks.flatMap((m, r) => m.flatMap((ok, a) => (ok === 0 && got[r * WIDTH + a] !== 0 ? [[r, a]] : [])));
    expect(maskedNonZero, `seed ${seed}: masked entries with nonzero output`).toEqual([]);
    console.log(`[natural-gradient] branched fisher_categorical nvec [3, 1, 5]: relative error ${error.toExponential(1)}`);
  });

  it('per-branch line_search_terms accumulate log ρ and KL over the branches, nvec [3, 1, 5], masked', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const agents = 2;
    const candidates = 3;
    const rowsPerAgent = 17;
    const batchRows = agents * rowsPerAgent;
    const rows = batchRows * candidates;
    const { masks, actions, maskWords, actionWords } = branchRows(random, batchRows);
    const oldLogits = Float32Array.from({ length: batchRows * WIDTH }, () => 4 * random() - 2);
    // Candidate rows near the old logits, as the line search's small steps give.
    const logits = Float32Array.from({ length: rows * WIDTH }, () => 0);
    const advantages = Float32Array.from({ length: batchRows }, () => 2 * random() - 1);
    const batchRowOf = (q: number) => Math.floor(Math.floor(q / rowsPerAgent) / candidates) * rowsPerAgent + (q % rowsPerAgent);
    for (let q = 0; q < rows; q += 1) for (let i = 0; i < WIDTH; i += 1) logits[q * WIDTH + i] = oldLogits[batchRowOf(q) * WIDTH + i]! + 0.5 * (2 * random() - 1);
    const heads = NVEC.map((n, b) => {
      const slice = { stride: WIDTH, offset: starts[b]! };
      return lineSearchTermsKernel({
        agents,
        candidates,
        rowsPerAgent,
        actions: n,
        masked: true,
        logits: slice,
        oldLogits: slice,
        mask: slice,
        actionColumn: { stride: NVEC.length, offset: b },
        accumulate: b > 0,
        lastBranch: b === NVEC.length - 1,
      });
    });
    const got = (await runAll(heads, { logits, old_logits: oldLogits, mask: maskWords, actions: actionWords, advantages, terms: nanFill(2 * rows) })).terms!;
    const want = new Float64Array(2 * rows);
    for (let q = 0; q < rows; q += 1) {
      const s = batchRowOf(q);
      const row = (data: Float32Array, r: number) => Array.from(data.subarray(r * WIDTH, (r + 1) * WIDTH));
      const t = multiCategoricalLineSearchTerms(row(logits, q), row(oldLogits, s), NVEC, masks[s], actions[s]!, advantages[s]!);
      want[q] = t.improvement;
      want[rows + q] = t.kl;
    }
    const error = Math.max(relativeError(got.subarray(0, rows), want.subarray(0, rows)), relativeError(got.subarray(rows), want.subarray(rows)));
    expect(error, `seed ${seed}`).toBeLessThan(1e-4);
    console.log(`[natural-gradient] branched line_search_terms nvec [3, 1, 5]: relative error ${error.toExponential(1)}`);
  });
});
