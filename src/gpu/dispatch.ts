/**
 * Dispatch sizing. A dimension holds at most maxComputeWorkgroupsPerDimension (65535 by default)
 * workgroups, so large counts are split over x and y; kernels rebuild the flat index with
 * `flat_index` (shaders/common/dispatch.wgsl) and bounds-check it, because x·y·size can exceed
 * the count.
 */

/**
 * Workgroup counts [x, y] covering `invocations` threads with workgroups of `workgroupSize`.
 * x·y·workgroupSize ≥ invocations, and neither x nor y exceeds `maxPerDimension`.
 */
export function dispatchGroups(
  invocations: number,
  workgroupSize: number,
  maxPerDimension: number,
): [number, number] {
  if (!Number.isInteger(invocations) || invocations < 0) {
    throw new RangeError(`invocations must be a non-negative integer (got ${invocations})`);
  }
  const groups = Math.ceil(invocations / workgroupSize);
  if (groups <= maxPerDimension) return [groups, 1];
  const y = Math.ceil(groups / maxPerDimension);
  if (y > maxPerDimension) {
    throw new RangeError(
      `${invocations} invocations need ${groups} workgroups of ${workgroupSize}, beyond ` +
        `maxComputeWorkgroupsPerDimension² = ${maxPerDimension}²`,
    );
  }
  // Spread evenly so the last row is not a sliver: x = ceil(groups / y) ≤ maxPerDimension.
  return [Math.ceil(groups / y), y];
}
