/**
 * Kernels: a typed spec (label, WGSL parts, workgroup size, override constants) becomes an explicit
 * bind-group layout and a compute pipeline, cached per device. A kernel is declared once, in its
 * WGSL: the bindings (group 0, binding index, buffer type and access) are read from the assembled
 * source, and `bind()` names buffers by the WGSL's variable names. The cache key is derived from
 * everything that shapes the pipeline, never written by hand.
 */
import { dispatchGroups } from './dispatch';
import { checkLimit } from './limits';
import { assembleShader, locate, type AssembledShader, type ShaderPart } from './shaders';
import { parseWgslBindings, type BindingAccess, type WgslBinding } from './wgsl-bindings';

export type { BindingAccess, WgslBinding } from './wgsl-bindings';

/**
 * Everything that defines a kernel. Every kernel's WGSL declares `override WORKGROUP_SIZE: u32`
 * and uses it in `@workgroup_size`; `workgroupSize` sets it. The bindings are the `@group(0)
 * @binding(i) var<…>` declarations of the parts.
 */
export interface KernelSpec {
  readonly label: string;
  /** Include-only modules first, the file with the entry point last. */
  readonly parts: readonly ShaderPart[];
  readonly workgroupSize: number;
  /** WGSL `override` values other than WORKGROUP_SIZE (sizes, flags). */
  readonly constants?: Readonly<Record<string, number>>;
  /** Default `main`. */
  readonly entryPoint?: string;
}

/** A spec with its sizes filled in (override constants), and the invocations one dispatch of it runs. */
export interface SizedKernel {
  readonly spec: KernelSpec;
  readonly invocations: number;
}

/** A spec checked against its WGSL: the assembled source and the bindings it declares, by binding index. */
export interface ValidatedKernel {
  readonly shader: AssembledShader;
  readonly bindings: readonly WgslBinding[];
}

export interface Kernel {
  readonly spec: KernelSpec;
  /** The WGSL's bindings in binding order. */
  readonly bindings: readonly WgslBinding[];
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /**
   * A bind group over buffers named as the WGSL names its bindings; every binding must be given,
   * with a buffer whose usage fits (STORAGE or UNIFORM) and within the binding-size limits.
   */
  bind(resources: Readonly<Record<string, GPUBuffer | GPUBufferBinding>>, label?: string): GPUBindGroup;
  /** Sets pipeline and bind group, and dispatches enough workgroups for `invocations` threads. */
  dispatch(pass: GPUComputePassEncoder, bindGroup: GPUBindGroup, invocations: number): void;
}

