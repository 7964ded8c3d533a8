/**
 * Every element written at odd sizes, including dispatches split over two dimensions (more than
 * maxComputeWorkgroupsPerDimension workgroups): the output is poisoned with NaN before the run,
 * every element is compared with the CPU, and the poisoned element past the end must survive.
 */
import { describe, expect, it } from 'vitest';
import { dispatchGroups, runSelfCheck } from '../../src/gpu/index';
import { gpuStep, useGpu } from '../support/gpu';

describe('dispatch split and bounds checks', () => {
  const gpu = useGpu();

  // `workgroups`: the grid at WebGPU's default maxComputeWorkgroupsPerDimension of 65 535, worked
  // out by hand: ⌈elements / size⌉ groups, and beyond 65 535 the fewest rows y that fit, spread
  // evenly over x = ⌈groups / y⌉ (src/gpu/dispatch.ts).
  it.each([
    // The self-check as shipped: 1 563 workgroups of 64, the last one partial.
    { elements: 100_003, workgroupSize: 64, workgroups: [1563, 1] },
    // 100 003 workgroups of 1: two rows of 50 002; 1 invocation past the end must return.
    { elements: 100_003, workgroupSize: 1, workgroups: [50_002, 2] },
    // 78 126 workgroups of 64: two rows of 39 063.
    { elements: 5_000_011, workgroupSize: 64, workgroups: [39_063, 2] },
    { elements: 1, workgroupSize: 256, workgroups: [1, 1] },
  ])('writes all $elements elements with workgroups of $workgroupSize', async ({ elements, workgroupSize, workgroups }) => {
    const maxPerDimension = gpu().device.limits.maxComputeWorkgroupsPerDimension;
    const report = await gpuStep(gpu(), 'axpy round trip', () => runSelfCheck(gpu(), elements, workgroupSize));
    const [x, y] = report.workgroups;
    const groups = Math.ceil(elements / workgroupSize);
    if (maxPerDimension === 65_535) expect(report.workgroups).toEqual(workgroups);
    // Any limit: within it, every element covered, no spare row, a second row only when needed.
    expect(x).toBeLessThanOrEqual(maxPerDimension);
    expect(y).toBeLessThanOrEqual(maxPerDimension);
    expect(x * y).toBeGreaterThanOrEqual(groups);
    expect(x * (y - 1)).toBeLessThan(groups);
    expect(y > 1).toBe(groups > maxPerDimension);
    expect(report.unwritten).toBe(0);
    expect(report.wroteOutOfBounds).toBe(false);
    expect(report.maxAbsError).toBeLessThanOrEqual(1e-5);
    expect(report.ok).toBe(true);
  });
});
