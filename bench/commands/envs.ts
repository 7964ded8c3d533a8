/**
 * `npm run bench:envs`: env steps per second of every built-in env at 1, 64, 4 096 and 65 536
 * envs with a random policy (actions written once, many steps per submit), beside gymnax's
 * published CartPole figure for reference; then PPO training on CartPole-v1 as the WGSL env
 * against the same CartPole in JavaScript (a batched host env) at 4, 64 and 1 024 envs, with
 * where the host env's steps spent their time (bench/measure/host-env-training.ts).
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { Command } from 'commander';
import { checkGpuErrors } from '../../src/gpu/error-scope';
import { VERSION } from '../../src/index';
import { measureEnvThroughput, type EnvThroughputReport } from '../measure/env-throughput';
import { measureHostEnvTraining, type HostEnvTrainingReport } from '../measure/host-env-training';
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
        const hostReports = await hostVsWgsl(gpu.device, options.quick === true);
        if (options.json) {
          const record = {
            benchmark: 'envs',
            version: VERSION,
            date: new Date().toISOString(),
            adapter: gpu.adapter,
            gymnaxCartPoleA100StepsPerSecond: GYMNAX_CARTPOLE_A100_STEPS_PER_SECOND,
            reports,
            hostVsWgsl: hostReports,
          };
          await writeFile(options.json, `${JSON.stringify(record, null, 2)}\n`);
          console.log(`wrote ${options.json}`);
        }
      } finally {
        gpu.release();
      }
    });
}

/** PPO on CartPole-v1, WGSL env against the JavaScript one, at 4, 64 and 1024 envs: prints and returns the reports. */
async function hostVsWgsl(device: GPUDevice, quick: boolean): Promise<HostEnvTrainingReport[]> {
  // Quick (CI): short iterations, so that the six training runs fit in well under a minute here.
  const numSteps = quick ? 8 : 128;
  const iterations = quick ? 2 : 3;
  console.log(
    `\nhost env vs WGSL env: PPO training on CartPole-v1 (N envs × ${numSteps} steps, 4 epochs × 4 minibatches, ` +
      `${iterations - 1} timed iteration${iterations > 2 ? 's' : ''} after 1 warm-up), env steps/s; ` +
      'the host env\'s time per rollout step (all N envs) in µs',
  );
  const columns = ['N', 'WGSL SPS', 'host SPS', 'host/WGSL', 'step µs', 'JS step', 'validate', 'upload', 'readback', 'rest'];
  console.log(columns.map((c, i) => c.padStart(i === 0 ? 6 : 11)).join(''));
  const reports: HostEnvTrainingReport[] = [];
  for (const numEnvs of [4, 64, 1024]) {
    const r = await checkGpuErrors(device, `bench host vs WGSL CartPole × ${numEnvs}`, () => measureHostEnvTraining(device, { numEnvs, numSteps, iterations }));
    reports.push(r);
    const h = r.host;
    const cells = [formatRate(r.wgslStepsPerSecond), formatRate(r.hostStepsPerSecond), r.ratio.toFixed(2)];
    const micros = [h.totalUs, h.jsStepUs, h.validateUs, h.uploadUs, h.readbackWaitUs, h.restUs].map((us) => us.toFixed(0));
    console.log(`${String(numEnvs).padStart(6)}${[...cells, ...micros].map((c) => c.padStart(11)).join('')}`);
  }
  console.log('(readback: waiting for the actions, the GPU work of the segment before included; rest: encoding, submits, the update\'s GPU time)');
  return reports;
}

function formatRate(perSecond: number): string {
  if (perSecond >= 1e9) return `${(perSecond / 1e9).toFixed(2)} G`;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}
