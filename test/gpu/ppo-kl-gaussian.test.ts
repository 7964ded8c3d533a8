/**
 * One whole PPO-KL iteration with a Gaussian head (Reach-3, a 3-dim box) and with a hybrid head
 * (Aim-v0: a 1-dim box × branches [3, 2] under masks) against a float64 reference, at odd sizes
 * (3 envs × 21 steps, 3 minibatches of 21, 2 epochs, hidden [9, 6]): from the rollout the GPU
 * recorded, the reference recomputes GAE, replays the GPU's permutations, and runs every minibatch's
 * −r·Â + β·KL(π_old ‖ π) − c·H + c_v·½(V − R)² through the float64 MLP — the KL in closed form
 * between the Gaussians (means from θ_old's and θ's forward passes, each parameter set's own
 * log-std) plus, for the hybrid head, the branches' categorical KL — then clips the joint gradient
 * norm and takes the Adam step. The parameters after the 6 updates, the statistics (policy_loss
 * holds the mean β·KL) and the next β must match.
 *
 * So that a missing or wrong penalty gradient cannot hide inside the tolerance, the reference is
 * also run with β = 0: the GPU must be far closer to the β-run than the β = 0 run is, over all
 * parameters and over the log-std alone (whose KL gradient goes through the accumulating
 * log-std reduction). There is no clip boundary here (no ratio clip, value loss unclipped), so
 * every fresh seed is comparable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPpoKlTrainer } from '../../src/algos/ppo-kl/ppo-kl';
import { criticInitSeed } from '../../src/algos/ppo/ppo';
import { registerCustomEnv, unregisterEnv, type CustomEnvOptions } from '../../src/envs/index';
import { readBufferOnce } from '../../src/gpu/index';
import { LOSS_COEFFICIENT } from '../../src/losses/layout';
import { initialParameters } from '../../src/nn/init';
import type { MlpLayout } from '../../src/nn/mlp-spec';
import { hybridEntropy, hybridEntropyGrad, hybridKl, hybridKlGrad, hybridLogProb, hybridLogProbGrad, type HybridRow } from '../reference/hybrid';
import { mlpBackward, mlpForward } from '../reference/mlp';
import { adamState, adamStep, clipScale, l2Norm } from '../reference/optimizer';
import { referencePermutation } from '../reference/permutation';
import { referenceGae } from '../reference/returns';
import { AIM, AIM_MASK_WIDTH, AIM_NVEC } from '../support/aim-env';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed } from '../support/random';
import { reachEnv } from '../support/reach-env';

const REACH = reachEnv(3);
const CONFIG = {
  numEnvs: 3,
  numSteps: 21,
  numMinibatches: 3,
  updateEpochs: 2,
  hiddenSizes: [9, 6],
  learningRate: 2e-2,
  entCoef: 0.01,
  clipVloss: false,
  klBeta: 3,
  klTarget: 0.01,
  totalTimesteps: 63,
} as const;

/** A head's shape: D continuous dims, the branches (none for a box) and the mask width. */
interface HeadShape {
  readonly D: number;
  readonly nvec: readonly number[];
  readonly maskWidth: number;
}

const CASES: readonly { readonly name: string; readonly env: CustomEnvOptions; readonly head: HeadShape }[] = [
  { name: 'Gaussian (Reach-3 box)', env: REACH, head: { D: 3, nvec: [], maskWidth: 0 } },
  { name: 'hybrid (Aim-v0: box × [3, 2], masked)', env: AIM, head: { D: 1, nvec: AIM_NVEC, maskWidth: AIM_MASK_WIDTH } },
];

interface Rollout {
  observations: Float32Array;
  actionFloats: Float32Array;
  actionWords: Uint32Array;
  masks: Uint32Array | undefined;
  logProbs: Float32Array;
  values: Float32Array;
  rewards: Float32Array;
  terminated: Uint32Array;
  truncated: Uint32Array;
  finalValues: Float32Array;
  lastValues: Float32Array;
}

