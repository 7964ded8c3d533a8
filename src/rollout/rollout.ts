/**
 * The rollout encoder: T steps of N envs under the current policy, recorded into the transition
 * buffers, with no host round trip. Per step t (all in the caller's command encoder):
 *   1. observations[t] ← the observations the policy acts on (a copy);
 *   2. the actor's forward pass on them (N rows, agents G × N/G rows);
 *   3. one compute pass: sample a ~ π(·|s) with log π(a|s) (categorical, or diagonal Gaussian for a
 *      box action space), the env step with auto-reset, which reads the sampled actions in place
 *      (a Gaussian sample is stored unclipped; the env clips it to its bounds, CleanRL's
 *      ClipAction), then the running normalisers, if enabled (src/normalise);
 *   4. copies of the step's actions, log-probabilities, rewards, flags, final observations and
 *      finished-episode statistics into slot t.
 * Then observations[T] ← s_T, and the critic runs once over the whole rollout: its parameters do
 * not change during collection, so batched passes give V(s_t) for every t, V(s_T) (lastValues) and
 * the truncation bootstraps V(final observation) with the same values as T per-step passes.
 *
 * Populations (agents G > 1). Env n belongs to agent ⌊n / B⌋, B = N / G; the actor's per-step rows
 * are the envs, already agent-major. The critic's rows are not: the record is time-major [T + 1][N],
 * while the MLP passes give agent g the rows g·R … g·R + R − 1. One gather kernel
 * (critic_rows_gather.wgsl) copies observations and final observations into agent-major order
 * [G][2][T + 1][B], one critic pass of R = 2·(T + 1)·B rows per agent values both, and one scatter
 * (critic_values_scatter.wgsl) writes values, lastValues and finalValues back in [T][N] order:
 * 2 + L dispatches instead of G = 1's 2·L, for a copy of the observations (T + 1)·N·OBS words
 * each way. Alternatives: a critic pass per step (T·L dispatches), or per agent (G passes, and a
 * parameter slice per agent is not 256-byte aligned in general). G = 1 keeps the two direct passes.
 *
 * Randomness. Agent g's action draws use Philox key (seeds[g], ACTION_STREAM) and counter
 * (draw, k, t, i) for its k-th env (k = n mod B) at step t of iteration i; with env seeds equal to
 * the agent seeds (createVectorEnv options.seeds), agent g's envs and samples are exactly those of
 * a G = 1 rollout of B envs seeded seeds[g]. The counters live in a uniform buffer of T slots, one
 * bind group per slot, written by `prepare(iteration)` before the submit that carries the steps:
 * queue writes do not interleave with the commands of one submit, so each step needs its own slot.
 *
 * A game's JavaScript env (src/envs/host-vector-env.ts) cannot step inside a command buffer: each
 * step's recording is cut after the sampling (splitPoint, src/gpu/split-point.ts) and the env steps on
 * the CPU between the two submits; the copy of the actions to the CPU rides the sampling's segment.
 * Every step also marks a point where a paced loop may yield. When the game steps ranges of
 * instances (stepsRanges), N is even and nothing normalises, the steps are pipelined in halves
 * instead (`pipelineHostEnv`, ./host-halves.ts): each half's JavaScript runs while the GPU samples
 * the other half's actions, with the same record bit for bit.
 *
 * Action masks (an env with actionMasks, unless useActionMasks is false): each step samples under
 * the env's `masks` of the observation it acts on and records that mask in transitions.masks, so
 * the update's softmax runs over the same legal set (masked logits: no probability, no gradient for
 * an illegal action). A row whose mask allows nothing is not sampled: the sampler counts it in the
 * `maskErrors` block with its step and env (cleared by `prepare`), which the trainer turns into an
 * error. An env's per-episode metrics are recorded as transitions.episodeMetrics.
 *
 * Normalisers (CleanRL's continuous PPO): with `normalizeObservations` the networks see, and
 * observations/finalObservations hold, the normalised observations; with `normalizeRewards`
 * rewards hold the scaled rewards. episodeReturns stay raw (the env wrapper sums raw rewards).
 */
