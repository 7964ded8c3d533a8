/**
 * The float64 natural-gradient reference (test/reference/natural-gradient.ts) against independent
 * computations: the Fisher-vector product against central finite differences of the mean-KL
 * gradient (F is the Hessian of mean KL(π_old ‖ π_θ) at θ_old, where the gradient vanishes);
 * conjugate gradient against a direct solve of a small SPD system; the surrogate gradient against
 * finite differences of the surrogate; the line-search choice on hand-made cases.
 */
import { describe, expect, it } from 'vitest';
import { actorSpec, mlpLayout } from '../../src/nn/mlp-spec';
import { categoricalKlGrad, categoricalLogSoftmax } from './heads';
import { mlpForward } from './mlp';
import {
  categoricalFisherProduct,
  conjugateGradient,
  fisherVectorProduct,
  gaussianFisherVectorProduct,
  gaussianLineSearchCandidates,
  gaussianSurrogateLossGradient,
  lineSearchChoice,
  meanGaussianKlGradient,
  meanKlGradient,
  solveDense,
  stepScale,
  surrogateLossGradient,
} from './natural-gradient';
import { freshSeed, seededRandom } from '../support/random';

const maxAbs = (v: ArrayLike<number>) => Array.from(v).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const relative = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0) / Math.max(1e-12, maxAbs(b));

function smallPolicy(seed: number) {
  const random = seededRandom(seed);
  const signed = () => 2 * random() - 1;
  const layout = mlpLayout(actorSpec(5, 4, [7, 6]));
  const params = new Float64Array(layout.parametersPerAgent);
  const direction = new Float64Array(layout.parametersPerAgent);
  for (const layer of layout.layers) {
    for (const slot of [layer.weight, layer.bias]) {
      for (let i = 0; i < slot.length; i += 1) {
        params[slot.offset + i] = (1.2 / Math.sqrt(layer.inputSize)) * signed();
        direction[slot.offset + i] = signed();
      }
    }
  }
  const inputs = Array.from({ length: 9 }, () => Float64Array.from({ length: 5 }, signed));
  const actions = inputs.map(() => Math.floor(random() * 4));
  const advantages = inputs.map(signed);
  return { layout, params, direction, inputs, actions, advantages };
}

