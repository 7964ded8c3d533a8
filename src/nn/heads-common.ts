/**
 * What the head kernel factories (src/nn/heads.ts, src/nn/heads-gaussian.ts) share: the shape of a
 * sized kernel, slices of wider row-major buffers, and argument checks with clear errors.
 */
import type { KernelSpec, SizedKernel } from '../gpu/kernel';

/**
 * Where a head's per-row values sit in a wider row-major buffer: element (r, j) is at
 * r·stride + offset + j. E.g. the logits of a network whose output row also holds other values.
 */
export interface RowSlice {
  readonly stride: number;
  /** Default 0. */
  readonly offset?: number;
}

/** The largest index a kernel may form: WGSL indices are u32. */
const MAX_INDEX = 0xffffffff;

export function checkPositiveInteger(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer (got ${String(value)})`);
  }
  return value;
}

export function checkNonNegativeInteger(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer (got ${String(value)})`);
  }
  return value;
}

/** Checks a slice of `width` values per row over `rows` rows; returns [stride, offset]. */
export function checkRowSlice(what: string, slice: RowSlice, width: number, rows: number): [number, number] {
  const stride = checkPositiveInteger(`${what}.stride`, slice.stride);
  const offset = checkNonNegativeInteger(`${what}.offset`, slice.offset ?? 0);
  if (offset + width > stride) {
    throw new RangeError(`${what}: offset ${offset} + width ${width} must not exceed stride ${stride}`);
  }
  checkIndexRange(what, (rows - 1) * stride + offset + width - 1);
  return [stride, offset];
}

export function checkIndexRange(what: string, lastIndex: number): void {
  if (lastIndex > MAX_INDEX) {
    throw new RangeError(`${what}: the last element's index ${lastIndex} does not fit a u32 (at most ${MAX_INDEX})`);
  }
}

export function checkWorkgroupSize(what: string, value: number): number {
  return checkPositiveInteger(`${what}.workgroupSize`, value);
}

export const flag = (value: boolean | undefined): number => (value ? 1 : 0);

/** A backward kernel's output: a slice of the output-gradient buffer, overwritten or added to. */
export interface GradientTarget {
  /** Default dense, { stride: width, offset: 0 }. */
  readonly grad?: RowSlice;
  /** Add to the gradient buffer instead of overwriting it; default false. */
  readonly accumulate?: boolean;
}

/** GRAD_STRIDE, GRAD_OFFSET and ACCUMULATE of a backward kernel writing `width` values per row. */
export function gradientConstants(what: string, target: GradientTarget, width: number, rows: number): Record<string, number> {
  const [stride, offset] = checkRowSlice(`${what}.grad`, target.grad ?? { stride: width }, width, rows);
  return { GRAD_STRIDE: stride, GRAD_OFFSET: offset, ACCUMULATE: flag(target.accumulate) };
}

/** `base` with its workgroup size checked and its constants set. */
export function sized(base: KernelSpec, what: string, constants: Record<string, number>, invocations: number, workgroupSize?: number): SizedKernel {
  return {
    spec: { ...base, workgroupSize: checkWorkgroupSize(what, workgroupSize ?? base.workgroupSize), constants },
    invocations,
  };
}

