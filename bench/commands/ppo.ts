/**
 * `npm run bench`: the PPO benchmark suite, in Node on Dawn. Measures, on one adapter in one
 * run: the runtime's matmul ceiling (the faster of its matmul-shaped kernels); full PPO training throughput with its phase split, counters
 * and update GFLOP/s, along the env dimension (CartPole-v1 N = 1 … 4 096), on Pendulum-v1, and
 * along the agent dimension (G = 1, 8, 64); the rollout alone at N = 65 536; and every registered
 * peer (bench/ppo/peer.ts) at its N (64 and 1 024; PyTorch-CPU also at 4) with the ratio webgpu-rl / peer. Prints Markdown tables
 * and writes them, with a JSON record, to bench/results/latest.{md,json}.
 *
 *   npm run bench                   full: ≤ 20 minutes on SwiftShader (2 cores)
 *   npm run bench -- --quick        a few seconds per case, no thresholds (CI)
 *   npm run bench -- --json f --md g --only env,agents --envs 64,1024 --peer-envs 1024 --peers torch --exhaustive
 *                       --rollout-kernels auto,layerwise
 *                       --software --dawn enable-dawn-features=…
 */
import { cpus, loadavg } from 'node:os';
import { Command } from 'commander';
import { measureCeiling } from '../measure/ceiling';
import { acquireGpu, formatAdapter } from '../../src/gpu/device';
import { checkGpuErrors } from '../../src/gpu/error-scope';
import { VERSION } from '../../src/index';
import { PEER_ENV_COUNTS, PeerSkipped, type PeerRunner } from '../ppo/peer';
import { measurePpo, submitRoundTrip, type PpoCase, type PpoThroughputReport } from '../ppo/ppo-throughput';
import { countersTable, peersTable, profileTable, rolloutTable, throughputTable, writeReport, type PeerComparison, type SuiteReport } from '../ppo/report';
import { agentScalingCases, envScalingCases, measureRollout, pendulumCases, rolloutCases, type Mode, type RolloutReport } from '../ppo/scaling';

/** The peers, when bench/peers/index.ts exists and exports `peers` (the suite runs without it). */
function registeredPeers(): PeerRunner[] {
  const modules = import.meta.glob<{ peers?: readonly PeerRunner[] }>('../peers/index.ts', { eager: true });
  return Object.values(modules).flatMap((m) => [...(m.peers ?? [])]);
}

const GROUPS = ['env', 'pendulum', 'agents', 'rollout', 'peers'] as const;
type Group = (typeof GROUPS)[number];

interface Options {
  quick?: boolean;
  json: string;
  md: string;
  only?: string;
  envs?: string;
  peerEnvs?: string;
  peers?: string;
  exhaustive?: boolean;
  software?: boolean;
  dawn?: string[];
  rolloutKernels?: string;
}

const ROLLOUT_KERNELS = ['auto', 'fused', 'layerwise'] as const;

/**
 * The cases once per rollout path of `--rollout-kernels` (PPO's rolloutKernels), named with the
 * path when there is more than one, so the paths are compared in one run on the same adapter.
 */
function perRolloutKernels(cases: PpoCase[], list: string | undefined): PpoCase[] {
  if (!list) return cases;
  const kernels = list.split(',');
  for (const k of kernels) if (!(ROLLOUT_KERNELS as readonly string[]).includes(k)) throw new RangeError(`--rollout-kernels: unknown '${k}' (valid: ${ROLLOUT_KERNELS.join(', ')})`);
  return cases.flatMap((c) =>
    kernels.map((k) => ({ ...c, name: kernels.length > 1 ? `${c.name} ${k}` : c.name, overrides: { ...c.overrides, rolloutKernels: k as (typeof ROLLOUT_KERNELS)[number] } })),
  );
}

