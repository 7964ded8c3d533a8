/**
 * `npm run bench:nn`: MLP forward and backward GFLOP/s at batch 256 / 4 096 / 65 536 with
 * hidden widths 64 and 256, beside the runtime's matmul ceiling (runtime.matmul on a dense-layer
 * shape) measured in the same run on the same adapter, and the fraction of it reached; a
 * locomotion-sized network (1 000 → 512 → 512 → 20) beside the ceiling at its own shape; then the
 * rollout-inference choice: the fused small-MLP forward against the layer-wise passes.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { Command } from 'commander';
import { checkGpuErrors } from '../../src/gpu/error-scope';
import { VERSION } from '../../src/index';
import { measureMatmul } from '../measure/matmul-throughput';
import { defaultFusedVsLayerwiseCases, measureFusedVsLayerwise, type FusedVsLayerwiseRow } from '../measure/mlp-fused-vs-layerwise';
import { measureMlpThroughput, type NnThroughputReport } from '../measure/nn-throughput';
import type { MlpSpec } from '../../src/nn/mlp-spec';
import { acquireFromCli, addGpuOptions, type GpuCliOptions } from '../../src/cli/gpu-options';

// CartPole-sized input and actions; the hidden width is what the benchmark varies.
const spec = (width: number): MlpSpec => ({
  inputSize: 4,
  hiddenSizes: [width, width],
  activation: 'tanh',
  heads: [{ name: 'policy', size: 2, gain: 0.01 }],
});

/**
 * The network of a locomotion policy at the scale of a humanoid (1 000 observations, two hidden
 * layers of 512, 20 actions) over one PPO batch of 64 envs × 32 steps, beside the matmul ceiling
 * measured at its first layer's shape (2 048 × 1 000 · 1 000 × 512) in the same run: how close
 * wide layers come to what this adapter's matmul reaches.
 */
async function measureLocomotionNetwork(device: GPUDevice) {
  const batch = 64 * 32;
  const locomotionSpec: MlpSpec = { inputSize: 1000, hiddenSizes: [512, 512], activation: 'tanh', heads: [{ name: 'policy', size: 20, gain: 0.01 }] };
  const once = { warmup: 1, repeats: 1 };
  const ceiling = await checkGpuErrors(device, 'locomotion ceiling', () =>
    measureMatmul(device, { name: 'ceiling: 2048×1000·1000×512', shape: { m: batch, k: 1000, n: 512 } }, { gpu: once, cpu: { warmup: 0, repeats: 1 } }),
  );
  const report = await checkGpuErrors(device, 'locomotion mlp', () => measureMlpThroughput(device, { spec: locomotionSpec, batch }, once));
  console.log(
    `locomotion network 1000 → 512 → 512 → 20, batch ${batch} (64 envs × 32 steps): forward ${report.forwardGflops.toFixed(3)} GFLOP/s ` +
      `(${report.forwardMilliseconds.median.toFixed(0)} ms), backward ${report.backwardGflops.toFixed(3)} GFLOP/s (${report.backwardMilliseconds.median.toFixed(0)} ms); ` +
      `matmul ceiling at 2048×1000·1000×512 ${ceiling.gpuGflops.toFixed(3)} GFLOP/s: forward ${(report.forwardGflops / ceiling.gpuGflops).toFixed(2)}×, ` +
      `backward ${(report.backwardGflops / ceiling.gpuGflops).toFixed(2)}× of it`,
  );
  return { batch, spec: locomotionSpec, ceilingGflops: ceiling.gpuGflops, report };
}

export function benchNnCommand(): Command {
  return addGpuOptions(new Command('nn'))
    .description('MLP forward/backward GFLOP/s beside the matmul ceiling on this adapter')
    .option('--quick', 'small batches only, one repeat (CI)')
    .option('--json <file>', 'also write the numbers, with the adapter, as JSON')
    .action(async (options: GpuCliOptions & { quick?: boolean; json?: string }) => {
      const gpu = await acquireFromCli(options);
      try {
        const { device } = gpu;
        console.log(`host 1-minute load average ${loadavg()[0]!.toFixed(2)}`);
        const ceiling = await checkGpuErrors(device, 'matmul ceiling', () =>
          measureMatmul(device, { name: 'ceiling: dense layer 8192×64·64×64', shape: { m: 8192, k: 64, n: 64 } }, {
            gpu: { warmup: 1, repeats: 3 },
            cpu: { warmup: 0, repeats: 1 },
          }),
        );
        console.log(`matmul ceiling (runtime.matmul, 8192×64·64×64): ${ceiling.gpuGflops.toFixed(3)} GFLOP/s`);
        const batches = options.quick ? [256, 4096] : [256, 4096, 65_536];
        const widths = options.quick ? [64] : [64, 256];
        const reports: NnThroughputReport[] = [];
        console.log('batch   hidden   forward GFLOP/s (ms)      backward GFLOP/s (ms)    forward/ceiling  backward/ceiling');
        for (const width of widths) {
          for (const batch of batches) {
            // The largest cases take seconds per pass on a software adapter: time them once.
            const big = batch * width * width > 1e9;
            const repetition = options.quick || big ? { warmup: 1, repeats: 1 } : { warmup: 1, repeats: 5 };
            const passes = batch <= 256 ? 8 : 1;
            const r = await checkGpuErrors(device, `mlp ${batch}×${width}`, () =>
              measureMlpThroughput(device, { spec: spec(width), batch }, repetition, passes),
            );
            reports.push(r);
            const cell = (g: number, ms: number) => `${g.toFixed(3)} (${ms.toFixed(2)})`.padEnd(25);
            console.log(
              `${String(batch).padEnd(8)}${String(width).padEnd(9)}${cell(r.forwardGflops, r.forwardMilliseconds.median)}` +
                `${cell(r.backwardGflops, r.backwardMilliseconds.median)}${(r.forwardGflops / ceiling.gpuGflops).toFixed(2).padEnd(17)}` +
                `${(r.backwardGflops / ceiling.gpuGflops).toFixed(2)}`,
            );
          }
        }
        const locomotion = options.quick ? undefined : await measureLocomotionNetwork(device);
        console.log('rollout inference: fused forward vs layer-wise passes, µs per forward (median)');
        const cases = defaultFusedVsLayerwiseCases().filter((c) => !options.quick || c.agents * c.rowsPerAgent <= 256);
        const fused: FusedVsLayerwiseRow[] = await checkGpuErrors(device, 'fused vs layer-wise', () =>
          measureFusedVsLayerwise(gpu, { cases, ...(options.quick ? { repetition: { warmup: 1, repeats: 3 } } : {}) }),
        );
        for (const row of fused) {
          console.log(
            `  ${row.network.padEnd(24)} G×B ${`${row.agents}×${row.rowsPerAgent}`.padEnd(8)} layer-wise ` +
              `${row.layerwiseMicroseconds.median.toFixed(0).padStart(7)}  fused ${row.fusedMicroseconds.median.toFixed(0).padStart(7)}  ` +
              `fused speed-up ${row.fusedSpeedup.toFixed(2)}×`,
          );
        }
        if (options.json) {
          const record = {
            benchmark: 'nn',
            version: VERSION,
            date: new Date().toISOString(),
            adapter: gpu.adapter,
            ceilingGflops: ceiling.gpuGflops,
            reports,
            ...(locomotion ? { locomotion } : {}),
            fusedVsLayerwise: fused,
          };
          await writeFile(options.json, `${JSON.stringify(record, null, 2)}\n`);
          console.log(`wrote ${options.json}`);
        }
      } finally {
        gpu.release();
      }
    });
}
