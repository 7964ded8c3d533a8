/**
 * Float64 reference for shaders/runtime/matmul.wgsl: C = A·B, row-major, as a plain triple loop.
 * Inputs are read as given (float32 values are exact in float64), so the reference carries no
 * float32 rounding of its own.
 */
import type { MatmulShape } from '../../src/gpu/runtime-kernels';

/** C[i][j] = Σ_k A[i][k]·B[k][j] in float64; A is m×k, B is k×n, C is m×n, all row-major. */
export function matmulReference(a: ArrayLike<number>, b: ArrayLike<number>, shape: MatmulShape): Float64Array {
  const { m, k, n } = shape;
  if (a.length !== m * k) throw new RangeError(`A must hold m·k = ${m * k} values (got ${a.length})`);
  if (b.length !== k * n) throw new RangeError(`B must hold k·n = ${k * n} values (got ${b.length})`);
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i += 1) {
    for (let j = 0; j < n; j += 1) {
      let sum = 0;
      for (let p = 0; p < k; p += 1) sum += a[i * k + p]! * b[p * n + j]!;
      c[i * n + j] = sum;
    }
  }
  return c;
}

/**
 * Σ_k |A[i][k]|·|B[k][j]| per element of C: the scale of the rounding error a float32 dot product
 * can make (|error| ≤ γ_K · this, γ_K ≈ K·2⁻²⁴), which stays meaningful where the sum cancels to
 * near zero and |C[i][j]| itself would not.
 */
export function matmulErrorScale(a: ArrayLike<number>, b: ArrayLike<number>, shape: MatmulShape): Float64Array {
  return matmulReference(Array.from(a, Math.abs), Array.from(b, Math.abs), shape);
}
