/** The runtime's own kernels: a round trip for self-checks and benchmarks. */
import type { KernelSpec } from './kernel';
import axpyWgsl from '../../shaders/runtime/axpy.wgsl';
import copyVec4Wgsl from '../../shaders/runtime/copy_vec4.wgsl';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import matmulWgsl from '../../shaders/runtime/matmul.wgsl';

/** out = a·x + y over N elements (override N); bindings: params {a: f32}, x, y, out. */
export const AXPY: KernelSpec = {
  label: 'runtime.axpy',
  parts: [dispatchWgsl, axpyWgsl],
  workgroupSize: 64,
};

/**
 * dst = src over N vec4s (override N); bindings: src, dst. The copy-bandwidth benchmark's kernel:
 * 16 bytes read and 16 written per invocation.
 */
export const COPY_VEC4: KernelSpec = {
  label: 'runtime.copy-vec4',
  parts: [dispatchWgsl, copyVec4Wgsl],
  workgroupSize: 256,
};

/** The sizes of C[M×N] = A[M×K]·B[K×N]. */
export interface MatmulShape {
  /** Rows of A and C (the batch, for a dense layer). */
  readonly m: number;
  /** Columns of A, rows of B (the layer's inputs). */
  readonly k: number;
  /** Columns of B and C (the layer's units). */
  readonly n: number;
}

/** Rows and columns of C that one MATMUL workgroup computes (TILE_M, TILE_N in matmul.wgsl). */
export const MATMUL_TILE = { rows: 64, cols: 64 } as const;

/**
 * C = A·B, f32, row-major, any M, N, K (overrides); bindings: a, b, c. One workgroup of 64
 * invocations per 64×64 tile of C, each invocation an 8×8 block: use matmulSpec for the
 * constants and matmulInvocations for the dispatch. The workgroup size is fixed by the tiling.
 */
export const MATMUL: KernelSpec = {
  label: 'runtime.matmul',
  parts: [matmulWgsl],
  workgroupSize: 64,
};

function checkMatmulShape(shape: MatmulShape): void {
  for (const dimension of ['m', 'k', 'n'] as const) {
    const value = shape[dimension];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`matmul ${dimension} must be a positive integer (got ${value})`);
    }
  }
  // Flat indices are u32 in the shader; buffer limits keep real shapes far below this.
  const largest = Math.max(shape.m * shape.k, shape.k * shape.n, shape.m * shape.n);
  if (largest >= 2 ** 32) {
    throw new RangeError(`matmul ${shape.m}×${shape.k}·${shape.k}×${shape.n} has a matrix beyond 2^32 elements`);
  }
}

/** MATMUL with its M, N, K overrides set for `shape`. */
export function matmulSpec(shape: MatmulShape): KernelSpec {
  checkMatmulShape(shape);
  return { ...MATMUL, constants: { M: shape.m, N: shape.n, K: shape.k } };
}

/** The invocations to dispatch for `shape`: one workgroup per tile of C. */
export function matmulInvocations(shape: MatmulShape): number {
  checkMatmulShape(shape);
  const tiles = Math.ceil(shape.m / MATMUL_TILE.rows) * Math.ceil(shape.n / MATMUL_TILE.cols);
  return tiles * MATMUL.workgroupSize;
}
