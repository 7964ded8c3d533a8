/**
 * `npm run bench:envs`: env steps per second of every built-in env at 1, 64, 4 096 and 65 536
 * envs with a random policy (actions written once, many steps per submit), beside gymnax's
 * published CartPole figure for reference; then PPO training on CartPole-v1 as the WGSL env
 * against the same CartPole in JavaScript (a batched host env), stepped whole and pipelined in
 * halves, at 4, 64 and 1 024 envs, with where the host env's steps spent their time
 * (bench/measure/host-env-training.ts).
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

/**
 * PPO on CartPole-v1 at 4, 64 and 1024 envs: the WGSL env, the JavaScript one stepped whole, and the
 * JavaScript one pipelined in halves, in an order rotated per N; prints and returns the reports.
 */
async function hostVsWgsl(device: GPUDevice, quick: boolean): Promise<HostEnvTrainingReport[]> {
  // Quick (CI): 4-step iterations, so that the nine training runs take about what the six of the
  // WGSL-against-whole comparison took at 8 steps (half a minute or so on a software adapter).
  const numSteps = quick ? 4 : 128;
  const iterations = quick ? 2 : 3;
  console.log(
    `\nhost env vs WGSL env: PPO training on CartPole-v1 (N envs × ${numSteps} steps, 4 epochs × 4 minibatches, ` +
      `${iterations - 1} timed iteration${iterations > 2 ? 's' : ''} after 1 warm-up), env steps/s; ` +
      'the JavaScript CartPole stepped whole and in two halves overlapping the GPU',
  );
  const columns = ['N', 'WGSL SPS', 'whole SPS', 'halves SPS', 'whole/WGSL', 'halves/WGSL', 'halves/whole', '  run order'];
  console.log(columns.map((c, i) => c.padStart(i === 0 ? 6 : 13)).join(''));
  const reports: HostEnvTrainingReport[] = [];
  const started = performance.now();
  for (const [k, numEnvs] of [4, 64, 1024].entries()) {
    const r = await checkGpuErrors(device, `bench host vs WGSL CartPole × ${numEnvs}`, () =>
      measureHostEnvTraining(device, { numEnvs, numSteps, iterations, rotation: k }),
    );
    reports.push(r);
    const cells = [
      formatRate(r.wgslStepsPerSecond),
      formatRate(r.unpipelined.stepsPerSecond),
      formatRate(r.pipelined.stepsPerSecond),
      r.unpipelined.ratioToWgsl.toFixed(2),
      r.pipelined.ratioToWgsl.toFixed(2),
      r.pipelinedSpeedup.toFixed(2),
    ];
    console.log(`${String(numEnvs).padStart(6)}${cells.map((c) => c.padStart(13)).join('')}   ${r.order.join(', ')}`);
  }
  console.log('\nthe host runs\' time per rollout step (all N envs; pipelined: both halves), µs');
  const breakdown = ['N', 'run', 'step', 'JS step', 'validate', 'upload', 'readback', 'rest'];
  console.log(breakdown.map((c, i) => c.padStart(i === 0 ? 6 : 11)).join(''));
  for (const r of reports) {
    for (const [run, h] of [['whole', r.unpipelined.perStep], ['halves', r.pipelined.perStep]] as const) {
      const micros = [h.totalUs, h.jsStepUs, h.validateUs, h.uploadUs, h.readbackWaitUs, h.restUs].map((us) => us.toFixed(0));
      console.log(`${String(r.numEnvs).padStart(6)}${[run, ...micros].map((c) => c.padStart(11)).join('')}`);
    }
  }
  console.log("(readback: waiting for the actions, the GPU's work not done by then included; rest: encoding, submits, the update's GPU time)");
  console.log(`(the nine training runs took ${((performance.now() - started) / 1000).toFixed(1)} s, trainer creation included)`);
  return reports;
}

function formatRate(perSecond: number): string {
  if (perSecond >= 1e9) return `${(perSecond / 1e9).toFixed(2)} G`;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}
