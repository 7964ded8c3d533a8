/**
 * The one-step policy-gradient trainers (src/algos/reinforce/reinforce.ts: reinforce, a2c,
 * offpolicy) with a Gaussian policy, against a float64 reference of one iteration's update. The
 * env is Reach-3 (test/support/reach-env.ts: a 3-dim box, episodes of 5 steps truncated, so the
 * rollout of 7 steps × 3 envs bootstraps from V at time limits and at its end), the networks have
 * one hidden layer of 5. From the rollout the GPU recorded (observations, actions, rewards, dones,
 * V, log p) and the initial parameters, the reference recomputes the weights (reward-to-go, or
 * GAE(λ)), the baseline, the normalisation, and per gradient step the Gaussian log-density of
 * every row through the float64 MLP, the surrogate (−Â·log π, −r·Â per step, −ρ̄·Â·log π with the
 * trajectory product), the entropy bonus and the value loss, their gradient through the head — the
 * means' and the learned log-std's (Σ_rows c·((a − μ)²/σ² − 1) − c_H per dim) — and the MLPs, then
 * the clip and the Adam step. The GPU's last raw gradient, the parameters after the iteration and
 * its statistics must match. a2c runs with observation normalisation and reward scaling (the
 * reference reads the normalised columns the update read). A population of two REINFORCE agents
 * with different estimators gathers the [rows][D] float actions agent-major: each agent's actor
 * and critic equal its solo run's bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { createA2cTrainer } from '../../src/algos/a2c/a2c';
import { createOffPolicyTrainer } from '../../src/algos/offpolicy/offpolicy';
import type { ReinforceVariant } from '../../src/algos/reinforce/config';
import { createReinforceTrainer, ESS_HISTORY_WORDS, type PolicyGradientTrainer } from '../../src/algos/reinforce/reinforce';
import { customEnv } from '../../src/envs/index';
import { readBufferOnce } from '../../src/gpu/index';
import type { MlpLayout } from '../../src/nn/mlp-spec';
import type { IterationStats } from '../../src/train/report';
import { gaussianEntropy, gaussianEntropyGrad, gaussianLogProb, gaussianLogProbGrad } from '../reference/heads';
import { surrogateRow, trajectoryWeights, valueRow, type SurrogateObjective } from '../reference/losses';
import { mlpBackward, mlpForward } from '../reference/mlp';
import { adamState, adamStep, clipScale, l2Norm } from '../reference/optimizer';
import { agentPositions, referenceBaseline, referenceGae, referenceNormalise, referenceRewardToGo } from '../reference/returns';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed } from '../support/random';
import { REACH_OBS, reachEnv } from '../support/reach-env';

const D = 3;
const N = 3;
const T = 7;
const B = N * T;
const SMALL = { env: customEnv(reachEnv(D, 5)), numEnvs: N, numSteps: T, hiddenSizes: [5], totalTimesteps: B, entCoef: 0.01 } as const;

/** The rollout as the update read it, time-major rows t·N + n. */
interface Recorded {
  observations: Float32Array;
  actions: Float32Array;
  logProbs: Float32Array;
  values: Float32Array;
  rewards: Float32Array;
  terminated: Uint32Array;
  truncated: Uint32Array;
  finalValues: Float32Array;
  lastValues: Float32Array;
}

/** What one gradient step of the reference computes. */
interface StepResult {
  grads: Float64Array;
  policy_loss: number;
  value_loss: number;
  entropy: number;
  approx_kl: number;
  ess: number;
}

/** How the advantages, targets and steps of an update are made. */
interface Estimator {
  readonly advantages: Float64Array;
  readonly targets: Float64Array;
  readonly objective: Exclude<SurrogateObjective, 'clone' | 'clip'>;
  readonly steps: number;
  readonly lr: number;
  readonly maxGradNorm: number;
  readonly vfCoef: number;
}

