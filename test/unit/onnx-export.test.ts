/**
 * ONNX export (src/export/onnx.ts) run by onnxruntime-web against the float64 reference forward
 * (test/reference/mlp.ts), categorical and Gaussian policies up to a box of MAX_ACTION_SIZE = 64
 * dims, multi-discrete and hybrid ones (their head's slices as outputs), with the observation
 * normaliser applied in float64 as running_moments_normalise (shaders/normalise/running_moments.wgsl)
 * defines it.
 *
 * How onnxruntime-web runs here, offline: in Node the package's "node" export condition resolves
 * `onnxruntime-web` to dist/ort.node.min.mjs, which imports its Emscripten glue
 * (dist/ort-wasm-simd-threaded.mjs) from beside itself via import.meta.url, and the glue reads
 * dist/ort-wasm-simd-threaded.wasm with fs.readFileSync: nothing is fetched, no wasmPaths needed.
 * numThreads = 1 keeps it on this thread (no worker_threads pool on a machine whose cores are
 * shared). The CPU of the wasm backend is what runs the model; no GPU is involved.
 */
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportPolicyOnnx, ONNX_IR_VERSION, ONNX_OPSET_VERSION, type OnnxObservationNormaliser, type OnnxPolicy } from '../../src/export/onnx';
import { mlpLayout, type MlpLayout, type MlpSpec } from '../../src/nn/mlp-spec';
import { mlpForward } from '../reference/mlp';
import { freshSeed, seededRandom } from '../support/random';

const { onnx } = onnxProto;

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});

const ROWS = 1000;
/** |onnx − reference| ≤ TOLERANCE · max(1, |reference|): absolute below 1, relative above. */
const TOLERANCE = 1e-5;

/** Float64 of the normaliser as the engine's shader computes it (the statistics are f32 there). */
function normaliseReference(normaliser: OnnxObservationNormaliser, x: ArrayLike<number>): Float64Array {
  const f = Math.fround;
  return Float64Array.from(x, (v, i) => {
    const y = (v - f(normaliser.mean[i]!)) / Math.sqrt(f(normaliser.variance[i]!) + f(normaliser.epsilon));
    return Math.min(Math.max(y, -f(normaliser.clip)), f(normaliser.clip));
  });
}

/** The reference policy outputs [rows][size] for observations [rows][OBS]. */
function referencePolicy(policy: OnnxPolicy, observations: readonly Float32Array[]): Float64Array[] {
  const layout = mlpLayout(policy.actor);
  const normaliser = policy.observationNormaliser;
  const inputs = normaliser ? observations.map((x) => normaliseReference(normaliser, x)) : observations;
  return mlpForward(layout, policy.parameters, inputs).outputs.policy!;
}

/**
 * Random parameters, scaled like an initialised net (weights ~ U(±√3/√in), so pre-activations stay
 * O(1) and tanh is neither linear nor saturated); every float the export must NOT read (padding,
 * other heads) is set to 1e6, so an offset error shows as a huge mismatch.
 */
function randomParameters(layout: MlpLayout, random: () => number): Float32Array {
  const parameters = new Float32Array(layout.parametersPerAgent).fill(1e6);
  for (const layer of layout.layers) {
    const scale = Math.sqrt(3 / layer.inputSize);
    if (layer.activation === 'identity' && layer.name !== 'policy') continue;
    for (let i = 0; i < layer.weight.length; i += 1) parameters[layer.weight.offset + i] = (2 * random() - 1) * scale * 1.5;
    for (let i = 0; i < layer.bias.length; i += 1) parameters[layer.bias.offset + i] = (2 * random() - 1) * 0.5;
  }
  const logStd = layout.extras.logStd;
  if (logStd) for (let i = 0; i < logStd.length; i += 1) parameters[logStd.offset + i] = -0.5 - random();
  return parameters;
}

/**
 * Statistics as training would leave them (f32 values), with dim 0's variance tiny so that the
 * observations below push it past ±clip: the Clip node is exercised on every run.
 */
