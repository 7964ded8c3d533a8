/**
 * Dawn event pacing on the real binding (src/node/dawn-event-pacing.ts): while a long dispatch runs
 * on a software adapter, awaiting it must leave the main thread mostly asleep (its CPU time read
 * from /proc, Linux only) rather than spinning Dawn's event pump, and the wait must still end when
 * the work does.
 */
import { readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gpuStep, useGpu } from '../support/gpu';

/** CPU seconds (user + system) of this process's main thread, from /proc/self/task/<pid>/stat. */
function mainThreadCpuSeconds(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

// Each invocation iterates a logistic map: pure ALU work whose result is written, so it stays.
const BUSY_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
override ITERATIONS: u32 = 1u;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  var x = 0.1 + f32(id.x) * 1e-6;
  for (var i = 0u; i < ITERATIONS; i += 1u) { x = 3.9 * x * (1.0 - x); }
  out[id.x] = x;
}`;

describe.skipIf(!existsSync(`/proc/self/task/${process.pid}/stat`))('Dawn event pacing', () => {
  const gpu = useGpu();

  it('keeps the main thread mostly asleep while a ~0.5 s dispatch runs', async () => {
    const { device, adapter } = gpu();
    if (!adapter.isSoftware) {
      console.log('[event pacing] hardware adapter: pacing is off by default; nothing to measure');
      return;
    }
    expect(adapter.eventPacing).toBe(true);
    const out = device.createBuffer({ size: 4 * 64 * 64, usage: GPUBufferUsage.STORAGE });
    const module = device.createShaderModule({ code: BUSY_WGSL });
    const run = async (iterations: number) => {
      const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, constants: { ITERATIONS: iterations } } });
      const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] });
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(64);
      pass.end();
      const cpu = mainThreadCpuSeconds();
      const start = performance.now();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      return { wall: (performance.now() - start) / 1000, cpu: mainThreadCpuSeconds() - cpu };
    };
    await gpuStep(gpu(), 'busy dispatch', async () => {
      // Size the work to ~0.5 s on this adapter from a short probe.
      const probe = await run(20_000);
      const iterations = Math.max(20_000, Math.round((20_000 * 0.5) / Math.max(probe.wall, 1e-3)));
      const { wall, cpu } = await run(iterations);
      console.log(`[event pacing] ${iterations} iterations: wait ${wall.toFixed(3)} s, main thread CPU ${cpu.toFixed(2)} s (${((100 * cpu) / wall).toFixed(0)} %)`);
      expect(wall).toBeGreaterThan(0.2);
      // Spinning costs ~100 % of the wait; paced, a few percent (the /proc clock ticks at 10 ms).
      expect(cpu).toBeLessThan(0.25 * wall);
    });
    out.destroy();
  });
});
