/**
 * env_sin / env_cos (shaders/envs/env_math.wgsl) against float64 Math.sin / Math.cos of the same
 * f32 inputs: within 2e-7 absolute over |x| ≤ 4 (every quadrant, both signs, 0 and multiples of
 * π/2 included) and over |x| ≤ 500 (argument reduction), where the built-ins may err by 2^-11.
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, createKernel, readBufferOnce } from '../../src/gpu/index';
import { freshSeed, seededRandom } from '../support/random';
import { gpuStep, useGpu } from '../support/gpu';
import dispatchWgsl from '../../shaders/common/dispatch.wgsl';
import envMathWgsl from '../../shaders/envs/env_math.wgsl';

const KERNEL = `override WORKGROUP_SIZE: u32 = 64u;
override COUNT: u32;
@group(0) @binding(0) var<storage, read_write> values: array<vec2f>;
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) global_id: vec3u, @builtin(num_workgroups) workgroups: vec3u) {
  let i = flat_index(global_id, workgroups);
  if (i >= COUNT) {
    return;
  }
  let x = values[i].x;
  values[i] = vec2f(env_sin(x), env_cos(x));
}`;

describe('env_math sin and cos', () => {
  const gpu = useGpu();

  it('agree with float64 within 2e-7 absolute', async () => {
    const seed = freshSeed();
    const random = seededRandom(seed);
    const special = [0, -0, Math.PI / 2, -Math.PI / 2, Math.PI, -Math.PI, (3 * Math.PI) / 4, 0.20943951, 1e-8];
    const inputs = Float32Array.from([
      ...special,
      ...Array.from({ length: 50_000 }, () => (2 * random() - 1) * 4),
      ...Array.from({ length: 50_000 }, () => (2 * random() - 1) * 500),
    ]);
    const count = inputs.length;
    const { device } = gpu();
    const kernel = await createKernel(device, {
      label: 'test.env_math',
      parts: [dispatchWgsl, envMathWgsl, { name: 'test.env_math.wgsl', code: KERNEL }],
      workgroupSize: 64,
      constants: { COUNT: count },
    });
    const set = new BufferSet(device, 'test.env_math', { values: { size: 8 * count } });
    try {
      const words = new Float32Array(2 * count);
      inputs.forEach((x, i) => (words[2 * i] = x));
      const bytes = await gpuStep(gpu(), 'env_math', async () => {
        device.queue.writeBuffer(set.buffers.values, 0, words);
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        kernel.dispatch(pass, kernel.bind({ values: set.buffers.values }), count);
        pass.end();
        device.queue.submit([encoder.finish()]);
        return readBufferOnce(device, set.buffers.values);
      });
      const out = new Float32Array(bytes);
      let worst = 0;
      let worstAt = 0;
      inputs.forEach((x, i) => {
        const error = Math.max(Math.abs(out[2 * i]! - Math.sin(x)), Math.abs(out[2 * i + 1]! - Math.cos(x)));
        if (!(error <= worst)) {
          worst = error; // NaN makes worst NaN and fails below
          worstAt = x;
        }
      });
      console.log(`[env_math] worst |error| ${worst.toExponential(2)} at x = ${worstAt}`);
      expect(worst, `seed ${seed}: worst at x = ${worstAt}`).toBeLessThanOrEqual(2e-7);
    } finally {
      set.destroy();
    }
  });
});
