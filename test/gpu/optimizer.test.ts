/**
 * The GPU optimiser (src/nn/optimizer.ts) against the float64 reference (test/reference/optimizer.ts)
 * on fresh random parameters and gradients at odd sizes (P = 4 099, 123 and 1; G = 1 and 3), with
 * a learning rate per agent and one agent inactive, several steps in one submit (so t must advance
 * on the GPU), a learning rate written by a GPU copy between two steps of that submit, then a
 * second submit after setLearningRate/setActive from the CPU.
 *
 * Error normalisation, per agent: parameters max|θ_gpu − θ_ref| / max|θ_ref − θ_0| (relative to the
 * total update, since θ is much larger than one update); this includes the rounding of θ to f32
 * at each step, so sizes are chosen with updates ≳ 1e-3·|θ|; moments max|m_gpu − m_ref| / max|m_ref|
 * (same for v); squared norms and clip scales |gpu − ref| / |ref|. Buffers the step overwrites
 * (coefficients, gradNormSquared, partialSums) are poisoned with NaN before each submit; NaN bits
 * in a coefficient's `enabled` word read as "on", so a coefficient the prepare kernel failed to
 * write would poison the parameters too.
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, gpuCounters, readBufferOnce } from '../../src/gpu/index';
import { AGENT_STATE_WORDS, STEP_COEFFICIENTS_WORDS } from '../../src/nn/optimizer-kernels';
import { createOptimizer, resolveOptimizerConfig, type Optimizer, type OptimizerKind } from '../../src/nn/optimizer';
import { ADAM_DEFAULTS, referenceOptimizer, referenceOptimizerStep } from '../reference/optimizer';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom as makeRandom } from '../support/random';

const TOLERANCE = 1e-4;
const NORM_TOLERANCE = 1e-5;
const NAN_BITS = new Uint32Array(new Float32Array([Number.NaN]).buffer)[0]!;


const seed = freshSeed();
const random = makeRandom(seed);
const signed = () => 2 * random() - 1;

/** Agent-major f32 values, agent g's uniform in ±scales[g]. */
function agentVectors(P: number, scales: readonly number[]): Float32Array<ArrayBuffer> {
  const out = new Float32Array(scales.length * P);
  scales.forEach((scale, g) => {
    for (let i = 0; i < P; i += 1) out[g * P + i] = scale * signed();
  });
  return out;
}

const maxAbs = (values: ArrayLike<number>, from: number, to: number) => {
  let m = 0;
  for (let i = from; i < to; i += 1) m = Math.max(m, Math.abs(values[i]!));
  return m;
};
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>, from: number, to: number) => {
  let m = 0;
  for (let i = from; i < to; i += 1) m = Math.max(m, Number.isNaN(a[i]!) ? Infinity : Math.abs(a[i]! - b[i]!));
  return m;
};

interface Submit {
  /** Steps encoded into this submit. */
  steps: number;
  /** Set through the queue before the submit. */
  learningRate: number[];
  active: boolean[];
  /** Copied into the learning-rate buffer on the GPU after step `after` of this submit. */
  gpuLearningRate?: { after: number; values: number[] };
  /** Encode all steps into one compute pass given to encodeStep (else encodeStep opens its own). */
  onePass?: boolean;
}

interface Case {
  kind: OptimizerKind;
  agents: number;
  P: number;
  /** Half-width of each agent's uniform gradients. */
  gradScales: number[];
  maxGradNorm?: number;
  trackGradNorm?: boolean;
  submits: Submit[];
  /** Expect some agents clipped and some not at every step. */
  mixedClipping?: boolean;
}

