/**
 * Full PPO training throughput of one configuration: env steps per second over whole iterations
 * (rollout → returns → update → statistics, one submit each, as `trainer.iterate()` runs them), the
 * time split into phases, what each iteration asked of the GPU, and the update's achieved GFLOP/s.
 *
 * Whole iterations: after `warmupIterations` (pipelines compiled at creation, bind groups made in
 * the first iteration), `iterate()` is called back to back and the wall time from the first call
 * to the last report's arrival (drain) is divided among the iterations. The loop keeps one
 * iteration in flight while the host waits on the previous one's report, as training does.
 *
 * The phase split times the trainer's own iteration, cut where the training loop lets a paced run
 * yield (src/train/loop.ts `splitPoint`: after every rollout step and after every minibatch's Adam
 * step), each segment submitted alone and timed host-side from submit to onSubmittedWorkDone
 * (bench/measure/timing.ts's clock). The segments of one iteration, T steps and K·M minibatches, are:
 *   [0, T)          the rollout's steps;
 *   T               the critic's values over the rollout + GAE + minibatch 0 (with epoch 0's permutation);
 *   (T, T + K·M)    minibatches 1 … K·M − 1 (an epoch's first also permutes and normalises);
 *   T + K·M         statistics, NaN guard and the report's copy.
 * Minibatch 0 is taken as the mean of the others; GAE is timed alone on the same rollout's
 * buffers (createReturns, the trainer's estimator and sizes); the rest of segment T is the critic's
 * values, counted in the rollout. Each segment's submit round trip (an empty submit, measured in
 * the same run) is subtracted. The split gives the phases' proportions; they are scaled to the
 * whole (unsplit) iteration's time, so that they sum to it. The raw ratio of the segments' sum to
 * the whole iteration is reported beside them: near 1 when the host was steady, far from it when
 * the load changed between the timed iterations and the split one (then trust the SPS, not the split). Why not encode each phase from the trainer's internals: the PPO
 * trainer does not expose its update encoder, and rebuilding it here would time a copy, not it.
 */
import { createReturns, returnsInputs } from '../../src/returns/returns';
import { createPpoTrainer, type PpoTrainer } from '../../src/algos/ppo/ppo';
import { resolvePpoConfig, type PpoConfig } from '../../src/algos/ppo/config';
import { BufferSet } from '../../src/gpu/buffers';
import type { MlpLayout } from '../../src/nn/mlp-spec';
import type { IterationCounters } from '../../src/train/loop';
import type { IterationStats } from '../../src/train/report';
import { sample, timeSubmitted, type Samples } from '../measure/timing';
import { createPassProfiler, type PassProfile } from './pass-profile';

/** One PPO configuration to measure. */
export interface PpoCase {
  /** Shown in tables: 'CartPole-v1 N=64'. */
  readonly name: string;
  readonly env: 'CartPole-v1' | 'Pendulum-v1';
  /** Envs per agent. */
  readonly numEnvs: number;
  /** G (default 1). */
  readonly agents?: number;
  /** The PPO fields that differ from the env's defaults (numSteps, epochs, minibatches). */
  readonly overrides?: PpoConfig;
  /** Untimed iterations first (at least 1: bind groups are made in the first). */
  readonly warmupIterations: number;
  /** Timed iterations: at least `minIterations`, more while under `budgetSeconds`, at most `maxIterations`. */
  readonly minIterations: number;
  readonly maxIterations: number;
  readonly budgetSeconds: number;
  /** Also time one iteration cut into segments (the phase split). */
  readonly phaseSplit: boolean;
  /** Also profile one iteration pass by pass from GPU timestamps (bench/ppo/pass-profile.ts). */
  readonly passProfile?: boolean;
  /** Why a case was shortened, for the report. */
  readonly note?: string;
}

/** Milliseconds per iteration of each phase, scaled to the whole iteration's time. */
export interface PhaseSplit {
  readonly rolloutMs: number;
  readonly returnsMs: number;
  readonly updateMs: number;
  /** Statistics, NaN guard, report copy. */
  readonly otherMs: number;
  /** Sum of the segments as submitted (overhead subtracted, not scaled). */
  readonly segmentedTotalMs: number;
  readonly segments: number;
  /** Submit round trip subtracted from each segment. */
  readonly roundTripMs: number;
}

