/**
 * Kernels: a typed spec (label, WGSL parts, named bindings, workgroup size, override constants)
 * becomes an explicit bind-group layout and a compute pipeline, cached per device. The cache key is
 * derived from everything that shapes the pipeline, never written by hand.
 */
import { dispatchGroups } from './dispatch';
import { checkLimit } from './limits';
import { assembleShader, locate, type AssembledShader, type ShaderPart } from './shaders';
import { parseWgslBindings, type BindingAccess } from './wgsl-bindings';

export type { BindingAccess } from './wgsl-bindings';

export interface BindingSpec {
  /** The WGSL variable's name; binding index = position in `bindings`, group 0. */
  readonly name: string;
  readonly access: BindingAccess;
}

/**
 * Everything that defines a kernel. Every kernel's WGSL declares `override WORKGROUP_SIZE: u32`
 * and uses it in `@workgroup_size`; `workgroupSize` sets it.
 */
export interface KernelSpec {
  readonly label: string;
  /** Include-only modules first, the file with the entry point last. */
  readonly parts: readonly ShaderPart[];
  readonly bindings: readonly BindingSpec[];
  readonly workgroupSize: number;
  /** WGSL `override` values other than WORKGROUP_SIZE (sizes, flags). */
  readonly constants?: Readonly<Record<string, number>>;
  /** Default `main`. */
  readonly entryPoint?: string;
}

export interface Kernel {
  readonly spec: KernelSpec;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /** A bind group over the named buffers; checked against the spec's names and binding-size limits. */
  bind(resources: Readonly<Record<string, GPUBuffer | GPUBufferBinding>>, label?: string): GPUBindGroup;
  /** Sets pipeline and bind group, and dispatches enough workgroups for `invocations` threads. */
  dispatch(pass: GPUComputePassEncoder, bindGroup: GPUBindGroup, invocations: number): void;
}

/** A WGSL compile error, each message located in the file (or custom env) a person wrote. */
export class ShaderCompileError extends Error {
  constructor(
    readonly kernel: string,
    readonly diagnostics: readonly { part: string; line: number; column: number; message: string }[],
  ) {
    super(
      `WGSL compile error in kernel '${kernel}':\n` +
        diagnostics.map((d) => `  ${d.part}:${d.line}:${d.column}: ${d.message}`).join('\n'),
    );
    this.name = 'ShaderCompileError';
  }
}

/** A spec that disagrees with its own WGSL, or with itself. */
export class KernelSpecError extends Error {
  constructor(kernel: string, problem: string) {
    super(`kernel '${kernel}': ${problem}`);
    this.name = 'KernelSpecError';
  }
}

const WORKGROUP_SIZE = 'WORKGROUP_SIZE';