/** One gradient step of L = surrogate − c·H + c_v·½(V − target)² at `params` [actor | critic], in float64. */
function referenceStep(actor: MlpLayout, critic: MlpLayout, params: Float64Array, r: Recorded, e: Estimator): StepResult {
  const PA = actor.parametersPerAgent;
  const actorParams = params.subarray(0, PA);
  const criticParams = params.subarray(PA);
  const slot = actor.extras.logStd!;
  const logStd = Array.from(actorParams.subarray(slot.offset, slot.offset + D));
  const inputs = Array.from({ length: B }, (_, i) => r.observations.subarray(i * REACH_OBS, (i + 1) * REACH_OBS));
  const actions = Array.from({ length: B }, (_, i) => Array.from(r.actions.subarray(i * D, (i + 1) * D)));
  const af = mlpForward(actor, actorParams, inputs);
  const means = af.outputs.policy!.map((row) => Array.from(row));
  const logProbs = means.map((mean, i) => gaussianLogProb(actions[i]!, mean, logStd));
  const rho = e.objective === 'trajectory' ? trajectoryWeights(T, N, logProbs, r.logProbs, r.terminated, r.truncated) : undefined;
  const logStdGrad = new Float64Array(D);
  const sums = { policy_loss: 0, entropy: 0, approx_kl: 0, w: 0, w2: 0 };
  const entropyGrad = gaussianEntropyGrad(logStd);
  const meanGrads = means.map((mean, i) => {
    const s = surrogateRow(e.objective, { logProb: logProbs[i]!, oldLogProb: r.logProbs[i]!, advantage: e.advantages[i]!, trajectoryWeight: rho?.[i] }, 0.2);
    sums.policy_loss += s.loss / B;
    sums.approx_kl += s.approxKl / B;
    sums.entropy += gaussianEntropy(logStd) / B;
    sums.w += s.weight;
    sums.w2 += s.weight * s.weight;
    const c = s.dLogProb / B;
    const g = gaussianLogProbGrad(actions[i]!, mean, logStd);
    g.logStd.forEach((v, d) => (logStdGrad[d] = logStdGrad[d]! + c * v - (SMALL.entCoef / B) * entropyGrad[d]!));
    return g.mean.map((v) => c * v);
  });
  const grads = new Float64Array(params.length);
  grads.set(mlpBackward(actor, actorParams, inputs, af, { policy: meanGrads }).paramGrad, 0);
  logStdGrad.forEach((v, d) => (grads[slot.offset + d] = v));
  const cf = mlpForward(critic, criticParams, inputs);
  let valueLoss = 0;
  const valueGrads = cf.outputs.value!.map((row, i) => {
    const v = valueRow(row[0]!, e.targets[i]!, r.values[i]!, false, 0);
    valueLoss += v.loss / B;
    return [(e.vfCoef * v.dValue) / B];
  });
  grads.set(mlpBackward(critic, criticParams, inputs, cf, { value: valueGrads }).paramGrad, PA);
  const { policy_loss, entropy, approx_kl } = sums;
  return { grads, policy_loss, value_loss: valueLoss, entropy, approx_kl, ess: (sums.w * sums.w) / (B * sums.w2) };
}

/** Every step of the update from `initial`: the parameters after it, and each step's result. */
function referenceUpdate(actor: MlpLayout, critic: MlpLayout, initial: Float64Array, r: Recorded, e: Estimator) {
  const params = Float64Array.from(initial);
  const adam = adamState(params.length);
  const steps: StepResult[] = [];
  for (let k = 0; k < e.steps; k += 1) {
    const step = referenceStep(actor, critic, params, r, e);
    steps.push(step);
    adamStep(params, step.grads, adam, e.lr, { beta1: 0.9, beta2: 0.999, epsilon: 1e-5 }, 0, params.length, clipScale(l2Norm(step.grads), e.maxGradNorm));
  }
  return { params, steps };
}

/** REINFORCE's reward-to-go (bootstrapped by V) minus V, normalised over the batch; the critic's target is the weight. */
function reinforceEstimate(r: Recorded, gamma: number) {
  const rollout = { steps: T, envs: N, agents: 1, ...r };
  const weights = referenceRewardToGo(rollout, gamma, true);
  const advantages = referenceNormalise(referenceBaseline('value', weights, rollout, r.values), agentPositions(rollout));
  return { advantages, targets: weights };
}