export interface PpoThroughputReport {
  readonly name: string;
  readonly env: string;
  readonly numEnvs: number;
  readonly agents: number;
  readonly numSteps: number;
  readonly updateEpochs: number;
  readonly numMinibatches: number;
  /** Env steps per iteration of all agents: G · N · T. */
  readonly stepsPerIteration: number;
  readonly warmupIterations: number;
  readonly timedIterations: number;
  /** Wall milliseconds per whole iteration (timed iterations back to back). */
  readonly iterationMs: number;
  /** Full-training env steps per second, all agents. */
  readonly sps: number;
  readonly phases: PhaseSplit | null;
  /** Counters of the last timed iteration, and the largest buffersCreated / readbacks of any timed one. */
  readonly counters: IterationCounters;
  readonly maxBuffersCreated: number;
  readonly maxReadbacks: number;
  /** One iteration's GPU time by pass label; null when not asked for or without timestamp queries. */
  readonly passProfile: PassProfile | null;
  /** Analytic FLOPs of one iteration's update (see updateFlops). */
  readonly updateFlops: number;
  /** updateFlops / update phase time; null without the phase split. */
  readonly updateGflops: number | null;
  /** Agent 0's mean return of the last 100 episodes after the first and the last timed iteration. */
  readonly returnMean100: { readonly first: number; readonly last: number };
  /** Wall seconds the whole case took (build, warm-up, timed, phase split). */
  readonly caseSeconds: number;
  readonly note?: string;
}

/** Multiply-adds of one dense layer over one row: in·out. */
const layerMacs = (layout: MlpLayout) => layout.layers.map((layer) => layer.inputSize * layer.outputSize);

/**
 * FLOPs of one PPO update phase, counted from the network and batch shapes (matmuls only; biases,
 * activations, the losses and Adam are O(rows·width) or O(P) and left out):
 *   update = K · M · G · B · Σ_net Σ_layer 2·in·out · (1 forward + 1 weight gradient + [1 input gradient if the
 *            layer's input is a hidden layer, not the observation])
 * with B = T·N/M rows per minibatch per agent, summed over the actor and the critic (each forward
 * and backward once per minibatch). 2·in·out is one row's multiply-adds counted as 2 FLOPs.
 */
export function updateFlops(actor: MlpLayout, critic: MlpLayout, shape: { epochs: number; minibatches: number; agents: number; rowsPerMinibatch: number }): number {
  const perRow = (layout: MlpLayout) =>
    layerMacs(layout).reduce((sum, macs, l) => sum + 2 * macs * (layout.layers[l]!.inputLayer < 0 ? 2 : 3), 0);
  return shape.epochs * shape.minibatches * shape.agents * shape.rowsPerMinibatch * (perRow(actor) + perRow(critic));
}

/** Milliseconds of an empty submit's round trip: what cutting an iteration into segments adds to each. */
export async function submitRoundTrip(device: GPUDevice): Promise<Samples> {
  return sample({ warmup: 3, repeats: 21 }, () => {
    const commands = device.createCommandEncoder({ label: 'bench.empty' }).finish();
    return timeSubmitted(device.queue, () => device.queue.submit([commands]));
  });
}

/** GAE alone, on the trainer's last rollout (the same estimator and sizes the trainer built). */
async function timeReturns(device: GPUDevice, trainer: PpoTrainer): Promise<number> {
  const c = trainer.config;
  const G = c.agents;
  const N = c.numEnvs * G;
  const T = c.numSteps;
  const returns = await createReturns(device, { steps: T, envs: N, agents: G, estimator: 'gae', gamma: c.gamma, lambda: c.gaeLambda, critic: true, label: 'bench.gae' });
  const out = new BufferSet(device, 'bench.gae', { advantages: { size: 4 * T * N }, returns: { size: 4 * T * N } });
  try {
    const io = { ...returnsInputs(trainer.buffers.transitions), output: out.buffers.advantages, returns: out.buffers.returns };
    const times = await sample({ warmup: 1, repeats: 3 }, () => {
      const encoder = device.createCommandEncoder({ label: 'bench.gae' });
      returns.encode(encoder, io);
      const commands = encoder.finish();
      return timeSubmitted(device.queue, () => device.queue.submit([commands]));
    });
    return times.median;
  } finally {
    out.destroy();
    returns.destroy();
  }
}

/** One iteration cut at its split points, each segment submitted and awaited alone. */
async function timeSegments(device: GPUDevice, trainer: PpoTrainer): Promise<number[]> {
  const marks: number[] = [];
  // frameBudgetMs 0: the loop "waits for the next frame" before every segment, i.e. calls this.
  await trainer.iterate({ frameBudgetMs: 0, nextFrame: async () => void marks.push(performance.now()) });
  await device.queue.onSubmittedWorkDone();
  marks.push(performance.now());
  await trainer.drain();
  return marks.slice(1).map((t, k) => t - marks[k]!);
}

/**
 * The phases of one cut iteration: its rollout's R segments (R = T for the layer-wise steps, one
 * split point per step; 1 for the fused rollout, one split point after it), then the critic's
 * values, GAE and minibatch 0, the other minibatches, and what follows the last.
 */
