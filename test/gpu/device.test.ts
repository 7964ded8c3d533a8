/**
 * Device acquisition: a real adapter with its provenance reported, the engine's limits requested,
 * a host's device shared rather than duplicated, and a lost device reported, never silent.
 */
import { describe, expect, it } from 'vitest';
import { acquireGpu, formatAdapter, MINIMUM_LIMITS, REQUESTED_LIMITS, type GpuLostReport } from '../../src/gpu/index';

describe('acquireGpu', () => {
  it('reports the adapter and requests the adapter’s best value for each limit the engine uses', async () => {
    const gpu = await acquireGpu();
    try {
      const { adapter, device } = gpu;
      console.log(`[webgpu-rl tests] adapter: ${formatAdapter(adapter)}`);
      expect(adapter.runtime).toBe('node-dawn');
      expect(adapter.vendor.length + adapter.architecture.length).toBeGreaterThan(0);
      if (/swiftshader/i.test(`${adapter.architecture} ${adapter.description}`)) expect(adapter.isSoftware).toBe(true);
      for (const name of REQUESTED_LIMITS) expect(device.limits[name]).toBeGreaterThanOrEqual(MINIMUM_LIMITS[name]);
    } finally {
      gpu.release();
    }
  });

  it('reports a lost device to onLost, and not when the engine released it itself', async () => {
    const reports: GpuLostReport[] = [];
    const gpu = await acquireGpu({ onLost: (report) => reports.push(report) });
    gpu.device.destroy(); // as a crashed GPU process or a host tearing down would
    const report = await gpu.lost;
    expect(report.reason).toBe('destroyed');
    expect(reports).toHaveLength(1);
    expect(gpu.isLost).toBe(true);

    const quiet: GpuLostReport[] = [];
    const released = await acquireGpu({ onLost: (r) => quiet.push(r) });
    released.release();
    await released.lost;
    expect(quiet).toHaveLength(0);
  });

  it('writes a lost device to console.error when no onLost is given', async () => {
    const logged: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args.join(' '));
    try {
      const gpu = await acquireGpu();
      gpu.device.destroy();
      await gpu.lost;
    } finally {
      console.error = original;
    }
    expect(logged.join('\n')).toMatch(/webgpu-rl: GPU device lost \(destroyed\)/);
  });

  it('shares a host device: same object, checked limits, never destroyed by release()', async () => {
    const host = await acquireGpu();
    const shared = await acquireGpu({ device: host.device });
    expect(shared.device).toBe(host.device);
    expect(shared.adapter.runtime).toBe('host-device');
    shared.release();
    // Still usable: release() of a shared device must not destroy the host's device.
    const buffer = host.device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE });
    buffer.destroy();
    expect(host.isLost).toBe(false);
    host.release();
  });

  it('rejects a host device below the engine’s minimum limits, naming the limit', async () => {
    const host = await acquireGpu();
    const limits = new Proxy(host.device.limits, {
      get: (target, name) => (name === 'maxStorageBuffersPerShaderStage' ? 4 : Reflect.get(target, name)),
    });
    const weak = new Proxy(host.device, { get: (target, name) => (name === 'limits' ? limits : Reflect.get(target, name)) });
    await expect(acquireGpu({ device: weak })).rejects.toThrow(
      'the host device passed to webgpu-rl has maxStorageBuffersPerShaderStage = 4; webgpu-rl needs at least 8',
    );
    host.release();
  });
});
