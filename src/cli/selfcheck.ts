/** `webgpu-rl selfcheck`: adapter report and a kernel round trip checked element by element. */
import { Command } from 'commander';
import { runSelfCheck } from '../gpu/index';
import { acquireFromCli, addGpuOptions, type GpuCliOptions } from './gpu-options';

export function selfcheckCommand(): Command {
  return addGpuOptions(new Command('selfcheck'))
    .description('report the WebGPU adapter and run one kernel round trip')
    .option('--elements <n>', 'elements in the round trip', (v) => Number(v), 100_003)
    .action(async (options: GpuCliOptions & { elements: number }) => {
      if (!Number.isInteger(options.elements) || options.elements < 1) {
        throw new RangeError(`--elements must be a positive integer (got ${options.elements})`);
      }
      const gpu = await acquireFromCli(options);
      try {
        const report = await runSelfCheck(gpu, options.elements);
        console.log(
          `axpy round trip: ${report.elements} elements in ${report.workgroups.join('×')} workgroups, ` +
            `max |error| ${report.maxAbsError.toExponential(2)}, unwritten ${report.unwritten}, ` +
            `${report.milliseconds.toFixed(1)} ms`,
        );
        console.log(report.ok ? 'selfcheck: ok' : 'selfcheck: FAILED');
        if (!report.ok) process.exitCode = 1;
      } finally {
        gpu.release();
      }
    });
}