function splitPhases(segments: number[], roundTripMs: number, returnsMs: number, shape: { T: number; KM: number }): PhaseSplit | null {
  const { KM } = shape;
  const T = segments.length - KM - 1;
  if ((T !== shape.T && T !== 1) || KM < 2) return null;
  const net = segments.map((ms) => Math.max(0, ms - roundTripMs));
  const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
  const minibatches = net.slice(T + 1, T + KM);
  const minibatchMs = sum(minibatches) / minibatches.length;
  const criticValuesMs = Math.max(0, net[T]! - minibatchMs - returnsMs);
  return {
    rolloutMs: sum(net.slice(0, T)) + criticValuesMs,
    returnsMs,
    updateMs: sum(minibatches) + minibatchMs,
    otherMs: net[T + KM]!,
    segmentedTotalMs: sum(net),
    segments: segments.length,
    roundTripMs,
  };
}

/** Trains `c` for warm-up + timed iterations and measures them. */
export async function measurePpo(device: GPUDevice, c: PpoCase, roundTripMs: number): Promise<PpoThroughputReport> {
  const caseStarted = performance.now();
  const agents = c.agents ?? 1;
  const probe = { env: c.env, numEnvs: c.numEnvs, agents, ...c.overrides };
  // Enough iterations for the run (the trainer refuses more than totalTimesteps allows); the batch
  // size is resolved with room for any batch (the default 500 000 steps is less than N = 4 096's).
  const { batchSize } = resolvePpoConfig({ ...probe, totalTimesteps: Number.MAX_SAFE_INTEGER });
  const iterations = c.warmupIterations + c.maxIterations + 2;
  const profiler = c.passProfile ? createPassProfiler(device) : null;
  const trainer = await createPpoTrainer(profiler?.device ?? device, { ...probe, totalTimesteps: batchSize * iterations });
  try {
    const config = trainer.config;
    const T = config.numSteps;
    const K = config.updateEpochs;
    const M = config.numMinibatches;
    const stepsPerIteration = agents * config.numEnvs * T;

    for (let w = 0; w < c.warmupIterations; w += 1) await trainer.iterate();
    await trainer.drain();

    const stats: IterationStats[] = [];
    const started = performance.now();
    let timed = 0;
    while (timed < c.maxIterations && (timed < c.minIterations || performance.now() - started < c.budgetSeconds * 1000)) {
      const s = await trainer.iterate();
      if (s) stats.push(s);
      timed += 1;
    }
    const last = await trainer.drain();
    const iterationMs = (performance.now() - started) / timed;
    if (last) stats.push(last);

    let phases: PhaseSplit | null = null;
    if (c.phaseSplit) {
      const segments = await timeSegments(device, trainer);
      const returnsMs = await timeReturns(device, trainer);
      const raw = splitPhases(segments, roundTripMs, returnsMs, { T, KM: K * M });
      if (raw && raw.segmentedTotalMs > 0) {
        const scale = iterationMs / raw.segmentedTotalMs;
        phases = { ...raw, rolloutMs: raw.rolloutMs * scale, returnsMs: raw.returnsMs * scale, updateMs: raw.updateMs * scale, otherMs: raw.otherMs * scale };
      }
    }

    let passProfile: PassProfile | null = null;
    if (profiler) {
      profiler.arm();
      await trainer.iterate();
      await trainer.drain();
      passProfile = await profiler.collect();
    }

    const flops = updateFlops(trainer.layouts.actor, trainer.layouts.critic, {
      epochs: K,
      minibatches: M,
      agents,
      rowsPerMinibatch: config.minibatchSize,
    });
    const lastStats = stats.at(-1)!;
    return {
      name: c.name,
      env: c.env,
      numEnvs: config.numEnvs,
      agents,
      numSteps: T,
      updateEpochs: K,
      numMinibatches: M,
      stepsPerIteration,
      warmupIterations: c.warmupIterations,
      timedIterations: timed,
      iterationMs,
      sps: stepsPerIteration / (iterationMs / 1000),
      phases,
      passProfile,
      counters: lastStats.counters,
      maxBuffersCreated: Math.max(...stats.map((s) => s.counters.buffersCreated)),
      maxReadbacks: Math.max(...stats.map((s) => s.counters.readbacks)),
      updateFlops: flops,
      updateGflops: phases && phases.updateMs > 0 ? flops / (phases.updateMs * 1e6) : null,
      returnMean100: { first: stats[0]!.returnMean100, last: lastStats.returnMean100 },
      caseSeconds: (performance.now() - caseStarted) / 1000,
      ...(c.note ? { note: c.note } : {}),
    };
  } finally {
    trainer.destroy();
    profiler?.destroy();
  }
}