describe('Gaussian policies in reinforce, a2c and offpolicy: one iteration against float64', () => {
  const gpu = useGpu();

  /** One iteration of `trainer`; the rollout, the initial and final parameters and the last raw gradient. */
  async function runOnce(trainer: PolicyGradientTrainer, label: string) {
    const { device } = gpu();
    const f32 = async (buffer: GPUBuffer) => new Float32Array(await readBufferOnce(device, buffer));
    const u32 = async (buffer: GPUBuffer) => new Uint32Array(await readBufferOnce(device, buffer));
    const initial = Float64Array.from(await f32(trainer.buffers.parameters));
    const stats = await gpuStep(gpu(), label, async () => {
      expect(await trainer.iterate()).toBeNull();
      return (await trainer.drain())!;
    });
    const tr = trainer.buffers.transitions;
    const recorded: Recorded = {
      observations: await f32(tr.observations),
      actions: await f32(tr.actions),
      logProbs: await f32(tr.logProbs),
      values: await f32(tr.values),
      rewards: await f32(tr.rewards),
      terminated: await u32(tr.terminated),
      truncated: await u32(tr.truncated),
      finalValues: await f32(tr.finalValues),
      lastValues: await f32(tr.lastValues),
    };
    return { initial, stats, recorded, after: await f32(trainer.buffers.parameters), gradients: await f32(trainer.buffers.gradients) };
  }

  /** The GPU's iteration against the reference: last raw gradient, Δθ, statistics. */
  function compare(label: string, run: Awaited<ReturnType<typeof runOnce>>, trainer: PolicyGradientTrainer, e: Estimator) {
    const { actor, critic } = trainer.layouts;
    expect(run.recorded.truncated.some((x) => x !== 0), `${label}: a time limit inside the rollout`).toBe(true);
    const reference = referenceUpdate(actor, critic, run.initial, run.recorded, e);
    const last = reference.steps.at(-1)!;
    const slot = actor.extras.logStd!;
    const maxAbs = (x: ArrayLike<number>) => Array.from(x).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const gradientError = maxAbs(last.grads.map((g, i) => g - run.gradients[i]!)) / maxAbs(last.grads);
    const logStdRef = Array.from(last.grads.subarray(slot.offset, slot.offset + D));
    const logStdGpu = Array.from(run.gradients.subarray(slot.offset, slot.offset + D));
    const logStdError = maxAbs(logStdRef.map((g, d) => g - logStdGpu[d]!)) / maxAbs(logStdRef);
    const change = reference.params.map((p, i) => p - run.initial[i]!);
    const changeError = maxAbs(change.map((c, i) => run.after[i]! - run.initial[i]! - c)) / maxAbs(change);
    console.log(
      `[${label}] last gradient: max error / max |g| ${gradientError.toExponential(2)}; log-std ∂L ${logStdGpu.map((g) => g.toExponential(3)).join(', ')} ` +
        `(error ${logStdError.toExponential(2)}); Δθ error ${changeError.toExponential(2)}`,
    );
    expect(maxAbs(logStdRef), `${label}: the log-std gradient is not trivial`).toBeGreaterThan(1e-3);
    expect(gradientError, `${label}: last raw gradient`).toBeLessThan(1e-3);
    expect(logStdError, `${label}: log-std gradient`).toBeLessThan(1e-3);
    expect(maxAbs(change), `${label}: the parameters moved`).toBeGreaterThan(1e-4);
    expect(changeError, `${label}: Δθ`).toBeLessThan(2e-3);
    const s = run.stats.statistics;
    const expected = { policy_loss: last.policy_loss, value_loss: last.value_loss, entropy: last.entropy, approx_kl: last.approx_kl, grad_norm: l2Norm(last.grads) };
    for (const [name, value] of Object.entries(expected)) {
      const gpuValue = s[name as keyof IterationStats['statistics']];
      expect(Math.abs(gpuValue - value), `${label}: ${name} GPU ${gpuValue}, reference ${value}`).toBeLessThan(2e-4 * Math.max(1, Math.abs(value)));
    }
    expect(s.nonfinite_terms, `${label}: non-finite loss terms`).toBe(0);
    return reference;
  }

  it('reinforce, reward-to-go with a value baseline, normalised: gradient, Adam step and statistics', async () => {
    const seed = freshSeed();
    const trainer = await createReinforceTrainer(gpu().device, { ...SMALL, seed, learningRate: 0.01, weights: 'reward-to-go', baseline: 'value' });
    try {
      const run = await runOnce(trainer, 'reinforce');
      const c = trainer.config;
      compare(`reinforce, seed ${seed}`, run, trainer, { ...reinforceEstimate(run.recorded, c.gamma), objective: 'weighted', steps: 1, lr: c.learningRate, maxGradNorm: c.maxGradNorm, vfCoef: c.vfCoef });
    } finally {
      trainer.destroy();
    }
  });

  it('a2c, GAE(0.9) with observation normalisation and reward scaling, clipped: gradient, Adam step and statistics', async () => {
    const seed = freshSeed();
    const trainer = await createA2cTrainer(gpu().device, { ...SMALL, seed, learningRate: 0.01, gaeLambda: 0.9, gamma: 0.95, normObs: true, normReward: true });
    try {
      const run = await runOnce(trainer, 'a2c');
      const c = trainer.config;
      const { advantages, returns } = referenceGae({ steps: T, envs: N, agents: 1, ...run.recorded }, c.gamma, c.gaeLambda);
      const reference = compare(`a2c, seed ${seed}`, run, trainer, { advantages, targets: returns, objective: 'weighted', steps: 1, lr: c.learningRate, maxGradNorm: c.maxGradNorm, vfCoef: c.vfCoef });
      // The observations the update read are normalised (running statistics): raw Reach contexts lie in [−1, 1].
      expect(run.recorded.observations.some((x) => Math.abs(x) > 1), `a2c, seed ${seed}: normalised observations`).toBe(true);
      console.log(`[a2c, seed ${seed}] grad_norm ${l2Norm(reference.steps[0]!.grads).toFixed(4)} (clipped to ${c.maxGradNorm})`);
    } finally {
      trainer.destroy();
    }
  });

  for (const [importance, K] of [['per-step', 3], ['trajectory', 2]] as const) {
    it(`offpolicy, K = ${K} ${importance} importance weights on Gaussian densities: every step's ESS, last gradient, Adam steps, statistics`, async () => {
      const seed = freshSeed();
      const trainer = await createOffPolicyTrainer(gpu().device, { ...SMALL, seed, learningRate: 0.02, updateSteps: K, importance });
      try {
        const run = await runOnce(trainer, 'offpolicy');
        const c = trainer.config;
        const label = `offpolicy ${importance}, seed ${seed}`;
        const objective = importance === 'per-step' ? 'importance' : 'trajectory';
        const reference = compare(label, run, trainer, { ...reinforceEstimate(run.recorded, c.gamma), objective, steps: K, lr: c.learningRate, maxGradNorm: c.maxGradNorm, vfCoef: c.vfCoef });
        const words = run.stats.algorithmWords!;
        expect(words[0], `${label}: steps recorded`).toBe(K);
        expect(words.length).toBeLessThanOrEqual(ESS_HISTORY_WORDS);
        reference.steps.forEach((step, k) => {
          expect(Math.abs(words[1 + k]! - step.ess), `${label}: ESS/n of step ${k}: GPU ${words[1 + k]}, reference ${step.ess}`).toBeLessThan(1e-4);
        });
        expect(words[K]!, `${label}: the last step's ratios differ per row`).toBeLessThan(1 - 1e-4);
      } finally {
        trainer.destroy();
      }
    });
  }

  it('a population of two reinforce agents (reward-to-go + V, total return unnormalised) equals each solo run bit for bit', async () => {
    const { device } = gpu();
    // Halved so that seed + 1 stays a u32.
    const seed = freshSeed() >>> 1;
    const variants: ReinforceVariant[] = [
      { weights: 'reward-to-go', baseline: 'value' },
      { weights: 'total-return', baseline: 'none', normAdv: false, learningRate: 0.02 },
    ];
    const trained = async (config: Parameters<typeof createReinforceTrainer>[1]) => {
      const trainer = await createReinforceTrainer(device, { ...SMALL, learningRate: 0.01, ...config });
      try {
        await gpuStep(gpu(), 'reinforce', async () => {
          await trainer.iterate();
          await trainer.drain();
        });
        return (await trainer.readParameters()).networks;
      } finally {
        trainer.destroy();
      }
    };
    const population = await trained({ seed, variants });
    for (const [g, variant] of variants.entries()) {
      const solo = await trained({ ...variant, seed: seed + g });
      for (const net of ['actor', 'critic'] as const) {
        const own = solo[net]!.parameters;
        const slice = population[net]!.parameters.subarray(g * own.length, (g + 1) * own.length);
        const differing = own.filter((x, i) => !Object.is(x, slice[i]!)).length;
        expect(differing, `seed ${seed}, agent ${g} ${JSON.stringify(variant)}: ${net} words differing from the solo run`).toBe(0);
      }
    }
    const P = population.actor!.parameters.length / 2;
    const gap = population.actor!.parameters.subarray(0, P).reduce((m, x, i) => Math.max(m, Math.abs(x - population.actor!.parameters[P + i]!)), 0);
    expect(gap, `seed ${seed}: the two agents differ`).toBeGreaterThan(1e-3);
  });
});
