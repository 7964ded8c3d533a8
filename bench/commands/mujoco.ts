/**
 * `npm run bench:mujoco`: the MuJoCo locomotion envs (webgpu-rl/mujoco) on the CPU. First, what one
 * env step costs per instance at 1, 16 and 64 instances with a random policy: the env's stepBatch,
 * the physics alone, the observation copy and the binding's crossings (bench/measure/mujoco-steps.ts);
 * then PPO training SPS on Hopper-v5 at 1, 16 and 64 envs (a batch of 2 048 steps each), pipelined
 * in halves (no normalisers) and with its PPO defaults (CleanRL's normalisers: stepped whole), and
 * on Humanoid-v5 with the locomotion preset, with the game's JavaScript time per instance step from
 * the host vector env's own timings. Needs `@mujoco/mujoco`.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { Command } from 'commander';
import { checkGpuErrors } from '../../src/gpu/error-scope';
import { hostEnvTimings, type HostEnvTimings } from '../../src/envs/host-env';
import type { HostEnvBatch } from '../../src/envs/batched-host-env';
import { VERSION } from '../../src/index';
import { loadMujoco, mujocoEnv, MUJOCO_ENV_IDS, type MujocoEnvId, type MujocoModule } from '../../src/mujoco/index';
import { PRESETS } from '../../src/algos/presets';
import type { PpoConfig } from '../../src/algos/ppo/config';
import { acquireFromCli, addGpuOptions, type GpuCliOptions } from '../../src/cli/gpu-options';
import { measureMujocoSteps, type MujocoStepReport } from '../measure/mujoco-steps';
import { runEnginePpo } from '../peers/engine-ppo';

/** One PPO run's throughput on a locomotion env. */
interface PpoReport {
  readonly env: MujocoEnvId;
  readonly numEnvs: number;
  readonly numSteps: number;
  /** halves: no normalisers (pipelined in halves); defaults: the env's PPO defaults; preset: PRESETS.locomotion. */
  readonly run: 'halves' | 'defaults' | 'preset';
  readonly stepsPerSecond: number;
  /** The game's stepBatch and resetBatch, µs per instance step (HostEnvTimings.jsStepMs). */
  readonly jsStepUs: number;
  /** The rest of an instance step's share of the iteration: GPU, readback, uploads, update. */
  readonly restUs: number;
}

export function benchMujocoCommand(): Command {
  return addGpuOptions(new Command('mujoco'))
    .description('MuJoCo locomotion envs: CPU cost per env step at 1, 16 and 64 envs, and PPO SPS on Hopper-v5 and Humanoid-v5')
    .option('--quick', 'fewer steps and shorter PPO runs (CI)')
    .option('--json <file>', 'also write the numbers, with the adapter, as JSON')
    .action(async (options: GpuCliOptions & { quick?: boolean; json?: string }) => {
      const mujoco = await loadMujoco();
      console.log(`MuJoCo ${(mujoco as unknown as { mj_versionString(): string }).mj_versionString()} (single-threaded WebAssembly), Node ${process.version}`);
      console.log(`host 1-minute load average ${loadavg()[0]!.toFixed(2)}`);
      const steps = await stepCosts(mujoco, options.quick === true);
      const gpu = await acquireFromCli(options);
      try {
        const ppo = await ppoThroughput(gpu.device, mujoco, options.quick === true);
        if (options.json) {
          const record = { benchmark: 'mujoco', version: VERSION, date: new Date().toISOString(), adapter: gpu.adapter, node: process.version, steps, ppo };
          await writeFile(options.json, `${JSON.stringify(record, null, 2)}\n`);
          console.log(`wrote ${options.json}`);
        }
      } finally {
        gpu.release();
      }
    });
}

/** The per-step cost table: each env at 1, 16 and 64 instances. */
async function stepCosts(mujoco: MujocoModule, quick: boolean): Promise<MujocoStepReport[]> {
  const repetition = quick ? { warmup: 1, repeats: 1 } : { warmup: 1, repeats: 7 };
  const steps = quick ? 50 : 200;
  console.log(`\nµs per instance step, random policy, median (min–max) of ${repetition.repeats} interleaved repeats × ${steps} steps`);
  const columns = ['env', 'N', 'env step', 'physics', 'binding', 'obs copy', 'env − physics (min)', 'steps/s'];
  console.log(columns.map((c, i) => (i === 0 ? c.padEnd(16) : c.padStart(i === 1 ? 5 : 20))).join(''));
  const reports: MujocoStepReport[] = [];
  for (const id of MUJOCO_ENV_IDS) {
    const env = await mujocoEnv(id, { mujoco });
    try {
      for (const numEnvs of [1, 16, 64]) {
        const r = measureMujocoSteps(mujoco, env, numEnvs, { steps, repetition });
        reports.push(r);
        const cell = (s: { median: number; min: number; max: number }) => `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(0)})`;
        const cells = [cell(r.envStepUs), cell(r.physicsUs), cell(r.bindingUs), cell(r.observationUs), (r.envStepUs.min - r.physicsUs.min).toFixed(1), r.stepsPerSecond.toFixed(0)];
        console.log(`${env.name.padEnd(16)}${String(numEnvs).padStart(5)}${cells.map((c) => c.padStart(20)).join('')}`);
      }
    } finally {
      env.close();
    }
  }
  console.log('(binding: the physics\' frameSkip + 1 calls with (model, data), each doing next to nothing in C)');
  return reports;
}

