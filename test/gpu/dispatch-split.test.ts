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

  it.each([
    // The self-check as shipped: 1 563 workgroups of 64, the last one partial.
    { elements: 100_003, workgroupSize: 64 },
    // 100 003 workgroups of 1: split into two rows; 31 067 invocations past the end must return.
    { elements: 100_003, workgroupSize: 1 },
    // 78 126 workgroups of 64: also split.
    { elements: 5_000_011, workgroupSize: 64 },
    { elements: 1, workgroupSize: 256 },
  ])('writes all $elements elements with workgroups of $workgroupSize', async ({ elements, workgroupSize }) => {
    const maxPerDimension = gpu().device.limits.maxComputeWorkgroupsPerDimension;
    const report = await gpuStep(gpu(), 'axpy round trip', () => runSelfCheck(gpu(), elements, workgroupSize));
    expect(report.workgroups).toEqual(dispatchGroups(elements, workgroupSize, maxPerDimension));
    if (Math.ceil(elements / workgroupSize) > maxPerDimension) expect(report.workgroups[1]).toBeGreaterThan(1);
    expect(report.unwritten).toBe(0);
    expect(report.wroteOutOfBounds).toBe(false);
    expect(report.maxAbsError).toBeLessThanOrEqual(1e-5);
    expect(report.ok).toBe(true);
  });
});
