/**
 * A per-pass profile of one training iteration from GPU timestamps: where the adapter's time goes,
 * kernel family by kernel family, inside one submit.
 *
 * The trainer is built on a profiling view of the device (a Proxy whose command encoders give each
 * compute pass a pair of `timestampWrites`); while armed, every pass of the iteration being encoded
 * writes its begin and end time, and the encoder's `finish()` resolves them into a buffer the
 * profile reads once that iteration is done. Unarmed, the view adds nothing to any command. Nothing
 * in the engine knows about it: the profile needs the adapter's 'timestamp-query' feature
 * (src/gpu/device.ts requests it where offered) and is skipped without it.
 *
 * Pass labels are the engine's own (`ppo.actor.backward`, `train.rollout.step`, …), grouped after
 * dropping digits. Time between one pass's end and the next one's beginning (copies, barriers, the
 * driver's own work) is reported as its own row.
 */
import { shareAdapter } from '../../src/gpu/device';

/** Most passes one profiled iteration may have (two queries each; WebGPU caps a query set at 4 096). */
const MAX_PASSES = 2048;

export interface PassProfileRow {
  /** The passes' label with digits dropped. */
  readonly label: string;
  readonly passes: number;
  readonly ms: number;
  /** Of the iteration's timestamped span (first pass's beginning to last pass's end). */
  readonly share: number;
}

export interface PassProfile {
  readonly rows: readonly PassProfileRow[];
  /** First pass's beginning to the last pass's end. */
  readonly spanMs: number;
  readonly passes: number;
  /** Passes beyond MAX_PASSES, not timed. */
  readonly untimedPasses: number;
}

export interface PassProfiler {
  /** The device to build the trainer on. */
  readonly device: GPUDevice;
  /** Times the passes of the next command encoder created on `device`, up to its `finish()`. */
  arm(): void;
  /** The armed encoder's profile, once its commands have run (awaits the queue). */
  collect(): Promise<PassProfile>;
  destroy(): void;
}

/** A profiler for `device`, or null where the adapter has no 'timestamp-query'. */
export function createPassProfiler(device: GPUDevice): PassProfiler | null {
  if (!device.features.has('timestamp-query')) return null;
  const querySet = device.createQuerySet({ label: 'bench.profile', type: 'timestamp', count: 2 * MAX_PASSES });
  const resolved = device.createBuffer({ label: 'bench.profile.resolve', size: 16 * MAX_PASSES, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ label: 'bench.profile.read', size: 16 * MAX_PASSES, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  let armed = false;
  let labels: string[] = [];
  let untimed = 0;
  let finished = false;

  const profilingEncoder = (encoder: GPUCommandEncoder): GPUCommandEncoder =>
    new Proxy(encoder, {
      get(target, property) {
        if (property === 'beginComputePass') {
          return (descriptor: GPUComputePassDescriptor = {}) => {
            if (labels.length >= MAX_PASSES) {
              untimed += 1;
              return target.beginComputePass(descriptor);
            }
            const index = labels.length;
            labels.push(descriptor.label ?? '(unlabelled)');
            return target.beginComputePass({ ...descriptor, timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * index, endOfPassWriteIndex: 2 * index + 1 } });
          };
        }
        if (property === 'finish') {
          return (descriptor?: GPUCommandBufferDescriptor) => {
            if (labels.length > 0) {
              target.resolveQuerySet(querySet, 0, 2 * labels.length, resolved, 0);
              target.copyBufferToBuffer(resolved, 0, readback, 0, 16 * labels.length);
            }
            finished = true;
            return target.finish(descriptor);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

  const view = new Proxy(device, {
    get(target, property) {
      if (property === 'createCommandEncoder') {
        return (descriptor?: GPUCommandEncoderDescriptor) => {
          const encoder = target.createCommandEncoder(descriptor);
          if (!armed) return encoder;
          armed = false;
          return profilingEncoder(encoder);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  // Kernel choices that depend on the adapter (the rollout's fused steps) see the device's.
  shareAdapter(view, device);

  return {
    device: view,
    arm() {
      armed = true;
      labels = [];
      untimed = 0;
      finished = false;
    },
    async collect() {
      if (!finished) throw new Error('pass profile: the armed encoder was never finished (was an iteration encoded after arm()?)');
      await device.queue.onSubmittedWorkDone();
      await readback.mapAsync(GPUMapMode.READ, 0, 16 * labels.length);
      const stamps = new BigUint64Array(readback.getMappedRange(0, 16 * labels.length).slice(0));
      readback.unmap();
      const byLabel = new Map<string, { passes: number; ns: number }>();
      const add = (label: string, ns: number) => {
        const row = byLabel.get(label) ?? { passes: 0, ns: 0 };
        row.passes += 1;
        row.ns += ns;
        byLabel.set(label, row);
      };
      for (let i = 0; i < labels.length; i += 1) {
        const begin = stamps[2 * i]!;
        const end = stamps[2 * i + 1]!;
        add(labels[i]!.replace(/\d+/g, '#'), end > begin ? Number(end - begin) : 0);
        if (i > 0) {
          const previousEnd = stamps[2 * i - 1]!;
          add('(between passes)', begin > previousEnd ? Number(begin - previousEnd) : 0);
        }
      }
      const first = stamps[0] ?? 0n;
      const last = stamps[2 * labels.length - 1] ?? 0n;
      const spanNs = last > first ? Number(last - first) : 0;
      const rows = [...byLabel.entries()]
        .map(([label, r]) => ({ label, passes: r.passes, ms: r.ns / 1e6, share: spanNs > 0 ? r.ns / spanNs : 0 }))
        .sort((a, b) => b.ms - a.ms);
      return { rows, spanMs: spanNs / 1e6, passes: labels.length, untimedPasses: untimed };
    },
    destroy() {
      querySet.destroy();
      resolved.destroy();
      readback.destroy();
    },
  };
}