/** A WGSL compile error, each message located in the file (or custom env) a person wrote. */
export class ShaderCompileError extends Error {
  constructor(
    /** The kernel's label, e.g. 'reduce.moments_finalise'. */
    readonly kernel: string,
    /** The compiler's errors, each located in the part (file or custom env) that holds its line. */
    readonly diagnostics: readonly {
      /** The part's name: a file under shaders/, a custom env's id, or '<module>' for an error with no location. */
      part: string;
      /** 1-based line in that part (0 for '<module>'). */
      line: number;
      /** 1-based column. */
      column: number;
      /** The compiler's message. */
      message: string;
    }[],
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
 * Checks a spec against its assembled WGSL (bindings in group 0 with distinct indices, declared
 * overrides) and, given device limits, against those. Throws KernelSpecError or GpuLimitError;
 * returns the assembled shader and its bindings.
 */
export function validateKernelSpec(spec: KernelSpec, limits?: GPUSupportedLimits): ValidatedKernel {
  const fail = (problem: string): never => {
    throw new KernelSpecError(spec.label, problem);
  };
  if (spec.parts.length === 0) fail('has no WGSL parts');
  const shader = assembleShader(spec.parts);

  const bindings = parseWgslBindings(shader.code).sort((a, b) => a.binding - b.binding);
  const where = (line: number) => {
    const at = locate(shader, line);
    return `${at.part}:${at.line}`;
  };
  bindings.forEach((d, i) => {
    if (d.group !== 0) fail(`${d.name} (${where(d.line)}) is in @group(${d.group}); kernels use group 0 only`);
    const previous = bindings[i - 1];
    if (previous && previous.binding === d.binding) {
      fail(`'${previous.name}' (${where(previous.line)}) and '${d.name}' (${where(d.line)}) both use @binding(${d.binding})`);
    }
  });

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
    const storage = bindings.filter((b) => b.access !== 'uniform').length;
    checkLimit(limits, 'maxStorageBuffersPerShaderStage', storage, `${what} storage bindings`);
    const uniforms = bindings.length - storage;
    checkLimit(limits, 'maxUniformBuffersPerShaderStage', uniforms, `${what} uniform bindings`);
  }
  return { shader, bindings };
}

interface CompiledKernel {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

const pipelineCache = new WeakMap<GPUDevice, Map<string, Promise<CompiledKernel>>>();

function cacheKey(spec: KernelSpec, code: string, constants: Record<string, number>): string {
  const sortedConstants = Object.keys(constants).sort().map((k) => [k, constants[k]]);
  // The bindings are a function of the code, so the code keys them too.
  return JSON.stringify([code, spec.entryPoint ?? 'main', sortedConstants]);
}

const BUFFER_TYPE: Record<BindingAccess, GPUBufferBindingType> = {
  uniform: 'uniform',
  read: 'read-only-storage',
  read_write: 'storage',
};

async function compile(
  device: GPUDevice,
  spec: KernelSpec,
  { shader, bindings }: ValidatedKernel,
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
    entries: bindings.map((b) => ({
      binding: b.binding,
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
  const validated = validateKernelSpec(spec, device.limits);
  const constants = { ...spec.constants, [WORKGROUP_SIZE]: spec.workgroupSize };
  let cache = pipelineCache.get(device);
  if (!cache) pipelineCache.set(device, (cache = new Map()));
  const key = cacheKey(spec, validated.shader.code, constants);
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = compile(device, spec, validated, constants);
    cache.set(key, compiled);
    compiled.catch(() => cache.delete(key));
  }
  const { pipeline, layout } = await compiled;
  return makeKernel(device, spec, validated.bindings, pipeline, layout);
}

const REQUIRED_USAGE: Record<BindingAccess, { flag: number; name: string }> = {
  uniform: { flag: 0x0040, name: 'UNIFORM' }, // GPUBufferUsage.UNIFORM
  read: { flag: 0x0080, name: 'STORAGE' }, // GPUBufferUsage.STORAGE
  read_write: { flag: 0x0080, name: 'STORAGE' },
};

function describeResource(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  const label = (value as { label?: string }).label;
  return `${(value as object).constructor?.name ?? 'object'}${label ? ` '${label}'` : ''}`;
}

/** The buffer entry of `binding`, checked: a GPUBuffer (or binding of one) with the usage and size it needs. */
function bindingEntry(device: GPUDevice, spec: KernelSpec, binding: WgslBinding, resource: unknown): GPUBindGroupEntry {
  const fail = (problem: string): never => {
    throw new KernelSpecError(spec.label, `binding '${binding.name}' (${binding.access}): ${problem}`);
  };
  if (resource === undefined) fail('no buffer was given');
  const isBinding = typeof resource === 'object' && resource !== null && 'buffer' in resource;
  const buffer = (isBinding ? (resource as GPUBufferBinding).buffer : resource) as GPUBuffer;
  if (typeof buffer !== 'object' || buffer === null || typeof buffer.usage !== 'number' || typeof buffer.size !== 'number') {
    fail(`got ${describeResource(resource)}, not a GPUBuffer or { buffer, offset?, size? }`);
  }
  const usage = REQUIRED_USAGE[binding.access];
  if ((buffer.usage & usage.flag) === 0) fail(`buffer '${buffer.label}' lacks GPUBufferUsage.${usage.name}`);
  const view = resource as GPUBufferBinding;
  const size = isBinding ? (view.size ?? buffer.size - (view.offset ?? 0)) : buffer.size;
  const limit = binding.access === 'uniform' ? 'maxUniformBufferBindingSize' : 'maxStorageBufferBindingSize';
  checkLimit(device.limits, limit, size, `kernel '${spec.label}' binding '${binding.name}'`);
  return { binding: binding.binding, resource: isBinding ? view : { buffer } };
}

function makeKernel(
  device: GPUDevice,
  spec: KernelSpec,
  bindings: readonly WgslBinding[],
  pipeline: GPUComputePipeline,
  layout: GPUBindGroupLayout,
): Kernel {
  const maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
  const names = new Set(bindings.map((b) => b.name));
  return {
    spec,
    bindings,
    pipeline,
    layout,
    bind(resources, label) {
      for (const name of Object.keys(resources)) {
        if (!names.has(name)) {
          throw new KernelSpecError(spec.label, `bind() got '${name}', which is not one of its WGSL bindings (${[...names].join(', ')})`);
        }
      }
      const entries = bindings.map((b) => bindingEntry(device, spec, b, resources[b.name]));
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
