/**
 * The suite's report: one JSON record of every number (with the adapter, the host's load and the
 * command), and the same numbers as Markdown tables, which are also what the runner prints.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AdapterReport } from '../../src/gpu/device';
import type { PeerResult } from './peer';
import type { PpoThroughputReport } from './ppo-throughput';
import type { RolloutReport } from './scaling';

/** A peer's result beside webgpu-rl's at the same N, measured in the same run. */
export interface PeerComparison extends PeerResult {
  /** webgpu-rl's SPS on the same configuration (CartPole-v1 PPO at this N); null if not measured. */
  readonly webgpuRlSps: number | null;
  /** webgpuRlSps / sps. */
  readonly ratio: number | null;
}

export interface SuiteReport {
  readonly benchmark: 'suite';
  readonly version: string;
  readonly date: string;
  readonly mode: 'full' | 'quick';
  readonly command: string;
  readonly adapter: AdapterReport;
  /** 1-minute load average at the start and the end (a software adapter shares the CPU). */
  readonly hostLoad: { readonly start: number; readonly end: number; readonly cpus: number };
  readonly seconds: number;
  /** runtime.matmul on a dense-layer shape, measured in this run (bench/measure/matmul-throughput.ts). */
  /** The faster of the runtime's matmul-shaped kernels at `shape` (each kernel's GFLOP/s in byKernel). */
  readonly ceiling: { readonly shape: string; readonly gflops: number; readonly byKernel: Readonly<Record<string, number>> };
  /** An empty submit's round trip, subtracted from each segment of the phase split. */
  readonly submitRoundTripMs: number;
  readonly envScaling: readonly PpoThroughputReport[];
  readonly pendulum: readonly PpoThroughputReport[];
  readonly agentScaling: readonly PpoThroughputReport[];
  readonly rolloutOnly: readonly RolloutReport[];
  readonly peers: readonly PeerComparison[];
  /** Cases skipped or shortened, peers absent, failures: said, not hidden. */
  readonly notes: readonly string[];
}

const fixed = (x: number | null | undefined, digits: number) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const count = (x: number) => Math.round(x).toLocaleString('en-US');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Throughput and the phase split of each PPO case. */
export function throughputTable(reports: readonly PpoThroughputReport[], ceilingGflops: number): string {
  return table(
    ['case', 'G×N×T', 'K×M', 'iterations (warm-up + timed)', 'ms / iteration', 'SPS', 'rollout ms', 'returns ms', 'update ms', 'other ms', 'split Σ / iteration', 'update GFLOP/s', 'of ceiling', 'return (first → last)', 'note'],
    reports.map((r) => [
      r.name,
      `${r.agents}×${r.numEnvs}×${r.numSteps}`,
      `${r.updateEpochs}×${r.numMinibatches}`,
      `${r.warmupIterations} + ${r.timedIterations}`,
      fixed(r.iterationMs, 1),
      count(r.sps),
      fixed(r.phases?.rolloutMs, 1),
      fixed(r.phases?.returnsMs, 2),
      fixed(r.phases?.updateMs, 1),
      fixed(r.phases?.otherMs, 1),
      r.phases ? (r.phases.segmentedTotalMs / r.iterationMs).toFixed(2) : '—',
      fixed(r.updateGflops, 3),
      r.updateGflops === null ? '—' : `${((100 * r.updateGflops) / ceilingGflops).toFixed(0)} %`,
      `${fixed(r.returnMean100.first, 1)} → ${fixed(r.returnMean100.last, 1)}`,
      r.note ?? '',
    ]),
  );
}

/** What each iteration asked of the GPU (the loop's counters, after warm-up). */
export function countersTable(reports: readonly PpoThroughputReport[]): string {
  return table(
    ['case', 'dispatches', 'copies', 'compute passes', 'submits', 'buffers created (max)', 'readbacks (max)', 'bytes read back', 'invariant'],
    reports.map((r) => [
      r.name,
      count(r.counters.dispatches),
      count(r.counters.copies),
      count(r.counters.computePasses),
      String(r.counters.submits),
      String(r.maxBuffersCreated),
      String(r.maxReadbacks),
      count(r.counters.bytesReadBack),
      r.maxBuffersCreated === 0 && r.maxReadbacks === 1 && r.counters.submits === 1 ? 'ok' : 'BROKEN',
    ]),
  );
}

export function rolloutTable(reports: readonly RolloutReport[]): string {
  return table(
    ['env', 'N', 'T', 'ms (median)', 'env steps/s', 'note'],
    reports.map((r) => [r.env, count(r.numEnvs), String(r.steps), fixed(r.milliseconds.median, 1), count(r.sps), r.note ?? '']),
  );
}

