/**
 * The CPU peer of the matmul benchmark: what plain JavaScript does with the same shapes, so a
 * GPU number is read against the alternative of not using the GPU at all.
 */
import type { MatmulShape } from '../../src/gpu/runtime-kernels';

/**
 * C = A·B into `c`, row-major Float32Arrays, as a plain triple loop. The loop order is i-k-j: the
 * innermost loop streams a row of B and a row of C, so memory is read in order; the textbook i-j-k
 * order walks B by columns and is several times slower at 1024³. No blocking, no SIMD, no workers.
 */
export function matmulCpu(a: Float32Array, b: Float32Array, c: Float32Array, shape: MatmulShape): void {
  const { m, k, n } = shape;
  if (a.length < m * k || b.length < k * n || c.length < m * n) {
    throw new RangeError(
      `matmulCpu ${m}×${k}·${k}×${n} needs A ≥ ${m * k}, B ≥ ${k * n}, C ≥ ${m * n} values ` +
        `(got ${a.length}, ${b.length}, ${c.length})`,
    );
  }
  for (let i = 0; i < m; i += 1) {
    const rowC = i * n;
    c.fill(0, rowC, rowC + n);
    for (let p = 0; p < k; p += 1) {
      const aip = a[i * k + p]!;
      const rowB = p * n;
      for (let j = 0; j < n; j += 1) c[rowC + j] = c[rowC + j]! + aip * b[rowB + j]!;
    }
  }
}
