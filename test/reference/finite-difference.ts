/**
 * What the float64 references' own tests check their gradients with: central differences, one
 * coordinate at a time (h = 1e-5), and the error max |analytic − numeric| / max(1, max |analytic|).
 */

const H = 1e-5;

/** Central differences of f at x, one coordinate at a time. */
export function finiteDifference(f: (x: number[]) => number, x: readonly number[]): number[] {
  return x.map((_, i) => {
    const plus = [...x];
    const minus = [...x];
    plus[i]! += H;
    minus[i]! -= H;
    return (f(plus) - f(minus)) / (2 * H);
  });
}

/** max |analytic − numeric| / max(1, max |analytic|). */
export function relativeError(analytic: readonly number[], numeric: readonly number[]): number {
  const scale = Math.max(1, ...analytic.map(Math.abs));
  return Math.max(...analytic.map((a, i) => Math.abs(a - numeric[i]!))) / scale;
}
