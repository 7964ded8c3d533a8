/**
 * `npm run bench:heads`: the categorical head's sample and evaluate kernels at 4 096 rows of 4, 64
 * and 1 024 actions, without and with a mask, the engine's streaming row helpers beside the
 * private-row design they replaced where both apply (A ≤ 64). `--quick` times each case once
 * (CI); `--json <file>` keeps the numbers.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { Command } from 'commander';
import { checkGpuErrors } from '../../src/gpu/error-scope';
import { VERSION } from '../../src/index';
import { measureCategoricalHeads } from '../measure/categorical-heads';
import { acquireFromCli, addGpuOptions, type GpuCliOptions } from '../../src/cli/gpu-options';

/** Sampled actions may differ only where u sits within f32 rounding of a CDF boundary; log p and H agree to f32 rounding. */
const AGREEMENT = { sample: 1e-3, evaluate: 1e-4 };

export function benchHeadsCommand(): Command {
  return addGpuOptions(new Command('heads'))
    .description('categorical sample and evaluate kernels: streaming rows vs private-row copies')
    .option('--quick', 'one timed submit per case (CI)')
    .option('--json <file>', 'also write the numbers, with the adapter, as JSON')
    .action(async (options: GpuCliOptions & { quick?: boolean; json?: string }) => {
      const gpu = await acquireFromCli(options);
      try {
        console.log(`host 1-minute load average ${loadavg()[0]!.toFixed(2)}`);
        const repetition = options.quick ? { warmup: 1, repeats: 1 } : { warmup: 1, repeats: 5 };
        const rows = await checkGpuErrors(gpu.device, 'categorical heads', () => measureCategoricalHeads(gpu.device, { repetition }));
        console.log('kernel    rows   A      mask  streaming µs/dispatch   private-row µs/dispatch   streaming speed-up   difference');
        for (const r of rows) {
          const cell = (s: { median: number; min: number; max: number } | undefined) =>
            (s ? `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})` : '—').padEnd(26);
          console.log(
            `${r.kernel.padEnd(10)}${String(r.rows).padEnd(7)}${String(r.actions).padEnd(7)}${(r.masked ? 'yes' : 'no').padEnd(6)}` +
              `${cell(r.streamingMicroseconds)}${cell(r.privateRowMicroseconds)}` +
              `${r.streamingSpeedup === undefined ? '—'.padEnd(21) : `${r.streamingSpeedup.toFixed(2)}×`.padEnd(21)}${r.difference?.toExponential(1) ?? '—'}`,
          );
        }
        if (options.json) {
          const record = { benchmark: 'heads', version: VERSION, date: new Date().toISOString(), adapter: gpu.adapter, node: process.version, rows };
          await writeFile(options.json, `${JSON.stringify(record, null, 2)}\n`);
          console.log(`wrote ${options.json}`);
        }
        const disagreeing = rows.filter((r) => r.difference !== undefined && !(r.difference <= AGREEMENT[r.kernel]));
        if (disagreeing.length > 0) {
          throw new Error(`the two designs disagree: ${disagreeing.map((r) => `${r.kernel} A = ${r.actions} (${r.difference})`).join(', ')}`);
        }
      } finally {
        gpu.release();
      }
    });
}
