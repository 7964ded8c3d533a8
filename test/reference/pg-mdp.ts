/**
 * A two-step chain MDP with a tabular softmax policy: the oracle of the policy-gradient estimator
 * test (test/gpu/pg-estimators.test.ts), in float64 by enumerating its four trajectories.
 *
 *   state 0 ──a0──▶ state 1 + a0 ──a1──▶ terminal      rewards r_t = rewards[s_t][a_t] + offset
 *
 * The policy is the MLP with no hidden layer on a one-hot observation: logit_j(s) = W[j][s] + b[j],
 * W row-major [ACTIONS][STATES] at `weightOffset` of the flat parameters, b at `biasOffset`. So
 * ψ(s, a) = ∇_θ log π(a|s) is ([j = a] − π(j|s)) at W[j][s] and at b[j], zero elsewhere.
 *
 * ∇J comes from the Q-values (policyGradient), independently of the score-function estimators
 * whose moments trajectoryMoments gives; both are checked against finite differences of J.
 */

export const CHAIN_STATES = 3;
export const CHAIN_ACTIONS = 2;
/** Steps per episode T: every episode terminates at its second step. */
export const CHAIN_HORIZON = 2;

export interface ChainMdp {
  /** rewards[s][a] for s ∈ {0, 1, 2}, a ∈ {0, 1}, before the offset. */
  readonly rewards: readonly (readonly number[])[];
  /** Added to every step's reward: what a baseline removes. */
  readonly offset: number;
}

/** Where the tabular policy's W [ACTIONS][STATES] and b [ACTIONS] sit in the flat parameters. */
export interface TabularPolicy {
  readonly params: ArrayLike<number>;
  readonly weightOffset: number;
  readonly biasOffset: number;
}

/** The REINFORCE weights of the test: total return, reward-to-go, reward-to-go minus a constant b. */
export type ChainEstimator = 'total-return' | 'reward-to-go' | 'reward-to-go-baseline';

export interface ChainTrajectory {
  readonly states: readonly [number, number];
  readonly actions: readonly [number, number];
  readonly rewards: readonly [number, number];
  readonly probability: number;
  /** ψ_t = ∇_θ log π(a_t|s_t), each of params.length. */
  readonly scores: readonly [Float64Array, Float64Array];
}

export function actionProbabilities(policy: TabularPolicy, state: number): number[] {
  const logits = Array.from({ length: CHAIN_ACTIONS }, (_, j) =>
    policy.params[policy.weightOffset + j * CHAIN_STATES + state]! + policy.params[policy.biasOffset + j]!,
  );
  const top = Math.max(...logits);
  const weights = logits.map((z) => Math.exp(z - top));
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => w / total);
}

export function chainReward(mdp: ChainMdp, state: number, action: number): number {
  return mdp.rewards[state]![action]! + mdp.offset;
}

/** ψ(s, a) = ∇_θ log π(a|s) as a vector of params.length. */
export function score(policy: TabularPolicy, state: number, action: number): Float64Array {
  const grad = new Float64Array(policy.params.length);
  const p = actionProbabilities(policy, state);
  for (let j = 0; j < CHAIN_ACTIONS; j += 1) {
    const d = (j === action ? 1 : 0) - p[j]!;
    grad[policy.weightOffset + j * CHAIN_STATES + state] = d;
    grad[policy.biasOffset + j] = d;
  }
  return grad;
}

/** The trajectory taking a0 then a1. */
export function chainTrajectory(mdp: ChainMdp, policy: TabularPolicy, a0: number, a1: number): ChainTrajectory {
  const s1 = 1 + a0;
  return {
    states: [0, s1],
    actions: [a0, a1],
    rewards: [chainReward(mdp, 0, a0), chainReward(mdp, s1, a1)],
    probability: actionProbabilities(policy, 0)[a0]! * actionProbabilities(policy, s1)[a1]!,
    scores: [score(policy, 0, a0), score(policy, s1, a1)],
  };
}

/** All four trajectories with their probabilities. */
export function chainTrajectories(mdp: ChainMdp, policy: TabularPolicy): ChainTrajectory[] {
  const all: ChainTrajectory[] = [];
  for (let a0 = 0; a0 < CHAIN_ACTIONS; a0 += 1) for (let a1 = 0; a1 < CHAIN_ACTIONS; a1 += 1) all.push(chainTrajectory(mdp, policy, a0, a1));
  return all;
}

/** Reward-to-go G_t of a trajectory (γ = 1). */
export function rewardsToGo(trajectory: ChainTrajectory): [number, number] {
  const [r0, r1] = trajectory.rewards;
  return [r0 + r1, r1];
}