/** One PPO throughput row: an env, a size and a config over the env's PPO defaults. */
interface PpoRow {
  readonly envId: MujocoEnvId;
  readonly numEnvs: number;
  readonly numSteps: number;
  readonly run: PpoReport['run'];
  readonly config: PpoConfig;
}

/**
 * The rows: Hopper-v5 at 1, 16 and 64 envs with CleanRL's batch of 2 048 steps (1 × 2 048, as
 * ppo_continuous_action.py, then 16 × 128 and 64 × 32), in halves (no normalisers) and with its
 * defaults (normalised, stepped whole); then Humanoid-v5 with the locomotion preset (64 × 32,
 * [256, 256], 4 epochs × 32 minibatches) unless quick.
 */
function ppoRows(quick: boolean): PpoRow[] {
  const rows: PpoRow[] = [];
  for (const numEnvs of [1, 16, 64]) {
    const numSteps = quick ? 16 : 2048 / numEnvs;
    rows.push({ envId: 'Hopper-v5', numEnvs, numSteps, run: 'halves', config: { normObs: false, normReward: false } });
    rows.push({ envId: 'Hopper-v5', numEnvs, numSteps, run: 'defaults', config: {} });
  }
  if (!quick) {
    const { algo: _algo, totalTimesteps: _budget, numEnvs, numSteps, ...preset } = PRESETS.locomotion;
    rows.push({ envId: 'Humanoid-v5', numEnvs: numEnvs!, numSteps: numSteps!, run: 'preset', config: preset });
  }
  return rows;
}

/** PPO SPS for each row of {@link ppoRows}, with the game's JavaScript time per instance step. */
async function ppoThroughput(device: GPUDevice, mujoco: MujocoModule, quick: boolean): Promise<PpoReport[]> {
  const iterations = quick ? 2 : 3;
  console.log(
    `\nPPO on Hopper-v5 (its PPO defaults: 10 epochs × 8 minibatches, [64, 64]) and Humanoid-v5 (--preset locomotion); ` +
      `${iterations - 1} timed iteration${iterations > 2 ? 's' : ''} after 1 warm-up`,
  );
  console.log(['env', 'N × T', 'run', 'SPS', 'JS µs/step', 'rest µs/step'].map((c, i) => (i === 0 ? c.padEnd(14) : c.padStart(14))).join(''));
  const reports: PpoReport[] = [];
  for (const { envId, numEnvs, numSteps, run, config } of ppoRows(quick)) {
    const env = await mujocoEnv(envId, { mujoco });
    let batch: HostEnvBatch | undefined;
    const resetBatch = env.resetBatch.bind(env);
    env.resetBatch = (b, instances) => {
      batch ??= b;
      resetBatch(b, instances);
    };
    let before: HostEnvTimings | undefined;
    try {
      const result = await checkGpuErrors(device, `bench ${envId} ppo × ${numEnvs}`, () =>
        runEnginePpo(device, { numEnvs, numSteps, iterations, env, config, onTimedStart: () => (before = { ...hostEnvTimings(batch!)! }) }),
      );
      const after = hostEnvTimings(batch!)!;
      const instanceSteps = after.instanceSteps - before!.instanceSteps;
      const jsStepUs = ((after.jsStepMs - before!.jsStepMs) * 1000) / instanceSteps;
      const r = { env: envId, numEnvs, numSteps, run, stepsPerSecond: result.stepsPerSecond, jsStepUs, restUs: 1e6 / result.stepsPerSecond - jsStepUs };
      reports.push(r);
      const cells = [`${numEnvs} × ${numSteps}`, run, r.stepsPerSecond.toFixed(0), r.jsStepUs.toFixed(1), r.restUs.toFixed(1)];
      console.log(envId.padEnd(14) + cells.map((c) => c.padStart(14)).join(''));
    } finally {
      env.close();
    }
  }
  console.log('(JS: the env\'s stepBatch and resets per instance step; rest: readback, uploads, encoding, the GPU\'s rollout and update share)');
  return reports;
}