function randomNormaliser(size: number, random: () => number): OnnxObservationNormaliser {
  const mean = Float32Array.from({ length: size }, () => 4 * random() - 2);
  const variance = Float32Array.from({ length: size }, (_, i) => (i === 0 ? 1e-3 : 0.05 + 3 * random()));
  return { mean, variance, epsilon: 1e-8, clip: 10 };
}

/** Observations around the statistics' mean, ±3 std (or ±3 when not normalising). */
function randomObservations(size: number, rows: number, random: () => number, normaliser?: OnnxObservationNormaliser): Float32Array[] {
  return Array.from({ length: rows }, () =>
    Float32Array.from({ length: size }, (_, i) => {
      const mean = normaliser ? normaliser.mean[i]! : 0;
      const std = normaliser ? Math.sqrt(normaliser.variance[i]!) : 1;
      return mean + (6 * random() - 3) * Math.max(std, 0.3);
    }),
  );
}

async function runOnnx(bytes: Uint8Array, observations: readonly Float32Array[], size: number): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const flat = new Float32Array(observations.length * size);
    observations.forEach((x, r) => flat.set(x, r * size));
    return await session.run({ observations: new ort.Tensor('float32', flat, [observations.length, size]) });
  } finally {
    await session.release();
  }
}

function maxError(actual: ArrayLike<number>, expected: readonly Float64Array[], width: number): { abs: number; scaled: number } {
  let abs = 0;
  let scaled = 0;
  expect(actual.length).toBe(expected.length * width);
  expected.forEach((row, r) =>
    row.forEach((e, j) => {
      const d = Math.abs(actual[r * width + j]! - e);
      if (!(d <= abs)) abs = Number.isNaN(d) ? Number.NaN : Math.max(abs, d);
      scaled = Math.max(scaled, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d / Math.max(1, Math.abs(e)));
    }),
  );
  return { abs, scaled };
}

interface Case {
  readonly name: string;
  readonly actor: MlpSpec;
  readonly policy: 'categorical' | 'gaussian';
  readonly normalised: boolean;
}

const CASES: readonly Case[] = [
  { name: 'categorical, 5 → [7, 9] tanh → 3, normalised', actor: { inputSize: 5, hiddenSizes: [7, 9], activation: 'tanh', heads: [{ name: 'policy', size: 3, gain: 0.01 }] }, policy: 'categorical', normalised: true },
  { name: 'categorical, 5 → [7, 9] tanh → 3, raw', actor: { inputSize: 5, hiddenSizes: [7, 9], activation: 'tanh', heads: [{ name: 'policy', size: 3, gain: 0.01 }] }, policy: 'categorical', normalised: false },
  {
    name: 'categorical, shared torso 6 → [11] relu → policy 4 + value 1, normalised',
    actor: { inputSize: 6, hiddenSizes: [11], activation: 'relu', heads: [{ name: 'value', size: 1, gain: 1 }, { name: 'policy', size: 4, gain: 0.01 }] },
    policy: 'categorical',
    normalised: true,
  },
  { name: 'categorical, 3 → (no hidden) → 5, raw', actor: { inputSize: 3, hiddenSizes: [], activation: 'tanh', heads: [{ name: 'policy', size: 5, gain: 0.01 }] }, policy: 'categorical', normalised: false },
  { name: 'gaussian, 5 → [7, 9] relu → 2, normalised', actor: { inputSize: 5, hiddenSizes: [7, 9], activation: 'relu', heads: [{ name: 'policy', size: 2, gain: 0.01 }], extras: { logStd: 2 } }, policy: 'gaussian', normalised: true },
  { name: 'gaussian, 5 → [7, 9] relu → 2, raw', actor: { inputSize: 5, hiddenSizes: [7, 9], activation: 'relu', heads: [{ name: 'policy', size: 2, gain: 0.01 }], extras: { logStd: 2 } }, policy: 'gaussian', normalised: false },
  {
    name: 'gaussian, 3 → [13 relu, 6 tanh, 5 relu] → 2, normalised',
    actor: { inputSize: 3, hiddenSizes: [13, 6, 5], activation: ['relu', 'tanh', 'relu'], heads: [{ name: 'policy', size: 2, gain: 0.01 }], extras: { logStd: 2 } },
    policy: 'gaussian',
    normalised: true,
  },
  // Wide boxes: MuJoCo Humanoid's 17 actuators, and MAX_ACTION_SIZE = 64.
  { name: 'gaussian, 11 → [33] tanh → 17, normalised', actor: { inputSize: 11, hiddenSizes: [33], activation: 'tanh', heads: [{ name: 'policy', size: 17, gain: 0.01 }], extras: { logStd: 17 } }, policy: 'gaussian', normalised: true },
  {
    name: 'gaussian, 7 → [29, 64] tanh → 64 + value 1, raw',
    actor: { inputSize: 7, hiddenSizes: [29, 64], activation: 'tanh', heads: [{ name: 'policy', size: 64, gain: 0.01 }, { name: 'value', size: 1, gain: 1 }], extras: { logStd: 64 } },
    policy: 'gaussian',
    normalised: false,
  },
];

