/**
 * `npm run bench:runtime`: the ceilings later benchmarks are read against, on the adapter that
 * runs them: the cost of a dispatch, copy bandwidth, and matmul-shaped throughput beside a plain
 * JavaScript loop. `--quick` runs each case briefly (CI); `--json <file>` keeps the numbers.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { Command } from 'commander';
import { checkGpuErrors } from '../../src/gpu/error-scope';
import { VERSION } from '../../src/index';
import { measureCopyBandwidth, type CopyBandwidthOptions, type CopyBandwidthReport } from '../measure/copy-bandwidth';
import {
  measureDispatchOverhead,
  type DispatchOverheadOptions,
  type DispatchOverheadReport,
} from '../measure/dispatch-overhead';
import {
  measureMatmul,
  type MatmulCase,
  type MatmulThroughputOptions,
  type MatmulThroughputReport,
} from '../measure/matmul-throughput';
import type { Samples } from '../measure/timing';
import { acquireFromCli, addGpuOptions, type GpuCliOptions } from '../../src/cli/gpu-options';

/** What one run measures, and how often. */
interface RuntimeBenchPlan {
  readonly dispatch: DispatchOverheadOptions;
  readonly copy: CopyBandwidthOptions;
  readonly matmul: readonly { readonly matmulCase: MatmulCase; readonly options: MatmulThroughputOptions }[];
}

const MIB = 1024 * 1024;
// A dense layer of the default 64-64 MLPs at batch 8192 (e.g. 64 envs × 128 steps).
const DENSE_LAYER: MatmulCase = { name: 'dense layer, batch 8192', shape: { m: 8192, k: 64, n: 64 } };

// About 20 s on SwiftShader (2 cores), most of it the 1024³ products on the GPU and the CPU.
const FULL_PLAN: RuntimeBenchPlan = {
  dispatch: { dispatchesPerPass: 2000, submits: 200, repetition: { warmup: 1, repeats: 5 } },
  copy: { bytes: 64 * MIB, repetition: { warmup: 1, repeats: 5 } },
  matmul: [
    { matmulCase: DENSE_LAYER, options: { gpu: { warmup: 1, repeats: 5 }, cpu: { warmup: 1, repeats: 5 } } },
    // The CPU loop is already compiled by the first case; a warm-up here would cost seconds.
    {
      matmulCase: { name: 'square', shape: { m: 1024, k: 1024, n: 1024 } },
      options: { gpu: { warmup: 1, repeats: 3 }, cpu: { warmup: 0, repeats: 3 } },
    },
  ],
};

// A few seconds on SwiftShader: every case once warm, three repeats, a smaller square.
const QUICK_PLAN: RuntimeBenchPlan = {
  dispatch: { dispatchesPerPass: 200, submits: 50, repetition: { warmup: 1, repeats: 3 } },
  copy: { bytes: 16 * MIB, repetition: { warmup: 1, repeats: 3 } },
  matmul: [
    { matmulCase: DENSE_LAYER, options: { gpu: { warmup: 1, repeats: 3 }, cpu: { warmup: 1, repeats: 3 } } },
    {
      matmulCase: { name: 'square', shape: { m: 256, k: 256, n: 256 } },
      options: { gpu: { warmup: 1, repeats: 3 }, cpu: { warmup: 0, repeats: 3 } },
    },
  ],
};

/** GPU and CPU products agreeing worse than this mean the benchmark timed a wrong kernel. */
const MATMUL_AGREEMENT = 1e-4;

interface BenchRuntimeOptions extends GpuCliOptions {
  quick?: boolean;
  json?: string;
}

