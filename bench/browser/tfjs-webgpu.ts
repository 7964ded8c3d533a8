// Runs in Chromium: the same PPO on CartPole-v1 by the engine (createPpoTrainer) and by TF.js with
// its WebGPU backend (bench/peers/tfjs-ppo.ts), one after the other on the same adapter, so the two
// numbers come from the same browser, adapter and load. Query: numEnvs, oursIterations and
// tfjsIterations (warm-up included), warmup, seed, numSteps, peers (comma list of 'ours' and
// 'tfjs-webgpu'), crossCheck=1: also run the TF.js module on TF.js's CPU backend in this page for
// as many iterations with the same seed, whose returns the WebGPU run's must track (its learning is
// then the CPU peer's, judged on a longer run). The result lands in window.__peers for
// bench/browser/run-browser-peers.ts.
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-webgpu';
import { acquireGpu } from '../../src/gpu/index';
import { runEnginePpo } from '../peers/engine-ppo';
import { runTfjsPpo } from '../peers/tfjs-ppo';

export interface BrowserPeerRun {
  readonly peer: 'ours' | 'tfjs-webgpu';
  readonly numEnvs: number;
  readonly iterations: number;
  readonly stepsPerSecond: number;
  readonly returnsByIteration: number[];
  readonly secondsByIteration?: number[];
  readonly collectSecondsByIteration?: number[];
  readonly tensorsByIteration?: number[];
  /** crossCheck: the same seed and iterations on TF.js's CPU backend in this page. */
  readonly cpuReturnsByIteration?: number[];
  /** The adapter as the run's device saw it. */
  readonly adapter: string;
  /** Validation and other uncaptured errors of the run's device. */
  readonly gpuErrors: string[];
}

declare global {
  interface Window {
    __peers?: { runs?: BrowserPeerRun[]; progress?: string[]; error?: string };
  }
}

async function main(): Promise<void> {
  const out = document.getElementById('result')!;
  const query = new URLSearchParams(location.search);
  const numEnvs = Number(query.get('numEnvs') ?? 64);
  const oursIterations = Number(query.get('oursIterations') ?? 3);
  const tfjsIterations = Number(query.get('tfjsIterations') ?? 2);
  const crossCheck = query.get('crossCheck') === '1';
  const warmupIterations = Number(query.get('warmup') ?? 1);
  const seed = Number(query.get('seed') ?? 1);
  const peers = (query.get('peers') ?? 'ours,tfjs-webgpu').split(',');
  const numSteps = Number(query.get('numSteps') ?? 128);
  const runs: BrowserPeerRun[] = [];
  const progress: string[] = [];
  const log = (line: string) => {
    progress.push(line);
    out.textContent = progress.join('\n');
  };
  try {
    if (peers.includes('ours')) {
      const gpu = await acquireGpu();
      const gpuErrors: string[] = [];
      gpu.device.addEventListener('uncapturederror', (event) => gpuErrors.push((event as GPUUncapturedErrorEvent).error.message));
      try {
        const iterations = oursIterations;
        const result = await runEnginePpo(gpu.device, {
          numEnvs,
          iterations,
          warmupIterations,
          seed,
          numSteps,
          onIteration: (i, r) => log(`ours N=${numEnvs} iteration ${i}: mean return ${r.toFixed(1)}`),
        });
        const { vendor, architecture, description } = gpu.adapter;
        runs.push({ peer: 'ours', numEnvs, iterations, ...result, adapter: [vendor, architecture, description].filter(Boolean).join(' '), gpuErrors });
      } finally {
        gpu.release();
      }
    }
    if (peers.includes('tfjs-webgpu')) {
      if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not set the webgpu backend');
      await tf.ready();
      const backend = tf.backend() as WebGPUBackend;
      const gpuErrors: string[] = [];
      backend.device.addEventListener('uncapturederror', (event) => gpuErrors.push((event as GPUUncapturedErrorEvent).error.message));
      const iterations = tfjsIterations;
      const result = await runTfjsPpo(tf, {
        numEnvs,
        iterations,
        warmupIterations,
        seed,
        numSteps,
        onIteration: (i, s, r) => log(`tfjs-webgpu N=${numEnvs} iteration ${i}: ${s.toFixed(2)} s, mean return ${r.toFixed(1)}`),
      });
      const info = backend.adapterInfo as unknown as Record<string, unknown>;
      let cpuReturnsByIteration: number[] | undefined;
      if (crossCheck) {
        if (!(await tf.setBackend('cpu'))) throw new Error('TF.js could not set the cpu backend');
        const cpu = await runTfjsPpo(tf, { numEnvs, iterations, warmupIterations, seed, numSteps });
        cpuReturnsByIteration = cpu.returnsByIteration;
        log(`tfjs-cpu (cross-check) N=${numEnvs}: mean returns ${cpuReturnsByIteration.map((r) => r.toFixed(2)).join(', ')}`);
      }
      runs.push({ peer: 'tfjs-webgpu', numEnvs, iterations, ...result, adapter: JSON.stringify(info), gpuErrors, ...(cpuReturnsByIteration ? { cpuReturnsByIteration } : {}) });
    }
    window.__peers = { runs, progress };
  } catch (error) {
    window.__peers = { runs, progress, error: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) };
  }
  out.textContent = JSON.stringify(window.__peers, null, 2);
}

void main();
