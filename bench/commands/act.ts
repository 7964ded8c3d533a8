/**
 * `npm run bench:act`: act() latency at batch 1, 16 and 256, the GPU's `agent.act()` beside the CPU policy's
 * (`agent.policy()`), for CartPole-v1's default 64-64 actor and a wide Pendulum-v1 actor (256-256),
 * with the CPU/GPU ratio of each percentile. `--quick` times few calls (CI); `--json <file>` keeps
 * the numbers.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { Command } from 'commander';
import { VERSION } from '../../src/index';
import { measureActLatency, type ActLatencyCase } from '../measure/act-latency';
import { acquireFromCli, addGpuOptions, type GpuCliOptions } from '../../src/cli/gpu-options';

const CASES: readonly ActLatencyCase[] = [{ env: 'CartPole-v1' }, { env: 'Pendulum-v1', hiddenSizes: [256, 256] }];
const BATCHES = [1, 16, 256] as const;

export function benchActCommand(): Command {
  return addGpuOptions(new Command('act'))
    .description('act() latency: GPU agent.act() vs the CPU policy of agent.policy(), batch 1, 16, 256')
    .option('--quick', 'few timed calls per case (CI)')
    .option('--json <file>', 'also write the numbers, with the adapter, as JSON')
    .action(async (options: GpuCliOptions & { quick?: boolean; json?: string }) => {
      const gpu = await acquireFromCli(options);
      try {
        console.log(`host 1-minute load average ${loadavg()[0]!.toFixed(2)}`);
        const repetition = options.quick ? { warmup: 2, repeats: 10 } : { warmup: 10, repeats: 200 };
        const rows = await measureActLatency(gpu.device, CASES, BATCHES, repetition);
        console.log(`sampled actions, ${repetition.repeats} timed calls per cell, milliseconds per call`);
        console.log('env           actor    batch  GPU p50   GPU p99   CPU p50   CPU p99   CPU/GPU p50  CPU/GPU p99');
        const ms = (v: number) => v.toFixed(3).padEnd(10);
        for (const r of rows) {
          console.log(
            `${r.env.padEnd(14)}${r.network.padEnd(9)}${String(r.batch).padEnd(7)}${ms(r.gpu.p50)}${ms(r.gpu.p99)}${ms(r.cpu.p50)}${ms(r.cpu.p99)}` +
              `${(r.cpu.p50 / r.gpu.p50).toFixed(3).padEnd(13)}${(r.cpu.p99 / r.gpu.p99).toFixed(3)}`,
          );
        }
        if (options.json) {
          const record = { benchmark: 'act', version: VERSION, date: new Date().toISOString(), adapter: gpu.adapter, node: process.version, rows };
          await writeFile(options.json, `${JSON.stringify(record, null, 2)}\n`);
          console.log(`wrote ${options.json}`);
        }
      } finally {
        gpu.release();
      }
    });
}
