/**
 * The error of a lost device, in a file of its own: a page that trains in a worker
 * (src/worker/worker-agent.ts) raises it without loading the Agent.
 */
import type { GpuLostReport } from '../gpu/device';

/** The device was lost (GPU process restart, driver reset, device.destroy()); `resume()` continues. */
export class DeviceLostError extends Error {
  constructor(
    /** Why the device was lost. */
    readonly report: GpuLostReport,
    /** The iteration of the last checkpoint, which resume() continues from; null: none was saved. */
    readonly lastCheckpointIteration: number | null,
  ) {
    super(
      `the GPU device was lost (${report.reason}: ${report.message || 'no message'}); ` +
        (lastCheckpointIteration === null ? 'no checkpoint was saved yet: create the agent again' : `call resume() to continue from the checkpoint of iteration ${lastCheckpointIteration}`),
    );
    this.name = 'DeviceLostError';
  }
}

