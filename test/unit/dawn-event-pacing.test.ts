/**
 * src/node/dawn-event-pacing.ts against a stand-in for Dawn's Node binding: a class whose method
 * returns a promise that a setImmediate pump resolves once its deadline passes, spinning for as long
 * as it is pending — as AsyncRunner::ScheduleProcessEvents does. Paced, the pump must turn far less
 * often while the promise still settles on time, with its value or its rejection.
 */
import { describe, expect, it } from 'vitest';
import { installDawnEventPacing, isDawnEventPacingInstalled } from '../../src/node/dawn-event-pacing';

/** A fresh GPUQueue/GPUBuffer stand-in per test: pacing wraps prototypes, once per class. */
function fakeDawn() {
  const stats = { turns: 0 };
  const pumpUntil = <T>(ms: number, settle: (resolve: (v: T) => void, reject: (e: Error) => void) => void) =>
    new Promise<T>((resolve, reject) => {
      const deadline = performance.now() + ms;
      const pump = () => {
        stats.turns += 1;
        if (performance.now() >= deadline) settle(resolve, reject);
        else setImmediate(pump);
      };
      setImmediate(pump);
    });
  class GPUQueue {
    onSubmittedWorkDone(ms = 40): Promise<string> {
      return pumpUntil(ms, (resolve) => resolve('done'));
    }
  }
  class GPUBuffer {
    mapAsync(ms = 20): Promise<void> {
      return pumpUntil(ms, (_, reject) => reject(new Error('mapping failed')));
    }
    unmap(): string {
      return 'not a promise';
    }
  }
  class GPUDevice {
    popErrorScope(): Promise<null> {
      return pumpUntil(1, (resolve) => resolve(null));
    }
  }
  class GPUShaderModule {}
  return { stats, globals: { GPUQueue, GPUBuffer, GPUDevice, GPUShaderModule } as Record<string, unknown>, GPUQueue, GPUBuffer, GPUDevice };
}

async function timedWait(queue: { onSubmittedWorkDone(ms?: number): Promise<string> }, ms: number) {
  const start = performance.now();
  const value = await queue.onSubmittedWorkDone(ms);
  return { value, elapsed: performance.now() - start };
}

describe('Dawn event pacing', () => {
  it('turns the pump ≥ 10× less often during a 40 ms wait, and still settles when it ends', async () => {
    const dawn = fakeDawn();
    const queue = new dawn.GPUQueue();
    await timedWait(queue, 40);
    const spinning = dawn.stats.turns;

    installDawnEventPacing(dawn.globals);
    expect(isDawnEventPacingInstalled(dawn.globals)).toBe(true);
    dawn.stats.turns = 0;
    const paced = await timedWait(queue, 40);
    console.log(`[event pacing] pump turns in a 40 ms wait: ${spinning} spinning, ${dawn.stats.turns} paced; paced wait ${paced.elapsed.toFixed(1)} ms`);
    expect(paced.value).toBe('done');
    expect(dawn.stats.turns * 10).toBeLessThan(spinning);
    expect(paced.elapsed).toBeGreaterThanOrEqual(40);
    // Overshoot: one slice (≤ 1 ms) plus however long the scheduler keeps a woken thread waiting
    // when the test files beside this one load both cores.
    expect(paced.elapsed).toBeLessThan(60);
  });

  it('passes rejections and non-promise results through, and wraps each method once', async () => {
    const dawn = fakeDawn();
    installDawnEventPacing(dawn.globals);
    const wrapped = dawn.GPUBuffer.prototype.mapAsync;
    installDawnEventPacing(dawn.globals);
    expect(dawn.GPUBuffer.prototype.mapAsync).toBe(wrapped);

    const buffer = new dawn.GPUBuffer();
    await expect(buffer.mapAsync(5)).rejects.toThrow('mapping failed');
    expect(buffer.unmap()).toBe('not a promise');
    // Overlapping waits: the pacer runs until the last settles, then stops (the process can idle).
    const queue = new dawn.GPUQueue();
    const device = new dawn.GPUDevice();
    const [a, b, c] = await Promise.all([queue.onSubmittedWorkDone(10), queue.onSubmittedWorkDone(25), device.popErrorScope()]);
    expect([a, b, c]).toEqual(['done', 'done', null]);
  });

  it('says it is not installed where the queue class is missing (another binding)', () => {
    const dawn = fakeDawn();
    const globals = { ...dawn.globals };
    delete globals.GPUQueue;
    installDawnEventPacing(globals);
    expect(isDawnEventPacingInstalled(globals)).toBe(false);
  });
});