describe('exportPolicyOnnx in onnxruntime-web vs the float64 reference', () => {
  it.each(CASES)('$name: 1 000 random observations match to < 1e-5', async ({ actor, policy, normalised }) => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const layout = mlpLayout(actor);
    const observationNormaliser = normalised ? randomNormaliser(actor.inputSize, random) : undefined;
    const exported: OnnxPolicy = { actor, parameters: randomParameters(layout, random), policy, observationNormaliser, producerVersion: '0.0.0-test' };
    const observations = randomObservations(actor.inputSize, ROWS, random, observationNormaliser);

    const outputs = await runOnnx(exportPolicyOnnx(exported), observations, actor.inputSize);
    const expected = referencePolicy(exported, observations);
    const width = layout.layers[layout.headLayer.policy!]!.outputSize;
    const name = policy === 'categorical' ? 'logits' : 'mean';
    expect(Object.keys(outputs).sort(), `seed ${seed}`).toEqual(policy === 'categorical' ? ['logits'] : ['log_std', 'mean']);
    expect(outputs[name]!.dims, `seed ${seed}`).toEqual([ROWS, width]);
    const error = maxError(outputs[name]!.data as Float32Array, expected, width);
    console.log(`${policy}${normalised ? ' normalised' : ''} ${actor.inputSize}→[${actor.hiddenSizes.join(',')}]→${width}: max |Δ| ${error.abs.toExponential(2)}, max |Δ|/max(1,|ref|) ${error.scaled.toExponential(2)} (seed ${seed})`);
    expect(error.scaled, `seed ${seed}`).toBeLessThan(TOLERANCE);

    if (policy === 'gaussian') {
      const logStd = outputs.log_std!;
      expect(logStd.dims).toEqual([width]);
      const slot = layout.extras.logStd!;
      expect(Array.from(logStd.data as Float32Array)).toEqual(Array.from(exported.parameters.subarray(slot.offset, slot.offset + slot.length)));
    }
    if (normalised) {
      // The observations must actually reach the clip, or the Clip node went untested.
      const clipped = observations.filter((x) => Math.abs(normaliseReference(observationNormaliser!, x)[0]!) === 10).length;
      expect(clipped, `seed ${seed}`).toBeGreaterThan(ROWS / 10);
    }
  });

  it.each([
    { nvec: [3, 1, 5], normalised: true },
    { nvec: [2, 7], normalised: false },
  ])('multi-discrete nvec $nvec: one logits_b output per branch, the head\'s slice, to < 1e-5', async ({ nvec, normalised }) => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const total = nvec.reduce((sum, n) => sum + n, 0);
    const actor: MlpSpec = { inputSize: 5, hiddenSizes: [7, 9], activation: 'tanh', heads: [{ name: 'value', size: 1, gain: 1 }, { name: 'policy', size: total, gain: 0.01 }] };
    const layout = mlpLayout(actor);
    const observationNormaliser = normalised ? randomNormaliser(actor.inputSize, random) : undefined;
    const exported: OnnxPolicy = {
      actor,
      parameters: randomParameters(layout, random),
      policy: 'categorical',
      branches: nvec,
      observationNormaliser,
      producerVersion: '0.0.0-test',
    };
    const observations = randomObservations(actor.inputSize, ROWS, random, observationNormaliser);
    const outputs = await runOnnx(exportPolicyOnnx(exported), observations, actor.inputSize);
    const expected = referencePolicy(exported, observations);
    expect(Object.keys(outputs).sort(), `seed ${seed}`).toEqual(nvec.map((_, b) => `logits_${b}`));
    let start = 0;
    nvec.forEach((n, b) => {
      const output = outputs[`logits_${b}`]!;
      expect(output.dims, `seed ${seed}, branch ${b}`).toEqual([ROWS, n]);
      const error = maxError(output.data as Float32Array, expected.map((row) => row.subarray(start, start + n)), n);
      expect(error.scaled, `seed ${seed}, branch ${b}`).toBeLessThan(TOLERANCE);
      start += n;
    });
  });

  it.each([
    { nvec: [4, 1, 3], dims: 3, normalised: true },
    { nvec: [2], dims: 1, normalised: false },
  ])('hybrid, D = $dims and nvec $nvec: \'mean\' [batch, D], one logits_b per branch and \'log_std\' [D], the head\'s slices, to < 1e-5', async ({ nvec, dims, normalised }) => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const total = nvec.reduce((sum, n) => sum + n, 0);
    const actor: MlpSpec = {
      inputSize: 5,
      hiddenSizes: [7, 9],
      activation: ['tanh', 'relu'],
      heads: [{ name: 'value', size: 1, gain: 1 }, { name: 'policy', size: dims + total, gain: 0.01 }],
      extras: { logStd: dims },
    };
    const layout = mlpLayout(actor);
    const observationNormaliser = normalised ? randomNormaliser(actor.inputSize, random) : undefined;
    const exported: OnnxPolicy = { actor, parameters: randomParameters(layout, random), policy: 'hybrid', branches: nvec, observationNormaliser, producerVersion: '0.0.0-test' };
    const observations = randomObservations(actor.inputSize, ROWS, random, observationNormaliser);
    const bytes = exportPolicyOnnx(exported);
    const outputs = await runOnnx(bytes, observations, actor.inputSize);
    const expected = referencePolicy(exported, observations);
    // Graph order: the means, the branches, then the log-std.
    expect(onnx.ModelProto.decode(bytes).graph!.output!.map((o) => o.name), `seed ${seed}`).toEqual(['mean', ...nvec.map((_, b) => `logits_${b}`), 'log_std']);
    expect(outputs.mean!.dims, `seed ${seed}`).toEqual([ROWS, dims]);
    expect(maxError(outputs.mean!.data as Float32Array, expected.map((row) => row.subarray(0, dims)), dims).scaled, `seed ${seed}, mean`).toBeLessThan(TOLERANCE);
    let start = dims;
    nvec.forEach((n, b) => {
      const output = outputs[`logits_${b}`]!;
      expect(output.dims, `seed ${seed}, branch ${b}`).toEqual([ROWS, n]);
      expect(maxError(output.data as Float32Array, expected.map((row) => row.subarray(start, start + n)), n).scaled, `seed ${seed}, branch ${b}`).toBeLessThan(TOLERANCE);
      start += n;
    });
    const slot = layout.extras.logStd!;
    expect(outputs.log_std!.dims).toEqual([dims]);
    expect(Array.from(outputs.log_std!.data as Float32Array)).toEqual(Array.from(exported.parameters.subarray(slot.offset, slot.offset + slot.length)));
    const metadata = onnx.ModelProto.decode(bytes).metadataProps!.find((p) => p.key === 'webgpu-rl.policy');
    expect(metadata?.value).toBe('hybrid');
  });

  it('computes a hand-checked 2 → [1] tanh → 2 policy with its normaliser (pins the reference)', async () => {
    // Layout (4-float aligned): hidden0.weight [0, 2), hidden0.bias [4], policy.weight [8, 10), policy.bias [12, 14).
    const actor: MlpSpec = { inputSize: 2, hiddenSizes: [1], activation: 'tanh', heads: [{ name: 'policy', size: 2, gain: 1 }] };
    const parameters = new Float32Array(16);
    parameters.set([0.5, -0.25], 0); // hidden0.weight
    parameters[4] = 0.125; // hidden0.bias
    parameters.set([2, -1], 8); // policy.weight
    parameters.set([0.5, 0], 12); // policy.bias
    // √(3.75 + 0.25) = 2, √(0.24 + 0.25) = 0.7: epsilon large enough to see it is added under the root.
    const observationNormaliser = { mean: [1, -2], variance: [3.75, 0.24], epsilon: 0.25, clip: 10 };
    const policy: OnnxPolicy = { actor, parameters, policy: 'categorical', observationNormaliser, producerVersion: '0.0.0-test' };
    const observations = [
      Float32Array.of(5, -1.3), // normalised (2, 1): z = 1 − 0.25 + 0.125 = 0.875
      Float32Array.of(101, -2), // normalised (50 → clip 10, 0): z = 5 + 0.125 = 5.125
      Float32Array.of(-99, -9), // normalised (−50 → −10, −10): z = −5 + 2.5 + 0.125 = −2.375
    ];
    // logits = (2·tanh z + 0.5, −tanh z); tanh from Python's math.tanh: tanh(0.875) = 0.7039056…, tanh(5.125) = 0.9999293…, tanh(−2.375) = −0.9828450…
    const tanh = [0.7039056, 0.9999293, -0.982845];
    const hand = tanh.map((t) => [2 * t + 0.5, -t]);
    const reference = referencePolicy(policy, observations);
    reference.forEach((row, r) => row.forEach((v, j) => expect(v).toBeCloseTo(hand[r]![j]!, 6)));
    const logits = (await runOnnx(exportPolicyOnnx(policy), observations, 2)).logits!;
    expect(logits.dims).toEqual([3, 2]);
    Array.from(logits.data as Float32Array).forEach((v, k) => expect(v).toBeCloseTo(hand[Math.floor(k / 2)]![k % 2]!, 6));
  });

  it('takes any batch size through the symbolic batch dim, including 1', async () => {
    const actor: MlpSpec = { inputSize: 4, hiddenSizes: [3], activation: 'tanh', heads: [{ name: 'policy', size: 2, gain: 1 }] };
    const random = seededRandom(freshSeed());
    const policy: OnnxPolicy = { actor, parameters: randomParameters(mlpLayout(actor), random), policy: 'categorical', producerVersion: 'x' };
    const bytes = exportPolicyOnnx(policy);
    for (const rows of [1, 17]) {
      const observations = randomObservations(4, rows, random);
      const out = (await runOnnx(bytes, observations, 4)).logits!;
      expect(out.dims).toEqual([rows, 2]);
      expect(maxError(out.data as Float32Array, referencePolicy(policy, observations), 2).scaled).toBeLessThan(TOLERANCE);
    }
  });
});

