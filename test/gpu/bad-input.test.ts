/**
 * Misuse gets a clear error that names the limit or binding and the value, before the GPU sees it:
 * binding mismatches, workgroup sizes and buffers beyond device limits, WGSL that does not compile
 * (reported at the file and line a person wrote, not the assembled line).
 */
import { describe, expect, it } from 'vitest';
import {
  AXPY,
  BufferSet,
  createBuffer,
  createKernel,
  gpuCounters,
  GpuLimitError,
  ShaderCompileError,
  type KernelSpec,
} from '../../src/gpu/index';
import { gpuStep, useGpu } from '../support/gpu';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';

const axpyWith = (code: string): KernelSpec => ({ ...AXPY, parts: [...AXPY.parts.slice(0, -1), { name: 'edited-axpy.wgsl', code }], constants: { N: 10 } });
const axpyCode = AXPY.parts[AXPY.parts.length - 1]!.code;

describe('bad kernel specs', () => {
  const gpu = useGpu();

  it('rejects WGSL whose bindings collide or leave group 0, naming both places', async () => {
    const collide = axpyCode.replace(/@binding\(2\)/, '@binding(1)');
    await expect(createKernel(gpu().device, axpyWith(collide))).rejects.toThrow(
      /kernel 'runtime.axpy': 'x' \(edited-axpy.wgsl:\d+\) and 'y' \(edited-axpy.wgsl:\d+\) both use @binding\(1\)/,
    );
    const group = axpyCode.replace(/@group\(0\) @binding\(3\)/, '@group(1) @binding(3)');
    await expect(createKernel(gpu().device, axpyWith(group))).rejects.toThrow(/out \(edited-axpy.wgsl:\d+\) is in @group\(1\); kernels use group 0 only/);
  });

  it('bind() names the kernel and the binding for a missing, unknown, foreign or unusable buffer', async () => {
    const { device } = gpu();
    const kernel = await createKernel(device, { ...AXPY, constants: { N: 10 } });
    expect(kernel.bindings.map((b) => `${b.binding}:${b.name}:${b.access}`)).toEqual(['0:params:uniform', '1:x:read', '2:y:read', '3:out:read_write']);
    const buffers = new BufferSet(device, 'bind-test', {
      params: { size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
      x: { size: 40 },
      y: { size: 40 },
      out: { size: 40 },
      unmapped: { size: 40, usage: GPUBufferUsage.COPY_DST },
    });
    try {
      const { params, x, y, out, unmapped } = buffers.buffers;
      expect(() => kernel.bind({ params, x, y })).toThrow("kernel 'runtime.axpy': binding 'out' (read_write): no buffer was given");
      expect(() => kernel.bind({ params, x, y, out, z: out })).toThrow(/bind\(\) got 'z', which is not one of its WGSL bindings \(params, x, y, out\)/);
      expect(() => kernel.bind({ params, x, y, out: new Float32Array(10) as unknown as GPUBuffer })).toThrow(
        "kernel 'runtime.axpy': binding 'out' (read_write): got Float32Array, not a GPUBuffer or { buffer, offset?, size? }",
      );
      expect(() => kernel.bind({ params, x, y, out: unmapped! })).toThrow(
        "kernel 'runtime.axpy': binding 'out' (read_write): buffer 'bind-test.unmapped' lacks GPUBufferUsage.STORAGE",
      );
      expect(() => kernel.bind({ params: x!, x, y, out })).toThrow(/binding 'params' \(uniform\): buffer 'bind-test.x' lacks GPUBufferUsage.UNIFORM/);
    } finally {
      buffers.destroy();
    }
  });

  it('rejects a workgroup size beyond the device limit, naming the limit and both values', async () => {
    const limit = gpu().device.limits.maxComputeInvocationsPerWorkgroup;
    const spec = { ...AXPY, workgroupSize: limit + 1, constants: { N: 10 } };
    const error = await createKernel(gpu().device, spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuLimitError);
    expect((error as GpuLimitError).limit).toBe('maxComputeInvocationsPerWorkgroup');
    expect((error as Error).message).toBe(
      `kernel 'runtime.axpy' workgroup size needs ${limit + 1}, beyond the device limit maxComputeInvocationsPerWorkgroup = ${limit}`,
    );
    await expect(createKernel(gpu().device, { ...AXPY, workgroupSize: 0 })).rejects.toThrow(/workgroupSize must be a positive integer \(got 0\)/);
  });

  it('rejects constants the WGSL does not declare, and kernels without WORKGROUP_SIZE', async () => {
    await expect(createKernel(gpu().device, { ...AXPY, constants: { N: 1, M: 2 } })).rejects.toThrow(/constant 'M' is not an override/);
    const noOverride = { name: 'fixed.wgsl', code: '@compute @workgroup_size(64) fn main() {}' };
    await expect(createKernel(gpu().device, { label: 'fixed', parts: [noOverride], workgroupSize: 64 })).rejects.toThrow(
      /does not declare 'override WORKGROUP_SIZE: u32'/,
    );
  });

  it('reports WGSL compile errors at the file and line a person wrote', async () => {
    const broken = {
      name: 'my-env.wgsl',
      code: [
        'override WORKGROUP_SIZE: u32 = 64u;',
        '@compute @workgroup_size(WORKGROUP_SIZE)',
        'fn main() {',
        '  let speed: u32 = 1.5;',
        '}',
      ].join('\n'),
    };
    // The include in front shifts assembled lines; the message must still say my-env.wgsl:4.
    const spec: KernelSpec = { label: 'broken', parts: [dispatchWgsl, broken], workgroupSize: 64 };
    const error = await gpuStep(gpu(), 'compile error is captured, not uncaptured', () =>
      createKernel(gpu().device, spec).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(ShaderCompileError);
    const diagnostics = (error as ShaderCompileError).diagnostics;
    expect(diagnostics[0]).toMatchObject({ part: 'my-env.wgsl', line: 4 });
    expect((error as Error).message).toMatch(/my-env.wgsl:4:\d+: .*abstract-float.*u32/);
  });
});

describe('bad buffers', () => {
  const gpu = useGpu();

  it('rejects a storage buffer beyond maxStorageBufferBindingSize, naming the limit and size', () => {
    const { device } = gpu();
    const limit = device.limits.maxStorageBufferBindingSize;
    const tooBig = limit + 256;
    // Within maxBufferSize when the adapter allows larger buffers than bindings, else that limit trips.
    expect(() => new BufferSet(device, 'rollout', { observations: { size: tooBig } })).toThrow(GpuLimitError);
    expect(() => new BufferSet(device, 'rollout', { observations: { size: tooBig } })).toThrow(
      new RegExp(`'rollout.observations' needs ${tooBig}, beyond the device limit (maxStorageBufferBindingSize = ${limit}|maxBufferSize)`),
    );
    expect(() => createBuffer(device, { label: 'huge', size: device.limits.maxBufferSize + 4, usage: GPUBufferUsage.STORAGE })).toThrow(
      /buffer 'huge' needs \d+, beyond the device limit maxBufferSize/,
    );
    expect(() => createBuffer(device, { label: 'empty', size: 0, usage: GPUBufferUsage.STORAGE })).toThrow(
      /buffer 'empty': size must be a positive number of bytes \(got 0\)/,
    );
  });

  it('frees the buffers already made when a set fails part-way', () => {
    const { device } = gpu();
    const before = { ...gpuCounters(device) };
    expect(() =>
      new BufferSet(device, 'partial', { ok: { size: 1024 }, bad: { size: device.limits.maxBufferSize * 2 } }),
    ).toThrow(GpuLimitError);
    const after = gpuCounters(device);
    expect(after.buffersCreated - before.buffersCreated).toBe(after.buffersDestroyed - before.buffersDestroyed);
  });

  it('rejects binding a buffer slice beyond the binding-size limit', async () => {
    const { device } = gpu();
    const kernel = await createKernel(device, { ...AXPY, constants: { N: 4 } });
    const set = new BufferSet(device, 'bind', {
      params: { size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST },
      x: { size: 16 },
      y: { size: 16 },
      out: { size: 16 },
    });
    const limit = device.limits.maxStorageBufferBindingSize;
    const fakeHuge = { buffer: set.buffers.x, offset: 0, size: limit + 4 };
    const { params, x, y, out } = set.buffers;
    expect(() => kernel.bind({ params, x: fakeHuge, y, out })).toThrow(
      /binding 'x' needs \d+, beyond the device limit maxStorageBufferBindingSize/,
    );
    set.destroy();
  });
});

describe('concurrent kernel creation', () => {
  const gpu = useGpu();

  it('attributes each compile error to its own kernel when several compile at once', async () => {
    const broken = (name: string, line: number) => ({
      name,
      code: ['override WORKGROUP_SIZE: u32 = 64u;', ...Array(line - 2).fill('// padding'), `@compute @workgroup_size(WORKGROUP_SIZE) fn main() { let v: u32 = ${name.length}.5; }`].join('\n'),
    });
    const specs = [broken('first.wgsl', 3), broken('second-file.wgsl', 6), broken('third.wgsl', 9)].map(
      (part): KernelSpec => ({ label: part.name, parts: [part], workgroupSize: 64 }),
    );
    const results = await Promise.all(specs.map((spec) => createKernel(gpu().device, spec).catch((e: unknown) => e)));
    results.forEach((error, i) => {
      expect(error).toBeInstanceOf(ShaderCompileError);
      expect((error as ShaderCompileError).kernel).toBe(specs[i]!.label);
      expect((error as ShaderCompileError).diagnostics[0]).toMatchObject({ part: specs[i]!.label, line: [3, 6, 9][i] });
    });
  });
});
