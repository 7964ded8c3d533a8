/**
 * The policy-gradient estimators are unbiased, and order by variance as the derivation says, on a
 * two-step chain MDP whose gradient is known exactly (test/reference/pg-mdp.ts):
 *   (a) total return        Σ_t ∇log π(a_t|s_t) · R(τ)
 *   (b) reward-to-go        Σ_t ∇log π(a_t|s_t) · G_t                 (causality)
 *   (c) (b) minus baseline  Σ_t ∇log π(a_t|s_t) · (G_t − b), b the batch mean of G
 *   (d) per-step IS         Σ_t r_t(θ') · ∇log π · G_t at θ' = θ, r_t = π_θ'/π_old = 1
 * Everything between sampling and the gradient runs on the GPU, as in training: the rollout
 * encoder (policy forward, categorical sample, a customEnv step), createReturns, createBaseline,
 * the update's forward and categorical evaluate, the surrogate loss kernels, the categorical head's
 * backward and the MLP's backward. Each batch is N envs × T = 2 steps, exactly one episode per env
 * (every episode terminates at its second step and auto-resets); its four parameter gradients are
 * copied into a results buffer that is read once, after K batches.
 *
 * The surrogate's gradient is ∂L/∂θ = −(1/(T·N)) Σ_{t,n} w_{t,n} ∇log π, so −T·∂L/∂θ estimates
 * ∇J = E[Σ_t w_t ∇log π(a_t|s_t)] as a mean over the batch's N trajectories.
 *
 * Rewards: most at the first step (what causality drops from the second step's weight) and an
 * offset of 2 on every step (what the baseline removes): with θ uniform in [−1, 1] (b in [−½, ½])
 * the exact per-trajectory variances satisfy tr Σ_a / tr Σ_b ≥ 1.24 and tr Σ_b / tr Σ_c ≥ 4.5 over
 * 2 000 draws (medians 1.6 and 8.7), and at K = 200 the expected gaps are ≥ 8.6 and ≥ 10.6 of their
 * paired standard errors over 3 000 draws (the test asks for 4).
 *
 * The chain is deterministic, so every estimator is a function of the trajectory alone: over the K
 * batches, (a), (b) and (d) deviate from ∇J only through the four trajectories' sampled frequencies
 * (their joint χ² statistics come out equal), which tests the sampler; the float64 replay of the
 * last batch tests the arithmetic of each estimator exactly.
 */
import { describe, expect, it } from 'vitest';
import { createVectorEnv, customEnv, type CustomEnvOptions } from '../../src/envs/index';
import { BufferSet, createBufferWithData, createKernel, readBufferOnce } from '../../src/gpu/index';
import { packLossCoefficients, surrogateLossKernel, LOSS_TERM } from '../../src/losses/index';
import { categoricalBackwardKernel, categoricalEvaluateKernel } from '../../src/nn/heads';
import { createMlpPasses } from '../../src/nn/mlp';
import { criticSpec, mlpLayout, type MlpLayout } from '../../src/nn/mlp-spec';
import { createBaseline, createReturns } from '../../src/returns/index';
import { createRollout } from '../../src/rollout/index';
import {
  batchMeanBaselineExpectation,
  CHAIN_ACTIONS,
  CHAIN_HORIZON,
  CHAIN_STATES,
  chainReward,
  chainTrajectory,
  expectedReturn,
  meanRewardToGo,
  policyGradient,
  rewardsToGo,
  trajectoryEstimate,
  trajectoryMoments,
  type ChainEstimator,
  type ChainMdp,
  type TabularPolicy,
} from '../reference/pg-mdp';
import { gpuStep, useGpu } from '../support/gpu';
import { freshSeed, seededRandom } from '../support/random';
import { chiSquareCritical, meanAndVariance } from '../support/statistics';

const CHAIN: ChainMdp = { rewards: [[1, 0], [0.5, 0], [0, 0.25]], offset: 2 };