describe(`optimizer on the GPU (seed ${seed})`, () => {
  const gpu = useGpu();

  async function readF32(buffer: GPUBuffer, floats: number): Promise<Float32Array> {
    return new Float32Array(await readBufferOnce(gpu().device, buffer, 4 * floats));
  }

  async function runCase(c: Case): Promise<void> {
    const { device } = gpu();
    const { kind, agents: G, P } = c;
    const totalSteps = c.submits.reduce((n, s) => n + s.steps, 0);
    // |θ| ≤ 0.1 (the scale of an initialised layer's weights): θ is stored in f32, so each step
    // rounds it by up to ulp(θ)/2 ≈ 3.7e-9, which must stay well below TOLERANCE × the update.
    const initial = agentVectors(P, Array(G).fill(0.1));
    const gradients = Array.from({ length: totalSteps }, () => agentVectors(P, c.gradScales));
    const clipping = (c.maxGradNorm ?? 0) > 0;
    const tracked = c.trackGradNorm ?? clipping;

    const optimizer: Optimizer = await createOptimizer(device, {
      kind,
      agents: G,
      parametersPerAgent: P,
      maxGradNorm: c.maxGradNorm,
      trackGradNorm: c.trackGradNorm,
      label: `test.optimizer.${kind}`,
    });
    const data = new BufferSet(device, 'test.optimizer', {
      parameters: { size: 4 * G * P },
      lrSchedule: { size: 4 * G },
      ...Object.fromEntries(gradients.map((_, s) => [`gradients${s}`, { size: 4 * G * P }])),
    } as Record<string, { size: number }>);
    const buffers = data.buffers as Record<string, GPUBuffer>;
    gradients.forEach((g, s) => device.queue.writeBuffer(buffers[`gradients${s}`]!, 0, g));
    device.queue.writeBuffer(buffers.parameters!, 0, initial);
    const poisonF32 = (buffer: GPUBuffer, words: number) =>
      device.queue.writeBuffer(buffer, 0, new Uint32Array(words).fill(NAN_BITS));

    const reference = referenceOptimizer(kind, G, P, c.maxGradNorm ?? 0);
    const referenceParams = Float64Array.from(initial);
    let lastReport: ReturnType<typeof referenceOptimizerStep> | undefined;
    const describeCase = `${kind} G=${G} P=${P} maxGradNorm=${c.maxGradNorm ?? 'none'}`;
    // Largest normalised errors seen, printed so the log shows the margin under TOLERANCE.
    const worst = { parameters: 0, moments: 0, norm: 0 };

    try {
      let step = 0;
      for (const [index, submit] of c.submits.entries()) {
        optimizer.setLearningRate(submit.learningRate);
        optimizer.setActive(submit.active);
        poisonF32(optimizer.buffers.coefficients, STEP_COEFFICIENTS_WORDS * G);
        if (tracked) {
          poisonF32(optimizer.buffers.gradNormSquared, G);
          poisonF32(optimizer.buffers.partialSums, optimizer.buffers.partialSums.size / 4);
        }
        if (submit.gpuLearningRate) device.queue.writeBuffer(buffers.lrSchedule!, 0, new Float32Array(submit.gpuLearningRate.values));

        const created = gpuCounters(device).buffersCreated;
        await gpuStep(gpu(), `${describeCase} submit ${index}`, () => {
          const encoder = device.createCommandEncoder({ label: `test.optimizer.submit${index}` });
          const pass = submit.onePass ? encoder.beginComputePass({ label: 'test.optimizer.pass' }) : undefined;
          for (let k = 0; k < submit.steps; k += 1) {
            optimizer.encodeStep(pass ?? encoder, { parameters: buffers.parameters!, gradients: buffers[`gradients${step + k}`]! });
            if (submit.gpuLearningRate?.after === k) {
              // A GPU-side write of the learning rate between two steps of one submit (as a schedule
              // kernel would): the next step must read it.
              encoder.copyBufferToBuffer(buffers.lrSchedule!, 0, optimizer.buffers.learningRate, 0, 4 * G);
            }
          }
          pass?.end();
          device.queue.submit([encoder.finish()]);
        });
        expect(gpuCounters(device).buffersCreated, 'buffers created by encodeStep').toBe(created);

        let lr = submit.learningRate;
        for (let k = 0; k < submit.steps; k += 1) {
          lastReport = referenceOptimizerStep(reference, referenceParams, gradients[step + k]!, lr, submit.active);
          if (c.mixedClipping) {
            // The test means something only if both branches of min(1, ·) are taken.
            expect(lastReport.scales.some((s) => s < 1), `${describeCase}: some agent clips`).toBe(true);
            expect(lastReport.scales.some((s) => s === 1), `${describeCase}: some agent does not clip`).toBe(true);
          }
          if (submit.gpuLearningRate?.after === k) lr = submit.gpuLearningRate.values;
        }
        step += submit.steps;

        // --- compare after each submit ---
        const params = await readF32(buffers.parameters!, G * P);
        const state = new Uint32Array(await readBufferOnce(device, optimizer.buffers.agentState, 4 * AGENT_STATE_WORDS * G));
        const stateF32 = new Float32Array(state.buffer);
        for (let g = 0; g < G; g += 1) {
          const from = g * P;
          const to = from + P;
          const where = `${describeCase} agent ${g} after submit ${index}`;
          const refState = reference.states[g]!;
          expect(state[AGENT_STATE_WORDS * g], `${where}: step count t`).toBe(refState.step);
          if (refState.step === 0) {
            // Never active: bit for bit untouched.
            expect(maxAbsDiff(params, initial, from, to), `${where}: parameters of an inactive agent`).toBe(0);
            continue;
          }
          for (const [k, beta] of [[1, ADAM_DEFAULTS.beta1], [2, ADAM_DEFAULTS.beta2]] as const) {
            const expected = 1 - beta ** refState.step;
            const error = Math.abs(stateF32[AGENT_STATE_WORDS * g + k]! - expected) / expected;
            expect(error, `${where}: 1 − β${k}^t`).toBeLessThan(1e-6);
          }
          const updateSize = maxAbsDiff(referenceParams, initial, from, to);
          const error = maxAbsDiff(params, referenceParams, from, to) / updateSize;
          worst.parameters = Math.max(worst.parameters, error);
          expect(error, `${where}: parameters (update size ${updateSize.toExponential(2)})`).toBeLessThan(TOLERANCE);
        }
      }

      // --- final state: moments, norms, clip scales ---
      if (kind === 'adam') {
        const m = await readF32(optimizer.buffers.firstMoment!, G * P);
        const v = await readF32(optimizer.buffers.secondMoment!, G * P);
        for (let g = 0; g < G; g += 1) {
          const refState = reference.states[g]!;
          const where = `${describeCase} agent ${g}`;
          if (refState.step === 0) {
            expect(maxAbs(m, g * P, (g + 1) * P), `${where}: m of an inactive agent`).toBe(0);
            continue;
          }
          const local = (x: Float32Array) => x.subarray(g * P, (g + 1) * P);
          const errorM = maxAbsDiff(local(m), refState.m, 0, P) / maxAbs(refState.m, 0, P);
          const errorV = maxAbsDiff(local(v), refState.v, 0, P) / maxAbs(refState.v, 0, P);
          worst.moments = Math.max(worst.moments, errorM, errorV);
          expect(errorM, `${where}: m`).toBeLessThan(TOLERANCE);
          expect(errorV, `${where}: v`).toBeLessThan(TOLERANCE);
        }
      }
      const coefficients = new Float32Array(await readBufferOnce(device, optimizer.buffers.coefficients, 4 * STEP_COEFFICIENTS_WORDS * G));
      const activeWords = new Uint32Array(coefficients.buffer);
      const last = c.submits.at(-1)!;
      for (let g = 0; g < G; g += 1) {
        expect(activeWords[STEP_COEFFICIENTS_WORDS * g], `${describeCase} agent ${g}: active`).toBe(last.active[g] ? 1 : 0);
        const scale = coefficients[STEP_COEFFICIENTS_WORDS * g + 1]!;
        const error = Math.abs(scale - lastReport!.scales[g]!) / lastReport!.scales[g]!;
        worst.norm = Math.max(worst.norm, error);
        expect(error, `${describeCase} agent ${g}: clip scale`).toBeLessThan(NORM_TOLERANCE);
      }
      if (tracked) {
        const squared = await readF32(optimizer.buffers.gradNormSquared, G);
        for (let g = 0; g < G; g += 1) {
          const expected = lastReport!.norms[g]! ** 2;
          const error = Math.abs(squared[g]! - expected) / expected;
          worst.norm = Math.max(worst.norm, error);
          expect(error, `${describeCase} agent ${g}: ‖g‖²`).toBeLessThan(NORM_TOLERANCE);
        }
      }
      const shown = Object.entries(worst).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ');
      console.log(`[optimizer] ${describeCase}: worst relative errors ${shown}`);
    } finally {
      optimizer.destroy();
      data.destroy();
    }
  }

  // Gradients uniform in ±s have ‖g‖ ≈ s·√(P/3): scales are chosen so that with maxGradNorm 0.5
  // agent 0 clips (‖g‖ ≈ 3), agent 1 clips mildly (≈ 0.8) and agent 2 does not (≈ 0.1).
  const normScales = (P: number, norms: number[]) => norms.map((n) => n / Math.sqrt(P / 3));

  const threeAgentSubmits = (lr: number[]): Submit[] => [
    {
      steps: 3,
      learningRate: lr,
      active: [true, false, true],
      gpuLearningRate: { after: 1, values: lr.map((x) => 0.5 * x) },
    },
    { steps: 2, learningRate: lr.map((x) => 2 * x), active: [true, true, true], onePass: true },
  ];

  it('Adam, G = 3, P = 4 099, clipping (some agents clip, some do not), lr per agent, one inactive', async () => {
    await runCase({
      kind: 'adam',
      agents: 3,
      P: 4099,
      gradScales: normScales(4099, [3, 0.8, 0.1]),
      maxGradNorm: 0.5,
      mixedClipping: true,
      submits: threeAgentSubmits([1e-2, 3e-3, 2e-2]),
    });
  });

  it('Adam, G = 3, P = 123, no clipping (norm tracked), lr per agent, one inactive', async () => {
    await runCase({
      kind: 'adam',
      agents: 3,
      P: 123,
      gradScales: [1, 1e-3, 10],
      trackGradNorm: true,
      submits: threeAgentSubmits([5e-3, 1e-2, 1e-3]),
    });
  });

  it('Adam, G = 1, P = 123 and P = 4 099, clipped and not, 4 steps in one submit', async () => {
    for (const P of [123, 4099]) {
      for (const maxGradNorm of [undefined, 0.5]) {
        await runCase({
          kind: 'adam',
          agents: 1,
          P,
          gradScales: normScales(P, [2]),
          maxGradNorm,
          submits: [{ steps: 4, learningRate: [3e-3], active: [true] }],
        });
      }
    }
  });

  it('SGD, G = 3, P = 4 099 and 123, clipping (mixed), lr per agent, one inactive', async () => {
    for (const P of [4099, 123]) {
      await runCase({
        kind: 'sgd',
        agents: 3,
        P,
        gradScales: normScales(P, [3, 0.8, 0.1]),
        maxGradNorm: 0.5,
        mixedClipping: true,
        submits: threeAgentSubmits([1e-1, 3e-2, 1]),
      });
    }
  });

  it('SGD, G = 1, P = 4 099, no clipping', async () => {
    await runCase({
      kind: 'sgd',
      agents: 1,
      P: 4099,
      gradScales: [1],
      submits: [{ steps: 3, learningRate: [0.05], active: [true] }],
    });
  });

  it('P = 1 (G = 3): Adam with mixed clipping', async () => {
    await runCase({
      kind: 'adam',
      agents: 3,
      P: 1,
      gradScales: [3, 0.8, 0.1],
      maxGradNorm: 0.5,
      submits: threeAgentSubmits([1e-2, 3e-3, 2e-2]),
    });
  });

  it('G = 70 001 agents of P = 3: per-agent workgroups split over two dispatch dimensions', async () => {
    // 70 001 workgroups exceed maxComputeWorkgroupsPerDimension (65 535): grad_norm_partial and
    // prepare_step rebuild the agent from workgroup_id.x and .y. Agents past 65 535 must get
    // their own norm, lr and t.
    const G = 70_001;
    const lr = Array.from({ length: G }, (_, g) => 1e-2 * (1 + (g % 7)));
    const active = Array.from({ length: G }, (_, g) => g % 5 !== 3);
    await runCase({
      kind: 'adam',
      agents: G,
      P: 3,
      gradScales: Array.from({ length: G }, (_, g) => (g % 2 === 0 ? 1 : 0.05)),
      maxGradNorm: 0.5,
      mixedClipping: true,
      submits: [{ steps: 2, learningRate: lr, active }],
    });
  });

  it('the squared-norm reduction matches float64 at P = 10^6 (G = 2) to < 1e-5 relative', async () => {
    const { device } = gpu();
    const P = 1_000_000;
    const G = 2;
    // Magnitudes spread over three decades, and an agent of all-positive values near 1 (where a
    // serial f32 sum loses ~1e-4), so the two agents' sums differ by orders of magnitude.
    const grads = new Float32Array(G * P);
    for (let i = 0; i < P; i += 1) grads[i] = signed() * 10 ** (3 * random() - 2);
    for (let i = P; i < 2 * P; i += 1) grads[i] = 1 + 0.01 * random();
    const expected = [0, 0];
    for (let g = 0; g < G; g += 1) for (let i = g * P; i < (g + 1) * P; i += 1) expected[g]! += grads[i]! * grads[i]!;

    const optimizer = await createOptimizer(device, { kind: 'sgd', agents: G, parametersPerAgent: P, trackGradNorm: true, label: 'test.norm' });
    const data = new BufferSet(device, 'test.norm', { parameters: { size: 4 * G * P }, gradients: { size: 4 * G * P } });
    try {
      device.queue.writeBuffer(data.buffers.gradients, 0, grads);
      device.queue.writeBuffer(optimizer.buffers.gradNormSquared, 0, new Uint32Array(G).fill(NAN_BITS));
      // Inactive: the norm is still computed (a statistic), the parameters are left alone.
      optimizer.setActive(false);
      await gpuStep(gpu(), 'norm at P = 10^6', () => {
        const encoder = device.createCommandEncoder({ label: 'test.norm' });
        optimizer.encodeStep(encoder, { parameters: data.buffers.parameters, gradients: data.buffers.gradients });
        device.queue.submit([encoder.finish()]);
      });
      const squared = await readF32(optimizer.buffers.gradNormSquared, G);
      for (let g = 0; g < G; g += 1) {
        const error = Math.abs(squared[g]! - expected[g]!) / expected[g]!;
        console.log(`[optimizer] ‖g‖² agent ${g} at P = 10^6: gpu ${squared[g]}, float64 ${expected[g]}, relative error ${error.toExponential(2)}`);
        expect(error, `agent ${g}`).toBeLessThan(NORM_TOLERANCE);
      }
    } finally {
      optimizer.destroy();
      data.destroy();
    }
  });

  it('encodeReset zeroes t and the moments: the next step is a first step again', async () => {
    const { device } = gpu();
    const P = 123;
    const optimizer = await createOptimizer(device, { kind: 'adam', agents: 1, parametersPerAgent: P, learningRate: 1e-2 });
    const initial = agentVectors(P, [1]);
    const grads = agentVectors(P, [1]);
    const data = new BufferSet(device, 'test.reset', { parameters: { size: 4 * P }, gradients: { size: 4 * P } });
    try {
      device.queue.writeBuffer(data.buffers.gradients, 0, grads);
      await gpuStep(gpu(), 'reset', () => {
        const encoder = device.createCommandEncoder({ label: 'test.reset' });
        const step = { parameters: data.buffers.parameters, gradients: data.buffers.gradients };
        optimizer.encodeStep(encoder, step);
        optimizer.encodeStep(encoder, step);
        optimizer.encodeReset(encoder);
        device.queue.submit([encoder.finish()]);
        // Queue writes run in order with submits: this lands after the two steps and the reset.
        device.queue.writeBuffer(data.buffers.parameters, 0, initial);
        const again = device.createCommandEncoder({ label: 'test.reset.again' });
        optimizer.encodeStep(again, step);
        device.queue.submit([again.finish()]);
      });
      const state = new Uint32Array(await readBufferOnce(device, optimizer.buffers.agentState, 4 * AGENT_STATE_WORDS));
      expect(state[0], 't after reset and one step').toBe(1);
      const params = await readF32(data.buffers.parameters, P);
      const reference = referenceOptimizer('adam', 1, P);
      const expected = Float64Array.from(initial);
      referenceOptimizerStep(reference, expected, grads, [1e-2], [true]);
      expect(maxAbsDiff(params, expected, 0, P) / maxAbsDiff(expected, initial, 0, P)).toBeLessThan(TOLERANCE);
    } finally {
      optimizer.destroy();
      data.destroy();
    }
  });

  it('rejects bad configs and step buffers with errors naming the field, value and valid range', async () => {
    const base = { kind: 'adam', agents: 2, parametersPerAgent: 10 } as const;
    const bad: [object, RegExp][] = [
      [{ kind: 'rmsprop' }, /optimizer\.kind must be 'adam' or 'sgd' \(got rmsprop\)/],
      [{ agents: 0 }, /optimizer\.agents must be a positive integer \(got 0\)/],
      [{ parametersPerAgent: 2.5 }, /optimizer\.parametersPerAgent must be a positive integer \(got 2\.5\)/],
      [{ learningRate: -1e-3 }, /optimizer\.learningRate\[0\] must be a finite number ≥ 0 \(got -0\.001\)/],
      [{ learningRate: [1e-3, Number.NaN] }, /optimizer\.learningRate\[1\] must be a finite number ≥ 0 \(got NaN\)/],
      [{ learningRate: [1e-3] }, /optimizer\.learningRate must be one value or 2 values \(one per agent\) \(got \[0\.001\]\)/],
      [{ beta1: 1 }, /optimizer\.beta1 must be a number in \[0, 1\) \(got 1\)/],
      [{ beta2: -0.1 }, /optimizer\.beta2 must be a number in \[0, 1\) \(got -0\.1\)/],
      [{ epsilon: 0 }, /optimizer\.epsilon must be a finite number > 0 \(got 0\)/],
      [{ maxGradNorm: Number.NaN }, /optimizer\.maxGradNorm must be a finite number \(≤ 0: no clipping\) \(got NaN\)/],
      [{ maxGradNorm: 0.5, trackGradNorm: false }, /optimizer\.trackGradNorm must be true/],
    ];
    for (const [override, message] of bad) {
      expect(() => resolveOptimizerConfig({ ...base, ...override } as never)).toThrow(message);
    }
    expect(resolveOptimizerConfig({ ...base, maxGradNorm: -1 }).maxGradNorm).toBe(0);
    expect(resolveOptimizerConfig(base)).toMatchObject({ learningRate: [2.5e-4, 2.5e-4], beta1: 0.9, beta2: 0.999, epsilon: 1e-5, trackGradNorm: false });

    const { device } = gpu();
    const optimizer = await createOptimizer(device, base);
    const data = new BufferSet(device, 'test.bad', { small: { size: 4 * 19 }, right: { size: 4 * 20 } });
    try {
      expect(() => optimizer.setLearningRate([1, Number.POSITIVE_INFINITY])).toThrow(/learningRate\[1\] must be a finite number ≥ 0 \(got Infinity\)/);
      const encoder = device.createCommandEncoder();
      expect(() => optimizer.encodeStep(encoder, { parameters: data.buffers.small, gradients: data.buffers.right })).toThrow(
        /parameters buffer 'test\.bad\.small' holds 76 bytes; 2 agents × 10 floats need at least 80/,
      );
      expect(() => optimizer.encodeStep(encoder, { parameters: data.buffers.right, gradients: data.buffers.right })).toThrow(/different buffers/);
      optimizer.destroy();
      expect(() => optimizer.setActive(true)).toThrow(/was destroyed/);
    } finally {
      optimizer.destroy();
      data.destroy();
    }
  });
});