describe('exportPolicyOnnx model proto', () => {
  it('writes IR 8, opset 17, the producer, a symbolic batch dim and Gemm with transB = 1', () => {
    const actor: MlpSpec = { inputSize: 5, hiddenSizes: [7, 9], activation: ['tanh', 'relu'], heads: [{ name: 'policy', size: 2, gain: 0.01 }], extras: { logStd: 2 } };
    const layout = mlpLayout(actor);
    const random = seededRandom(freshSeed());
    const bytes = exportPolicyOnnx({
      actor,
      parameters: randomParameters(layout, random),
      policy: 'gaussian',
      observationNormaliser: randomNormaliser(5, random),
      producerVersion: '1.2.3',
      docString: 'CartPole run 7',
    });
    expect(bytes).toBeInstanceOf(Uint8Array);
    const model = onnx.ModelProto.decode(bytes);
    expect(Number(model.irVersion)).toBe(ONNX_IR_VERSION);
    expect(ONNX_IR_VERSION).toBe(8);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET_VERSION]]);
    expect(ONNX_OPSET_VERSION).toBe(17);
    expect([model.producerName, model.producerVersion, model.docString]).toEqual(['webgpu-rl', '1.2.3', 'CartPole run 7']);
    const graph = model.graph!;
    const dims = (v: onnxProto.onnx.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    expect(graph.input!.map((v) => [v.name, dims(v)])).toEqual([['observations', ['batch', 5]]]);
    expect(graph.output!.map((v) => [v.name, dims(v)])).toEqual([['mean', ['batch', 2]], ['log_std', [2]]]);
    expect(graph.node!.map((n) => n.opType)).toEqual(['Add', 'Sqrt', 'Sub', 'Div', 'Clip', 'Gemm', 'Tanh', 'Gemm', 'Relu', 'Gemm', 'Identity']);
    for (const gemm of graph.node!.filter((n) => n.opType === 'Gemm')) {
      expect(gemm.attribute!.map((a) => [a.name, Number(a.i)])).toEqual([['transB', 1]]);
    }
    const hidden1 = graph.initializer!.find((t) => t.name === 'hidden1.weight')!;
    expect(hidden1.dims!.map(Number)).toEqual([9, 7]);
    expect(hidden1.dataType).toBe(onnx.TensorProto.DataType.FLOAT);
  });
});