export function peersTable(peers: readonly PeerComparison[]): string {
  if (peers.length === 0) return '(no peer results in this run: see the notes)';
  return table(
    ['peer', 'N', 'peer SPS', 'learned', 'webgpu-rl SPS', 'webgpu-rl / peer', 'notes'],
    peers.map((p) => [
      p.name,
      count(p.numEnvs),
      count(p.sps),
      p.learned ? 'yes' : 'NO',
      p.webgpuRlSps === null ? '—' : `${count(p.webgpuRlSps)}${p.webgpuRlBeside ? ` (${p.webgpuRlBeside.where})` : ' (Node)'}`,
      p.ratio === null ? '—' : `${p.ratio.toFixed(2)}×`,
      p.notes,
    ]),
  );
}

/** The pass profiles of the cases that have one: the heaviest labels, the rest summed. */
export function profileTable(reports: readonly PpoThroughputReport[], top = 12): string {
  const profiled = reports.filter((r) => r.passProfile);
  if (profiled.length === 0) return '(no pass profile in this run: not asked for, or the adapter has no timestamp-query)';
  return profiled
    .map((r) => {
      const p = r.passProfile!;
      const shown = p.rows.slice(0, top);
      const rest = p.rows.slice(top);
      const rows = shown.map((row) => [row.label, count(row.passes), fixed(row.ms, 1), `${(100 * row.share).toFixed(1)} %`]);
      if (rest.length > 0) {
        const ms = rest.reduce((a, x) => a + x.ms, 0);
        rows.push([`${rest.length} other labels`, count(rest.reduce((a, x) => a + x.passes, 0)), fixed(ms, 1), `${((100 * ms) / p.spanMs).toFixed(1)} %`]);
      }
      const untimed = p.untimedPasses > 0 ? `; ${p.untimedPasses} passes beyond the query set, untimed` : '';
      return `**${r.name}**: ${count(p.passes)} passes over ${fixed(p.spanMs, 1)} ms of GPU time (one iteration, timestamps)${untimed}\n\n${table(['pass label (digits as #)', 'passes', 'ms', 'share'], rows)}`;
    })
    .join('\n\n');
}

/** The whole report as Markdown. */
export function toMarkdown(r: SuiteReport): string {
  const adapter = [r.adapter.vendor, r.adapter.architecture, r.adapter.description].filter(Boolean).join(' ');
  const all = [...r.envScaling, ...r.pendulum, ...r.agentScaling];
  return [
    `# webgpu-rl benchmark suite (${r.mode})`,
    '',
    `- version ${r.version}, ${r.date}, ${r.seconds.toFixed(0)} s`,
    `- adapter: ${adapter} [${r.adapter.isSoftware ? 'software' : 'hardware'}, ${r.adapter.runtime}]; Dawn event pacing ${r.adapter.eventPacing ? 'on' : 'off'} (src/node/dawn-event-pacing.ts)`,
    `- host load (1-min average, ${r.hostLoad.cpus} CPUs): ${r.hostLoad.start.toFixed(2)} at start, ${r.hostLoad.end.toFixed(2)} at end`,
    `- command: \`${r.command}\``,
    `- matmul ceiling (${r.ceiling.shape}, the faster of ${Object.entries(r.ceiling.byKernel).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}): ${r.ceiling.gflops.toFixed(3)} GFLOP/s; submit round trip ${r.submitRoundTripMs.toFixed(3)} ms`,
    '',
    '## PPO throughput: env scaling (CartPole-v1, 64-64 tanh, T 128, 4 epochs × 4 minibatches)',
    '',
    throughputTable(r.envScaling, r.ceiling.gflops),
    '',
    '## PPO throughput: Pendulum-v1 (Gaussian; the engine\'s Pendulum defaults)',
    '',
    throughputTable(r.pendulum, r.ceiling.gflops),
    '',
    '## PPO throughput: agent scaling (G agents of N envs, one trainer)',
    '',
    throughputTable(r.agentScaling, r.ceiling.gflops),
    '',
    '## Where one iteration\'s GPU time goes (timestamps around every compute pass)',
    '',
    profileTable(all),
    '',
    '## Per iteration, after warm-up (must be: 1 submit, 0 buffers created, 1 readback)',
    '',
    countersTable(all),
    '',
    '## Rollout only (createRollout: policy, sampling, env step, critic values; one submit)',
    '',
    rolloutTable(r.rolloutOnly),
    '',
    '## Peers (CartPole-v1 PPO, same configuration, same run)',
    '',
    peersTable(r.peers),
    '',
    '## Notes',
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

export async function writeReport(r: SuiteReport, paths: { json: string; md: string }): Promise<void> {
  for (const path of [paths.json, paths.md]) await mkdir(dirname(path), { recursive: true });
  await writeFile(paths.json, `${JSON.stringify(r, null, 2)}\n`);
  await writeFile(paths.md, toMarkdown(r));
}