/** Row i's action: D floats, then K branch indices. */
function actionOf(rollout: Rollout, head: HeadShape, i: number): number[] {
  const width = head.D + head.nvec.length;
  const floats = Array.from(rollout.actionFloats.subarray(i * width, i * width + head.D));
  return floats.concat(Array.from(rollout.actionWords.subarray(i * width + head.D, (i + 1) * width)));
}

const logStdOf = (actor: MlpLayout, params: ArrayLike<number>) => {
  const slot = actor.extras.logStd!;
  return Array.from({ length: slot.length }, (_, d) => params[slot.offset + d]!);
};

/** Per-row loss terms and ∂L/∂outputs, ∂L/∂log σ of one minibatch (penalised surrogate and entropy). */
function policyRows(actor: MlpLayout, theta: Float64Array, thetaOld: Float64Array, rollout: Rollout, head: HeadShape, rows: number[], normalised: number[], beta: number) {
  const OBS = actor.spec.inputSize;
  const B = rows.length;
  const inputs = rows.map((i) => rollout.observations.subarray(i * OBS, (i + 1) * OBS));
  const forward = mlpForward(actor, theta, inputs);
  const oldOutputs = mlpForward(actor, thetaOld, inputs).outputs.policy!;
  const logStd = logStdOf(actor, theta);
  const oldLogStd = logStdOf(actor, thetaOld);
  const sums = { surrogate: 0, kl: 0, approxKl: 0, entropy: 0 };
  const outputGrads: number[][] = [];
  const logStdGrad = new Float64Array(head.D);
  rows.forEach((i, r) => {
    const mask = rollout.masks ? Array.from(rollout.masks.subarray(i * head.maskWidth, (i + 1) * head.maskWidth)) : undefined;
    const row: HybridRow = { outputs: Array.from(forward.outputs.policy![r]!), logStd, nvec: head.nvec, mask };
    const old: HybridRow = { ...row, outputs: Array.from(oldOutputs[r]!), logStd: oldLogStd };
    const action = actionOf(rollout, head, i);
    const logRatio = hybridLogProb(row, action) - rollout.logProbs[i]!;
    const ratio = Math.exp(logRatio);
    const kl = hybridKl(old, row);
    sums.surrogate += -ratio * normalised[r]!;
    sums.kl += kl;
    sums.approxKl += ratio - 1 - logRatio;
    sums.entropy += hybridEntropy(row);
    const dLogProb = (-ratio * normalised[r]!) / B;
    const dEntropy = -CONFIG.entCoef / B;
    const dKl = beta / B;
    const gLogProb = hybridLogProbGrad(row, action);
    const gEntropy = hybridEntropyGrad(row);
    const gKl = hybridKlGrad(old, row);
    outputGrads.push(gLogProb.outputs.map((g, j) => dLogProb * g + dEntropy * gEntropy.outputs[j]! + dKl * gKl.outputs[j]!));
    for (let d = 0; d < head.D; d += 1) logStdGrad[d] = logStdGrad[d]! + dLogProb * gLogProb.logStd[d]! + dEntropy * gEntropy.logStd[d]! + dKl * gKl.logStd[d]!;
  });
  const paramGrad = mlpBackward(actor, theta, inputs, forward, { policy: outputGrads }).paramGrad;
  const slot = actor.extras.logStd!;
  for (let d = 0; d < head.D; d += 1) paramGrad[slot.offset + d] = paramGrad[slot.offset + d]! + logStdGrad[d]!;
  return { paramGrad, sums, inputs };
}

