/** The algorithm picker's words: a readable name and one line on what each estimator does. */
import type { AlgorithmName } from '../../src/index';

export const ALGORITHM_TEXT: Readonly<Record<AlgorithmName, { readonly name: string; readonly idea: string }>> = {
  ppo: { name: 'PPO-clip', idea: 'several epochs of minibatch steps on each rollout, the probability ratio clipped to 1 ± ε so no step moves the policy far.' },
  'ppo-kl': { name: 'PPO-KL', idea: "PPO's reuse with an adaptive KL penalty β·KL(π_old‖π) instead of the clip." },
  reinforce: { name: 'REINFORCE', idea: 'one gradient step per rollout: ∇log π(a|s) weighted by the reward-to-go minus a learned baseline.' },
  a2c: { name: 'A2C', idea: 'short rollouts (5 steps) and one step each, advantages bootstrapped from the critic.' },
  offpolicy: { name: 'off-policy PG', idea: 'K steps on each rollout, steps after the first importance-weighted by π_θ/π_behaviour; the ESS chart shows the data going stale.' },
  trpo: { name: 'TRPO', idea: 'natural-gradient step by conjugate gradient on the Fisher product, then a line search inside KL ≤ δ.' },
  cem: { name: 'CEM', idea: 'no gradient: sample a population of policies, keep the elite by return, refit a Gaussian over the parameters.' },
};