export function benchRuntimeCommand(): Command {
  return addGpuOptions(new Command('runtime'))
    .description('dispatch overhead, copy bandwidth and matmul throughput on this adapter')
    .option('--quick', 'run each case briefly (a few seconds in all)')
    .option('--json <file>', 'also write the numbers, with the adapter, as JSON')
    .action(async (options: BenchRuntimeOptions) => {
      const plan = options.quick ? QUICK_PLAN : FULL_PLAN;
      const started = performance.now();
      const gpu = await acquireFromCli(options);
      try {
        const { device } = gpu;
        console.log(
          `runtime benchmark (${options.quick ? 'quick' : 'full'}): median (min–max) of the repeats ` +
            'after warm-up; GPU time from queue.submit to onSubmittedWorkDone',
        );
        // A software adapter shares the CPU with everything else: a busy host shows up as spread.
        const host = { cpus: availableParallelism(), loadAverageAtStart: loadavg()[0]! };
        console.log(`host: ${host.cpus} CPUs, 1-minute load average ${host.loadAverageAtStart.toFixed(2)}`);

        const dispatch = await checkGpuErrors(device, 'dispatch overhead', () =>
          measureDispatchOverhead(device, plan.dispatch),
        );
        printDispatch(dispatch);
        const copy = await checkGpuErrors(device, 'copy bandwidth', () => measureCopyBandwidth(device, plan.copy));
        printCopy(copy);
        console.log('matmul C[M×N] = A[M×K]·B[K×N], f32 (GPU: runtime.matmul; CPU: plain JS triple loop)');
        const matmul: MatmulThroughputReport[] = [];
        for (const { matmulCase, options: repetition } of plan.matmul) {
          const report = await checkGpuErrors(device, `matmul ${matmulCase.name}`, () =>
            measureMatmul(device, matmulCase, repetition),
          );
          printMatmul(report);
          matmul.push(report);
        }

        const seconds = (performance.now() - started) / 1000;
        console.log(`done in ${seconds.toFixed(1)} s`);
        if (options.json) {
          const record = {
            benchmark: 'runtime',
            version: VERSION,
            date: new Date().toISOString(),
            quick: Boolean(options.quick),
            adapter: gpu.adapter,
            dawnOptions: options.dawn ?? [],
            node: process.version,
            host: { ...host, loadAverageAtEnd: loadavg()[0]! },
            seconds,
            dispatch,
            copy,
            matmul,
          };
          await writeFile(options.json, `${JSON.stringify(record, null, 2)}\n`);
          console.log(`wrote ${options.json}`);
        }
        const disagreeing = matmul.filter((r) => !(r.maxRelativeDifference <= MATMUL_AGREEMENT));
        if (disagreeing.length > 0) {
          throw new Error(
            `GPU and CPU matmul disagree beyond ${MATMUL_AGREEMENT}: ` +
              disagreeing.map((r) => `${r.name} (${r.maxRelativeDifference.toExponential(2)})`).join(', '),
          );
        }
      } finally {
        gpu.release();
      }
    });
}

const LABEL_WIDTH = 44;
const line = (label: string, value: string) => console.log(`  ${label.padEnd(LABEL_WIDTH)}${value}`);
/** `median (min–max)` with `digits` decimals. */
const spread = (s: Samples, digits: number) =>
  `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

function printDispatch(r: DispatchOverheadReport): void {
  console.log(`dispatch overhead (${r.kernel} over ${r.elements} elements, one workgroup), µs`);
  line(`${r.dispatchesPerPass} dispatches in one pass, one submit`, `${spread(r.microsecondsPerDispatchInOnePass, 1)} per dispatch`);
  line(`one dispatch per submit, ${r.submits} submits`, `${spread(r.microsecondsPerDispatchPerSubmit, 1)} per dispatch`);
  line('submit → done round trip, one dispatch', spread(r.microsecondsRoundTrip, 0));
  line('host encoding', `${spread(r.microsecondsToEncode, 2)} per dispatch`);
}

function printCopy(r: CopyBandwidthReport): void {
  console.log(`copy bandwidth (${(r.bytes / MIB).toFixed(0)} MiB, bytes read + written), GB/s`);
  line('copyBufferToBuffer', spread(r.copyBufferToBufferGBps, 2));
  line(`${r.copyKernel} kernel`, spread(r.copyKernelGBps, 2));
}

function printMatmul(r: MatmulThroughputReport): void {
  const { m, k, n } = r.shape;
  console.log(`  ${r.name}: ${m}×${k}·${k}×${n} (${(r.flops / 1e6).toFixed(0)} MFLOP)`);
  const ms = (s: Samples) => `${spread(s, s.median < 100 ? 1 : 0)} ms`;
  line('  GPU', `${r.gpuGflops.toFixed(3)} GFLOP/s   ${ms(r.gpuMilliseconds)}`);
  line('  CPU (JS)', `${r.cpuGflops.toFixed(3)} GFLOP/s   ${ms(r.cpuMilliseconds)}`);
  line('  GPU / CPU', `${r.gpuOverCpu.toFixed(2)}×   (max relative difference ${r.maxRelativeDifference.toExponential(1)})`);
}
