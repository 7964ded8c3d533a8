/**
 * The Break-It Lab's population: a sound REINFORCE estimator and, beside it, the same estimator with
 * one part taken away or pushed too far. Each is an `offpolicy` agent (a variant of the trainer's
 * `variants` field): with K = 1 the off-policy trainer is REINFORCE (its step 0 is on-policy), so
 * only the K variant uses more than one step per batch. Under each curve goes one line of the
 * derivation saying what the missing part was for.
 * The "N = 1" agent runs as many envs as the others (same seeds) but its gradient uses only its
 * first env's trajectory (the variant's `trajectories`).
 */
import type { ReinforceVariant } from '../../src/index';

export interface LabVariant {
  /** The legend's name. */
  readonly name: string;
  readonly color: string;
  /** The agent's estimator: overrides of the sound one below. */
  readonly variant: ReinforceVariant;
  /** What the derivation says this part is for. */
  readonly why: string;
}

/** The sound estimator every broken one departs from: reward-to-go, learned V, normalised, one step. */
export const SOUND: Required<Omit<ReinforceVariant, 'trajectories'>> = Object.freeze({
  weights: 'reward-to-go',
  baseline: 'value',
  normAdv: true,
  learningRate: 1e-3,
  updateSteps: 1,
});

export const LAB_VARIANTS: readonly LabVariant[] = Object.freeze([
  {
    name: 'sound',
    color: '#2a7',
    variant: SOUND,
    why: 'Reward-to-go weights, a learned baseline V(s) and normalised advantages: each action is credited only with what came after it, measured against what was expected.',
  },
  {
    name: 'no baseline',
    color: '#d62',
    variant: { ...SOUND, baseline: 'none', normAdv: false },
    why: "No baseline: CartPole's rewards are all positive, so every sampled action's log-probability is pushed up by the sum of the rewards after it; the estimate stays unbiased but its variance grows with the return's scale.",
  },
  {
    name: 'no causality',
    color: '#a4c',
    variant: { ...SOUND, weights: 'total-return' },
    why: 'No causality (total return): action t is also credited with the rewards before t, which it cannot have caused; in expectation they cancel, in a sample they are noise: more variance, same expectation.',
  },
  {
    name: 'learning rate ×30',
    color: '#c33',
    variant: { ...SOUND, learningRate: 3e-2 },
    why: 'Learning rate too high: the gradient is a local, sampled estimate; a step far beyond the region where it describes the objective lands the policy somewhere the estimate said nothing about.',
  },
  {
    name: 'N = 1 trajectory',
    color: '#b80',
    variant: { ...SOUND, trajectories: 1 },
    why: 'N = 1: the gradient is a Monte-Carlo average over trajectories, its variance falling as 1/N; one trajectory per update gives an estimate too noisy to follow.',
  },
  {
    name: 'off-policy K = 15',
    color: '#37c',
    variant: { ...SOUND, updateSteps: 15 },
    why: 'Off-policy K too large: each of the 15 steps on the same old samples is reweighted by π/π_old, but without a KL constraint or a clip nothing keeps the new policy near the one that collected them; the steps compound, and a policy that looked fine on the old samples can collapse (watch its ESS/n: it can stay high while the policy drifts).',
  },
]);