describe('exportPolicyOnnx rejects bad input before encoding', () => {
  const categorical: MlpSpec = { inputSize: 5, hiddenSizes: [7], activation: 'tanh', heads: [{ name: 'policy', size: 3, gain: 0.01 }] };
  const gaussian: MlpSpec = { ...categorical, extras: { logStd: 3 } };
  const P = mlpLayout(categorical).parametersPerAgent;
  const PG = mlpLayout(gaussian).parametersPerAgent;
  // A hybrid head of 3: D = 1 mean and a branch of 2 logits.
  const hybrid: MlpSpec = { ...categorical, extras: { logStd: 1 } };
  const PH = mlpLayout(hybrid).parametersPerAgent;
  const base = (over: Partial<OnnxPolicy>): OnnxPolicy => ({ actor: categorical, parameters: new Float32Array(P), policy: 'categorical', producerVersion: 'x', ...over });
  const normaliser = { mean: new Float32Array(5), variance: new Float32Array(5).fill(1), epsilon: 1e-8, clip: 10 };
  const nan = new Float32Array(P);
  nan[mlpLayout(categorical).layers[1]!.bias.offset + 2] = Number.NaN;

  it.each<[string, OnnxPolicy, RegExp]>([
    ['wrong length', base({ parameters: new Float32Array(P + 4) }), new RegExp(`policy.parameters has ${P + 4} values; one agent's block of this actor has ${P}$`)],
    ['two agents', base({ parameters: new Float32Array(2 * P) }), /looks like 2 agents' blocks: pass one/],
    ['not f32', base({ parameters: new Float64Array(P) as unknown as Float32Array }), /policy.parameters must be a Float32Array/],
    ['NaN weight', base({ parameters: nan }), /policy.parameters: policy.bias\[2\] \(offset \d+\) is NaN; every exported parameter must be finite/],
    ['unknown policy', base({ policy: 'beta' as 'gaussian' }), /policy.policy must be 'categorical', 'gaussian' or 'hybrid' \(got beta\)/],
    ['gaussian without logStd', base({ policy: 'gaussian' }), /policy.actor has no extras.logStd; a 'gaussian' policy needs the learned log-std \(extras: \{ logStd: 3 \}\)/],
    ['categorical with logStd', base({ actor: gaussian, parameters: new Float32Array(PG) }), /extras.logStd, which only a Gaussian or hybrid actor has, but policy.policy is 'categorical'/],
    ['hybrid without branches', base({ actor: hybrid, parameters: new Float32Array(PH), policy: 'hybrid' }), /policy.branches is required for a 'hybrid' policy: the sizes of its discrete branches \(nvec\)/],
    ['hybrid without logStd', base({ policy: 'hybrid', branches: [2] }), /policy.actor has no extras.logStd; a 'hybrid' policy needs the learned log-std \(extras: \{ logStd: 1 \}\)/],
    ['hybrid logStd size', base({ actor: hybrid, parameters: new Float32Array(PH), policy: 'hybrid', branches: [1] }), /extras.logStd has 1 values; the hybrid policy has D = 2 continuous dims \(the 'policy' head's 3 less Σ branches 1\)/],
    ['hybrid with no means', base({ actor: hybrid, parameters: new Float32Array(PH), policy: 'hybrid', branches: [1, 2] }), /policy.branches \[1, 2\] sum to 3, leaving no means in the 'policy' head of 3/],
    ['logStd size', base({ actor: { ...gaussian, extras: { logStd: 2 } }, policy: 'gaussian', parameters: new Float32Array(PG) }), /extras.logStd has 2 values; the Gaussian policy has 3 action dims/],
    ['no policy head', base({ actor: { ...categorical, heads: [{ name: 'value', size: 1, gain: 1 }] } }), /policy.actor must have a 'policy' head \(its heads: 'value'\)/],
    ['bad spec', base({ actor: { ...categorical, hiddenSizes: [0] } }), /mlp.hiddenSizes\[0\] must be a positive integer \(got 0\)/],
    ['mean length', base({ observationNormaliser: { ...normaliser, mean: [0, 0] } }), /policy.observationNormaliser.mean has 2 values; the actor takes 5 observation dims/],
    ['negative variance', base({ observationNormaliser: { ...normaliser, variance: [1, 1, -1, 1, 1] } }), /policy.observationNormaliser.variance\[2\] must be a finite number ≥ 0 \(got -1\)/],
    ['infinite mean', base({ observationNormaliser: { ...normaliser, mean: [0, Infinity, 0, 0, 0] } }), /policy.observationNormaliser.mean\[1\] must be a finite number \(got Infinity\)/],
    ['zero epsilon', base({ observationNormaliser: { ...normaliser, epsilon: 0 } }), /policy.observationNormaliser.epsilon must be a finite number > 0 .*\(got 0\)/],
    ['epsilon below f32', base({ observationNormaliser: { ...normaliser, epsilon: 1e-50 } }), /policy.observationNormaliser.epsilon must be .*float32 represents as > 0 \(got 1e-50\)/],
    ['branches of a Gaussian', base({ actor: gaussian, parameters: new Float32Array(PG), policy: 'gaussian', branches: [1, 2] }), /policy.branches is only for a 'categorical' or 'hybrid' policy \(got policy 'gaussian'\)/],
    ['branches sum', base({ branches: [1, 1] }), /policy.branches \[1, 1\] sum to 2, but the 'policy' head has 3 logits/],
    ['branch of 0', base({ branches: [3, 0] }), /policy.branches must be a non-empty array of positive integers \(got \[3,0\]\)/],
    ['NaN clip', base({ observationNormaliser: { ...normaliser, clip: Number.NaN } }), /policy.observationNormaliser.clip must be a finite number > 0 .*\(got NaN\)/],
  ])('%s', (_, policy, message) => {
    expect(() => exportPolicyOnnx(policy)).toThrow(message);
  });
});
