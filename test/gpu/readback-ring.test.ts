/**
 * The staging ring: copies recorded into free slots, collected after submit, never waiting on a map
 * (a full ring drops instead of blocking), no allocation after construction, and counters that let
 * a training loop assert "one readback per iteration".
 */
import { describe, expect, it } from 'vitest';
import { BufferSet, gpuCounters, ReadbackRing } from '../../src/gpu/index';
import { useGpu } from '../support/gpu';

describe('ReadbackRing', () => {
  const gpu = useGpu();

  it('returns each iteration’s bytes, in order, without allocating after construction', async () => {
    const { device } = gpu();
    const statistics = new BufferSet(device, 'ring-test', { block: { size: 64 } });
    const ring = new ReadbackRing(device, { label: 'ring-test.stats', byteLength: 64, slots: 3 });
    const created = gpuCounters(device).buffersCreated;
    const readbacks = gpuCounters(device).readbacks;

    const pending: Promise<ArrayBuffer>[] = [];
    for (let iteration = 0; iteration < 10; iteration += 1) {
      // Each "iteration" writes its number into the block, then records the copy.
      device.queue.writeBuffer(statistics.buffers.block, 0, new Float32Array(16).fill(iteration));
      const encoder = device.createCommandEncoder();
      const ticket = ring.record(encoder, statistics.buffers.block);
      device.queue.submit([encoder.finish()]);
      expect(ticket, `iteration ${iteration} found no free slot`).not.toBeNull();
      pending.push(ring.collect(ticket!));
      // Consume one iteration late, like the trainer: at most two copies in flight here.
      if (pending.length > 1) {
        const bytes = await pending.shift()!;
        expect(new Float32Array(bytes)[0]).toBe(iteration - 1);
      }
    }
    expect(new Float32Array(await pending.shift()!)[15]).toBe(9);
    expect(gpuCounters(device).buffersCreated).toBe(created);
    expect(gpuCounters(device).readbacks - readbacks).toBe(10);
    expect(ring.dropped).toBe(0);
    ring.destroy();
    statistics.destroy();
  });

  it('drops, instead of waiting, when every slot is in flight', async () => {
    const { device } = gpu();
    const source = new BufferSet(device, 'ring-full', { block: { size: 16 } });
    const ring = new ReadbackRing(device, { label: 'ring-full.stats', byteLength: 16, slots: 2 });
    const encoder = device.createCommandEncoder();
    const a = ring.record(encoder, source.buffers.block);
    const b = ring.record(encoder, source.buffers.block);
    const c = ring.record(encoder, source.buffers.block);
    device.queue.submit([encoder.finish()]);
    expect(a?.slot).toBe(0);
    expect(b?.slot).toBe(1);
    expect(c).toBeNull();
    expect(ring.dropped).toBe(1);
    expect(ring.inFlight).toBe(2);
    await Promise.all([ring.collect(a!), ring.collect(b!)]);
    expect(ring.inFlight).toBe(0);
    ring.destroy();
    expect(() => ring.record(device.createCommandEncoder(), source.buffers.block)).toThrow(/was destroyed/);
    source.destroy();
  });

  it('recordAt copies a slice into a named slot ahead of its submit; collectInto writes it at an offset without allocating', async () => {
    const { device } = gpu();
    const source = new BufferSet(device, 'ring-at', { block: { size: 32 } });
    device.queue.writeBuffer(source.buffers.block, 0, Uint32Array.from({ length: 8 }, (_, i) => 100 + i));
    const ring = new ReadbackRing(device, { label: 'ring-at.rows', byteLength: 32, slots: 2 });
    const created = gpuCounters(device).buffersCreated;
    const target = new Uint32Array(8).fill(7);
    const bytes = new Uint8Array(target.buffer);
    // Two copies recorded into slot 1 before either is submitted, as a rollout's segments are.
    const first = device.createCommandEncoder();
    const a = ring.recordAt(first, 1, source.buffers.block, 16, 8);
    const second = device.createCommandEncoder();
    const b = ring.recordAt(second, 1, source.buffers.block, 24, 8);
    expect(a).toEqual({ slot: 1, byteLength: 8 });
    device.queue.submit([first.finish()]);
    await ring.collectInto(a, bytes, 4);
    device.queue.submit([second.finish()]);
    await ring.collectInto(b, bytes, 20);
    expect([...target]).toEqual([7, 104, 105, 7, 7, 106, 107, 7]);
    expect(gpuCounters(device).buffersCreated).toBe(created);
    expect(() => ring.recordAt(device.createCommandEncoder(), 2, source.buffers.block)).toThrow(
      "readback ring 'ring-at.rows': slot must be an integer in [0, 1] (got 2)",
    );
    expect(() => ring.recordAt(device.createCommandEncoder(), 0, source.buffers.block, 0, 6)).toThrow(
      "readback ring 'ring-at.rows': byteLength must be a positive multiple of 4 up to 32 (got 6)",
    );
    await expect(ring.collectInto(a, bytes, 28)).rejects.toThrow("collectInto needs offset + 8 bytes within the target's 32 (got offset 28)");
    ring.destroy();
    source.destroy();
  });

  it('counts buffers created and destroyed by a set', () => {
    const { device } = gpu();
    const before = { ...gpuCounters(device) };
    const set = new BufferSet(device, 'counted', { a: { size: 4 }, b: { size: 10 } });
    expect(gpuCounters(device).buffersCreated - before.buffersCreated).toBe(2);
    // Sizes round up to whole 4-byte words.
    expect(set.buffers.b.size).toBe(12);
    expect(set.buffers.a.label).toBe('counted.a');
    set.destroy();
    set.destroy();
    expect(gpuCounters(device).buffersDestroyed - before.buffersDestroyed).toBe(2);
  });
});