import { createBuffer, createBufferWithData, destroyBuffer } from '../gpu/buffers';
import { createKernel, type Kernel } from '../gpu/kernel';
import type { VectorEnv } from '../envs/vector-env';
import { splitPoint } from '../gpu/split-point';
import { createMlpPasses, type MlpPasses } from '../nn/mlp';
import type { MlpLayout } from '../nn/mlp-spec';
import { createRunningNormalisers, type RunningNormalisers } from '../normalise/running-normalisers';
import { encodeRngParams, RNG_PARAMS_BYTES } from '../rng/params';
import { clearMaskErrors, MASK_ERRORS_BYTES } from '../nn/heads';
import { createHostHalves, type HostHalves } from './host-halves';
import {
  criticRowsGatherKernel,
  criticValuesScatterKernel,
  policySampleCategoricalKernels,
  policySampleGaussianKernel,
  type SampledRows,
} from './kernels';
import { sampleGroupCache, type RolloutSampler, type SampleBindings } from './sample-groups';
import { createStepRecorder } from './step-record';
import { resolveRolloutShape, type RolloutConfig, type RolloutShape } from './rollout-shape';

export type { RolloutConfig } from './rollout-shape';
import { createTransitions, type Transitions } from './transitions';

/** The Philox stream of the policy's action sampling ('ACT'). */
export const ACTION_STREAM = 0x414354;


export interface RolloutParams {
  /** f32 [G][P_actor]. */
  readonly actor: GPUBuffer;
  /** f32 [G][P_critic]. */
  readonly critic: GPUBuffer;
}

export interface Rollout {
  readonly transitions: Transitions;
  readonly steps: number;
  /** N (all agents). */
  readonly envs: number;
  /** G. */
  readonly agents: number;
  /**
   * The sampling head: 'categorical' (discrete env, actions u32 [T][N]; multi-discrete, one
   * categorical per branch, actions u32 [T][N][K]), 'gaussian' (box; actions f32 [T][N][A]) or
   * 'hybrid' (the Gaussian, then the branches; rows of D f32 then K u32).
   */
  readonly policy: 'categorical' | 'gaussian' | 'hybrid';
  /** Words per action A: 1 for a discrete env, K branches for a multi-discrete one, the dims of a box, D + K for a hybrid one. */
  readonly actionSize: number;
  /** The actor passes over N rows (the per-step forward). */
  readonly actorPasses: MlpPasses;
  /** The seed of each agent's action draws. */
  readonly seeds: readonly number[];
  /** The running normalisers, when either is enabled (their statistics buffers are checkpoint state). */
  readonly normalisers?: RunningNormalisers;
  /** Whether actions were sampled under the env's masks (transitions.buffers.masks then holds them). */
  readonly masked: boolean;
  /** Whether a JavaScript env's steps are pipelined in halves (RolloutConfig.pipelineHostEnv). */
  readonly pipelined: boolean;
  /**
   * The MaskErrors block of the sampler (MASK_ERRORS_BYTES): rows whose mask allowed no action since
   * `prepare`, the first at step ⌊i / N⌋, env i mod N (src/nn/heads.ts decodeMaskErrors).
   */
  readonly maskErrors: GPUBuffer;
  /** Writes the per-step RNG counters of `iteration`; call before the submit that carries its encode. */
  prepare(iteration: number): void;
  /** Records a reset of every env (once, before the first rollout), and the normalisers' first batch. */
  encodeReset(encoder: GPUCommandEncoder): void;
  /** Records T steps, then the critic's values: fills every transition field. */
  encode(encoder: GPUCommandEncoder, params: RolloutParams): void;
  destroy(): void;
}