describe('natural-gradient reference', () => {
  it('F·v equals the central difference of ∇ mean KL(π_old ‖ π_θ) at θ_old along v', () => {
    const seed = freshSeed();
    const { layout, params, direction, inputs } = smallPolicy(seed);
    const oldLogits = mlpForward(layout, params, inputs).outputs.policy!;
    const h = 1e-5;
    const shifted = (sign: number) => Float64Array.from(params, (t, i) => t + sign * h * direction[i]!);
    const plus = meanKlGradient(layout, shifted(1), inputs, oldLogits);
    const minus = meanKlGradient(layout, shifted(-1), inputs, oldLogits);
    const fd = Float64Array.from(plus, (g, i) => (g - minus[i]!) / (2 * h));
    const fv = fisherVectorProduct(layout, params, inputs, direction);
    expect(maxAbs(fv), `seed ${seed}: F·v is not trivially zero`).toBeGreaterThan(1e-3);
    expect(relative(fv, fd), `seed ${seed}`).toBeLessThan(1e-6);
    // The gradient of the KL vanishes at θ_old: F is its Hessian there, not a first-order term.
    expect(maxAbs(meanKlGradient(layout, params, inputs, oldLogits))).toBeLessThan(1e-15);
  });

  it('Gaussian F·v equals the central difference of ∇ mean KL at θ_old (network and log-std)', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const signed = () => 2 * random() - 1;
    const layout = mlpLayout({ ...actorSpec(5, 3, [7, 6]), extras: { logStd: 3 } });
    const params = Float64Array.from({ length: layout.parametersPerAgent }, () => 0.6 * signed());
    const direction = Float64Array.from({ length: layout.parametersPerAgent }, signed);
    const inputs = Array.from({ length: 9 }, () => Float64Array.from({ length: 5 }, signed));
    const oldMeans = mlpForward(layout, params, inputs).outputs.policy!;
    const slot = layout.extras.logStd!;
    const oldLogStd = Array.from({ length: 3 }, (_, d) => params[slot.offset + d]!);
    const h = 1e-5;
    const at = (sign: number) => meanGaussianKlGradient(layout, Float64Array.from(params, (t, i) => t + sign * h * direction[i]!), inputs, oldMeans, oldLogStd);
    const plus = at(1);
    const minus = at(-1);
    const fd = Float64Array.from(plus, (g, i) => (g - minus[i]!) / (2 * h));
    const fv = gaussianFisherVectorProduct(layout, params, inputs, direction);
    expect(relative(fv, fd), `seed ${seed}`).toBeLessThan(1e-6);
    // The log-std block alone: 2·v_s.
    expect(relative(fv.subarray(slot.offset, slot.offset + 3), fd.subarray(slot.offset, slot.offset + 3))).toBeLessThan(1e-6);
  });

  it('the logit-space Fisher product is the central difference of ∇ KL(q ‖ p) at p = q (A = 1, 5, 301, 1 024, masked and not)', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const signed = () => 2 * random() - 1;
    for (const actions of [1, 5, 301, 1024]) {
      for (const masked of [false, true]) {
        const logits = Array.from({ length: actions }, () => 3 * signed());
        const tangent = Array.from({ length: actions }, signed);
        const mask = masked ? logits.map(() => (random() < 0.3 ? 0 : 1)) : undefined;
        if (mask && !mask.includes(1)) mask[0] = 1;
        const h = 1e-5;
        const at = (sign: number) => categoricalKlGrad(logits, logits.map((l, a) => l + sign * h * tangent[a]!), mask);
        const plus = at(1);
        const minus = at(-1);
        const fd = plus.map((g, a) => (g - minus[a]!) / (2 * h));
        const product = categoricalFisherProduct(logits, tangent, mask);
        const where = `seed ${seed}, A = ${actions}, masked ${masked}`;
        expect(Math.max(...product.map((v, a) => Math.abs(v - fd[a]!))), where).toBeLessThan(1e-9);
        mask?.forEach((m, a) => m === 0 && expect(Math.abs(product[a]!), where).toBe(0));
      }
    }
  });

  it('F is symmetric positive semi-definite: uᵀFv = vᵀFu, vᵀFv ≥ 0', () => {
    const seed = freshSeed();
    const a = smallPolicy(seed);
    const b = smallPolicy(seed + 1);
    const fu = fisherVectorProduct(a.layout, a.params, a.inputs, a.direction);
    const fv = fisherVectorProduct(a.layout, a.params, a.inputs, b.direction);
    const dot = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from(x).reduce((s, xi, i) => s + xi * y[i]!, 0);
    expect(Math.abs(dot(b.direction, fu) - dot(a.direction, fv)) / Math.abs(dot(a.direction, fv))).toBeLessThan(1e-10);
    expect(dot(a.direction, fu)).toBeGreaterThan(0);
  });

  it('the surrogate loss gradient equals the central difference of −mean ρ·Â', () => {
    const seed = freshSeed();
    const { layout, params, direction, inputs, actions, advantages } = smallPolicy(seed);
    const old = mlpForward(layout, params, inputs).outputs.policy!;
    const loss = (theta: Float64Array) => {
      const logits = mlpForward(layout, theta, inputs).outputs.policy!;
      return -logits.reduce((s, l, r) => s + Math.exp(categoricalLogSoftmax(Array.from(l))[actions[r]!]! - categoricalLogSoftmax(Array.from(old[r]!))[actions[r]!]!) * advantages[r]!, 0) / inputs.length;
    };
    const h = 1e-6;
    const g = surrogateLossGradient(layout, params, { inputs, actions, advantages });
    const along = Array.from(g).reduce((s, gi, i) => s + gi * direction[i]!, 0);
    const fd = (loss(Float64Array.from(params, (t, i) => t + h * direction[i]!)) - loss(Float64Array.from(params, (t, i) => t - h * direction[i]!))) / (2 * h);
    expect(Math.abs(along - fd) / Math.abs(fd), `seed ${seed}`).toBeLessThan(1e-6);
  });

  it('the Gaussian surrogate gradient is the central difference of the line search improvement along it', () => {
    // The improvement mean (ρ − 1)Â = −L at θ − h·v is h·∇L·v + O(h²), L = −mean ρÂ the loss.
    const seed = freshSeed();
    const random = seededRandom(seed);
    const signed = () => 2 * random() - 1;
    const layout = mlpLayout({ ...actorSpec(5, 3, [7, 6]), extras: { logStd: 3 } });
    const params = Float64Array.from({ length: layout.parametersPerAgent }, () => 0.6 * signed());
    const direction = Float64Array.from({ length: layout.parametersPerAgent }, signed);
    const inputs = Array.from({ length: 9 }, () => Float64Array.from({ length: 5 }, signed));
    const batch = { inputs, actions: inputs.map(() => Float64Array.from({ length: 3 }, signed)), advantages: inputs.map(signed) };
    const g = gaussianSurrogateLossGradient(layout, params, batch);
    const h = 1e-6;
    // Candidates θ − h·v and θ + h·v (scale ±h, one candidate each).
    const [plus] = gaussianLineSearchCandidates(layout, params, direction, h, batch, 1, 0.5);
    const [minus] = gaussianLineSearchCandidates(layout, params, direction, -h, batch, 1, 0.5);
    const fd = (plus!.improvement - minus!.improvement) / (2 * h);
    const along = Array.from(g).reduce((s, gi, i) => s + gi * direction[i]!, 0);
    expect(Math.abs(along - fd) / Math.abs(fd), `seed ${seed}`).toBeLessThan(1e-5);
    // The KL of a zero step is 0, of a small step O(h²).
    expect(plus!.kl).toBeLessThan(1e-9);
  });

  it('conjugate gradient solves a small SPD system as a direct solve does', () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const n = 7;
    const m = Array.from({ length: n }, () => Array.from({ length: n }, () => 2 * random() - 1));
    // F = MᵀM (SPD almost surely), damping λ = 0.1: A = F + λI.
    const f = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => m.reduce((s, row) => s + row[i]! * row[j]!, 0)));
    const apply = (v: Float64Array) => f.map((row) => row.reduce((s, fij, j) => s + fij * v[j]!, 0));
    const b = Float64Array.from({ length: n }, () => 2 * random() - 1);
    const damping = 0.1;
    const direct = solveDense(f.map((row, i) => row.map((v, j) => v + (i === j ? damping : 0))), b);
    // The direct solve is a solve: A·x = b.
    const ax = apply(direct).map((v, i) => v + damping * direct[i]!);
    expect(relative(ax, b)).toBeLessThan(1e-10);
    // CG is exact after n steps in exact arithmetic; in float64, to rounding.
    const cg = conjugateGradient(apply, b, n, damping);
    expect(relative(cg.x, direct), `seed ${seed}`).toBeLessThan(1e-6);
    // With fewer steps it is not yet there (so the comparison above can fail).
    expect(relative(conjugateGradient(apply, b, 2, damping).x, direct)).toBeGreaterThan(1e-3);
    // Extra iterations past convergence keep x (α = β = 0 guards, no 0/0).
    const extra = conjugateGradient(apply, b, 3 * n, damping);
    expect(extra.x.every(Number.isFinite)).toBe(true);
    expect(relative(extra.x, direct)).toBeLessThan(1e-6);
  });

  it('the step scale puts the quadratic KL model ½·(sΔ)ᵀA(sΔ) at δ', () => {
    const { layout, params, direction, inputs } = smallPolicy(freshSeed());
    const apply = (v: Float64Array) => fisherVectorProduct(layout, params, inputs, v);
    const { xAx, scale } = stepScale(apply, Float64Array.from(direction), 0.1, 0.01);
    expect(0.5 * scale * scale * xAx).toBeCloseTo(0.01, 12);
    expect(stepScale(() => new Float64Array(direction.length).fill(0), new Float64Array(direction.length), 0, 0.01).scale).toBe(0);
  });

  it('the line search takes the first candidate with improvement > 0 and KL ≤ δ, else −1', () => {
    const c = (improvement: number, kl: number) => ({ improvement, kl });
    expect(lineSearchChoice([c(0.1, 0.05), c(-0.01, 0.001), c(0.02, 0.004), c(0.01, 0.001)], 0.01)).toBe(2);
    expect(lineSearchChoice([c(0.1, 0.01), c(0.2, 0.001)], 0.01)).toBe(0); // KL = δ passes
    expect(lineSearchChoice([c(0, 0.001), c(Number.NaN, 0.001), c(0.1, Number.NaN)], 0.01)).toBe(-1); // 0 is no improvement
    expect(lineSearchChoice([], 0.01)).toBe(-1);
  });
});
