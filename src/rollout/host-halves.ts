/**
 * A JavaScript env's rollout steps in two halves, so that the CPU and the GPU work at the same time
 * (the double-buffered sampling of EnvPool, Weng et al. 2022, and Sample Factory, Petrenko et al.
 * 2020). The instances are split into A = [0, N/2) and B = [N/2, N). Unpipelined, each step is
 * "GPU samples all N, then JavaScript steps all N": one side always idles. In halves, the recording
 * is cut into segments (splitPoint, src/gpu/split-point.ts) whose host work is the other half's step:
 *
 *   segment                                  host work after its submit
 *   sample A(0)                              none (a separate submit: A's readback need not wait for B)
 *   sample B(0)                              step A(0)
 *   record A(0), sample A(1)                 step B(0)    ← the GPU samples A(1) meanwhile
 *   record B(0), sample B(1)                 step A(1)    ← the GPU samples B(1) meanwhile
 *   …
 *   record A(T−1)                            step B(T−1)
 *   record B(T−1), the rest of the rollout
 *
 * "sample h(t)" records h's observation (and mask) rows into slot t, runs the actor over h's N/2
 * rows, samples h's actions and records their copy to the CPU (HostVectorEnv.encodeActionReadback);
 * "step h(t)" awaits that copy, steps h's instances in the game (stepBatch(batch, from, to)) and
 * uploads h's rows; "record h(t)" copies h's results into slot t. Each half's actions are read back
 * in an earlier submit than the one in flight while its JavaScript runs.
 *
 * Equivalence. Every row is computed as in the unpipelined rollout: the dense layers compute each
 * row on its own (src/nn/mlp.ts), a half's logits (or means) are copied to their rows of the full
 * policy output, and the sampler draws row r with its global index (ROW_FROM), so the Philox
 * counters are those of the whole batch; a game's instances step on their own streams. Transitions,
 * episode statistics and the parameters after an update are therefore bit for bit those of the
 * unpipelined run (test/gpu/host-pipelining.test.ts checks it). What a half cannot wait for is a
 * statistic over all N envs: the running normalisers update over every env each step, so a
 * rollout that normalises observations or rewards is never pipelined.
 */
import { createBuffer, destroyBuffer } from '../gpu/buffers';
import { createKernel, type Kernel } from '../gpu/kernel';
import { splitPoint } from '../gpu/split-point';
import type { HostBackedVectorEnv } from '../envs/host-vector-env';
import { createMlpPasses, type BufferBinding, type MlpPasses } from '../nn/mlp';
import type { MlpLayout } from '../nn/mlp-spec';
import type { SampledRows } from './kernels';
import { sampleGroupCache, type RolloutSampler, type SampleBindings } from './sample-groups';
import type { StepRecorder } from './step-record';

/** What decides whether a rollout over `env` steps it in halves. */
export interface HalvesQuestion {
  readonly env: { readonly numEnvs: number };
  /** The host env's step, when the env is a JavaScript one. */
  readonly host?: HostBackedVectorEnv;
  readonly agents: number;
  readonly normalised: boolean;
  /** RolloutConfig.pipelineHostEnv (default true). */
  readonly wanted: boolean;
}

/**
 * Whether to pipeline: a JavaScript env that steps ranges (stepsRanges), an even N ≥ 2, one agent
 * (a population needs GPU envs anyway), no running normalisers, and not switched off.
 */
export function pipelinesHalves(q: HalvesQuestion): boolean {
  const N = q.env.numEnvs;
  return q.wanted && q.host !== undefined && q.host.host.stepsRanges && N >= 2 && N % 2 === 0 && q.agents === 1 && !q.normalised;
}

export interface HostHalvesConfig {
  readonly env: HostBackedVectorEnv;
  readonly steps: number;
  readonly actor: MlpLayout;
  /** What the actor reads, [N][OBS]. */
  readonly observations: GPUBuffer;
  /** The full policy output the samplers read, [N][policySize] (the rollout's actor output). */
  readonly policyOutput: GPUBuffer;
  readonly policySize: number;
  /**
   * The samplers' specs for a range of rows: the Gaussian one and/or one per categorical branch
   * (dispatched in order: each after the first adds its log p to those before it).
   */
  readonly sampler: (rows: SampledRows) => readonly RolloutSampler[];
  readonly sampleBindings: SampleBindings;
  readonly recorder: StepRecorder;
  readonly label: string;
}

export interface HostHalves {
  /** A = [0, N/2) and B = [N/2, N). */
  readonly halves: readonly [SampledRows, SampledRows];
  /** Records the T steps in the order above (a loop's encoder: it splits for host work). */
  encodeSteps(encoder: GPUCommandEncoder, actorParams: GPUBuffer): void;
  destroy(): void;
}

