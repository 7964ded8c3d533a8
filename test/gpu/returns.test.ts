/**
 * Returns, baselines and advantage normalisation (src/returns/) against the float64 references
 * (test/reference/returns.ts) on fresh random rollouts with terminations AND truncations, at the
 * odd shapes (T = 123, N = 7; T = 1 000, N = 1; T = 5, N = 4 099) plus G = 3 agents with a
 * γ and λ per agent, by both recurrence paths (sequential and parallel scan), which must also agree
 * with each other.
 *
 * Error normalisation: elementwise |gpu − ref| / max(|ref|, rms(ref)) — relative, with a floor at
 * the output's root-mean-square so an element that cancels to ~0 (a TD error, a centred advantage)
 * is measured against the output's scale. Inputs are f32 and the reference reads the same f32
 * values. Every output is poisoned with NaN first, so an unwritten element fails.
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, readBufferOnce } from '../../src/gpu/index';
import { createAdvantageNormaliser } from '../../src/returns/normalise';
import { createBaseline, type BaselineKind } from '../../src/returns/baselines';
import { createReturns, resolveReturnsConfig, type ReturnEstimator, type ScanPath } from '../../src/returns/returns';
import {
  agentPositions,
  referenceBaseline,
  referenceGae,
  referenceNormalise,
  referenceRewardToGo,
  referenceTotalReturn,
  type ReferenceRollout,
} from '../reference/returns';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';

const TOLERANCE = 1e-5;
const NAN_BITS = 0x7fc00000;
const seed = freshSeed();
const random = seededRandom(seed);

interface Rollout extends ReferenceRollout {
  rewards: Float32Array<ArrayBuffer>;
  terminated: Uint32Array<ArrayBuffer>;
  truncated: Uint32Array<ArrayBuffer>;
  values: Float32Array<ArrayBuffer>;
  finalValues: Float32Array<ArrayBuffer>;
  lastValues: Float32Array<ArrayBuffer>;
}

function randomRollout(steps: number, envs: number, agents: number, doneRate: number): Rollout {
  const n = steps * envs;
  const f32 = (count: number, scale: number) => Float32Array.from({ length: count }, () => scale * (2 * random() - 1));
  const truncated = Uint32Array.from({ length: n }, () => (random() < doneRate / 2 ? 1 : 0));
  // Some steps both terminated and truncated: terminated must win.
  const terminated = Uint32Array.from({ length: n }, (_, i) => (random() < doneRate / 2 || (truncated[i] && random() < 0.2) ? 1 : 0));
  return {
    steps,
    envs,
    agents,
    rewards: f32(n, 1),
    terminated,
    truncated,
    values: f32(n, 5),
    finalValues: f32(n, 5),
    lastValues: f32(envs, 5),
  };
}

function compare(name: string, got: Float32Array, expected: ArrayLike<number>): number {
  let squares = 0;
  for (let i = 0; i < expected.length; i += 1) squares += expected[i]! ** 2;
  const floor = Math.max(Math.sqrt(squares / expected.length), 1e-30);
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i += 1) {
    const e = Number.isFinite(got[i]!) ? Math.abs(got[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), floor) : Infinity;
    if (!(e <= worst)) [worst, worstAt] = [e, i];
  }
  expect(worst, `${name}: worst error at element ${worstAt} (got ${got[worstAt]}, expected ${expected[worstAt]})`).toBeLessThan(TOLERANCE);
  return worst;
}

describe(`returns on the GPU (seed ${seed})`, () => {
  const gpu = useGpu();

  async function withBuffers<T>(r: Rollout, extra: Record<string, number>, work: (b: Record<string, GPUBuffer>) => Promise<T>): Promise<T> {
    const { device } = gpu();
    const n = r.steps * r.envs;
    const set = new BufferSet(device, 'test.returns', {
      rewards: { size: 4 * n },
      terminated: { size: 4 * n },
      truncated: { size: 4 * n },
      values: { size: 4 * n },
      finalValues: { size: 4 * n },
      lastValues: { size: 4 * r.envs },
      output: { size: 4 * n },
      returns: { size: 4 * n },
      ...Object.fromEntries(Object.entries(extra).map(([k, words]) => [k, { size: 4 * words }])),
    } as Record<string, { size: number }>);
    const b = set.buffers as Record<string, GPUBuffer>;
    for (const key of ['rewards', 'terminated', 'truncated', 'values', 'finalValues', 'lastValues'] as const) {
      device.queue.writeBuffer(b[key]!, 0, r[key]);
    }
    try {
      return await work(b);
    } finally {
      set.destroy();
    }
  }

  const poison = (buffer: GPUBuffer) => gpu().device.queue.writeBuffer(buffer, 0, new Uint32Array(buffer.size / 4).fill(NAN_BITS));
  const readF32 = async (buffer: GPUBuffer) => new Float32Array(await readBufferOnce(gpu().device, buffer));

  async function runEstimator(
    r: Rollout,
    estimator: ReturnEstimator,
    path: ScanPath,
    options: { critic: boolean; gamma: number[]; lambda: number[] },
  ): Promise<{ output: Float32Array; returns?: Float32Array }> {
    const { device } = gpu();
    const returns = await createReturns(device, {
      steps: r.steps,
      envs: r.envs,
      agents: r.agents,
      estimator,
      critic: options.critic,
      gamma: options.gamma,
      lambda: options.lambda,
      path,
      label: `test.${estimator}.${path}`,
    });
    try {
      return await withBuffers(r, {}, async (b) => {
        poison(b.output!);
        poison(b.returns!);
        await gpuStep(gpu(), `${estimator} ${path}`, async () => {
          const encoder = device.createCommandEncoder();
          returns.encode(encoder, {
            rewards: b.rewards!,
            terminated: b.terminated!,
            truncated: b.truncated!,
            output: b.output!,
            ...(options.critic ? { values: b.values!, finalValues: b.finalValues!, lastValues: b.lastValues! } : {}),
            ...(estimator === 'gae' ? { returns: b.returns! } : {}),
          });
          device.queue.submit([encoder.finish()]);
          await device.queue.onSubmittedWorkDone();
        });
        const output = (await readF32(b.output!)).slice(0, r.steps * r.envs);
        return estimator === 'gae' ? { output, returns: (await readF32(b.returns!)).slice(0, r.steps * r.envs) } : { output };
      });
    } finally {
      returns.destroy();
    }
  }

  const SHAPES: [number, number, number, number][] = [
    // T, N, G, done rate per step
    [123, 7, 1, 0.05],
    [1000, 1, 1, 0.01],
    [5, 4099, 1, 0.2],
    [123, 21, 3, 0.05],
    [1537, 2, 2, 0.002],
  ];

  it.each(SHAPES)('reward-to-go, total return and GAE at T = %i, N = %i, G = %i: scan = sequential = reference', async (T, N, G, doneRate) => {
    const r = randomRollout(T, N, G, doneRate);
    // γ and λ are rounded to f32, the values the GPU holds: the reference reading the float64 γ
    // would differ from it by k·δγ/γ after k steps — ~1e-5 at γ ≈ 0.999 over a 500-step episode.
    const gamma = Array.from({ length: G }, (_, g) => Math.fround(g === 0 ? 0.99 : 0.9 + 0.1 * random()));
    const lambda = Array.from({ length: G }, (_, g) => Math.fround(g === 0 ? 0.95 : random()));
    const worst: Record<string, number> = {};
    for (const [estimator, critic] of [['reward-to-go', false], ['reward-to-go', true], ['total-return', false], ['total-return', true], ['gae', true]] as const) {
      const expected =
        estimator === 'gae'
          ? referenceGae(r, gamma, lambda)
          : { advantages: estimator === 'reward-to-go' ? referenceRewardToGo(r, gamma, critic) : referenceTotalReturn(r, gamma, critic) };
      const byPath: Partial<Record<ScanPath, Float32Array>> = {};
      for (const path of ['sequential', 'scan'] as const) {
        const name = `${estimator}${critic ? '+critic' : ''} ${path}`;
        const got = await runEstimator(r, estimator, path, { critic, gamma, lambda });
        worst[name] = compare(name, got.output, expected.advantages);
        if (estimator === 'gae') worst[`${name} returns`] = compare(`${name} returns`, got.returns!, referenceGae(r, gamma, lambda).returns);
        byPath[path] = got.output;
      }
      const agreement = compare(`${estimator} scan vs sequential`, byPath.scan!, byPath.sequential!);
      worst[`${estimator}${critic ? '+critic' : ''} scan-vs-seq`] = agreement;
    }
    console.log(`[returns] T=${T} N=${N} G=${G}: worst ${JSON.stringify(Object.fromEntries(Object.entries(worst).map(([k, v]) => [k, Number(v.toExponential(1))])))}`);
  });

  it('GAE with λ = 1 equals reward-to-go − V and λ = 0 the one-step TD error, on the GPU (scan path, T = 700, N = 3)', async () => {
    const r = randomRollout(700, 3, 1, 0.02);
    const rtg = referenceRewardToGo(r, 0.97, true);
    const one = await runEstimator(r, 'gae', 'scan', { critic: true, gamma: [0.97], lambda: [1] });
    compare('λ = 1 vs rtg − V', one.output, rtg.map((g, i) => g - r.values[i]!));
    compare('λ = 1 returns vs rtg', one.returns!, rtg);
    const zero = await runEstimator(r, 'gae', 'sequential', { critic: true, gamma: [0.97], lambda: [0] });
    compare('λ = 0 vs TD', zero.output, referenceGae(r, 0.97, 0).advantages);
  });

  it.each(['none', 'batch-mean', 'timestep-mean', 'value'] as const)('baseline %s at T = 123, N = 21, G = 3', async (kind: BaselineKind) => {
    const { device } = gpu();
    const shape = { steps: 123, envs: 21, agents: 3 };
    const r = randomRollout(shape.steps, shape.envs, shape.agents, 0.05);
    // Weights with a per-agent offset, so a mean baseline has something to remove.
    const weights = Float32Array.from(r.rewards, (x, i) => 10 * x + 50 * Math.floor((i % 21) / 7));
    const baseline = await createBaseline(device, { kind, ...shape, label: `test.baseline.${kind}` });
    try {
      await withBuffers(r, { weights: weights.length }, async (b) => {
        device.queue.writeBuffer(b.weights!, 0, weights);
        poison(b.output!);
        await gpuStep(gpu(), `baseline ${kind}`, async () => {
          const encoder = device.createCommandEncoder();
          baseline.encode(encoder, { weights: b.weights!, values: b.values!, advantages: b.output! });
          device.queue.submit([encoder.finish()]);
          await device.queue.onSubmittedWorkDone();
        });
        const got = await readF32(b.output!);
        const worst = compare(`baseline ${kind}`, got, referenceBaseline(kind, weights, shape, r.values));
        console.log(`[returns] baseline ${kind}: worst ${worst.toExponential(1)}`);
      });
    } finally {
      baseline.destroy();
    }
  });

  it.each([
    ['whole batch, G = 1', 123, 7, 1, undefined],
    ['whole batch, G = 3', 123, 21, 3, undefined],
    ['per minibatch, G = 3, M = 7', 123, 21, 3, 7],
    ['per minibatch, G = 1, M = 4 099 (5 samples each)', 5, 4099, 1, 4099],
    ['per minibatch, G = 3, M = 861 (one sample each: output 0)', 123, 21, 3, 861],
  ] as const)('advantage normalisation: %s', async (_, T, N, G, M) => {
    const { device } = gpu();
    const shape = { steps: T, envs: N, agents: G };
    const r = randomRollout(T, N, G, 0);
    // An offset larger than the spread. (With mean/std ≫ 1 the output's error is bounded below by
    // rounding the mean to f32, ulp(mean)/2/std, whatever the reduction does.)
    const advantages = Float32Array.from(r.rewards, (x) => 3 + 2 * x);
    const normaliser = await createAdvantageNormaliser(device, { ...shape, minibatches: M, label: 'test.normalise' });
    // Agent g's samples, shuffled and cut into M minibatches: index list [G][M][B].
    const segments = agentPositions(shape).flatMap((list) => {
      for (let i = list.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
      const count = M ?? 1;
      const size = list.length / count;
      return Array.from({ length: count }, (_, m) => list.slice(m * size, (m + 1) * size));
    });
    const indices = Uint32Array.from(segments.flat());
    try {
      await withBuffers(r, { advantages: T * N, indices: T * N }, async (b) => {
        device.queue.writeBuffer(b.advantages!, 0, advantages);
        device.queue.writeBuffer(b.indices!, 0, indices);
        poison(b.output!);
        await gpuStep(gpu(), 'normalise', async () => {
          const encoder = device.createCommandEncoder();
          normaliser.encode(encoder, { advantages: b.advantages!, output: b.output!, ...(M ? { indices: b.indices! } : {}) });
          device.queue.submit([encoder.finish()]);
          await device.queue.onSubmittedWorkDone();
        });
        const got = await readF32(b.output!);
        const expected = referenceNormalise(advantages, M ? segments : agentPositions(shape));
        if (M !== undefined && M * G === N * T) {
          expect([...got].every((v) => v === 0)).toBe(true);
        } else {
          // Absolute error of a unit-variance output: a floor of 1 (normalised values are O(1)).
          let worst = 0;
          for (let i = 0; i < expected.length; i += 1) worst = Math.max(worst, Number.isFinite(got[i]!) ? Math.abs(got[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)) : Infinity);
          console.log(`[returns] normalise ${_}: worst ${worst.toExponential(1)}`);
          expect(worst).toBeLessThan(TOLERANCE);
        }
      });
    } finally {
      normaliser.destroy();
    }
  });

  it('setDiscounts changes γ and λ for the next encode (per agent), without a new pipeline', async () => {
    const { device } = gpu();
    const r = randomRollout(123, 6, 2, 0.05);
    const returns = await createReturns(device, { steps: 123, envs: 6, agents: 2, estimator: 'gae', gamma: 0.99, lambda: 0.95, label: 'test.set-discounts' });
    try {
      await withBuffers(r, {}, async (b) => {
        const io = { rewards: b.rewards!, terminated: b.terminated!, truncated: b.truncated!, values: b.values!, finalValues: b.finalValues!, lastValues: b.lastValues!, output: b.output! };
        for (const [gamma, lambda] of [[[0.99, 0.99], [0.95, 0.95]], [[0.5, 0.8], [0.3, 1]]] as const) {
          returns.setDiscounts(gamma, lambda);
          poison(b.output!);
          await gpuStep(gpu(), 'set discounts', async () => {
            const encoder = device.createCommandEncoder();
            returns.encode(encoder, io);
            device.queue.submit([encoder.finish()]);
            await device.queue.onSubmittedWorkDone();
          });
          compare(`γ = ${gamma}, λ = ${lambda}`, (await readF32(b.output!)).slice(0, 123 * 6), referenceGae(r, gamma, lambda).advantages);
        }
        expect(() => returns.setDiscounts([0.9, 1.01])).toThrow(/gamma\[1\] must be a number in \[0, 1\] \(got 1.01\)/);
      });
    } finally {
      returns.destroy();
    }
  });

  it('rejects bad input with clear errors', async () => {
    const base = { steps: 10, envs: 4, estimator: 'gae' as const };
    expect(() => resolveReturnsConfig({ ...base, gamma: 1.5 })).toThrow(/gamma must be a number in \[0, 1\] \(got 1.5\)/);
    expect(() => resolveReturnsConfig({ ...base, lambda: -0.1 })).toThrow(/lambda must be a number in \[0, 1\] \(got -0.1\)/);
    expect(() => resolveReturnsConfig({ ...base, agents: 2, gamma: [0.9, 2] })).toThrow(/gamma\[1\] must be a number in \[0, 1\] \(got 2\)/);
    expect(() => resolveReturnsConfig({ ...base, agents: 3 })).toThrow(/envs must be divisible by agents = 3 \(got 4\)/);
    expect(() => resolveReturnsConfig({ ...base, critic: false })).toThrow(/critic must be true for 'gae'/);
    await expect(createAdvantageNormaliser(gpu().device, { steps: 10, envs: 4, minibatches: 3 })).rejects.toThrow(
      /minibatches must divide each agent's batch of 10 × 4 = 40 samples \(got 3\)/,
    );
  });
});
