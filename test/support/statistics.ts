/**
 * Float64 statistics for tests that assert distributions: moments, and the chi-square survival
 * function and critical values, so that a test states its false-alarm probability instead of a
 * magic threshold.
 */

/** Mean and (population) variance of `values`, accumulated in float64 with a shifted two-pass sum. */
export function meanAndVariance(values: ArrayLike<number>): { mean: number; variance: number } {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i += 1) sum += values[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i += 1) {
    const d = values[i]! - mean;
    squares += d * d;
  }
  return { mean, variance: squares / n };
}

// Lanczos approximation (g = 7, 9 terms), relative error about 1e-15 for positive arguments.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

function logGamma(a: number): number {
  const x = a - 1;
  let series = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i += 1) series += LANCZOS[i]! / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(series);
}

/**
 * The regularised upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a): its power series for
 * x < a + 1, otherwise its continued fraction by the modified Lentz method (Numerical Recipes §6.2).
 */
function upperRegularizedGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const prefactor = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000 && Math.abs(term) > Math.abs(sum) * 1e-16; n += 1) {
      term *= x / (a + n);
      sum += term;
    }
    return 1 - prefactor * sum;
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i += 1) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return prefactor * h;
}

/** P(X ≥ x) for X ~ χ²(degreesOfFreedom). */
export function chiSquareSurvival(x: number, degreesOfFreedom: number): number {
  return upperRegularizedGamma(degreesOfFreedom / 2, x / 2);
}

/** The x with P(X ≥ x) = p for X ~ χ²(degreesOfFreedom), by bisection on the survival function. */
export function chiSquareCritical(p: number, degreesOfFreedom: number): number {
  let low = 0;
  let high = degreesOfFreedom + 10;
  while (chiSquareSurvival(high, degreesOfFreedom) > p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-12 * high; i += 1) {
    const mid = (low + high) / 2;
    if (chiSquareSurvival(mid, degreesOfFreedom) > p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** Pearson's statistic Σ (observed - expected)² / expected over the cells with expected > 0. */
export function chiSquareStatistic(observed: readonly number[], expected: readonly number[]): number {
  let statistic = 0;
  expected.forEach((e, i) => {
    if (e > 0) statistic += (observed[i]! - e) ** 2 / e;
  });
  return statistic;
}
