/**
 * The float64 returns references against hand-worked cases and against each other's identities:
 * GAE with λ = 1 is reward-to-go (with a critic) minus V; λ = 0 is the one-step TD error.
 */
import { describe, expect, it } from 'vitest';
import {
  agentPositions,
  referenceBaseline,
  referenceGae,
  referenceNormalise,
  referenceRewardToGo,
  referenceTotalReturn,
  type ReferenceRollout,
} from './returns';
import { freshSeed, seededRandom } from '../support/random';

/** One env: a 4-step episode terminated at t = 3, then a 2-step piece cut by the rollout's end. */
const handRollout: ReferenceRollout = {
  steps: 6,
  envs: 1,
  agents: 1,
  rewards: [1, 2, 3, 4, 5, 6],
  terminated: [0, 0, 0, 1, 0, 0],
  truncated: [0, 0, 0, 0, 0, 0],
  values: [10, 20, 30, 40, 50, 60],
  finalValues: [0, 0, 0, 0, 0, 0],
  lastValues: [8],
};

describe('returns reference, by hand', () => {
  it('reward-to-go with γ = 0.5: 4-step terminated episode, then a cut piece with and without bootstrap', () => {
    // t3: 4; t2: 3 + 0.5·4 = 5; t1: 2 + 0.5·5 = 4.5; t0: 1 + 0.5·4.5 = 3.25.
    // t5: 6 (+ 0.5·8 = 10 with a critic); t4: 5 + 0.5·6 = 8 (5 + 0.5·10 = 10).
    expect([...referenceRewardToGo(handRollout, 0.5, false)]).toEqual([3.25, 4.5, 5, 4, 8, 6]);
    expect([...referenceRewardToGo(handRollout, 0.5, true)]).toEqual([3.25, 4.5, 5, 4, 10, 10]);
  });

  it('total return gives every step its trajectory’s return from its first step', () => {
    expect([...referenceTotalReturn(handRollout, 0.5, false)]).toEqual([3.25, 3.25, 3.25, 3.25, 8, 8]);
  });

  it('truncation bootstraps γ·finalValues; terminated wins when both flags are set', () => {
    const r: ReferenceRollout = {
      ...handRollout,
      steps: 3,
      rewards: [1, 1, 1],
      terminated: [0, 0, 0],
      truncated: [1, 0, 0],
      finalValues: [100, 0, 0],
      lastValues: [10],
    };
    // t0 truncated: 1 + 0.5·100 = 51; t2 end: 1 + 0.5·10 = 6; t1: 1 + 0.5·6 = 4.
    expect([...referenceRewardToGo(r, 0.5, true)]).toEqual([51, 4, 6]);
    expect([...referenceRewardToGo({ ...r, terminated: [1, 0, 0] }, 0.5, true)]).toEqual([1, 4, 6]);
    // GAE λ = 0: δ_0 = 1 + 0.5·100 − 10 = 41; δ_1 = 1 + 0.5·30 − 20 = −4; δ_2 = 1 + 0.5·10 − 30 = −24.
    expect([...referenceGae(r, 0.5, 0).advantages]).toEqual([41, -4, -24]);
  });

  it('GAE by hand with γ = 0.5, λ = 0.5 on the 4-step episode', () => {
    // δ = r + 0.5·V_next − V: δ3 = 4 − 40 = −36; δ2 = 3 + 20 − 30 = −7; δ1 = 2 + 15 − 20 = −3;
    // δ0 = 1 + 10 − 10 = 1. A3 = −36; A2 = −7 + 0.25·(−36) = −16; A1 = −3 − 4 = −7; A0 = 1 − 1.75 = −0.75.
    const { advantages, returns } = referenceGae(handRollout, 0.5, 0.5);
    expect([...advantages.slice(0, 4)]).toEqual([-0.75, -7, -16, -36]);
    expect([...returns.slice(0, 4)]).toEqual([9.25, 13, 14, 4]);
  });

  const seed = freshSeed();
  it(`GAE λ = 1 is reward-to-go − V, λ = 0 is one-step TD (random rollout, seed ${seed})`, () => {
    const random = seededRandom(seed);
    const T = 57;
    const N = 6;
    const r: ReferenceRollout = {
      steps: T,
      envs: N,
      agents: 2,
      rewards: Array.from({ length: T * N }, () => random() * 2 - 1),
      terminated: Array.from({ length: T * N }, () => (random() < 0.05 ? 1 : 0)),
      truncated: Array.from({ length: T * N }, () => (random() < 0.05 ? 1 : 0)),
      values: Array.from({ length: T * N }, () => random() * 4 - 2),
      finalValues: Array.from({ length: T * N }, () => random() * 4 - 2),
      lastValues: Array.from({ length: N }, () => random() * 4 - 2),
    };
    const gamma = [0.9, 0.97];
    const rtg = referenceRewardToGo(r, gamma, true);
    const one = referenceGae(r, gamma, 1).advantages;
    for (let i = 0; i < T * N; i += 1) expect(one[i]).toBeCloseTo(rtg[i]! - r.values![i]!, 12);
    const zero = referenceGae(r, gamma, 0).advantages;
    for (let i = 0; i < T * N; i += 1) {
      const t = Math.floor(i / N);
      const n = i % N;
      const g = gamma[Math.floor(n / 3)]!;
      const term = r.terminated[i] !== 0;
      const trunc = r.truncated[i] !== 0 && !term;
      const next = term ? 0 : trunc ? r.finalValues![i]! : t === T - 1 ? r.lastValues![n]! : r.values![i + N]!;
      expect(zero[i]).toBeCloseTo(r.rewards[i]! + g * next - r.values![i]!, 12);
    }
  });

  it('baselines and normalisation by hand', () => {
    // T = 2, N = 4, G = 2: agent 0 = envs 0, 1; agent 1 = envs 2, 3.
    const w = [1, 3, 10, 20, 5, 7, 30, 40];
    const shape = { steps: 2, envs: 4, agents: 2 };
    expect([...referenceBaseline('batch-mean', w, shape)]).toEqual([-3, -1, -15, -5, 1, 3, 5, 15]);
    expect([...referenceBaseline('timestep-mean', w, shape)]).toEqual([-1, 1, -5, 5, -1, 1, -5, 5]);
    expect([...referenceBaseline('value', w, shape, [1, 1, 1, 1, 2, 2, 2, 2])]).toEqual([0, 2, 9, 19, 3, 5, 28, 38]);
    // Agent 0: values 1, 3, 5, 7: mean 4, sample std √(20/3).
    const normalised = referenceNormalise(w, agentPositions(shape), 0);
    expect(normalised[0]).toBeCloseTo(-3 / Math.sqrt(20 / 3), 14);
    expect(normalised[5]).toBeCloseTo(3 / Math.sqrt(20 / 3), 14);
  });
});