/** The chain as a custom env: node 0 → node 1 + a → terminal (node 3); observation one-hot(node). */
const CHAIN_ENV: CustomEnvOptions = {
  id: 'TwoStepChain-v0',
  wgsl: `// A two-step chain (test env): reward rewards[node][action] + offset; ends at the second step.
const OBS_SIZE: u32 = 3u;
const STATE_SIZE: u32 = 1u;
const ACTION_SIZE: u32 = 1u;

struct EnvParams {
  r00: f32,
  r01: f32,
  r10: f32,
  r11: f32,
  r20: f32,
  r21: f32,
  offset: f32,
}

struct State {
  node: f32,
}

alias EnvAction = u32;

struct EnvStep {
  state: State,
  reward: f32,
  terminated: bool,
}

fn env_reset(rng: ptr<function, EnvRng>, params: EnvParams) -> State {
  return State(0.0);
}

fn env_step(state: State, action: EnvAction, rng: ptr<function, EnvRng>, params: EnvParams) -> EnvStep {
  let node = min(u32(state.node), 2u);
  var table = array<f32, 6>(params.r00, params.r01, params.r10, params.r11, params.r20, params.r21);
  let reward = table[2u * node + min(action, 1u)] + params.offset;
  if (node == 0u) {
    return EnvStep(State(f32(1u + action)), reward, false);
  }
  return EnvStep(State(3.0), reward, true);
}

fn env_obs(state: State, params: EnvParams) -> array<f32, OBS_SIZE> {
  let node = u32(state.node);
  return array<f32, OBS_SIZE>(select(0.0, 1.0, node == 0u), select(0.0, 1.0, node == 1u), select(0.0, 1.0, node == 2u));
}
`,
  observationSize: CHAIN_STATES,
  actionSpace: { kind: 'discrete', n: CHAIN_ACTIONS },
  stateNames: ['node'],
  params: {
    r00: CHAIN.rewards[0]![0]!,
    r01: CHAIN.rewards[0]![1]!,
    r10: CHAIN.rewards[1]![0]!,
    r11: CHAIN.rewards[1]![1]!,
    r20: CHAIN.rewards[2]![0]!,
    r21: CHAIN.rewards[2]![1]!,
    offset: CHAIN.offset,
  },
  maxEpisodeSteps: 100,
};

/** N envs per batch, K batches. */
const N = 4096;
const K = 200;
const T = CHAIN_HORIZON;

const ESTIMATORS = ['total-return', 'reward-to-go', 'baseline', 'importance'] as const;
type Estimator = (typeof ESTIMATORS)[number];
const NAMES: Record<Estimator, string> = {
  'total-return': '(a) total return',
  'reward-to-go': '(b) reward-to-go',
  baseline: '(c) reward-to-go − batch mean',
  importance: '(d) per-step IS, θ′ = θ',
};

/** The tabular softmax policy: one-hot observation, no hidden layer, a policy head of 2 logits. */
const ACTOR: MlpLayout = mlpLayout({
  inputSize: CHAIN_STATES,
  hiddenSizes: [],
  activation: 'tanh',
  heads: [{ name: 'policy', size: CHAIN_ACTIONS, gain: 1 }],
});
const POLICY_LAYER = ACTOR.layers[ACTOR.headLayer.policy!]!;
const P = ACTOR.parametersPerAgent;
/** The parameter indices that exist (weights and biases; not the layout's padding). */
const COORDINATES = [POLICY_LAYER.weight, POLICY_LAYER.bias].flatMap((slot) => Array.from({ length: slot.length }, (_, i) => slot.offset + i));
const coordinateName = (i: number) =>
  i < POLICY_LAYER.bias.offset
    ? `W[${Math.floor((i - POLICY_LAYER.weight.offset) / CHAIN_STATES)}][${(i - POLICY_LAYER.weight.offset) % CHAIN_STATES}]`
    : `b[${i - POLICY_LAYER.bias.offset}]`;

function randomPolicy(random: () => number): TabularPolicy {
  const params = new Float32Array(P);
  for (let i = 0; i < POLICY_LAYER.weight.length; i += 1) params[POLICY_LAYER.weight.offset + i] = random() * 2 - 1;
  for (let i = 0; i < POLICY_LAYER.bias.length; i += 1) params[POLICY_LAYER.bias.offset + i] = random() - 0.5;
  return { params, weightOffset: POLICY_LAYER.weight.offset, biasOffset: POLICY_LAYER.bias.offset };
}