/** One trajectory's gradient estimate Σ_t ψ_t·w_t for the estimator (baseline: the constant b). */
export function trajectoryEstimate(trajectory: ChainTrajectory, estimator: ChainEstimator, baseline = 0): Float64Array {
  const [g0, g1] = rewardsToGo(trajectory);
  const weights =
    estimator === 'total-return' ? [g0, g0] : estimator === 'reward-to-go' ? [g0, g1] : [g0 - baseline, g1 - baseline];
  const out = new Float64Array(trajectory.scores[0].length);
  trajectory.scores.forEach((psi, t) => psi.forEach((v, i) => (out[i] = out[i]! + v * weights[t]!)));
  return out;
}

/** J(θ) = E[r0 + r1]. */
export function expectedReturn(mdp: ChainMdp, policy: TabularPolicy): number {
  return chainTrajectories(mdp, policy).reduce((sum, t) => sum + t.probability * (t.rewards[0] + t.rewards[1]), 0);
}

/**
 * ∇J from the Q-values: ∂J/∂logit_j(s) = d(s)·π(j|s)·(Q(s, j) − V(s)), d(s) the probability of
 * visiting s; then ∂/∂W[j][s] = ∂J/∂logit_j(s) and ∂/∂b[j] = Σ_s ∂J/∂logit_j(s).
 */
export function policyGradient(mdp: ChainMdp, policy: TabularPolicy): Float64Array {
  const grad = new Float64Array(policy.params.length);
  const p0 = actionProbabilities(policy, 0);
  const value = (s: number) => actionProbabilities(policy, s).reduce((v, p, a) => v + p * chainReward(mdp, s, a), 0);
  const q0 = p0.map((_, a) => chainReward(mdp, 0, a) + value(1 + a));
  const v0 = p0.reduce((v, p, a) => v + p * q0[a]!, 0);
  const visits = [1, p0[0]!, p0[1]!];
  for (let s = 0; s < CHAIN_STATES; s += 1) {
    const p = actionProbabilities(policy, s);
    const q = s === 0 ? q0 : p.map((_, a) => chainReward(mdp, s, a));
    const v = s === 0 ? v0 : value(s);
    for (let j = 0; j < CHAIN_ACTIONS; j += 1) {
      const dLogit = visits[s]! * p[j]! * (q[j]! - v);
      const w = policy.weightOffset + j * CHAIN_STATES + s;
      grad[w] = grad[w]! + dLogit;
      grad[policy.biasOffset + j] = grad[policy.biasOffset + j]! + dLogit;
    }
  }
  return grad;
}

/** Mean and covariance (row-major P × P) of one trajectory's estimate, exactly. */
export function trajectoryMoments(
  mdp: ChainMdp,
  policy: TabularPolicy,
  estimator: ChainEstimator,
  baseline = 0,
): { mean: Float64Array; covariance: Float64Array } {
  const P = policy.params.length;
  const mean = new Float64Array(P);
  const second = new Float64Array(P * P);
  for (const t of chainTrajectories(mdp, policy)) {
    const g = trajectoryEstimate(t, estimator, baseline);
    for (let i = 0; i < P; i += 1) {
      mean[i] = mean[i]! + t.probability * g[i]!;
      for (let j = 0; j < P; j += 1) second[i * P + j] = second[i * P + j]! + t.probability * g[i]! * g[j]!;
    }
  }
  const covariance = second.map((s, ij) => s - mean[Math.floor(ij / P)]! * mean[ij % P]!);
  return { mean, covariance };
}

/** E[(1/T) Σ_t G_t]: the expectation of the batch-mean baseline over all T·N steps. */
export function meanRewardToGo(mdp: ChainMdp, policy: TabularPolicy): number {
  return chainTrajectories(mdp, policy).reduce((sum, t) => {
    const [g0, g1] = rewardsToGo(t);
    return sum + (t.probability * (g0 + g1)) / CHAIN_HORIZON;
  }, 0);
}

/**
 * E[ĝ] of reward-to-go minus the batch-mean baseline b = (1/(N·T)) Σ_{n,t} G_{n,t}, which includes
 * each step's own weight: ∇J − (1/(N·T)) Σ_t Σ_t' E[ψ_t·G_t'] (other envs' weights are independent
 * of ψ_{n,t}, whose mean is 0). An O(1/N) bias.
 */
export function batchMeanBaselineExpectation(mdp: ChainMdp, policy: TabularPolicy, envs: number): Float64Array {
  const expectation = policyGradient(mdp, policy);
  for (const t of chainTrajectories(mdp, policy)) {
    const [g0, g1] = rewardsToGo(t);
    t.scores.forEach((psi) => psi.forEach((v, i) => (expectation[i] = expectation[i]! - (t.probability * v * (g0 + g1)) / (envs * CHAIN_HORIZON))));
  }
  return expectation;
}
