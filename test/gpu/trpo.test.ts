/**
 * TRPO on CartPole-v1:
 *   - one iteration against the float64 reference, from the GPU's own rollout: the surrogate
 *     gradient at θ_old, the CG direction on the subsampled Fisher products, the step scale, every
 *     line-search candidate's improvement and KL, the choice, and θ after the step;
 *   - the loop invariant (one submit, one readback, no buffer after warm-up, same dispatches);
 *   - a short real run learns;
 *   - bad configs fail before any GPU work, naming field and value.
 *
 * Sizes are cut for SwiftShader (8 envs × 64 steps, 512 rows; 8 × 32 against the reference): the
 * default is 8 × 128.
 */
import { describe, expect, it } from 'vitest';
import { createTrpoTrainer, TRPO_WORD } from '../../src/algos/trpo/trpo';
import { resolveTrpoConfig, TRPO_DEFAULTS } from '../../src/algos/trpo/config';
import { readBufferOnce } from '../../src/gpu/index';
import { CG_SCALAR } from '../../src/algos/trpo/kernels';
import { initialParameters } from '../../src/nn/init';
import { REPORT_BYTES, type IterationStats } from '../../src/train/report';
import type { Trainer } from '../../src/train/trainer';
import { conjugateGradient, fisherVectorProduct, lineSearchCandidates, lineSearchChoice, surrogateLossGradient } from '../reference/natural-gradient';
import { gpuStep, useGpu } from '../support/gpu';

const SMALL = { numEnvs: 8, numSteps: 64 } as const;