/** Trace of a row-major P × P matrix over COORDINATES, and the trace of its square. */
function traces(covariance: Float64Array): { trace: number; traceOfSquare: number } {
  let trace = 0;
  let traceOfSquare = 0;
  for (const i of COORDINATES) {
    trace += covariance[i * P + i]!;
    for (const j of COORDINATES) traceOfSquare += covariance[i * P + j]! ** 2;
  }
  return { trace, traceOfSquare };
}

/** Squared distance over COORDINATES of each estimate from the estimates' mean. */
function squaredDeviations(estimates: Float64Array[]): number[] {
  const mean = COORDINATES.map((i) => estimates.reduce((s, x) => s + x[i]!, 0) / estimates.length);
  return estimates.map((x) => COORDINATES.reduce((s, i, c) => s + (x[i]! - mean[c]!) ** 2, 0));
}

/** Solves the symmetric positive-definite system A·x = y (Gaussian elimination with pivoting). */
function solve(a: number[][], y: number[]): number[] {
  const n = y.length;
  const m = a.map((row, i) => [...row, y[i]!]);
  for (let c = 0; c < n; c += 1) {
    let pivot = c;
    for (let r = c + 1; r < n; r += 1) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    for (let r = 0; r < n; r += 1) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k += 1) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

describe('policy-gradient estimators on a two-step chain (analytic gradient)', () => {
  const gpu = useGpu();

  it('the reference: ∇J from Q-values matches central differences of J and the exact means of (a), (b), (c)', () => {
    const seed = freshSeed();
    const policy = randomPolicy(seededRandom(seed));
    const params = Float64Array.from(policy.params);
    const at = (p: Float64Array) => ({ ...policy, params: p });
    const gradient = policyGradient(CHAIN, policy);
    const h = 1e-6;
    for (const i of COORDINATES) {
      const plus = Float64Array.from(params);
      const minus = Float64Array.from(params);
      plus[i] = params[i]! + h;
      minus[i] = params[i]! - h;
      const numeric = (expectedReturn(CHAIN, at(plus)) - expectedReturn(CHAIN, at(minus))) / (2 * h);
      expect(Math.abs(numeric - gradient[i]!), `seed ${seed}, ${coordinateName(i)}`).toBeLessThan(1e-8);
    }
    // A constant baseline changes no mean; the batch-mean baseline's O(1/N) bias vanishes as N grows.
    for (const [estimator, baseline] of [['total-return', 0], ['reward-to-go', 0], ['reward-to-go-baseline', 3.7]] as const) {
      const { mean } = trajectoryMoments(CHAIN, policy, estimator, baseline);
      for (const i of COORDINATES) expect(Math.abs(mean[i]! - gradient[i]!), `${estimator} ${coordinateName(i)}`).toBeLessThan(1e-12);
    }
    const nearlyUnbiased = batchMeanBaselineExpectation(CHAIN, policy, 1e9);
    for (const i of COORDINATES) expect(Math.abs(nearlyUnbiased[i]! - gradient[i]!)).toBeLessThan(1e-8);
  });

  it(`GPU estimates over ${K} batches of ${N} episodes: (a)–(d) unbiased, tr Var (a) > (b) > (c), (d) = (b)`, async () => {
    const { device } = gpu();
    const seed = freshSeed();
    const policy = randomPolicy(seededRandom(seed));
    const rows = T * N;
    const started = performance.now();

    const env = await createVectorEnv(device, customEnv(CHAIN_ENV), { numEnvs: N, seed });
    const critic = mlpLayout(criticSpec(CHAIN_STATES, []));
    const rollout = await createRollout(device, { env, steps: T, actor: ACTOR, critic, seed });
    const totalReturn = await createReturns(device, { steps: T, envs: N, estimator: 'total-return', gamma: 1, label: 'pg.total-return' });
    const rewardToGo = await createReturns(device, { steps: T, envs: N, estimator: 'reward-to-go', gamma: 1, label: 'pg.reward-to-go' });
    const baseline = await createBaseline(device, { kind: 'batch-mean', steps: T, envs: N, label: 'pg.batch-mean' });
    const update = await createMlpPasses(device, ACTOR, { agents: 1, rowsPerAgent: rows, label: 'pg.update' });
    const head = { rows, actions: CHAIN_ACTIONS };
    const evaluate = categoricalEvaluateKernel(head);
    const backward = categoricalBackwardKernel(head);
    const minibatch = { agents: 1, batchPerAgent: rows, minibatches: 1 };
    const weighted = surrogateLossKernel({ ...minibatch, objective: 'weighted' });
    const importance = surrogateLossKernel({ ...minibatch, objective: 'importance' });
    const [evaluateKernel, backwardKernel, weightedKernel, importanceKernel] = await Promise.all([
      createKernel(device, evaluate.spec),
      createKernel(device, backward.spec),
      createKernel(device, weighted.spec),
      createKernel(device, importance.spec),
    ]);
    const E = ESTIMATORS.length;
    const buffers = new BufferSet(device, 'pg', {
      totalReturns: { size: 4 * rows },
      rewardsToGo: { size: 4 * rows },
      advantages: { size: 4 * rows },
      logProbs: { size: 4 * rows },
      entropies: { size: 4 * rows },
      entropyGrads: { size: 4 * rows },
      logProbGrads: { size: 4 * rows },
      logitGrads: { size: 4 * rows * CHAIN_ACTIONS },
      terms: { size: 4 * rows * 8 },
      importanceTerms: { size: 4 * rows * 8 },
      coefficients: { size: 4 * 8 },
      paramGrads: { size: 4 * P },
      results: { size: 4 * K * E * P },
      unusedMask: { size: 16 },
    });
    const b = buffers.buffers;
    const actorParams = createBufferWithData(device, 'pg.actor', Float32Array.from(policy.params));
    const criticParams = createBufferWithData(device, 'pg.critic', new Float32Array(critic.parametersPerAgent));
    const t = rollout.transitions.buffers;
    try {
      device.queue.writeBuffer(b.coefficients, 0, packLossCoefficients(1));
      // Poison: a gradient element the backward pass misses, or a batch whose copy is missing, stays NaN.
      device.queue.writeBuffer(b.paramGrads, 0, new Float32Array(P).fill(Number.NaN));
      device.queue.writeBuffer(b.results, 0, new Float32Array(K * E * P).fill(Number.NaN));
      const logits = update.outputs.policy!;
      const evaluateGroup = evaluateKernel.bind({ logits, mask: b.unusedMask, actions: t.actions, log_probs: b.logProbs, entropies: b.entropies });
      const backwardGroup = backwardKernel.bind({
        logits,
        mask: b.unusedMask,
        actions: t.actions,
        log_prob_grads: b.logProbGrads,
        entropy_grads: b.entropyGrads,
        logit_grads: b.logitGrads,
      });
      const surrogate = (kernel: typeof weightedKernel, advantages: GPUBuffer, terms: GPUBuffer) => ({
        kernel,
        group: kernel.bind({
          log_probs: b.logProbs,
          old_log_probs: t.logProbs,
          advantages,
          trajectory_weights: advantages,
          coefficients: b.coefficients,
          log_prob_grads: b.logProbGrads,
          terms,
        }),
      });
      // The weight each estimator's surrogate reads: (c) the baseline's advantages, (d) r·G with r = 1.
      const surrogates: Record<Estimator, ReturnType<typeof surrogate>> = {
        'total-return': surrogate(weightedKernel, b.totalReturns, b.terms),
        'reward-to-go': surrogate(weightedKernel, b.rewardsToGo, b.terms),
        baseline: surrogate(weightedKernel, b.advantages, b.terms),
        importance: surrogate(importanceKernel, b.rewardsToGo, b.importanceTerms),
      };
      const returnsIo = { rewards: t.rewards, terminated: t.terminated, truncated: t.truncated };

      await gpuStep(gpu(), `${K} batches`, async () => {
        const encoder = device.createCommandEncoder();
        rollout.encodeReset(encoder);
        device.queue.submit([encoder.finish()]);
        for (let k = 0; k < K; k += 1) {
          rollout.prepare(k); // the Philox counters of batch k's action draws
          const encoder = device.createCommandEncoder({ label: `pg.batch[${k}]` });
          // Collect: T steps of N envs; the second step ends every episode and auto-resets it.
          rollout.encode(encoder, { actor: actorParams, critic: criticParams });
          // Weights: R(τ) and G_t (γ = 1), and G_t − mean(G).
          totalReturn.encode(encoder, { ...returnsIo, output: b.totalReturns });
          rewardToGo.encode(encoder, { ...returnsIo, output: b.rewardsToGo });
          baseline.encode(encoder, { weights: b.rewardsToGo, advantages: b.advantages });
          // The update's forward over the T·N recorded observations, and log π_θ'(a|s) for the ratio.
          update.encodeForward(encoder, { params: actorParams, inputs: t.observations });
          const pass = encoder.beginComputePass({ label: 'pg.evaluate' });
          evaluateKernel.dispatch(pass, evaluateGroup, evaluate.invocations);
          pass.end();
          // Per estimator: loss coefficients → ∂L/∂logits → ∂L/∂θ, copied to results[k][e].
          ESTIMATORS.forEach((name, e) => {
            const { kernel, group } = surrogates[name];
            const lossPass = encoder.beginComputePass({ label: `pg.loss.${name}` });
            kernel.dispatch(lossPass, group, weighted.invocations);
            backwardKernel.dispatch(lossPass, backwardGroup, backward.invocations);
            lossPass.end();
            update.encodeBackward(encoder, { params: actorParams, inputs: t.observations, headGrads: { policy: b.logitGrads }, paramGrads: b.paramGrads });
            encoder.copyBufferToBuffer(b.paramGrads, 0, b.results, 4 * (k * E + e) * P, 4 * P);
          });
          device.queue.submit([encoder.finish()]);
        }
      });
      const f32 = async (buffer: GPUBuffer) => new Float32Array(await readBufferOnce(device, buffer));
      const results = await f32(b.results);
      const last = {
        observations: await f32(t.observations),
        actions: new Uint32Array(await readBufferOnce(device, t.actions)),
        rewards: await f32(t.rewards),
        terminated: new Uint32Array(await readBufferOnce(device, t.terminated)),
        truncated: new Uint32Array(await readBufferOnce(device, t.truncated)),
        importanceTerms: await f32(b.importanceTerms),
      };
      const seconds = (performance.now() - started) / 1000;

      // ∇J estimates: −T · ∂L/∂θ.
      const estimates = Object.fromEntries(
        ESTIMATORS.map((name, e) => [
          name,
          Array.from({ length: K }, (_, k) => Float64Array.from(results.subarray((k * E + e) * P, (k * E + e + 1) * P), (g) => -T * g)),
        ]),
      ) as Record<Estimator, Float64Array[]>;
      const context = `seed ${seed}`;
      const unwritten = ESTIMATORS.flatMap((name) => estimates[name].flatMap((x) => COORDINATES.filter((i) => !Number.isFinite(x[i]!))));
      expect(unwritten.length, `${context}: gradient elements left NaN`).toBe(0);

      // 1. The last batch, exactly: one episode per env (0 → 1 + a0 → end), rewards from the table,
      //    ratio 1, and each estimator's gradient equal to its float64 value on the recorded actions.
      const trajectories = Array.from({ length: N }, (_, n) => {
        const a0 = last.actions[n]!;
        const a1 = last.actions[N + n]!;
        const expectObs = (step: number, state: number) =>
          expect(Array.from(last.observations.subarray((step * N + n) * 3, (step * N + n + 1) * 3)), `${context}, env ${n}, step ${step}`).toEqual(
            [0, 1, 2].map((s) => (s === state ? 1 : 0)),
          );
        expectObs(0, 0);
        expectObs(1, 1 + a0);
        expectObs(2, 0);
        expect([last.terminated[n], last.terminated[N + n], last.truncated[n], last.truncated[N + n]], `${context}, env ${n}`).toEqual([0, 1, 0, 0]);
        expect([last.rewards[n], last.rewards[N + n]]).toEqual([Math.fround(chainReward(CHAIN, 0, a0)), Math.fround(chainReward(CHAIN, 1 + a0, a1))]);
        return chainTrajectory(CHAIN, policy, a0, a1);
      });
      const ratios = last.importanceTerms.subarray(LOSS_TERM.weight * rows, (LOSS_TERM.weight + 1) * rows);
      const worstRatio = ratios.reduce((worst, r) => Math.max(worst, Math.abs(r - 1)), 0);
      expect(worstRatio, `${context}: importance ratio π_θ/π_old at θ' = θ`).toBeLessThanOrEqual(1e-6);
      const batchBaseline = trajectories.reduce((s, tr) => s + rewardsToGo(tr)[0] + rewardsToGo(tr)[1], 0) / rows;
      const exact: Record<Estimator, [ChainEstimator, number]> = {
        'total-return': ['total-return', 0],
        'reward-to-go': ['reward-to-go', 0],
        baseline: ['reward-to-go-baseline', batchBaseline],
        importance: ['reward-to-go', 0],
      };
      for (const name of ESTIMATORS) {
        const [estimator, constant] = exact[name];
        const reference = new Float64Array(P);
        for (const tr of trajectories) trajectoryEstimate(tr, estimator, constant).forEach((g, i) => (reference[i] = reference[i]! + g / N));
        const gpuLast = estimates[name][K - 1]!;
        const scale = Math.max(...COORDINATES.map((i) => Math.abs(reference[i]!)));
        const error = Math.max(...COORDINATES.map((i) => Math.abs(gpuLast[i]! - reference[i]!)));
        expect(error / scale, `${context}: ${NAMES[name]}, last batch against float64`).toBeLessThan(1e-4);
      }

      // 2. Unbiasedness. Per coordinate: |mean − E| < 4 standard errors (the sample's), for 8
      //    coordinates × 4 estimators: P(|t₁₉₉| > 4) ≈ 9e-5 each, so a false alarm in at most
      //    32 × 9e-5 ≈ 3e-3 of runs (Bonferroni; the coordinates are far from independent). Jointly per estimator, with the exact covariance Σ/N of one batch: the
      //    statistic K·dᵀ(Σ/N)⁻¹d over the 3 independent coordinates (the logit differences
      //    W[0][s] − W[1][s] carry everything: W[1][s] = −W[0][s], b[j] = Σ_s W[j][s] in every
      //    estimate) is χ²(3); bound at p = 1e-4 per estimator.
      const gradient = policyGradient(CHAIN, policy);
      const fixedBaseline = meanRewardToGo(CHAIN, policy);
      const moments: Record<Estimator, { expectation: Float64Array; covariance: Float64Array }> = {
        'total-return': { expectation: gradient, covariance: trajectoryMoments(CHAIN, policy, 'total-return').covariance },
        'reward-to-go': { expectation: gradient, covariance: trajectoryMoments(CHAIN, policy, 'reward-to-go').covariance },
        // Exact mean with the batch mean (O(1/N) bias, included); covariance with b fixed at E[b] (O(1/N) off).
        baseline: {
          expectation: batchMeanBaselineExpectation(CHAIN, policy, N),
          covariance: trajectoryMoments(CHAIN, policy, 'reward-to-go-baseline', fixedBaseline).covariance,
        },
        importance: { expectation: gradient, covariance: trajectoryMoments(CHAIN, policy, 'reward-to-go').covariance },
      };
      const independent = Array.from({ length: CHAIN_STATES }, (_, s) => POLICY_LAYER.weight.offset + s);
      const jointBound = chiSquareCritical(1e-4, independent.length);
      const lines: string[] = [];
      const summary = {} as Record<Estimator, { variance: number; predicted: number; predictedSe: number; deviations: number[] }>;
      for (const name of ESTIMATORS) {
        const xs = estimates[name];
        const { expectation, covariance } = moments[name];
        const perCoordinate = COORDINATES.map((i) => {
          const { mean, variance } = meanAndVariance(xs.map((x) => x[i]!));
          const standardError = Math.sqrt(variance / (K - 1));
          return { i, mean, standardError, z: (mean - expectation[i]!) / standardError };
        });
        lines.push(
          `${NAMES[name]}:`,
          ...perCoordinate.map(
            ({ i, mean, standardError, z }) =>
              `  ${coordinateName(i).padEnd(7)} mean ${fmt(mean)} ± ${standardError.toExponential(2)} (analytic ${fmt(expectation[i]!)}, z ${z.toFixed(2)})`,
          ),
        );
        for (const { i, z } of perCoordinate) {
          expect(Math.abs(z), `${context}: ${NAMES[name]} ${coordinateName(i)} is ${z.toFixed(2)} standard errors from the analytic gradient`).toBeLessThan(4);
        }
        const d = independent.map((i) => meanAndVariance(xs.map((x) => x[i]!)).mean - expectation[i]!);
        const batchCovariance = independent.map((i) => independent.map((j) => covariance[i * P + j]! / N));
        const weighted = solve(batchCovariance, d);
        const chi2 = K * d.reduce((s, di, c) => s + di * weighted[c]!, 0);
        lines.push(`  joint χ²(3) = ${chi2.toFixed(2)} (bound ${jointBound.toFixed(1)} at p = 1e-4)`);
        expect(chi2, `${context}: ${NAMES[name]} joint χ²(3) against the analytic gradient`).toBeLessThan(jointBound);

        const deviations = squaredDeviations(xs);
        const { trace, traceOfSquare } = traces(covariance);
        summary[name] = {
          variance: deviations.reduce((s, v) => s + v, 0) / (K - 1),
          predicted: trace / N,
          // For K Gaussian vectors with covariance C: Var(tr S) = 2 tr(C²)/(K − 1).
          predictedSe: Math.sqrt((2 * traceOfSquare) / (N * N * (K - 1))),
          deviations,
        };
        lines.push(
          `  tr Var = ${summary[name].variance.toExponential(3)} (analytic ${summary[name].predicted.toExponential(3)} ± ${summary[name].predictedSe.toExponential(2)})`,
        );
      }

      // 3. Variances: each measured trace within 4 of its standard errors of the exact one; the
      //    order (a) > (b) > (c) holds exactly, and the measured gaps exceed 4 of their own standard
      //    errors (paired: every estimator sees the same trajectories).
      for (const name of ESTIMATORS) {
        const { variance, predicted, predictedSe } = summary[name];
        expect(Math.abs(variance - predicted), `${context}: ${NAMES[name]} tr Var ${variance} vs analytic ${predicted}`).toBeLessThan(4 * predictedSe);
      }
      const pairs = [['total-return', 'reward-to-go'], ['reward-to-go', 'baseline']] as const;
      for (const [high, low] of pairs) {
        expect(summary[high].predicted, `${context}: analytic tr Var ${NAMES[high]} > ${NAMES[low]}`).toBeGreaterThan(summary[low].predicted);
        const gaps = summary[high].deviations.map((v, k) => v - summary[low].deviations[k]!);
        const { mean, variance } = meanAndVariance(gaps);
        const gap = (mean * K) / (K - 1);
        const gapSe = Math.sqrt(variance / (K - 1));
        lines.push(`tr Var ${NAMES[high]} − ${NAMES[low]} = ${gap.toExponential(3)} ± ${gapSe.toExponential(2)} (${(gap / gapSe).toFixed(1)} SE)`);
        expect(gap, `${context}: tr Var ${NAMES[high]} − ${NAMES[low]} = ${gap} ± ${gapSe}`).toBeGreaterThan(4 * gapSe);
      }

      // 4. (d) at θ' = θ is (b): the ratio is exactly 1, so every batch's gradient agrees.
      const difference = Math.max(
        ...estimates.importance.flatMap((x, k) => COORDINATES.map((i) => Math.abs(x[i]! - estimates['reward-to-go'][k]![i]!))),
      );
      const magnitude = Math.max(...estimates['reward-to-go'].flatMap((x) => COORDINATES.map((i) => Math.abs(x[i]!))));
      lines.push(`(d) − (b): max |Δ| over all batches ${difference.toExponential(2)} (max |g| ${magnitude.toExponential(2)}); max |ratio − 1| ${worstRatio}`);
      expect(difference, `${context}: (d) and (b) per batch`).toBeLessThanOrEqual(1e-5 * magnitude);

      console.log(
        `[pg estimators] seed ${seed}, N = ${N}, K = ${K}, J = ${expectedReturn(CHAIN, policy).toFixed(4)}, ${seconds.toFixed(1)} s\n${lines.join('\n')}`,
      );
    } finally {
      actorParams.destroy();
      criticParams.destroy();
      buffers.destroy();
      update.destroy();
      baseline.destroy();
      rewardToGo.destroy();
      totalReturn.destroy();
      rollout.destroy();
      env.destroy();
    }
  });
});

const fmt = (v: number) => (v >= 0 ? ' ' : '') + v.toFixed(5);
