/**
 * The TF.js CPU peer in Node: bench/peers/tfjs-ppo.ts on '@tensorflow/tfjs' with the 'cpu'
 * backend (pure JavaScript kernels, not tfjs-node's native TensorFlow). At N = 64 the run is long
 * enough to show learning; at N = 1024 an iteration takes tens of seconds on two shared cores, so
 * that run is short and its `learned` is the N = 64 run's verdict on the same code (kept by the
 * runner; the notes say so and give the short run's own first and last returns).
 */
import * as tf from '@tensorflow/tfjs';
import type { PeerResult, PeerRunner, PeerRunOptions } from '../ppo/peer';
import { judgePeerRun, PEER_LEARNING, peerIterations, type LearningMemory } from './learning';
import { runTfjsPpo } from './tfjs-ppo';

/** Runs the TF.js CPU peer once at options.numEnvs. */
export async function runTfjsCpuPeer(
  options: PeerRunOptions & { readonly seed?: number; readonly log?: (line: string) => void },
  memory: LearningMemory = new Map(),
): Promise<PeerResult> {
  const { numEnvs, quick, seed = 1 } = options;
  if (!(await tf.setBackend('cpu'))) throw new Error('TF.js could not set the cpu backend');
  await tf.ready();
  const iterations = peerIterations(numEnvs, quick);
  const run = await runTfjsPpo(tf, {
    numEnvs,
    iterations,
    seed,
    onIteration: (i, s, r) => options.log?.(`  tfjs-cpu N=${numEnvs} iteration ${i}: ${s.toFixed(2)} s, mean return ${r.toFixed(1)}`),
  });
  const { learned, notes } = judgePeerRun('tfjs-cpu', { numEnvs, quick, returnsByIteration: run.returnsByIteration, tensorsByIteration: run.tensorsByIteration }, memory);
  return {
    name: 'TF.js CPU (Node)',
    numEnvs,
    sps: run.stepsPerSecond,
    learned,
    iterations,
    returnsByIteration: run.returnsByIteration,
    notes: `${iterations - 1} timed iterations after 1 warm-up (${run.secondsByIteration.map((s) => s.toFixed(1)).join(', ')} s); backend ${run.backend} (pure JS); ${notes}`,
  };
}

/** The suite's runner (bench/ppo/peer.ts); remembers its N = 64 verdict (PEER_LEARNING) for the larger N and for TF.js WebGPU. */
export const tfjsCpuPeer: PeerRunner = {
  name: 'TF.js CPU (Node)',
  run: (options) => runTfjsCpuPeer({ ...options, log: (line) => console.log(line) }, PEER_LEARNING),
};
