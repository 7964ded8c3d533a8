/**
 * `npm run bench:device`: everything a hardware GPU can tell about the engine, in one run under a
 * time budget (default 420 s of measuring, so that build and run fit in 8 minutes), written as one
 * JSON record and one Markdown report. In order, each step only while the budget allows it (what
 * is skipped is listed, with the estimate that ruled it out):
 *   1. the adapter and the limits the kernels depend on;
 *   2. what a dispatch costs: in one pass, one per submit, a submit's round trip
 *      (bench/measure/dispatch-overhead.ts);
 *   3. the matmul ceiling at the policy's layer shape, 8 192 × 64 · 64 × 64 (the faster of the
 *      runtime's tiled matmul and the MLP's dense forward);
 *   4. full PPO training on CartPole-v1 (CleanRL's defaults, T = 128) at N = 4 … 65 536, the fused
 *      rollout steps (the default) beside the layer-wise ones at N = 4 and 64, with the
 *      per-iteration counters, and the per-pass GPU time of one iteration at N = 64 where the
 *      adapter has timestamp queries;
 *   5. populations: G = 8 … 1 024 agents of 4 envs each, trained together;
 *   6. the rollout alone at N = 65 536.
 * The best full-training throughput (env steps per second, every agent's steps counted) closes the
 * report. Runs from the repository alone: a separate bundle (bench/.build/device.js) that needs
 * Dawn's `webgpu` package and commander, not the peers' TF.js or PyTorch.
 *
 *   npm run bench:device
 *   npm run bench:device -- --budget 120 --json f --md g --software
 */
import { cpus, loadavg } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { acquireGpu, formatAdapter, type AdapterReport } from '../../src/gpu/device';
import { checkGpuErrors } from '../../src/gpu/error-scope';
import { ENGINE_VERSION as VERSION } from '../../src/version';
import { measureDispatchOverhead, type DispatchOverheadReport } from '../measure/dispatch-overhead';
import { measureCeiling, type Ceiling } from '../measure/ceiling';
import { measurePpo, submitRoundTrip, type PpoCase, type PpoThroughputReport } from '../ppo/ppo-throughput';
import { countersTable, profileTable, rolloutTable, throughputTable } from '../ppo/report';
import { CARTPOLE_PPO, measureRollout, type RolloutReport } from '../ppo/scaling';

/** The limits that decide which kernels run (storage bindings, workgroup memory and size, buffer sizes). */
const LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
] as const;

export interface DeviceReport {
  readonly benchmark: 'device';
  readonly version: string;
  readonly date: string;
  readonly command: string;
  readonly adapter: AdapterReport;
  readonly limits: Readonly<Record<string, number>>;
  readonly timestampQuery: boolean;
  readonly hostLoad: { readonly start: number; readonly end: number; readonly cpus: number };
  readonly budgetSeconds: number;
  readonly seconds: number;
  readonly dispatch: DispatchOverheadReport | null;
  readonly ceiling: Ceiling | null;
  readonly envScaling: readonly PpoThroughputReport[];
  readonly agentScaling: readonly PpoThroughputReport[];
  readonly rolloutOnly: readonly RolloutReport[];
  /** The fastest full-training case: its name and env steps per second. */
  readonly best: { readonly name: string; readonly sps: number } | null;
  /** What the budget left out, each with the estimate that ruled it out. */
  readonly skipped: readonly string[];
  readonly notes: readonly string[];
}

/** Seconds of the budget spent and left; whether a step estimated at `seconds` still fits. */
class Budget {
  private readonly started = performance.now();
  readonly skipped: string[] = [];
  constructor(readonly seconds: number) {}
  get elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }
  /** True when `seconds` more fit; otherwise records `what` as skipped and returns false. */
  allows(what: string, seconds: number): boolean {
    if (this.elapsed + seconds <= this.seconds) return true;
    this.skipped.push(`${what} (estimated ${seconds.toFixed(0)} s, ${Math.max(0, this.seconds - this.elapsed).toFixed(0)} s of the budget left)`);
    return false;
  }
}

/** A CartPole PPO case of `agents` × `numEnvs` envs: one warm-up, 2–10 timed iterations within 3 s. */
function ppoCase(numEnvs: number, agents: number, rolloutKernels: 'auto' | 'layerwise', profile: boolean): PpoCase {
  const path = rolloutKernels === 'auto' ? '' : ' layerwise';
  return {
    name: agents > 1 ? `CartPole-v1 G=${agents}×N=${numEnvs}${path}` : `CartPole-v1 N=${numEnvs}${path}`,
    env: 'CartPole-v1',
    numEnvs,
    agents,
    overrides: { ...CARTPOLE_PPO, rolloutKernels },
    warmupIterations: 1,
    minIterations: 2,
    maxIterations: 10,
    budgetSeconds: 3,
    phaseSplit: agents * numEnvs <= 1024,
    passProfile: profile,
  };
}

