/**
 * The CartPole-v1 reference against transitions computed by hand from Gymnasium's equations
 * (exact fractions), its termination rule on both thresholds and both signs, and its reset range.
 */
import { describe, expect, it } from 'vitest';
import { CARTPOLE_CONSTANTS, cartPoleObs, cartPoleReset, cartPoleStep } from './cartpole';

describe('CartPole-v1 reference', () => {
  it('pushes right from rest: θacc = −600/41, xacc = 400/41 (hand-computed)', () => {
    // sin θ = 0, cos θ = 1: temp = 10/1.1 = 100/11; the denominator is 0.5·(4/3 − 0.1/1.1) = 41/66;
    // θacc = −(100/11)/(41/66) = −600/41; xacc = 100/11 + 0.05·(600/41)/1.1 = 400/41.
    const step = cartPoleStep([0, 0, 0, 0], 1);
    const expected = [0, 0.02 * (400 / 41), 0, 0.02 * (-600 / 41)];
    step.state.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 14));
    expect(step.reward).toBe(1);
    expect(step.terminated).toBe(false);
    // Pushing left mirrors it.
    const left = cartPoleStep([0, 0, 0, 0], 0);
    left.state.forEach((v, i) => expect(v).toBeCloseTo(-expected[i]! + 0, 14));
  });

  it('integrates with explicit Euler: positions move by the old velocities', () => {
    // θ = π/6, θ̇ = 2, ẋ = 0.5, action 0 (force −10). By hand: sin = 1/2, cos = √3/2;
    // temp = (−10 + 0.05·4·0.5)/1.1 = −9.9/1.1 = −9; θacc = (9.8·0.5 + (√3/2)·9)/(0.5·(4/3 − 0.1·0.75/1.1)).
    const cos = Math.sqrt(3) / 2;
    const thetaAcc = (4.9 + cos * 9) / (0.5 * (4 / 3 - 0.075 / 1.1));
    const xAcc = -9 - (0.05 * thetaAcc * cos) / 1.1;
    const step = cartPoleStep([0.1, 0.5, Math.PI / 6, 2], 0);
    expect(step.state[0]).toBeCloseTo(0.1 + 0.02 * 0.5, 14);
    expect(step.state[1]).toBeCloseTo(0.5 + 0.02 * xAcc, 14);
    expect(step.state[2]).toBeCloseTo(Math.PI / 6 + 0.02 * 2, 14);
    expect(step.state[3]).toBeCloseTo(2 + 0.02 * thetaAcc, 14);
  });

  it('terminates past |x| > 2.4 or |θ| > 12°, on the new state, with reward 1 on that step', () => {
    const over = cartPoleStep([2.39, 1, 0, 0], 1); // x' = 2.41
    expect(over.terminated).toBe(true);
    expect(over.reward).toBe(1);
    expect(cartPoleStep([-2.39, -1, 0, 0], 0).terminated).toBe(true);
    expect(cartPoleStep([2.39, 0.4, 0, 0], 1).terminated).toBe(false); // x' = 2.398
    const theta = CARTPOLE_CONSTANTS.theta_threshold_radians; // 0.20944
    expect(cartPoleStep([0, 0, 0.2, 0.5], 1).terminated).toBe(true); // θ' = 0.21
    expect(cartPoleStep([0, 0, -0.2, -0.5], 0).terminated).toBe(true);
    expect(cartPoleStep([0, 0, 0.2, 0.4], 1).terminated).toBe(false); // θ' = 0.208
    expect(theta).toBeCloseTo(0.20943951, 8);
    // Already outside but coming back: only the new state counts.
    expect(cartPoleStep([2.5, -10, 0, 0], 0).terminated).toBe(false); // x' = 2.3
    expect(cartPoleStep([0, 0, 0.2, 0.4], 1).margin).toBeCloseTo((theta - 0.208) / theta, 10);
  });

  it('resets to U(−0.05, 0.05)⁴ and observes the state', () => {
    const reset = cartPoleReset([0.5, 0.25, 0.75, 1e-9]);
    [0, -0.025, 0.025, -0.05 + 1e-10].forEach((v, i) => expect(reset[i]).toBeCloseTo(v, 15));
    expect(cartPoleObs([1, 2, 3, 4])).toEqual([1, 2, 3, 4]);
  });
});
