/**
 * TRPO with a diagonal Gaussian policy (a box env: Reach-3, test/support/reach-env.ts), one
 * iteration against the float64 reference from the GPU's own rollout, at odd sizes (5 envs × 13
 * steps, every 5th row in the Fisher products): the surrogate gradient at θ_old (network and
 * log-std), the CG direction on the Gaussian Fisher-vector products, the step scale, every
 * line-search candidate's improvement and closed-form KL, the choice, and θ after the step, whose
 * KL from θ_old (recomputed in float64 from the GPU's θ) is within the radius δ.
 *
 * The reference's analytic Fisher product (diag(1/σ²) through the network's Jacobian, 2 per
 * log-std) is itself checked against a central finite difference of the mean-KL gradient, F·v =
 * ∂/∂ε ∇KL(θ_old ‖ θ_old + εv) at ε = 0 (the Hessian of the KL at its minimum), so the GPU's product
 * is tied to the KL by two routes. Then box envs are refused only when hybrid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTrpoConfig } from '../../src/algos/trpo/config';
import { CG_SCALAR } from '../../src/algos/trpo/kernels';
import { createTrpoTrainer, TRPO_WORD } from '../../src/algos/trpo/trpo';
import { registerCustomEnv, unregisterEnv } from '../../src/envs/index';
import { readBufferOnce } from '../../src/gpu/index';
import { initialParameters } from '../../src/nn/init';
import type { MlpLayout } from '../../src/nn/mlp-spec';
import { gaussianKl } from '../reference/heads';
import { mlpForward } from '../reference/mlp';
import { conjugateGradient, gaussianFisherVectorProduct, gaussianLineSearchCandidates, gaussianSurrogateLossGradient, lineSearchChoice, meanGaussianKlGradient } from '../reference/natural-gradient';
import { AIM } from '../support/aim-env';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { REACH_OBS, reachEnv } from '../support/reach-env';
import { runAll } from '../support/trainer';

const D = 3;
const REACH = reachEnv(D);

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

const logStdOf = (layout: MlpLayout, params: ArrayLike<number>) => {
  const slot = layout.extras.logStd!;
  return Array.from({ length: slot.length }, (_, d) => params[slot.offset + d]!);
};

/** Mean closed-form KL(π_θold ‖ π_θ) over `inputs`. */
function meanKl(layout: MlpLayout, thetaOld: ArrayLike<number>, theta: ArrayLike<number>, inputs: readonly Float32Array[]): number {
  const old = mlpForward(layout, thetaOld, inputs).outputs.policy!;
  const now = mlpForward(layout, theta, inputs).outputs.policy!;
  const oldLogStd = logStdOf(layout, thetaOld);
  const logStd = logStdOf(layout, theta);
  return old.reduce((sum, row, r) => sum + gaussianKl(Array.from(row), oldLogStd, Array.from(now[r]!), logStd), 0) / inputs.length;
}

