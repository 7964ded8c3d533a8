/** The runtime's own kernels: a round trip for self-checks and benchmarks. */
import type { KernelSpec } from './kernel';
import { shaderFile } from './shaders';

/** out = a·x + y over N elements (override N); bindings: params {a: f32}, x, y, out. */
export const AXPY: KernelSpec = {
  label: 'runtime.axpy',
  parts: [shaderFile('common/dispatch.wgsl'), shaderFile('runtime/axpy.wgsl')],
  bindings: [
    { name: 'params', access: 'uniform' },
    { name: 'x', access: 'read' },
    { name: 'y', access: 'read' },
    { name: 'out', access: 'read_write' },
  ],
  workgroupSize: 64,
};