/** One sampler (of one branch) over a half's rows. */
interface HalfSampler {
  readonly kernel: Kernel;
  readonly invocations: number;
  readonly groups: (actorParams: GPUBuffer) => GPUBindGroup[];
}

interface Half {
  readonly rows: SampledRows;
  readonly samplers: readonly HalfSampler[];
}

/** No host work, but a separate submit. */
const nothing = (): Promise<void> => Promise.resolve();

/** The actor passes over N/2 rows, a half's input buffer and the two half samplers (compiled once). */
export async function createHostHalves(device: GPUDevice, config: HostHalvesConfig): Promise<HostHalves> {
  const { env, steps, label } = config;
  const N = env.numEnvs;
  const half = N / 2;
  const OBS = env.observationSize;
  const ranges: [SampledRows, SampledRows] = [
    { from: 0, to: half },
    { from: half, to: N },
  ];
  // B's rows cannot be bound in place (a storage binding's offset must be 256-byte aligned): copied.
  const inputB = createBuffer(device, { label: `${label}.half-input`, size: 4 * half * OBS, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  let passes: MlpPasses | undefined;
  try {
    passes = await createMlpPasses(device, config.actor, { agents: 1, rowsPerAgent: half, label: `${label}.half-actor` });
    const halves: Half[] = [];
    for (const [h, rows] of ranges.entries()) {
      const samplers: HalfSampler[] = [];
      for (const [b, { kind, spec, invocations }] of config.sampler(rows).entries()) {
        const name = `${label}.sample-half${h}${b > 0 ? `[${b}]` : ''}`;
        const kernel = await createKernel(device, { ...spec, label: name });
        samplers.push({ kernel, invocations, groups: sampleGroupCache(kernel, kind, steps, config.sampleBindings, name) });
      }
      halves.push({ rows, samplers });
    }
    return halvesOf(config, ranges, halves, passes, inputB, () => {
      passes!.destroy();
      destroyBuffer(device, inputB);
    });
  } catch (error) {
    passes?.destroy();
    destroyBuffer(device, inputB);
    throw error;
  }
}

function halvesOf(
  config: HostHalvesConfig,
  ranges: [SampledRows, SampledRows],
  halves: Half[],
  passes: MlpPasses,
  inputB: GPUBuffer,
  destroy: () => void,
): HostHalves {
  const { env, steps, recorder, observations, policyOutput, policySize } = config;
  const OBS = env.observationSize;
  const half = env.numEnvs / 2;
  const inputA: BufferBinding = { buffer: observations, offset: 0, size: 4 * half * OBS };
  const output = passes.outputs.policy!;
  const sample = (encoder: GPUCommandEncoder, h: 0 | 1, step: number, actorParams: GPUBuffer) => {
    const { rows, samplers } = halves[h]!;
    recorder.encodeInputs(encoder, step, rows.from, rows.to);
    if (h === 1) encoder.copyBufferToBuffer(observations, 4 * half * OBS, inputB, 0, 4 * half * OBS);
    passes.encodeForward(encoder, { params: actorParams, inputs: h === 0 ? inputA : inputB });
    encoder.copyBufferToBuffer(output, 0, policyOutput, 4 * rows.from * policySize, 4 * half * policySize);
    const pass = encoder.beginComputePass({ label: `${config.label}.sample-half${h}` });
    for (const { kernel, invocations, groups } of samplers) kernel.dispatch(pass, groups(actorParams)[step]!, invocations);
    pass.end();
    env.encodeActionReadback(encoder, rows.from, rows.to);
  };
  const [a, b] = ranges;
  const stepA = () => env.hostStep(a.from, a.to);
  const stepB = () => env.hostStep(b.from, b.to);
  return {
    halves: ranges,
    encodeSteps(encoder, actorParams) {
      sample(encoder, 0, 0, actorParams);
      splitPoint(encoder, nothing);
      sample(encoder, 1, 0, actorParams);
      splitPoint(encoder, stepA);
      for (let step = 0; step < steps; step += 1) {
        const next = step + 1 < steps;
        recorder.encodeResults(encoder, step, a.from, a.to);
        if (next) sample(encoder, 0, step + 1, actorParams);
        splitPoint(encoder, stepB);
        recorder.encodeResults(encoder, step, b.from, b.to);
        if (next) {
          sample(encoder, 1, step + 1, actorParams);
          splitPoint(encoder, stepA);
        }
      }
    },
    destroy,
  };
}