describe('trpo, Gaussian policy', () => {
  const gpu = useGpu();
  beforeAll(() => registerCustomEnv(REACH));
  afterAll(() => unregisterEnv(REACH.id));

  it('one iteration on a 3-dim box matches the float64 reference: gradient, CG on the Gaussian F·v, step scale, line search, θ within δ', async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const trainer = await createTrpoTrainer(device, { env: REACH.id, numEnvs: 5, numSteps: 13, fisherSubsample: 5, hiddenSizes: [9, 6], seed, totalTimesteps: 65 });
    try {
      const { config } = trainer;
      const B = config.batchSize;
      const got = await gpuStep(gpu(), 'trpo gaussian iteration', async () => {
        const [report] = await runAll(trainer);
        const f32 = async (buffer: GPUBuffer) => new Float32Array(await readBufferOnce(device, buffer));
        const tr = trainer.buffers.transitions;
        return {
          observations: (await f32(tr.observations)).slice(0, B * REACH_OBS),
          actions: (await f32(tr.actions)).slice(0, B * D),
          advantages: await f32(trainer.buffers.advantages),
          gradient: await f32(trainer.buffers.policyGradient),
          x: await f32(trainer.buffers.naturalDirection),
          scalars: await f32(trainer.buffers.cgScalars),
          lineSearch: await f32(trainer.buffers.lineSearch),
          theta: await f32(trainer.buffers.actorParameters),
          algorithmWords: report!.algorithmWords,
        };
      });
      const layout = trainer.layouts.actor;
      const thetaOld = initialParameters(layout, seed);
      const inputs = Array.from({ length: B }, (_, r) => got.observations.subarray(REACH_OBS * r, REACH_OBS * (r + 1)));
      const actions = Array.from({ length: B }, (_, r) => got.actions.subarray(D * r, D * (r + 1)));
      const batch = { inputs, actions, advantages: got.advantages };

      const gradient = gaussianSurrogateLossGradient(layout, thetaOld, batch);
      const gradientError = relativeError(got.gradient, gradient);
      const slot = layout.extras.logStd!;
      expect(gradientError, `seed ${seed}: surrogate gradient`).toBeLessThan(1e-4);
      expect(Math.abs(gradient[slot.offset]!), 'the log-std has a gradient').toBeGreaterThan(0);

      // The analytic Fisher product of the reference is the Hessian of the mean KL at θ_old.
      const fisherRows = inputs.filter((_, r) => r % config.fisherSubsample === 0);
      expect(fisherRows.length).toBe(config.fisherBatchSize);
      const apply = (v: ArrayLike<number>) => gaussianFisherVectorProduct(layout, thetaOld, fisherRows, Array.from(v));
      const random = seededRandom(seed);
      const probe = Float64Array.from(thetaOld, () => random() - 0.5);
      const oldMeans = mlpForward(layout, thetaOld, fisherRows).outputs.policy!;
      const klGradientAt = (epsilon: number) =>
        meanGaussianKlGradient(layout, Float64Array.from(thetaOld, (t, i) => t + epsilon * probe[i]!), fisherRows, oldMeans, logStdOf(layout, thetaOld));
      const h = 1e-5;
      const plus = klGradientAt(h);
      const minus = klGradientAt(-h);
      const finiteDifference = Float64Array.from(plus, (p, i) => (p - minus[i]!) / (2 * h));
      const analytic = apply(probe);
      // Padding words of the flat layout are not parameters: both sides leave them 0.
      const fisherCheck = relativeError(analytic, finiteDifference);
      expect(fisherCheck, `seed ${seed}: analytic F·v against the finite difference of ∇KL`).toBeLessThan(1e-5);

      const cg = conjugateGradient((v) => apply(v), got.gradient, config.cgIterations, config.damping);
      const xError = relativeError(got.x, cg.x);
      const fx = apply(got.x);
      const xAx = Array.from(got.x).reduce((s, xi, i) => s + xi * (fx[i]! + config.damping * xi), 0);
      const scale = got.scalars[CG_SCALAR.stepScale]!;
      const candidates = gaussianLineSearchCandidates(layout, thetaOld, got.x, scale, batch, config.backtrackIterations, config.backtrackCoef);
      const chosen = lineSearchChoice(candidates, config.maxKl);
      const klAfter = meanKl(layout, thetaOld, got.theta, inputs);
      console.log(
        `[trpo gaussian] seed ${seed}: gradient error ${gradientError.toExponential(1)}, F·v analytic vs finite difference ${fisherCheck.toExponential(1)}, ` +
          `CG direction ${xError.toExponential(1)}; chosen k = ${chosen} (GPU ${got.lineSearch[TRPO_WORD.chosen]}), KL after the step ${klAfter.toExponential(3)} (δ ${config.maxKl}); ` +
          `candidates ${candidates.slice(0, 3).map((c) => `(${c.improvement.toExponential(2)}, ${c.kl.toExponential(2)})`).join(' ')}`,
      );
      expect(xError, `seed ${seed}: CG direction`).toBeLessThan(1e-3);
      expect(scale / Math.sqrt((2 * config.maxKl) / xAx) - 1, `seed ${seed}: step scale`).toBeCloseTo(0, 3);

      expect(got.lineSearch[TRPO_WORD.chosen], `seed ${seed}`).toBe(chosen);
      expect(Array.from(got.algorithmWords!.subarray(0, 8))).toEqual(Array.from(got.lineSearch));
      expect(chosen, `seed ${seed}: the first step is accepted`).toBeGreaterThanOrEqual(0);
      expect(got.lineSearch[TRPO_WORD.improvement]! / candidates[chosen]!.improvement - 1).toBeCloseTo(0, 2);
      expect(got.lineSearch[TRPO_WORD.kl]! / candidates[chosen]!.kl - 1).toBeCloseTo(0, 2);
      const fraction = config.backtrackCoef ** chosen;
      const want = Array.from(thetaOld, (t, i) => t - fraction * scale * got.x[i]!);
      expect(relativeError(got.theta, want), `seed ${seed}: θ after the step`).toBeLessThan(1e-6);
      expect(got.theta[slot.offset], 'the step moved the log-std').not.toBe(thetaOld[slot.offset]);
      // The accepted step is inside the trust region, and near its edge (the quadratic model's δ).
      expect(klAfter).toBeLessThanOrEqual(config.maxKl);
      expect(klAfter).toBeGreaterThan(0);
    } finally {
      trainer.destroy();
    }
  });

  it('takes box envs (Pendulum-v1 with its documented defaults) and refuses hybrid ones by name', () => {
    const pendulum = resolveTrpoConfig({ env: 'Pendulum-v1' });
    expect([pendulum.normObs, pendulum.normReward, pendulum.gamma, pendulum.batchSize]).toEqual([true, true, 0.9, 4096]);
    // A field the caller gives wins over the env's defaults.
    expect(resolveTrpoConfig({ env: 'Pendulum-v1', gamma: 0.95 }).gamma).toBe(0.95);
    registerCustomEnv(AIM);
    try {
      expect(() => resolveTrpoConfig({ env: AIM.id })).toThrow(/trpo: env 'Aim-v0' has a hybrid \(box and discrete branches\) action space; .*not both at once/);
    } finally {
      unregisterEnv(AIM.id);
    }
  });
});