async function run(options: Options): Promise<void> {
  const mode: Mode = options.quick ? 'quick' : 'full';
  const only = new Set<Group>(options.only ? (options.only.split(',') as Group[]) : GROUPS);
  for (const g of only) if (!GROUPS.includes(g)) throw new RangeError(`--only: unknown group '${g}' (valid: ${GROUPS.join(', ')})`);
  const started = performance.now();
  const loadStart = loadavg()[0]!;
  const notes: string[] = [];
  const gpu = await acquireGpu({ forceSoftware: options.software ?? false, dawnOptions: options.dawn ?? [] });
  try {
    const { device } = gpu;
    console.log(`adapter: ${formatAdapter(gpu.adapter)}; Dawn event pacing ${gpu.adapter.eventPacing ? 'on' : 'off'}`);
    console.log(`mode: ${mode}; host 1-minute load average ${loadStart.toFixed(2)} on ${cpus().length} CPUs`);

    // The faster of the runtime's matmul-shaped kernels at the policy's layer shape (bench/measure/ceiling.ts).
    const ceiling = await measureCeiling(device, { warmup: 1, repeats: mode === 'quick' ? 1 : 3 });
    const ceilingGflops = ceiling.gflops;
    const roundTrip = await submitRoundTrip(device);
    console.log(
      `matmul ceiling ${ceiling.shape}: ${ceilingGflops.toFixed(3)} GFLOP/s (runtime.matmul ${ceiling.byKernel['runtime.matmul']!.toFixed(3)}, dense forward ${ceiling.byKernel['nn.dense_forward_tiled']!.toFixed(3)}); ` +
        `submit round trip ${roundTrip.median.toFixed(3)} ms`,
    );

    const runCases = async (title: string, cases: PpoCase[]): Promise<PpoThroughputReport[]> => {
      const out: PpoThroughputReport[] = [];
      for (const c of cases) {
        const t0 = performance.now();
        try {
          const r = await checkGpuErrors(device, c.name, () => measurePpo(device, c, roundTrip.median));
          out.push(r);
          console.log(`  ${c.name}: ${Math.round(r.sps).toLocaleString('en-US')} SPS (${r.timedIterations} timed iterations, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        } catch (error) {
          const message = `${title}: ${c.name} failed: ${error instanceof Error ? error.message : String(error)}`;
          notes.push(message);
          console.error(`  ${message}`);
        }
      }
      console.log(`\n${throughputTable(out, ceilingGflops)}\n`);
      return out;
    };

    const envCounts = options.envs?.split(',').map(Number);
    const envCases = envScalingCases(mode).filter((c) => !envCounts || envCounts.includes(c.numEnvs));
    const paths = (cases: PpoCase[]) => perRolloutKernels(cases, options.rolloutKernels);
    const envScaling = only.has('env') ? await runCases('env scaling', paths(envCases)) : [];
    const pendulum = only.has('pendulum') ? await runCases('pendulum', paths(pendulumCases(mode))) : [];
    const agentScaling = only.has('agents') ? await runCases('agent scaling', paths(agentScalingCases(mode))) : [];
    const all = [...envScaling, ...pendulum, ...agentScaling];
    if (all.length > 0) console.log(`${countersTable(all)}\n\n${profileTable(all)}\n`);

    const rolloutOnly: RolloutReport[] = [];
    if (only.has('rollout')) {
      for (const c of rolloutCases(mode)) {
        try {
          rolloutOnly.push(await checkGpuErrors(device, `rollout N=${c.numEnvs}`, () => measureRollout(device, c)));
        } catch (error) {
          notes.push(`rollout-only N=${c.numEnvs} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      console.log(`${rolloutTable(rolloutOnly)}\n`);
    }

    // Peers: same configuration, same run; the ratio uses webgpu-rl's SPS at the same N (Node's
    // env-scaling case, or the number the peer measured beside itself: the browser's same page).
    const peers: PeerComparison[] = [];
    const peerNames = options.peers?.toLowerCase().split(',');
    const runners = (only.has('peers') ? registeredPeers() : []).filter((r) => !peerNames || peerNames.some((p) => r.name.toLowerCase().includes(p)));
    if (peerNames) notes.push(`peers limited to those whose name contains ${peerNames.join(' or ')} (--peers)`);
    if (!only.has('peers')) notes.push(`peers not run (--only ${options.only})`);
    if (only.has('peers') && runners.length === 0) {
      notes.push(peerNames ? 'no registered peer matches --peers: no peer comparison in this run' : 'no peers registered (bench/peers/index.ts absent or empty): no peer comparison in this run');
    }
    const peerCounts = options.peerEnvs?.split(',').map(Number);
    const countsOf = (runner: PeerRunner) => {
      const all = runner.envCounts ?? PEER_ENV_COUNTS;
      return (mode === 'quick' ? all.slice(0, 1) : all).filter((n) => !peerCounts || peerCounts.includes(n));
    };
    for (const runner of runners) {
      for (const numEnvs of countsOf(runner)) {
        try {
          const result = await runner.run({ env: 'CartPole-v1', numEnvs, quick: mode === 'quick', budgetSeconds: mode === 'quick' ? 10 : 60, exhaustive: options.exhaustive ?? false });
          const inNode = envScaling.find((r) => r.numEnvs === numEnvs && r.agents === 1)?.sps ?? null;
          const ours = result.webgpuRlBeside?.sps ?? inNode;
          peers.push({ ...result, webgpuRlSps: ours, ratio: ours === null || result.sps <= 0 ? null : ours / result.sps });
          if (!result.learned) {
            notes.push(
              mode === 'quick'
                ? `${result.name} at N=${numEnvs}: learning not judged in quick mode (too few iterations)`
                : `${result.name} at N=${numEnvs} did not learn in this run: its ratio does not count`,
            );
          }
        } catch (error) {
          if (error instanceof PeerSkipped) {
            // Its other N would be skipped for the same reason: one note.
            notes.push(`peer ${runner.name} skipped: ${error.message}`);
            break;
          }
          notes.push(`peer ${runner.name} at N=${numEnvs} not measured: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    if (only.has('peers')) console.log(`${peersTable(peers)}\n`);

    for (const r of all) {
      if (r.maxBuffersCreated !== 0 || r.maxReadbacks !== 1 || r.counters.submits !== 1) {
        notes.push(`${r.name}: the loop's invariant is broken after warm-up (buffers created ${r.maxBuffersCreated}, readbacks ${r.maxReadbacks}, submits ${r.counters.submits})`);
      }
    }
    notes.push(
      'Phase split: one extra iteration cut at the loop\'s split points (each rollout step, each minibatch), each segment submitted and awaited alone, ' +
        'minus an empty submit\'s round trip; GAE timed alone on the same buffers; minibatch 0 (shared with GAE and the critic\'s values) taken as the mean of the others; ' +
        'the phases are then scaled to the whole iteration\'s time ("split Σ / iteration": the raw ratio, near 1 when the host load was steady).',
    );
    notes.push('Update GFLOP/s: analytic matmul FLOPs (bench/ppo/ppo-throughput.ts updateFlops) over the update phase\'s time; "of ceiling" divides by the matmul ceiling above.');
    notes.push('On a software adapter every kernel runs on the same CPU cores as everything else: numbers taken while other processes ran are upper bounds on the time (see the load averages).');

    const report: SuiteReport = {
      benchmark: 'suite',
      version: VERSION,
      date: new Date().toISOString(),
      mode,
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      adapter: gpu.adapter,
      hostLoad: { start: loadStart, end: loadavg()[0]!, cpus: cpus().length },
      seconds: (performance.now() - started) / 1000,
      ceiling,
      submitRoundTripMs: roundTrip.median,
      envScaling,
      pendulum,
      agentScaling,
      rolloutOnly,
      peers,
      notes,
    };
    await writeReport(report, { json: options.json, md: options.md });
    for (const n of notes) console.log(`note: ${n}`);
    console.log(`wrote ${options.json} and ${options.md} (${report.seconds.toFixed(0)} s; load ${report.hostLoad.start.toFixed(2)} → ${report.hostLoad.end.toFixed(2)})`);
  } finally {
    gpu.release();
  }
}

/** `bench ppo`: the PPO suite. */
export function benchPpoCommand(): Command {
  return new Command('ppo')
    .description('PPO throughput, scaling, counters, update GFLOP/s, peers')
    .option('--quick', 'a few seconds per case, small cases only, no thresholds (CI)')
    .option('--json <file>', 'JSON report', 'bench/results/latest.json')
    .option('--md <file>', 'Markdown report', 'bench/results/latest.md')
    .option('--only <groups>', `comma-separated subset of ${GROUPS.join(',')}`)
    .option('--envs <counts>', 'comma-separated subset of the env-scaling N (e.g. 64,1024)')
    .option('--peer-envs <counts>', 'comma-separated subset of the peer comparison N (4,64,1024)')
    .option('--peers <names>', "comma-separated parts of the peers' names to run (e.g. torch, tfjs cpu)")
    .option('--exhaustive', 'also run what takes minutes per iteration on a software adapter (TF.js-WebGPU at N = 1 024)')
    .option('--rollout-kernels <paths>', "PPO's rolloutKernels for every case, or several to run each case once per path (e.g. auto,layerwise)")
    .option('--software', 'use SwiftShader even where a GPU exists')
    .option('--dawn <option...>', "options for Dawn's create(), e.g. enable-dawn-features=disable_robustness")
    .action(run);
}