/** PPO-KL's update of one iteration in float64 with penalty coefficient β; the parameters and the statistics. */
function referenceUpdate(actor: MlpLayout, critic: MlpLayout, initial: Float64Array, rollout: Rollout, head: HeadShape, seed: number, beta: number) {
  const { numEnvs: N, numSteps: T, numMinibatches: M, updateEpochs: K } = CONFIG;
  const B = (N * T) / M;
  const PA = actor.parametersPerAgent;
  const { advantages, returns } = referenceGae({ steps: T, envs: N, agents: 1, ...rollout }, 0.99, 0.95);
  const params = Float64Array.from(initial);
  const thetaOld = Float64Array.from(initial.subarray(0, PA));
  const adam = adamState(params.length);
  const sums = { surrogate: 0, kl: 0, approxKl: 0, entropy: 0, value: 0 };
  let gradNorm = 0;
  for (let epoch = 0; epoch < K; epoch += 1) {
    const order = referencePermutation(N * T, seed, 0, epoch);
    for (let m = 0; m < M; m += 1) {
      const rows = order.slice(m * B, (m + 1) * B);
      const adv = rows.map((i) => advantages[i]!);
      const mean = adv.reduce((a, v) => a + v, 0) / B;
      const std = Math.sqrt(adv.reduce((a, v) => a + (v - mean) ** 2, 0) / (B - 1));
      const normalised = adv.map((a) => (a - mean) / (std + 1e-8));
      const policy = policyRows(actor, params.subarray(0, PA), thetaOld, rollout, head, rows, normalised, beta);
      for (const key of ['surrogate', 'kl', 'approxKl', 'entropy'] as const) sums[key] += policy.sums[key] / B;
      const criticParams = params.subarray(PA);
      const cf = mlpForward(critic, criticParams, policy.inputs);
      const valueGrads = rows.map((i, r) => {
        const d = cf.outputs.value![r]![0]! - returns[i]!;
        sums.value += (0.5 * d * d) / B;
        return [(0.5 * d) / B];
      });
      const grads = new Float64Array(params.length);
      grads.set(policy.paramGrad, 0);
      grads.set(mlpBackward(critic, criticParams, policy.inputs, cf, { value: valueGrads }).paramGrad, PA);
      gradNorm = l2Norm(grads);
      adamStep(params, grads, adam, CONFIG.learningRate, { beta1: 0.9, beta2: 0.999, epsilon: 1e-5 }, 0, params.length, clipScale(gradNorm, 0.5));
    }
  }
  const updates = K * M;
  const statistics = {
    policy_loss: (sums.surrogate + beta * sums.kl) / updates,
    value_loss: sums.value / updates,
    entropy: sums.entropy / updates,
    approx_kl: sums.approxKl / updates,
    grad_norm: gradNorm,
    beta,
  };
  return { params, statistics, meanKl: sums.kl / updates };
}

async function readRollout(device: GPUDevice, transitions: Record<string, GPUBuffer | undefined>, masked: boolean): Promise<Rollout> {
  const bytes = async (name: string) => readBufferOnce(device, transitions[name]!);
  const actions = await bytes('actions');
  return {
    observations: new Float32Array(await bytes('observations')),
    actionFloats: new Float32Array(actions),
    actionWords: new Uint32Array(actions),
    masks: masked ? new Uint32Array(await bytes('masks')) : undefined,
    logProbs: new Float32Array(await bytes('logProbs')),
    values: new Float32Array(await bytes('values')),
    rewards: new Float32Array(await bytes('rewards')),
    terminated: new Uint32Array(await bytes('terminated')),
    truncated: new Uint32Array(await bytes('truncated')),
    finalValues: new Float32Array(await bytes('finalValues')),
    lastValues: new Float32Array(await bytes('lastValues')),
  };
}

/** max |a_i − b_i| over `indices` (default all). */
const maxGap = (a: ArrayLike<number>, b: ArrayLike<number>, indices?: readonly number[]) =>
  (indices ?? Array.from({ length: a.length }, (_, i) => i)).reduce((worst, i) => Math.max(worst, Math.abs(a[i]! - b[i]!)), 0);

