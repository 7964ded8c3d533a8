/**
 * `npm run bench:envs`: env steps per second of every built-in env at 1, 64, 4 096 and 65 536
 * envs with a random policy (actions written once, many steps per submit), beside gymnax's
 * published CartPole figure for reference.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { Command } from 'commander';
import { checkGpuErrors } from '../../src/gpu/error-scope';
import { VERSION } from '../../src/index';
import { measureEnvThroughput, type EnvThroughputReport } from '../measure/env-throughput';
import { BUILTIN_ENVS } from '../../src/envs/registry';
import { acquireFromCli, addGpuOptions, type GpuCliOptions } from '../../src/cli/gpu-options';

/** gymnax README: CartPole random-policy stepping, 2 000 envs on an A100, 0.05 s per 1 M steps. */
export const GYMNAX_CARTPOLE_A100_STEPS_PER_SECOND = 1e6 / 0.05;

export function benchEnvsCommand(): Command {
  return addGpuOptions(new Command('envs'))
    .description('env steps per second of each built-in env at 1, 64, 4096 and 65536 envs (random policy)')
    .option('--quick', 'env counts 1, 64 and 4096 only, short submits (CI)')
    .option('--json <file>', 'also write the numbers, with the adapter, as JSON')
    .action(async (options: GpuCliOptions & { quick?: boolean; json?: string }) => {
      const gpu = await acquireFromCli(options);
      try {
        const counts = options.quick ? [1, 64, 4096] : [1, 64, 4096, 65_536];
        const repetition = options.quick ? { warmup: 1, repeats: 1 } : { warmup: 1, repeats: 3 };
        const target = options.quick ? 50 : 200;
        // A software adapter shares the CPU with everything else: the load says how much it had.
        console.log(`host 1-minute load average ${loadavg()[0]!.toFixed(2)}`);
        console.log(
          `reference: gymnax CartPole-v1, random policy, 2000 envs on an A100: ` +
            `${(GYMNAX_CARTPOLE_A100_STEPS_PER_SECOND / 1e6).toFixed(0)} M steps/s (0.05 s per 1 M steps, gymnax README)`,
        );
        console.log(`${'env'.padEnd(28)}${counts.map((n) => `${n} envs`.padStart(16)).join('')}   (env steps/s; steps per submit)`);
        const reports: EnvThroughputReport[] = [];
        for (const env of BUILTIN_ENVS) {
          const cells: string[] = [];
          for (const numEnvs of counts) {
            const r = await checkGpuErrors(gpu.device, `bench ${env.id} × ${numEnvs}`, () =>
              measureEnvThroughput(gpu.device, env, numEnvs, repetition, target),
            );
            reports.push(r);
            cells.push(`${formatRate(r.envStepsPerSecond)} (${r.stepsPerSubmit})`.padStart(16));
          }
          console.log(`${env.id.padEnd(28)}${cells.join('')}`);
        }
        if (options.json) {
          const record = {
            benchmark: 'envs',
            version: VERSION,
            date: new Date().toISOString(),
            adapter: gpu.adapter,
            gymnaxCartPoleA100StepsPerSecond: GYMNAX_CARTPOLE_A100_STEPS_PER_SECOND,
            reports,
          };
          await writeFile(options.json, `${JSON.stringify(record, null, 2)}\n`);
          console.log(`wrote ${options.json}`);
        }
      } finally {
        gpu.release();
      }
    });
}

function formatRate(perSecond: number): string {
  if (perSecond >= 1e9) return `${(perSecond / 1e9).toFixed(2)} G`;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}
