/**
 * The float64 optimiser reference (test/reference/optimizer.ts) against hand-computed cases and
 * the closed forms its definitions imply. (Finite differences do not apply: an optimiser step is
 * not the derivative of anything.) Tolerances are float64 rounding: 1e-15 relative unless said.
 */
import { describe, expect, it } from 'vitest';
import {
  ADAM_DEFAULTS,
  CLIP_EPSILON,
  adamState,
  adamStep,
  clipScale,
  l2Norm,
  referenceOptimizer,
  referenceOptimizerStep,
  sgdStep,
} from './optimizer';
import { freshSeed, seededRandom as makeRandom } from '../support/random';


const seed = freshSeed();
const random = makeRandom(seed);
const signed = () => 2 * random() - 1;
const randomVector = (n: number, scale = 1) => Float64Array.from({ length: n }, () => scale * signed());

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);

describe(`optimizer reference (seed ${seed})`, () => {
  it('first Adam step moves each parameter by lr·g/(|g| + ε) ≈ lr·sign(g)', () => {
    // t = 1: m = (1 − β1)g, v = (1 − β2)g², so m̂ = g and v̂ = g² exactly.
    const grads = Float64Array.from([3, -0.25, 1e-3, -7e4, 0]);
    const params = Float64Array.from([0.5, -1, 2, 0, 1]);
    const before = Float64Array.from(params);
    const lr = 0.01;
    adamStep(params, grads, adamState(grads.length), lr);
    grads.forEach((g, i) => {
      const moved = before[i]! - params[i]!;
      expect(moved).toBeCloseTo((lr * g) / (Math.abs(g) + ADAM_DEFAULTS.epsilon), 15);
      if (Math.abs(g) > 1e3 * ADAM_DEFAULTS.epsilon) expect(relative(moved, lr * Math.sign(g))).toBeLessThan(1e-3 * 1.01);
    });
    // A zero gradient does not move its parameter.
    expect(params[4]).toBe(1);
  });

  it('three Adam steps match a hand computation (g = 1, −2, 0.5; lr 0.1; ε 1e-8)', () => {
    // By hand, with c_k(t) = 1 − β_k^t:
    // t=1: m = 0.1, v = 0.001, m̂ = 1, v̂ = 1:                θ1 = −0.1/(1 + 1e-8)
    // t=2: m = 0.09 − 0.2 = −0.11, v = 0.000999 + 0.004 = 0.004999, c1 = 0.19, c2 = 0.001999:
    //      m̂ = −11/19, v̂ = 4999/1999:                        θ2 = θ1 + 0.1·(11/19)/(√(4999/1999) + 1e-8)
    // t=3: m = −0.099 + 0.05 = −0.049, v = 0.004994001 + 0.00025 = 0.005244001, c1 = 0.271,
    //      c2 = 0.002997001: m̂ = −49/271, v̂ = 5244001/2997001: θ3 = θ2 + 0.1·(49/271)/(√v̂ + 1e-8)
    const eps = 1e-8;
    const theta1 = -0.1 / (1 + eps);
    const theta2 = theta1 + (0.1 * (11 / 19)) / (Math.sqrt(4999 / 1999) + eps);
    const theta3 = theta2 + (0.1 * (49 / 271)) / (Math.sqrt(5244001 / 2997001) + eps);
    // θ3 to 17 digits from a 50-digit decimal evaluation of the same steps.
    expect(relative(theta3, -0.049720580326178274)).toBeLessThan(1e-15);

    const params = new Float64Array(1);
    const state = adamState(1);
    const hyper = { ...ADAM_DEFAULTS, epsilon: eps };
    const expected = [theta1, theta2, theta3];
    const moments = [
      [0.1, 0.001],
      [-0.11, 0.004999],
      [-0.049, 0.005244001],
    ];
    [1, -2, 0.5].forEach((g, t) => {
      adamStep(params, [g], state, 0.1, hyper);
      expect(state.step).toBe(t + 1);
      expect(relative(state.m[0]!, moments[t]![0]!)).toBeLessThan(1e-15);
      expect(relative(state.v[0]!, moments[t]![1]!)).toBeLessThan(1e-15);
      // θ2 and θ3 are differences of nearby numbers: a few ulp of the step size, relative to θ.
      expect(relative(params[0]!, expected[t]!)).toBeLessThan(1e-14);
    });
  });

  it('a constant gradient moves Adam by lr·g/(|g| + ε) at every step (bias correction is exact)', () => {
    // With g fixed, m_t = (1 − β1^t)g and v_t = (1 − β2^t)g², so m̂ = g and v̂ = g² for every t.
    const grads = randomVector(17, 3);
    const params = new Float64Array(17);
    const state = adamState(17);
    const lr = 3e-3;
    const steps = 200;
    for (let t = 0; t < steps; t += 1) adamStep(params, grads, state, lr);
    grads.forEach((g, i) => {
      const expected = (-steps * lr * g) / (Math.abs(g) + ADAM_DEFAULTS.epsilon);
      expect(relative(params[i]!, expected), `element ${i}`).toBeLessThan(1e-12);
    });
  });

  it('Adam with ε = 0 is invariant to scaling the gradients (every step)', () => {
    const hyper = { ...ADAM_DEFAULTS, epsilon: 0 };
    const a = randomVector(9);
    const b = Float64Array.from(a);
    const stateA = adamState(9);
    const stateB = adamState(9);
    for (let t = 0; t < 5; t += 1) {
      const grads = randomVector(9);
      adamStep(a, grads, stateA, 0.01, hyper);
      adamStep(b, grads.map((g) => 37 * g), stateB, 0.01, hyper);
    }
    // Equal to rounding: relative to the parameter, or to 1 where it crossed near 0 (a cancelled
    // value's relative error says nothing; any real scale dependence would be ~1e-3 of a step).
    a.forEach((value, i) => expect(Math.abs(b[i]! - value), `element ${i}: ${b[i]} vs ${value}`).toBeLessThan(1e-13 * Math.max(Math.abs(value), 1)));
  });

  it('SGD moves by −lr·g', () => {
    const params = Float64Array.from([1, 2, 3]);
    sgdStep(params, [0.5, -4, 0], 0.1);
    expect([...params]).toEqual([1 - 0.05, 2 + 0.4, 3]);
  });

  it('clipping follows clip_grad_norm_: min(1, maxNorm/(‖g‖ + 1e-6)) by hand', () => {
    expect(l2Norm([3, 4])).toBe(5);
    expect(clipScale(5, 1)).toBe(1 / (5 + 1e-6));
    // At maxNorm = ‖g‖ torch still scales, by 5/(5 + 1e-6).
    expect(clipScale(5, 5)).toBe(5 / (5 + 1e-6));
    expect(clipScale(5, 10)).toBe(1);
    expect(clipScale(5, 0)).toBe(1);
    expect(clipScale(5, -1)).toBe(1);
    expect(clipScale(0, 0.5)).toBe(1);
  });

  it('clipped gradients have norm min(‖g‖, maxNorm·‖g‖/(‖g‖ + 1e-6)) (random vectors)', () => {
    for (let trial = 0; trial < 50; trial += 1) {
      const g = randomVector(1 + Math.floor(random() * 100), 10 * random());
      const norm = l2Norm(g);
      const maxNorm = 5 * random();
      const scale = clipScale(norm, maxNorm);
      const clippedNorm = l2Norm(g.map((x) => scale * x));
      const expected = Math.min(norm, (maxNorm * norm) / (norm + CLIP_EPSILON));
      expect(relative(clippedNorm, expected)).toBeLessThan(1e-14);
      expect(clippedNorm).toBeLessThanOrEqual(maxNorm);
    }
  });

  it('the per-agent step clips each agent by its own norm, uses its own lr and skips inactive agents', () => {
    const P = 7;
    const grads = Float64Array.from([...randomVector(P, 100), ...randomVector(P, 1e-3), ...randomVector(P)]);
    const params = randomVector(3 * P);
    const before = Float64Array.from(params);
    const lr = [0.1, 0.2, 0.3];
    for (const kind of ['adam', 'sgd'] as const) {
      params.set(before);
      const optimizer = referenceOptimizer(kind, 3, P, 1);
      const report = referenceOptimizerStep(optimizer, params, grads, lr, [true, true, false]);
      // Agent 0 (norm ~ 100) clips, agent 1 (norm ~ 1e-3) does not; their scales are independent.
      expect(report.scales[0]).toBe(1 / (l2Norm(grads, 0, P) + CLIP_EPSILON));
      expect(report.scales[1]).toBe(1);
      for (let g = 0; g < 2; g += 1) {
        const single = before.slice(g * P, (g + 1) * P);
        const own = grads.slice(g * P, (g + 1) * P).map((x) => report.scales[g]! * x);
        if (kind === 'adam') adamStep(single, own, adamState(P), lr[g]!);
        else sgdStep(single, own, lr[g]!);
        // Equal up to the order of the products lr·scale·g.
        single.forEach((value, i) => expect(Math.abs(params[g * P + i]! - value)).toBeLessThan(1e-15));
      }
      expect([...params.slice(2 * P)]).toEqual([...before.slice(2 * P)]);
      expect(optimizer.states.map((s) => s.step)).toEqual([1, 1, 0]);
    }
  });
});