describe('PPO-KL with a Gaussian head', () => {
  const gpu = useGpu();
  beforeAll(() => CASES.forEach((c) => registerCustomEnv(c.env)));
  afterAll(() => CASES.forEach((c) => unregisterEnv(c.env.id)));

  it.each(CASES)('$name: one iteration (2 epochs × 3 minibatches) matches the float64 reference', async ({ env, head }) => {
    const { device } = gpu();
    const seed = freshSeed();
    const trainer = await createPpoKlTrainer(device, { ...CONFIG, env: env.id, seed });
    try {
      const { actor, critic } = trainer.layouts;
      const PA = actor.parametersPerAgent;
      const initial = new Float64Array(PA + critic.parametersPerAgent);
      initial.set(initialParameters(actor, seed), 0);
      initial.set(initialParameters(critic, criticInitSeed(seed)), PA);
      const before = new Float32Array(await readBufferOnce(device, trainer.buffers.parameters));
      expect([...before], 'the trainer starts from the documented initialisation').toEqual([...Float32Array.from(initial)]);

      const stats = await gpuStep(gpu(), 'ppo-kl iteration', async () => {
        expect(await trainer.iterate()).toBeNull();
        return (await trainer.drain())!;
      });
      const rollout = await readRollout(device, trainer.buffers.transitions as unknown as Record<string, GPUBuffer>, head.maskWidth > 0);
      const after = new Float32Array(await readBufferOnce(device, trainer.buffers.parameters));
      const coefficients = new Float32Array(await readBufferOnce(device, trainer.buffers.coefficients));
      const reference = referenceUpdate(actor, critic, initial, rollout, head, seed, CONFIG.klBeta);
      const unpenalised = referenceUpdate(actor, critic, initial, rollout, head, seed, 0);

      const gpuChange = Float64Array.from(after, (v, i) => v - before[i]!);
      const refChange = Float64Array.from(reference.params, (v, i) => v - initial[i]!);
      const flatChange = Float64Array.from(unpenalised.params, (v, i) => v - initial[i]!);
      const slot = actor.extras.logStd!;
      const logStd = Array.from({ length: slot.length }, (_, d) => slot.offset + d);
      const error = maxGap(gpuChange, refChange);
      const penaltyEffect = maxGap(refChange, flatChange);
      const logStdError = maxGap(gpuChange, refChange, logStd);
      const logStdPenaltyEffect = maxGap(refChange, flatChange, logStd);
      console.log(
        `[ppo-kl gaussian] ${env.id} seed ${seed}: max|Δθ_gpu − Δθ_ref| ${error.toExponential(2)} (max|Δθ_ref| ${maxGap(refChange, new Float64Array(refChange.length)).toExponential(2)}, ` +
          `the β·KL term moves θ by ${penaltyEffect.toExponential(2)}); log-std ${logStdError.toExponential(2)} vs ${logStdPenaltyEffect.toExponential(2)}; ` +
          `mean KL ${reference.meanKl.toExponential(3)}, approx_kl ${reference.statistics.approx_kl.toExponential(3)}`,
      );
      expect(error / maxGap(refChange, new Float64Array(refChange.length)), `seed ${seed}`).toBeLessThan(2e-3);
      expect(error * 20, `seed ${seed}: the penalty's effect stands out of the error`).toBeLessThan(penaltyEffect);
      expect(logStdError * 20, `seed ${seed}: the penalty's log-std gradient stands out of the error`).toBeLessThan(logStdPenaltyEffect);
      expect(reference.meanKl, 'the policy moved away from θ_old within the iteration').toBeGreaterThan(1e-5);

      for (const [name, value] of Object.entries(reference.statistics)) {
        const gpuValue = stats.statistics[name as keyof typeof stats.statistics];
        expect(Math.abs(gpuValue - value), `${name}: GPU ${gpuValue}, reference ${value} (seed ${seed})`).toBeLessThan(2e-4 * Math.max(1, Math.abs(value)) + 1e-6);
      }
      // β for the next iteration from this one's approx_kl (unless it sits within float32 reach of a threshold).
      const d = reference.statistics.approx_kl;
      const thresholds = [CONFIG.klTarget / 1.5, CONFIG.klTarget * 1.5];
      if (thresholds.every((x) => Math.abs(d - x) > 1e-4 * x)) {
        const next = d < thresholds[0]! ? CONFIG.klBeta / 2 : d > thresholds[1]! ? CONFIG.klBeta * 2 : CONFIG.klBeta;
        expect(coefficients[LOSS_COEFFICIENT.klBeta]!, `seed ${seed}: β after approx_kl ${d}`).toBe(next);
      }
    } finally {
      trainer.destroy();
    }
  });
});
