/**
 * Matmul-shaped throughput: GFLOP/s (2·M·N·K per product) of the tiled MATMUL kernel, beside a
 * plain JavaScript loop on the same inputs in the same process. The dense layers of the policy and
 * value networks are this shape, so it is the ceiling for forward and backward passes.
 */
import { BufferSet } from '../../src/gpu/buffers';
import { createKernel } from '../../src/gpu/kernel';
import { readBufferOnce } from '../../src/gpu/readback';
import { matmulInvocations, matmulSpec, type MatmulShape } from '../../src/gpu/runtime-kernels';
import { matmulCpu } from './cpu-matmul';
import { sample, timeHost, timeSubmitted, type Repetition, type Samples } from './timing';

/** A shape to measure, with the words a reader knows it by. */
export interface MatmulCase {
  readonly name: string;
  readonly shape: MatmulShape;
}

export interface MatmulThroughputOptions {
  readonly gpu: Repetition;
  readonly cpu: Repetition;
}

export interface MatmulThroughputReport {
  readonly name: string;
  readonly shape: MatmulShape;
  /** Floating-point operations per product: 2·M·N·K. */
  readonly flops: number;
  readonly kernel: string;
  readonly gpuMilliseconds: Samples;
  /** From the median time. */
  readonly gpuGflops: number;
  readonly cpuMilliseconds: Samples;
  readonly cpuGflops: number;
  /** gpuGflops / cpuGflops. */
  readonly gpuOverCpu: number;
  /**
   * max |C_gpu − C_cpu| / max |C_cpu|: a check that the timed product is the product (float32 in
   * two summation orders agrees to about 1e-6; the kernel's exact test is test/gpu/matmul.test.ts).
   */
  readonly maxRelativeDifference: number;
}

/** Fresh float32 values uniform in [-1, 1). */
function randomMatrix(length: number): Float32Array<ArrayBuffer> {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i += 1) values[i] = Math.random() * 2 - 1;
  return values;
}

function maxRelativeDifference(gpu: Float32Array, cpu: Float32Array): number {
  let largest = 0;
  let difference = 0;
  for (let i = 0; i < cpu.length; i += 1) {
    largest = Math.max(largest, Math.abs(cpu[i]!));
    // NaN (an unwritten element) must not vanish in Math.max.
    difference = Number.isNaN(gpu[i]!) ? Infinity : Math.max(difference, Math.abs(gpu[i]! - cpu[i]!));
  }
  return largest > 0 ? difference / largest : difference;
}

/** Times one shape on the GPU (one product per submit) and on the CPU, on the same inputs. */
export async function measureMatmul(
  device: GPUDevice,
  matmulCase: MatmulCase,
  options: MatmulThroughputOptions,
): Promise<MatmulThroughputReport> {
  const { shape } = matmulCase;
  const { m, k, n } = shape;
  const flops = 2 * m * n * k;
  const a = randomMatrix(m * k);
  const b = randomMatrix(k * n);

  const spec = matmulSpec(shape);
  const kernel = await createKernel(device, spec);
  const buffers = new BufferSet(device, 'bench.matmul', {
    a: { size: a.byteLength },
    b: { size: b.byteLength },
    c: { size: m * n * 4 },
  });
  let gpuMilliseconds: Samples;
  let gpuResult: Float32Array;
  try {
    device.queue.writeBuffer(buffers.buffers.a, 0, a);
    device.queue.writeBuffer(buffers.buffers.b, 0, b);
    const bindGroup = kernel.bind(buffers.buffers);
    const invocations = matmulInvocations(shape);
    gpuMilliseconds = await sample(options.gpu, async () => {
      const encoder = device.createCommandEncoder({ label: 'bench.matmul' });
      const pass = encoder.beginComputePass({ label: 'bench.matmul' });
      kernel.dispatch(pass, bindGroup, invocations);
      pass.end();
      const commands = encoder.finish();
      return timeSubmitted(device.queue, () => device.queue.submit([commands]));
    });
    gpuResult = new Float32Array(await readBufferOnce(device, buffers.buffers.c));
  } finally {
    buffers.destroy();
  }

  const cpuResult = new Float32Array(m * n);
  const cpuMilliseconds = await sample(options.cpu, () => timeHost(() => matmulCpu(a, b, cpuResult, shape)));

  const gpuGflops = flops / (gpuMilliseconds.median * 1e6);
  const cpuGflops = flops / (cpuMilliseconds.median * 1e6);
  return {
    name: matmulCase.name,
    shape,
    flops,
    kernel: spec.label,
    gpuMilliseconds,
    gpuGflops,
    cpuMilliseconds,
    cpuGflops,
    gpuOverCpu: gpuGflops / cpuGflops,
    maxRelativeDifference: maxRelativeDifference(gpuResult, cpuResult),
  };
}