async function runAll(trainer: Trainer): Promise<IterationStats[]> {
  const out: IterationStats[] = [];
  for (let i = 0; i < trainer.numIterations; i += 1) {
    const stats = await trainer.iterate();
    if (stats) out.push(stats);
  }
  const last = await trainer.drain();
  if (last) out.push(last);
  return out;
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-30;
  for (let i = 0; i < expected.length; i += 1) {
    if (!Number.isFinite(actual[i]!)) return Number.POSITIVE_INFINITY;
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('trpo', () => {
  const gpu = useGpu();

  it('one iteration matches the float64 reference: gradient, CG direction, step scale, line search, θ', async () => {
    const { device } = gpu();
    const seed = 7;
    // 8 × 32 = 256 rows: the float64 reference (11 Fisher products, 10 candidates) dominates the time.
    const trainer = await createTrpoTrainer(device, { numEnvs: 8, numSteps: 32, seed, totalTimesteps: 256 });
    try {
      const { config } = trainer;
      const B = config.batchSize;
      const got = await gpuStep(gpu(), 'trpo one iteration', async () => {
        const [report] = await runAll(trainer);
        const f32 = async (buffer: GPUBuffer) => new Float32Array(await readBufferOnce(device, buffer));
        const tr = trainer.buffers.transitions;
        return {
          observations: (await f32(tr.observations)).slice(0, B * 4),
          actions: new Uint32Array(await readBufferOnce(device, tr.actions)),
          advantages: await f32(trainer.buffers.advantages),
          gradient: await f32(trainer.buffers.policyGradient),
          x: await f32(trainer.buffers.naturalDirection),
          scalars: await f32(trainer.buffers.cgScalars),
          lineSearch: await f32(trainer.buffers.lineSearch),
          theta: await f32(trainer.buffers.actorParameters),
          joint: await f32(trainer.buffers.parameters),
          algorithmWords: report!.algorithmWords,
        };
      });
      const layout = trainer.layouts.actor;
      const P = layout.parametersPerAgent;
      const thetaOld = initialParameters(layout, seed);
      const inputs = Array.from({ length: B }, (_, r) => got.observations.subarray(4 * r, 4 * r + 4));
      const batch = { inputs, actions: Array.from(got.actions), advantages: got.advantages };
      // The advantages were normalised over the batch.
      expect(Math.abs(mean(Array.from(got.advantages)))).toBeLessThan(1e-5);

      const gradient = surrogateLossGradient(layout, thetaOld, batch);
      expect(relativeError(got.gradient, gradient), 'surrogate gradient').toBeLessThan(1e-4);

      // CG on the Fisher product of every 4th sample, from the GPU's own gradient (so only CG differs).
      const k = config.fisherSubsample;
      const fisherRows = inputs.filter((_, r) => r % k === 0);
      expect(fisherRows.length).toBe(config.fisherBatchSize);
      const apply = (v: Float64Array) => fisherVectorProduct(layout, thetaOld, fisherRows, v);
      const cg = conjugateGradient(apply, got.gradient, config.cgIterations, config.damping);
      const xError = relativeError(got.x, cg.x);
      console.log(`[trpo] iteration 0: CG direction relative error ${xError.toExponential(1)}, surrogate gradient ${relativeError(got.gradient, gradient).toExponential(1)}`);
      expect(xError, 'CG direction').toBeLessThan(1e-3);
      const fx = apply(Float64Array.from(got.x));
      const xAx = Array.from(got.x).reduce((s, xi, i) => s + xi * (fx[i]! + config.damping * xi), 0);
      const scale = got.scalars[CG_SCALAR.stepScale]!;
      expect(scale / Math.sqrt((2 * config.maxKl) / xAx) - 1, 'step scale').toBeCloseTo(0, 3);

      // The line search, from the GPU's x and scale: the reference picks the same candidate.
      const candidates = lineSearchCandidates(layout, thetaOld, got.x, scale, batch, config.backtrackIterations, config.backtrackCoef);
      const chosen = lineSearchChoice(candidates, config.maxKl);
      console.log(
        `[trpo] iteration 0: chosen k = ${chosen}, candidates ${candidates.slice(0, 4).map((c) => `(${c.improvement.toExponential(2)}, ${c.kl.toExponential(2)})`).join(' ')}, ` +
          `GPU result ${Array.from(got.lineSearch).map((v) => v.toPrecision(3)).join(', ')}`,
      );
      expect(got.lineSearch[TRPO_WORD.chosen]).toBe(chosen);
      // The report carries the line search's record in the algorithm words.
      expect(Array.from(got.algorithmWords!.subarray(0, 8))).toEqual(Array.from(got.lineSearch));
      expect(chosen, 'the first step is accepted').toBeGreaterThanOrEqual(0);
      expect(got.lineSearch[TRPO_WORD.improvement]! / candidates[chosen]!.improvement - 1).toBeCloseTo(0, 2);
      expect(got.lineSearch[TRPO_WORD.kl]! / candidates[chosen]!.kl - 1).toBeCloseTo(0, 2);
      const fraction = config.backtrackCoef ** chosen;
      const want = Array.from(thetaOld, (t, i) => t - fraction * scale * got.x[i]!);
      expect(relativeError(got.theta, want), 'θ after the step').toBeLessThan(1e-6);
      // The joint vector's actor part mirrors θ (the value steps did not move the actor).
      expect(relativeError(got.joint.subarray(0, P), got.theta)).toBe(0);
    } finally {
      trainer.destroy();
    }
  });

  it('after warm-up: zero buffers created, one submit and one readback per iteration, same dispatches', async () => {
    const trainer = await createTrpoTrainer(gpu().device, { ...SMALL, seed: 3, totalTimesteps: 512 * 3, valueIterations: 2 });
    try {
      const reports = await gpuStep(gpu(), 'trpo invariant', () => runAll(trainer));
      expect(reports.map((r) => r.iteration)).toEqual([0, 1, 2]);
      for (const report of reports) {
        const c = report.counters;
        expect(c.submits).toBe(1);
        expect(c.readbacks).toBe(1);
        expect(c.bytesReadBack).toBe(REPORT_BYTES);
        if (report.iteration > 0) expect(c.buffersCreated).toBe(0);
        expect(c.dispatches).toBe(reports[0]!.counters.dispatches);
      }
      console.log(`[trpo] dispatches per iteration (T = 64, 2 value steps): ${reports[0]!.counters.dispatches}, copies ${reports[0]!.counters.copies}`);
    } finally {
      trainer.destroy();
    }
  });

  it('learns CartPole-v1: the last-20 mean return after 25 short iterations is far above random', async () => {
    const trainer = await createTrpoTrainer(gpu().device, { ...SMALL, seed: 1, totalTimesteps: 512 * 25 });
    try {
      const started = performance.now();
      const reports = await gpuStep(gpu(), 'trpo training', () => runAll(trainer));
      const last = reports.at(-1)!;
      const lastMean = mean(last.recentReturns.slice(-20));
      const first = mean(reports[2]!.recentReturns.slice(-20));
      console.log(
        `[trpo] ${reports.length} iterations, ${last.globalStep} steps in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
          `last-20 mean ${first.toFixed(1)} at iteration 2, ${lastMean.toFixed(1)} at the end; approx_kl ${last.statistics.approx_kl.toExponential(2)}`,
      );
      expect(lastMean).toBeGreaterThanOrEqual(60);
      expect(lastMean).toBeGreaterThan(2 * first);
      // Every accepted step stays in the trust region (the line search's KL test on the batch).
      for (const r of reports) expect(r.statistics.approx_kl).toBeLessThan(0.05);
    } finally {
      trainer.destroy();
    }
  }, 300_000);

  it('rejects bad configs before any GPU work, naming the field and the value', () => {
    expect(() => resolveTrpoConfig({ maxKl: 0 })).toThrow(/trpo: maxKl must be a finite number > 0 \(got 0\)/);
    expect(() => resolveTrpoConfig({ backtrackCoef: 1 })).toThrow(/trpo: backtrackCoef must be a number in \(0, 1\) \(got 1\)/);
    expect(() => resolveTrpoConfig({ fisherSubsample: 3 })).toThrow(/trpo: fisherSubsample must be a divisor of the batch numEnvs × numSteps = 1024 \(got 3\)/);
    expect(() => resolveTrpoConfig({ cgIterations: 0 })).toThrow(/trpo: cgIterations must be an integer in \[1, 1024\] \(got 0\)/);
    expect(() => resolveTrpoConfig({ clipCoef: 0.2 } as never)).toThrow(/trpo: unknown field 'clipCoef'/);
    expect(resolveTrpoConfig().valueIterations).toBe(TRPO_DEFAULTS.valueIterations);
    expect(resolveTrpoConfig().batchSize).toBe(1024);
  });
});