/** Compiles the rollout's kernels and allocates its buffers (once). */
export async function createRollout(device: GPUDevice, config: RolloutConfig): Promise<Rollout> {
  const shape = resolveRolloutShape(config);
  const { env, steps, actor, critic, label, N, G, B, seeds, continuousDims: D, branches, A, policySize, logStdSlot } = shape;
  const { normalizeObservations, normalizeRewards, masked, maskRow, hostEnv, pipelined, OBS } = shape;
  const transitions = createTransitions(device, {
    steps,
    envs: N,
    observationSize: OBS,
    actionSize: A,
    maskWidth: maskRow,
    metricCount: env.buffers.episodeMetrics ? (env.descriptor.episodeMetrics?.length ?? 0) : 0,
    label: `${label}.transitions`,
  });
  const t = transitions.buffers;

  const align = device.limits.minUniformBufferOffsetAlignment;
  const slotBytes = Math.ceil(RNG_PARAMS_BYTES / align) * align;
  const stepParams = createBuffer(device, {
    label: `${label}.step-params`,
    size: steps * slotBytes,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  const stepLogProbs = createBuffer(device, { label: `${label}.step-log-probs`, size: 4 * N, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const unusedMask = createBuffer(device, { label: `${label}.unused-mask`, size: 16, usage: GPUBufferUsage.STORAGE });
  const maskErrors = createBuffer(device, { label: `${label}.mask-errors`, size: MASK_ERRORS_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const seedBuffer = createBufferWithData(device, `${label}.agent-seeds`, Uint32Array.from(seeds), GPUBufferUsage.STORAGE);
  const population = G > 1;
  // The agent-major critic input of a population: [G][2][T + 1][B][OBS].
  const criticInput = population
    ? createBuffer(device, { label: `${label}.critic-input`, size: 4 * 2 * (steps + 1) * N * OBS, usage: GPUBufferUsage.STORAGE })
    : undefined;
  const owned = [stepParams, stepLogProbs, unusedMask, maskErrors, seedBuffer, ...(criticInput ? [criticInput] : [])];

  let actorPasses: MlpPasses | undefined;
  let criticPasses: MlpPasses | undefined;
  let normalisers: RunningNormalisers | undefined;
  let halves: HostHalves | undefined;
  const destroyAll = () => {
    halves?.destroy();
    actorPasses?.destroy();
    criticPasses?.destroy();
    normalisers?.destroy();
    transitions.destroy();
    for (const buffer of owned) destroyBuffer(device, buffer);
  };
  const e = env.buffers;
  const sampleKernels: Kernel[] = [];
  let gatherKernel: Kernel | undefined;
  let scatterKernel: Kernel | undefined;
  // The Gaussian sampler of a box (or of a hybrid space's box, first), then one per categorical
  // branch (src/nn/heads-multi-discrete.ts), over rows [from, to) of the N (all of them but for a
  // pipelined JavaScript env's halves).
  const samplersOf = (rows?: SampledRows): RolloutSampler[] => [
    ...(D > 0 ? [gaussianSampler(shape, rows)] : []),
    ...(branches.length > 0 ? categoricalSamplers(shape, rows) : []),
  ];
  const samples = samplersOf();
  const stepParamsOf = (step: number) => ({ buffer: stepParams, offset: step * slotBytes, size: RNG_PARAMS_BYTES });
  // The Gaussian sampler also reads the actor's parameters (the log-std).
  const sampleBindings: SampleBindings = (step, actorParams, kind): Record<string, GPUBuffer | GPUBufferBinding> =>
    kind === 'gaussian'
      ? { params: stepParamsOf(step), agent_seeds: seedBuffer, mean: actorPasses!.outputs.policy!, log_std: actorParams, actions: e.actions, log_probs: stepLogProbs }
      : {
          params: stepParamsOf(step),
          agent_seeds: seedBuffer,
          logits: actorPasses!.outputs.policy!,
          mask: masked ? e.masks! : unusedMask,
          actions: e.actions,
          log_probs: stepLogProbs,
          mask_errors: maskErrors,
        };
  const gather = criticRowsGatherKernel({ steps, envs: N, agents: G, observationSize: OBS });
  const scatter = criticValuesScatterKernel({ steps, envs: N, agents: G });
  try {
    actorPasses = await createMlpPasses(device, actor, { agents: G, rowsPerAgent: B, label: `${label}.actor` });
    criticPasses = await createMlpPasses(device, critic, {
      agents: G,
      rowsPerAgent: population ? 2 * (steps + 1) * B : (steps + 1) * N,
      label: `${label}.critic`,
    });
    if (normalizeObservations || normalizeRewards) {
      normalisers = await createRunningNormalisers(device, {
        agents: G,
        envsPerAgent: B,
        observationSize: OBS,
        observations: normalizeObservations,
        rewards: normalizeRewards,
        sources: { observations: e.observations, finalObservations: e.finalObservations, rewards: e.rewards, terminated: e.terminated },
        label: `${label}.normalisers`,
      });
    }
    for (const [b, sample] of samples.entries()) {
      sampleKernels.push(await createKernel(device, { ...sample.spec, label: `${label}.sample${samples.length > 1 ? `[branch ${b}]` : ''}` }));
    }
    if (population) {
      gatherKernel = await createKernel(device, { ...gather.spec, label: `${label}.critic-gather` });
      scatterKernel = await createKernel(device, { ...scatter.spec, label: `${label}.critic-scatter` });
    }
  } catch (error) {
    destroyAll();
    throw error;
  }
  const sampleGroups = sampleKernels.map((kernel, b) => sampleGroupCache(kernel, samples[b]!.kind, steps, sampleBindings, `${label}.sample.${b}`));
  const values = criticPasses.outputs.value!;
  const gatherGroup = gatherKernel?.bind({ observations: t.observations, final_observations: t.finalObservations, destination: criticInput! }, `${label}.critic-gather`);
  const scatterGroup = scatterKernel?.bind(
    { critic_values: values, values: t.values, last_values: t.lastValues, final_values: t.finalValues },
    `${label}.critic-scatter`,
  );
  const slots = new Uint32Array((steps * slotBytes) / 4);
  const hostStepAll = () => hostEnv!.hostStep();
  const nb = normalisers?.buffers;
  // What the networks see and the record keeps: normalised observations and scaled rewards when enabled.
  const observationSource = nb?.normalisedObservations ?? e.observations;
  const recorder = createStepRecorder(transitions, {
    observations: observationSource,
    finalObservations: nb?.normalisedFinalObservations ?? e.finalObservations,
    rewards: nb?.scaledRewards ?? e.rewards,
    actions: e.actions,
    logProbs: stepLogProbs,
    terminated: e.terminated,
    truncated: e.truncated,
    episodeReturns: e.episodeReturns,
    episodeLengths: e.episodeLengths,
    ...(masked ? { masks: e.masks! } : {}),
    ...(e.episodeMetrics ? { episodeMetrics: e.episodeMetrics } : {}),
  });
  if (pipelined) {
    try {
      halves = await createHostHalves(device, {
        env: hostEnv!,
        steps,
        actor,
        observations: observationSource,
        policyOutput: actorPasses.outputs.policy!,
        policySize,
        sampler: (rows) => samplersOf(rows),
        sampleBindings,
        recorder,
        label,
      });
    } catch (error) {
      destroyAll();
      throw error;
    }
  }
  const obsBytes = 4 * N * OBS;
  const rowBytes = 4 * N;
  // Unpipelined: every step samples all N, then steps the env (a dispatch, or a JavaScript env's step between two submits).
  const encodeWholeSteps = (encoder: GPUCommandEncoder, actorParams: GPUBuffer) => {
    const groups = sampleGroups.map((branch) => branch(actorParams));
    for (let step = 0; step < steps; step += 1) {
      recorder.encodeInputs(encoder, step, 0, N);
      actorPasses!.encodeForward(encoder, { params: actorParams, inputs: observationSource });
      let pass = encoder.beginComputePass({ label: `${label}.step` });
      // Branch b > 0 adds its log p to the branches before it: the dispatches run in order.
      sampleKernels.forEach((kernel, b) => kernel.dispatch(pass, groups[b]![step]!, samples[b]!.invocations));
      if (hostEnv) {
        // A JavaScript env steps between two submits: the actions are written and copied to the CPU in the first.
        pass.end();
        hostEnv.encodeActionReadback(encoder);
        splitPoint(encoder, hostStepAll);
        pass = encoder.beginComputePass({ label: `${label}.step-normalise` });
      } else {
        env.dispatchStep(pass);
      }
      if (normalisers) {
        normalisers.dispatchRewards(pass);
        normalisers.dispatchObservations(pass);
      }
      pass.end();
      recorder.encodeResults(encoder, step, 0, N);
      // Where a paced loop may let a frame go by.
      splitPoint(encoder);
    }
  };

  return {
    transitions,
    steps,
    envs: N,
    agents: G,
    policy: D === 0 ? 'categorical' : branches.length === 0 ? 'gaussian' : 'hybrid',
    actionSize: A,
    actorPasses,
    seeds,
    normalisers,
    masked,
    pipelined,
    maskErrors,
    prepare(iteration) {
      clearMaskErrors(device.queue, maskErrors);
      for (let step = 0; step < steps; step += 1) {
        // seed is unused by the samplers (agent_seeds holds the keys); kept for readability of the slot.
        slots.set(encodeRngParams({ seed: seeds[0]!, stream: ACTION_STREAM, iteration, step, draw: 0 }), (step * slotBytes) / 4);
      }
      device.queue.writeBuffer(stepParams, 0, slots);
    },
    encodeReset(encoder) {
      env.encodeReset(encoder);
      if (normalisers) {
        normalisers.encodeResetReturns(encoder);
        if (normalisers.observations) {
          const pass = encoder.beginComputePass({ label: `${label}.normalise-reset` });
          normalisers.dispatchObservations(pass);
          pass.end();
        }
      }
    },
    encode(encoder, params) {
      if (halves) halves.encodeSteps(encoder, params.actor);
      else encodeWholeSteps(encoder, params.actor);
      encoder.copyBufferToBuffer(observationSource, 0, t.observations, steps * obsBytes, obsBytes);
      if (population) {
        // Agent-major rows [G][2][T + 1][B]: one critic pass values observations and final observations.
        const pass = encoder.beginComputePass({ label: `${label}.critic-gather` });
        gatherKernel!.dispatch(pass, gatherGroup!, gather.invocations);
        pass.end();
        criticPasses!.encodeForward(encoder, { params: params.critic, inputs: criticInput! });
        const back = encoder.beginComputePass({ label: `${label}.critic-scatter` });
        scatterKernel!.dispatch(back, scatterGroup!, scatter.invocations);
        back.end();
        return;
      }
      // V(s_t) for t ≤ T in one pass; then V(final obs) in a second (row T of it is unused).
      criticPasses!.encodeForward(encoder, { params: params.critic, inputs: t.observations });
      encoder.copyBufferToBuffer(values, 0, t.values, 0, steps * rowBytes);
      encoder.copyBufferToBuffer(values, steps * rowBytes, t.lastValues, 0, rowBytes);
      criticPasses!.encodeForward(encoder, { params: params.critic, inputs: t.finalObservations });
      encoder.copyBufferToBuffer(values, 0, t.finalValues, 0, steps * rowBytes);
    },
    destroy() {
      destroyAll();
    },
  };
}

/** The Gaussian sampler of a box, or of a hybrid space's first D dims (means the first D outputs of a row, actions the first D words). */
function gaussianSampler(shape: RolloutShape, rows: SampledRows | undefined): RolloutSampler {
  const { G, B, continuousDims: D, actor, logStdSlot, policySize, A } = shape;
  const logStd = { agentStride: actor.parametersPerAgent, offset: logStdSlot!.offset };
  return { kind: 'gaussian', ...policySampleGaussianKernel({ agents: G, envsPerAgent: B, actionDims: D, logStd, rows, rowWidths: { outputs: policySize, actions: A } }) };
}

/**
 * One sampler per categorical branch; a hybrid space's read the logits after the D means, write the
 * words after the D floats, draw after the Gaussian's ⌈D/4⌉ Philox blocks and add to its log p.
 */
function categoricalSamplers(shape: RolloutShape, rows: SampledRows | undefined): RolloutSampler[] {
  const { G, B, continuousDims: D, branches, masked, policySize, A } = shape;
  const hybrid = D > 0 ? { hybrid: { logits: { stride: policySize, offset: D }, actions: { stride: A, offset: D }, firstDraw: 4 * Math.ceil(D / 4) } } : {};
  return policySampleCategoricalKernels({ agents: G, envsPerAgent: B, nvec: branches, masked, rows, ...hybrid }).map((s) => ({ kind: 'categorical', ...s }));
}