function declaredOverrides(code: string): Set<string> {
  return new Set([...code.matchAll(/\boverride\s+([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
}

/**
 * Checks a spec against its assembled WGSL (bindings in order with matching names and access,
 * declared overrides) and, given device limits, against those. Throws KernelSpecError or
 * GpuLimitError; returns the assembled shader.
 */
export function validateKernelSpec(spec: KernelSpec, limits?: GPUSupportedLimits): AssembledShader {
  const shader = assembleShader(spec.parts);
  const fail = (problem: string): never => {
    throw new KernelSpecError(spec.label, problem);
  };
  if (spec.parts.length === 0) fail('has no WGSL parts');

  const declared = parseWgslBindings(shader.code);
  const where = (line: number) => {
    const at = locate(shader, line);
    return `${at.part}:${at.line}`;
  };
  for (const d of declared) {
    if (d.group !== 0) fail(`${d.name} (${where(d.line)}) is in @group(${d.group}); kernels use group 0 only`);
  }
  const byIndex = new Map(declared.map((d) => [d.binding, d]));
  if (byIndex.size !== declared.length) fail('declares two variables with the same @binding');
  spec.bindings.forEach((expected, index) => {
    const actual = byIndex.get(index);
    if (!actual) fail(`binding ${index} '${expected.name}' is not declared in the WGSL`);
    else if (actual.name !== expected.name || actual.access !== expected.access) {
      fail(
        `binding ${index} is '${expected.name}' (${expected.access}) in the spec but ` +
          `'${actual.name}' (${actual.access}) at ${where(actual.line)}`,
      );
    }
  });
  for (const d of declared) {
    if (d.binding >= spec.bindings.length) {
      fail(`WGSL declares @binding(${d.binding}) '${d.name}' at ${where(d.line)}, missing from the spec`);
    }
  }

  const overrides = declaredOverrides(shader.code);
  if (!overrides.has(WORKGROUP_SIZE)) fail(`WGSL does not declare 'override ${WORKGROUP_SIZE}: u32'`);
  for (const name of Object.keys(spec.constants ?? {})) {
    if (name === WORKGROUP_SIZE) fail(`set ${WORKGROUP_SIZE} through workgroupSize, not constants`);
    if (!overrides.has(name)) fail(`constant '${name}' is not an override in the WGSL`);
  }
  if (!Number.isInteger(spec.workgroupSize) || spec.workgroupSize < 1) {
    fail(`workgroupSize must be a positive integer (got ${spec.workgroupSize})`);
  }

  if (limits) {
    const what = `kernel '${spec.label}'`;
    checkLimit(limits, 'maxComputeInvocationsPerWorkgroup', spec.workgroupSize, `${what} workgroup size`);
    checkLimit(limits, 'maxComputeWorkgroupSizeX', spec.workgroupSize, `${what} workgroup size`);
    const storage = spec.bindings.filter((b) => b.access !== 'uniform').length;
    checkLimit(limits, 'maxStorageBuffersPerShaderStage', storage, `${what} storage bindings`);
    const uniforms = spec.bindings.length - storage;
    checkLimit(limits, 'maxUniformBuffersPerShaderStage', uniforms, `${what} uniform bindings`);
  }
  return shader;
}

interface CompiledKernel {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

const pipelineCache = new WeakMap<GPUDevice, Map<string, Promise<CompiledKernel>>>();

function cacheKey(spec: KernelSpec, code: string, constants: Record<string, number>): string {
  const sortedConstants = Object.keys(constants).sort().map((k) => [k, constants[k]]);
  return JSON.stringify([code, spec.entryPoint ?? 'main', sortedConstants, spec.bindings]);
}

const BUFFER_TYPE: Record<BindingAccess, GPUBufferBindingType> = {
  uniform: 'uniform',
  read: 'read-only-storage',
  read_write: 'storage',
};

async function compile(
  device: GPUDevice,
  spec: KernelSpec,
  shader: AssembledShader,
  constants: Record<string, number>,
): Promise<CompiledKernel> {
  // Push and pop with no await between them: error scopes are one stack per device, so a scope
  // held open across an await would catch another kernel's errors when kernels compile concurrently.
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: spec.label, code: shader.code });
  const moduleErrorPromise = device.popErrorScope();
  const info = await module.getCompilationInfo();
  const moduleError = await moduleErrorPromise;
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    throw new ShaderCompileError(
      spec.label,
      errors.map((m) => {
        const at = locate(shader, m.lineNum);
        return { part: at.part, line: at.line, column: m.linePos, message: m.message };
      }),
    );
  }
  if (moduleError) throw new ShaderCompileError(spec.label, [{ part: '<module>', line: 0, column: 0, message: moduleError.message }]);

  const layout = device.createBindGroupLayout({
    label: `${spec.label}.layout`,
    entries: spec.bindings.map((b, binding) => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: BUFFER_TYPE[b.access] },
    })),
  });
  try {
    const pipeline = await device.createComputePipelineAsync({
      label: spec.label,
      layout: device.createPipelineLayout({ label: `${spec.label}.pipeline-layout`, bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: spec.entryPoint ?? 'main', constants },
    });
    return { pipeline, layout };
  } catch (cause) {
    throw new KernelSpecError(spec.label, `pipeline creation failed: ${(cause as Error).message}`);
  }
}

/**
 * Validates the spec, then returns its kernel; pipelines are compiled once per device and spec
 * (a WeakMap keyed by the device frees them with it).
 */
export async function createKernel(device: GPUDevice, spec: KernelSpec): Promise<Kernel> {
  const shader = validateKernelSpec(spec, device.limits);
  const constants = { ...spec.constants, [WORKGROUP_SIZE]: spec.workgroupSize };
  let cache = pipelineCache.get(device);
  if (!cache) pipelineCache.set(device, (cache = new Map()));
  const key = cacheKey(spec, shader.code, constants);
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = compile(device, spec, shader, constants);
    cache.set(key, compiled);
    compiled.catch(() => cache.delete(key));
  }
  const { pipeline, layout } = await compiled;
  return makeKernel(device, spec, pipeline, layout);
}

function makeKernel(
  device: GPUDevice,
  spec: KernelSpec,
  pipeline: GPUComputePipeline,
  layout: GPUBindGroupLayout,
): Kernel {
  const maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
  return {
    spec,
    pipeline,
    layout,
    bind(resources, label) {
      const names = new Set(spec.bindings.map((b) => b.name));
      for (const name of Object.keys(resources)) {
        if (!names.has(name)) {
          throw new KernelSpecError(spec.label, `bind() got '${name}', which is not one of its bindings (${[...names].join(', ')})`);
        }
      }
      const entries = spec.bindings.map((b, binding): GPUBindGroupEntry => {
        const resource = resources[b.name];
        if (!resource) throw new KernelSpecError(spec.label, `bind() is missing buffer '${b.name}'`);
        const buffer = 'buffer' in resource ? resource.buffer : resource;
        const size = 'buffer' in resource ? (resource.size ?? buffer.size - (resource.offset ?? 0)) : buffer.size;
        const limit = b.access === 'uniform' ? 'maxUniformBufferBindingSize' : 'maxStorageBufferBindingSize';
        checkLimit(device.limits, limit, size, `kernel '${spec.label}' binding '${b.name}'`);
        return { binding, resource: 'buffer' in resource ? resource : { buffer } };
      });
      return device.createBindGroup({ label: label ?? `${spec.label}.bind-group`, layout, entries });
    },
    dispatch(pass, bindGroup, invocations) {
      const [x, y] = dispatchGroups(invocations, spec.workgroupSize, maxGroups);
      if (x === 0) return;
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(x, y);
    },
  };
}