/**
 * Seconds a case of `batch` env steps per iteration should take, from the last measured case: its
 * per-iteration time scaled linearly with the batch (an over-estimate where launches, not
 * arithmetic, set the time), times the iterations the case runs, plus its build.
 */
function estimateSeconds(last: PpoThroughputReport | undefined, c: PpoCase): number {
  if (!last) return 10;
  const batch = (c.agents ?? 1) * c.numEnvs;
  const perIteration = (last.iterationMs / 1000) * (batch / (last.agents * last.numEnvs));
  const iterations = c.warmupIterations + c.minIterations + (c.phaseSplit ? 1 : 0) + (c.passProfile ? 1 : 0);
  return perIteration * iterations + last.caseSeconds - (last.iterationMs / 1000) * (last.warmupIterations + last.timedIterations);
}

async function runPpoCases(device: GPUDevice, cases: readonly PpoCase[], budget: Budget, roundTripMs: number, notes: string[]): Promise<PpoThroughputReport[]> {
  const out: PpoThroughputReport[] = [];
  for (const c of cases) {
    if (!budget.allows(c.name, estimateSeconds(out.at(-1), c))) continue;
    try {
      const r = await checkGpuErrors(device, c.name, () => measurePpo(device, c, roundTripMs));
      out.push(r);
      console.log(`  ${c.name}: ${Math.round(r.sps).toLocaleString('en-US')} SPS (${r.iterationMs.toFixed(1)} ms / iteration, ${r.caseSeconds.toFixed(1)} s)`);
    } catch (error) {
      notes.push(`${c.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return out;
}

/** Steps 2 and 3: a dispatch's cost and the matmul ceiling. */
async function measureAdapter(device: GPUDevice, budget: Budget): Promise<Pick<DeviceReport, 'dispatch' | 'ceiling'>> {
  const dispatch = budget.allows('dispatch cost', 20)
    ? await checkGpuErrors(device, 'dispatch cost', () => measureDispatchOverhead(device, { dispatchesPerPass: 1000, submits: 100, repetition: { warmup: 1, repeats: 5 } }))
    : null;
  const ceiling = budget.allows('matmul ceiling', 30) ? await measureCeiling(device, { warmup: 2, repeats: 5 }) : null;
  return { dispatch, ceiling };
}

/** Steps 4–6: PPO along the env and agent dimensions, and the rollout alone, each while the budget allows. */
async function measureTraining(device: GPUDevice, software: boolean, budget: Budget, notes: string[]): Promise<Pick<DeviceReport, 'envScaling' | 'agentScaling' | 'rolloutOnly'>> {
  const roundTrip = (await submitRoundTrip(device)).median;
  const timestamps = device.features.has('timestamp-query');
  if (!timestamps) notes.push("no 'timestamp-query' on this adapter: no per-pass profile");
  // The fused rollout steps beside the layer-wise ones where launches dominate, then the env dimension.
  const envCases = [4, 64, 1024, 4096, 16_384, 65_536].flatMap((n) => [
    ppoCase(n, 1, 'auto', n === 64 && timestamps),
    ...(n <= 64 ? [ppoCase(n, 1, 'layerwise', false)] : []),
  ]);
  console.log('PPO, env scaling:');
  const envScaling = await runPpoCases(device, envCases, budget, roundTrip, notes);
  console.log('PPO, populations:');
  const agentScaling = await runPpoCases(device, [8, 64, 256, 1024].map((g) => ppoCase(4, g, 'auto', false)), budget, roundTrip, notes);
  const rolloutOnly: RolloutReport[] = [];
  if (budget.allows('rollout alone at N = 65 536', software ? 60 : 20)) {
    const rollout = { env: 'CartPole-v1' as const, numEnvs: 65_536, steps: software ? 2 : 128, repetition: { warmup: 1, repeats: 3 } };
    rolloutOnly.push(await checkGpuErrors(device, 'rollout N=65536', () => measureRollout(device, rollout)));
  }
  return { envScaling, agentScaling, rolloutOnly };
}

async function run(options: { budget: string; json: string; md: string; software?: boolean; dawn?: string[] }): Promise<void> {
  const budgetSeconds = Number(options.budget);
  if (!(budgetSeconds > 0)) throw new RangeError(`--budget must be a positive number of seconds (got ${options.budget})`);
  const budget = new Budget(budgetSeconds);
  const loadStart = loadavg()[0]!;
  const notes: string[] = [];
  const gpu = await acquireGpu({ forceSoftware: options.software ?? false, dawnOptions: options.dawn ?? [] });
  try {
    const { device } = gpu;
    console.log(`adapter: ${formatAdapter(gpu.adapter)}; budget ${budgetSeconds} s`);
    const adapterSteps = await measureAdapter(device, budget);
    const training = await measureTraining(device, gpu.adapter.isSoftware, budget, notes);
    const fastest = [...training.envScaling, ...training.agentScaling].reduce<PpoThroughputReport | undefined>((best, r) => (!best || r.sps > best.sps ? r : best), undefined);
    const report: DeviceReport = {
      benchmark: 'device',
      version: VERSION,
      date: new Date().toISOString(),
      // bench/.build/device.js is its own program: its options start at argv[2].
      command: `npm run bench:device${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      adapter: gpu.adapter,
      limits: Object.fromEntries(LIMITS.map((name) => [name, device.limits[name]])),
      timestampQuery: device.features.has('timestamp-query'),
      hostLoad: { start: loadStart, end: loadavg()[0]!, cpus: cpus().length },
      budgetSeconds,
      seconds: budget.elapsed,
      ...adapterSteps,
      ...training,
      best: fastest ? { name: fastest.name, sps: fastest.sps } : null,
      skipped: budget.skipped,
      notes,
    };
    for (const path of [options.json, options.md]) await mkdir(dirname(path), { recursive: true });
    await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(options.md, deviceMarkdown(report));
    console.log(`\n${deviceMarkdown(report)}`);
    console.log(`wrote ${options.json} and ${options.md} (${report.seconds.toFixed(0)} s of a ${budgetSeconds} s budget)`);
  } finally {
    gpu.release();
  }
}

const µs = (s: { median: number; min: number }) => `${s.median.toFixed(1)} µs (min ${s.min.toFixed(1)})`;

/** The report as Markdown: the adapter, the dispatch cost and ceiling, the PPO tables, what was skipped. */
export function deviceMarkdown(r: DeviceReport): string {
  const adapter = [r.adapter.vendor, r.adapter.architecture, r.adapter.description].filter(Boolean).join(' ');
  const all = [...r.envScaling, ...r.agentScaling];
  const ceiling = r.ceiling?.gflops ?? Number.NaN;
  return [
    `# webgpu-rl on one adapter (\`npm run bench:device\`)`,
    '',
    `- version ${r.version}, ${r.date}, ${r.seconds.toFixed(0)} s of a ${r.budgetSeconds} s budget; command \`${r.command}\``,
    `- adapter: ${adapter} [${r.adapter.isSoftware ? 'software' : 'hardware'}, ${r.adapter.runtime}]; host load ${r.hostLoad.start.toFixed(2)} → ${r.hostLoad.end.toFixed(2)} on ${r.hostLoad.cpus} CPUs`,
    `- limits: ${Object.entries(r.limits).map(([k, v]) => `${k} ${v}`).join(', ')}; timestamp-query ${r.timestampQuery ? 'yes' : 'no'}`,
    r.dispatch
      ? `- a dispatch: ${µs(r.dispatch.microsecondsPerDispatchInOnePass)} in one pass of ${r.dispatch.dispatchesPerPass}; ${µs(r.dispatch.microsecondsPerDispatchPerSubmit)} one per submit; round trip ${µs(r.dispatch.microsecondsRoundTrip)}`
      : '- a dispatch: not measured',
    r.ceiling ? `- matmul ceiling (${r.ceiling.shape}): ${r.ceiling.gflops.toFixed(1)} GFLOP/s (${Object.entries(r.ceiling.byKernel).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')})` : '- matmul ceiling: not measured',
    `- best full PPO training: ${r.best ? `${Math.round(r.best.sps).toLocaleString('en-US')} env steps/s (${r.best.name})` : '—'}`,
    '',
    '## PPO on CartPole-v1 (64-64 tanh, T 128, 4 epochs × 4 minibatches): envs',
    '',
    throughputTable(r.envScaling, ceiling),
    '',
    '## PPO populations (G agents of 4 envs, one trainer)',
    '',
    throughputTable(r.agentScaling, ceiling),
    '',
    '## Per iteration after warm-up',
    '',
    countersTable(all),
    '',
    '## Where one iteration\'s GPU time goes',
    '',
    profileTable(all),
    '',
    '## Rollout alone',
    '',
    rolloutTable(r.rolloutOnly),
    '',
    '## Skipped by the budget',
    '',
    ...(r.skipped.length > 0 ? r.skipped.map((s) => `- ${s}`) : ['- nothing']),
    '',
    '## Notes',
    '',
    ...(r.notes.length > 0 ? r.notes.map((n) => `- ${n}`) : ['- none']),
    '',
  ].join('\n');
}

/** `bench device`: one adapter, everything it can tell, under a budget. */
export function benchDeviceCommand(): Command {
  return new Command('device')
    .description('dispatch cost, matmul ceiling, PPO at N = 4 … 65 536 and G = 8 … 1 024, per-pass profile, under a time budget')
    .option('--budget <seconds>', 'seconds of measuring (cases that would not fit are skipped and listed)', '420')
    .option('--json <file>', 'JSON report', 'bench/results/device.json')
    .option('--md <file>', 'Markdown report', 'bench/results/device.md')
    .option('--software', 'use SwiftShader even where a GPU exists')
    .option('--dawn <option...>', "options for Dawn's create(), e.g. enable-dawn-features=disable_robustness")
    .action(run);
}
