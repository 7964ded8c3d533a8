/**
 * Every kernel the engine ships: its spec agrees with its WGSL (bindings numbered 0 … n − 1 in
 * group 0, overrides declared), it compiles on the device without a validation error, and every
 * WGSL file under shaders/ belongs to some kernel.
 */
import { describe, expect, it } from 'vitest';
import { createKernel, validateKernelSpec } from '../../src/gpu/index';
import { KERNEL_CATALOGUE } from '../support/kernel-catalogue';
import { gpuStep, useGpu } from '../support/gpu';

describe('kernel catalogue', () => {
  const gpu = useGpu();

  it.each(KERNEL_CATALOGUE.map((spec) => [spec.label, spec] as const))('%s matches its WGSL and compiles', async (_, spec) => {
    const { bindings } = validateKernelSpec(spec, gpu().device.limits);
    expect(bindings.map((d) => d.binding)).toEqual(bindings.map((_, i) => i));
    const kernel = await gpuStep(gpu(), spec.label, () => createKernel(gpu().device, spec));
    expect(kernel.pipeline.label).toBe(spec.label);
    expect(kernel.bindings).toEqual(bindings);
  });

  it('caches pipelines per device by everything that shapes them', async () => {
    const [spec] = KERNEL_CATALOGUE;
    const first = await createKernel(gpu().device, spec!);
    const again = await createKernel(gpu().device, { ...spec! });
    expect(again.pipeline).toBe(first.pipeline);
    const otherSize = await createKernel(gpu().device, { ...spec!, workgroupSize: spec!.workgroupSize * 2 });
    expect(otherSize.pipeline).not.toBe(first.pipeline);
  });

  it('uses every WGSL file: entry-point files last in a spec, include-only modules before', () => {
    const used = new Set(KERNEL_CATALOGUE.flatMap((spec) => spec.parts.map((p) => p.name)));
    const entryFiles = new Set(KERNEL_CATALOGUE.map((spec) => spec.parts.at(-1)!.name));
    const files = Object.keys(import.meta.glob('../../shaders/**/*.wgsl')).map((path) => path.replace(/^(\.\.\/)+shaders\//, ''));
    expect(files.length).toBeGreaterThan(100);
    for (const name of files) expect(used, `shaders/${name} is used by no kernel`).toContain(name);
    for (const spec of KERNEL_CATALOGUE) {
      spec.parts.slice(0, -1).forEach((part) => {
        expect(part.code, `${part.name} is included by ${spec.label} but has an entry point`).not.toMatch(/@compute/);
      });
      expect(spec.parts.at(-1)!.code, `${spec.label}: last part must hold the entry point`).toMatch(/@compute/);
    }
    expect(entryFiles.size).toBeGreaterThan(0);
  });
});
